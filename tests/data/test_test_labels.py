"""The test side's TARGET: a separate labels file, drawn from the train side's default model."""

import json

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_core.cli import main


def test_credit_twin_writes_and_lists_the_labels_beside_the_test_table(tmp_path, capsys):
    assert main(["twin", "--out", str(tmp_path), "--train-rows", "900", "--test-rows", "300"]) == 0
    out = capsys.readouterr().out
    labels_path = tmp_path / "application_test_labels.csv"
    assert str(labels_path.resolve()) in out
    labels = pd.read_csv(labels_path)
    test = pd.read_csv(tmp_path / "application_test.csv")
    assert list(labels.columns) == ["SK_ID_CURR", "TARGET"]
    assert "TARGET" not in test.columns
    assert labels["SK_ID_CURR"].tolist() == test["SK_ID_CURR"].tolist()
    assert set(labels["TARGET"].unique()) <= {0, 1}
    meta = json.loads((tmp_path / "drift_manifest.json").read_text())
    assert meta["labels"] == "application_test_labels.csv"


@pytest.mark.slow
def test_test_labels_follow_the_train_model_so_a_trained_model_transfers(twin):
    labels = twin.test_labels
    assert labels["SK_ID_CURR"].tolist() == twin.test["SK_ID_CURR"].tolist()
    assert 0.06 <= labels["TARGET"].mean() <= 0.11

    x_train = twin.train.drop(columns=["TARGET", "SK_ID_CURR"])
    fit, held = np.split(np.random.default_rng(0).permutation(len(x_train)), [80_000])
    model = lgb.LGBMClassifier(n_estimators=150, learning_rate=0.05, verbose=-1, n_jobs=2)
    model.fit(x_train.iloc[fit], twin.train["TARGET"].iloc[fit])
    auc_train = roc_auc_score(
        twin.train["TARGET"].iloc[held], model.predict_proba(x_train.iloc[held])[:, 1]
    )
    x_test = twin.test.drop(columns=["SK_ID_CURR"])[x_train.columns]
    auc_test = roc_auc_score(labels["TARGET"], model.predict_proba(x_test)[:, 1])
    # a label drawn from another model (or shuffled) would fall to about 0.5
    assert auc_test == pytest.approx(auc_train, abs=0.03), (auc_train, auc_test)
    assert auc_test > 0.72


def test_hidden_external_scores_follow_the_train_law_on_both_sides():
    # TARGET reads the full external score even where the column is missing. Where it is
    # missing, the hidden score must follow the train law on the test side too, or P(default |
    # observed columns) would differ between train and test (not covariate shift). The observed
    # test scores keep their test marginal (EXT_SOURCE_3 median 0.519 in test, 0.535 in train).
    from credit_training.twin import reference
    from credit_training.twin.generate import build_table

    train, model = build_table(30_000, "train", np.random.default_rng([3, 1]))
    test, _ = build_table(40_000, "test", np.random.default_rng([3, 2]), model)
    name = "EXT_SOURCE_3"
    missing = np.isnan(test.cols[name])
    hidden, seen = test.latent[name][missing], test.latent[name][~missing]
    assert np.array_equal(seen, test.cols[name][~missing])
    assert np.median(hidden) == pytest.approx(reference.numeric(name, "train").p50, abs=0.006)
    assert np.median(seen) == pytest.approx(reference.numeric(name, "test").p50, abs=0.006)
    on_train = train.latent[name][np.isnan(train.cols[name])]
    assert np.median(on_train) == pytest.approx(reference.numeric(name, "train").p50, abs=0.006)
