"""LightGBM's single-row C API gives exactly what ``Booster.predict`` gives."""

import lightgbm as lgb
import numpy as np
import pytest

from credit_core.features import build_spec
from credit_core.model import ScoringModel


@pytest.fixture(scope="module")
def model() -> ScoringModel:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(600, 6))
    x[rng.random(x.shape) < 0.2] = np.nan
    y = (np.nan_to_num(x[:, 0]) + rng.normal(size=600) > 0.5).astype(int)
    booster = lgb.train(
        {"objective": "binary", "num_leaves": 7, "verbose": -1}, lgb.Dataset(x, y), 40
    )
    spec = build_spec([f"f{i}" for i in range(6)], {})
    return ScoringModel(booster, spec, threshold=0.3, platt_a=0.8, platt_b=-0.2)


def test_one_row_raw_scores_and_contributions_match_booster_predict(model):
    rng = np.random.default_rng(11)
    rows = rng.normal(size=(25, 6))
    rows[rng.random(rows.shape) < 0.3] = np.nan
    for i in range(len(rows)):
        row = rows[i : i + 1]
        np.testing.assert_array_equal(
            model.raw_score(row), model.booster.predict(row, raw_score=True)
        )
        contrib, base = model.contributions(row)
        full = model.booster.predict(row, pred_contrib=True)
        np.testing.assert_allclose(contrib, 0.8 * full[:, :-1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(base, 0.8 * full[:, -1] - 0.2, rtol=0, atol=1e-12)


def test_results_are_not_shared_between_calls(model):
    a, b = np.zeros((1, 6)), np.ones((1, 6))
    first = model.raw_score(a)
    model.raw_score(b)
    np.testing.assert_array_equal(first, model.booster.predict(a, raw_score=True))


def test_many_rows_use_the_batch_path(model):
    rows = np.random.default_rng(3).normal(size=(10, 6))
    np.testing.assert_array_equal(
        model.raw_score(rows), model.booster.predict(rows, raw_score=True)
    )


def test_the_fast_config_keeps_its_booster_alive():
    import gc

    from credit_core.model import RAW_SCORE, OneRow

    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(300, 4)), rng.integers(0, 2, 300)
    booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(x, y), 10)
    expected = booster.predict(x[:1], raw_score=True)
    one = OneRow(booster, RAW_SCORE, 4)
    del booster
    gc.collect()
    np.testing.assert_array_equal(one(x[:1]), expected)


def test_multiclass_boosters_are_refused():
    from credit_core.model import RAW_SCORE, OneRow

    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(300, 4)), rng.integers(0, 3, 300)
    params = {"objective": "multiclass", "num_class": 3, "verbose": -1}
    booster = lgb.train(params, lgb.Dataset(x, y), 5)
    with pytest.raises(ValueError, match="binary"):
        OneRow(booster, RAW_SCORE, 4)
