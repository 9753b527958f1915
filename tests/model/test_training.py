"""Training: fold-local resampling, threshold on out-of-fold predictions, registry and aliases."""

import numpy as np
import pytest
from imblearn import FunctionSampler
from imblearn.pipeline import Pipeline
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from credit_training import registry
from credit_training.cost import CostWeights
from credit_training.selection import folds, scorers

pytestmark = pytest.mark.slow


def test_resampling_sees_only_training_fold_rows(tiny_profile):
    """The sampler runs inside each CV training fold: it never sees a validation row."""
    rng = np.random.default_rng(0)
    n = 600
    x = np.column_stack([np.arange(n, dtype=float), rng.normal(size=n)])  # col 0 = row id
    y = (rng.random(n) < 0.15).astype(int)
    seen: list[set[int]] = []

    def spy(xs, ys):
        seen.append(set(xs[:, 0].astype(int)))
        return xs, ys

    model = Pipeline(
        [("sampler", FunctionSampler(func=spy, validate=False)), ("model", LogisticRegression())]
    )
    search = GridSearchCV(
        model,
        {"model__C": [0.1, 1.0]},
        cv=folds(tiny_profile),
        scoring=scorers(CostWeights()),
        refit=False,
    )
    search.fit(x, y)
    train_folds = [set(tr) for tr, _ in folds(tiny_profile).split(x, y)]
    assert len(seen) == 2 * tiny_profile.folds  # fit only, never on validation/predict
    for rows in seen:
        assert rows in train_folds
        assert len(rows) < n


def test_threshold_is_chosen_on_out_of_fold_training_predictions(
    monkeypatch, tmp_path, tiny_profile
):
    """best_threshold only ever sees training-part labels, never the holdout."""
    import credit_training.train as train_mod
    from credit_training.twin.generate import write_twin

    write_twin(tmp_path / "twin", 3000, 200, seed=8)
    calls = []
    real = train_mod.best_threshold

    def recording(y, p, w):
        calls.append(np.asarray(y).copy())
        return real(y, p, w)

    monkeypatch.setattr(train_mod, "best_threshold", recording)
    cfg = train_mod.TrainConfig(data=tmp_path / "twin", profile=tiny_profile, data_dir=tmp_path)
    summary = train_mod.run_training(cfg)
    holdout_rows = round(3000 * tiny_profile.holdout)
    assert len(calls) == 1 and len(calls[0]) == 3000 - holdout_rows
    assert summary["holdout"]["business_cost"] >= 0


def test_run_registers_a_champion_with_the_native_booster(trained, trained_store):
    s = trained["summary"]
    client = MlflowClient()
    assert s["aliases"] == ["challenger", "champion"]
    assert registry.alias_version(client, "credit-scoring", "champion") == s["registered_version"]
    model = registry.load_registered("credit-scoring", s["registered_version"])
    assert model.model_file.read_text().startswith("tree")  # LightGBM's own text format
    assert model.card["threshold"] == pytest.approx(s["threshold"])
    assert 0 < s["threshold"] < 0.5
    table = {(r["candidate"], r["strategy"]) for r in s["comparison"]}
    assert ("dummy", "none") in table and ("lightgbm", "smote") in table
    assert len(table) == 9


def test_holdout_probabilities_are_calibrated(trained):
    h = trained["summary"]["holdout"]
    assert h["ece"] <= 0.03  # 1,600 holdout rows: the 0.02 target is checked on the demo twin
    assert h["business_cost"] < h["business_cost_at_0_5"]


@pytest.mark.parametrize(
    ("new", "champion", "force", "expected"),
    [
        (0.5, None, False, True),
        (0.5, 0.6, False, True),
        (0.5, 0.5, False, True),
        (0.6, 0.5, False, False),
        (0.6, 0.5, True, True),
    ],
)
def test_promotion_rule(new, champion, force, expected):
    assert registry.should_promote(new, champion, force) is expected


def test_a_worse_model_stays_challenger(trained, trained_store, tiny_profile):
    """A second run whose holdout cost is worse does not take the champion alias."""
    from dataclasses import replace

    from credit_training.train import run_training

    weak = replace(
        tiny_profile,
        grids={
            "dummy": [{}],
            "logreg": [{"model__model__C": [0.1]}],
            "lightgbm": [{"model__num_leaves": [2], "model__n_estimators": [1]}],
        },
        champion_grid={"model__num_leaves": [2], "model__n_estimators": [1]},
        strategies=("none",),
    )
    before = registry.alias_version(MlflowClient(), "credit-scoring", "champion")
    summary = run_training(replace(trained["cfg"], profile=weak))
    assert summary["aliases"] == ["challenger"]
    assert summary["champion_holdout_cost_before"] < summary["holdout"]["business_cost"]
    assert registry.alias_version(MlflowClient(), "credit-scoring", "champion") == before
    forced = run_training(replace(trained["cfg"], profile=weak, promote=True))
    assert forced["aliases"] == ["challenger", "champion"]
    # put the good model back for the other tests
    MlflowClient().set_registered_model_alias("credit-scoring", "champion", before)
