"""The grid and the final fit scale with the training size (issue 19 §3)."""

from dataclasses import replace

import numpy as np
import pytest

from credit_training import candidates
from credit_training.candidates import LEAF_FACTOR, PROFILES, min_child_samples, scale_grid
from credit_training.cost import CostWeights
from credit_training.final_fit import OOF, SLICE, calibration_method, fit_final
from credit_training.selection import early_stopped_trees, fold_train_rows


def test_leaf_size_grows_with_the_square_root_of_the_rows():
    # the former fixed grid (100, 400) is what the full profile gives at 240,000 rows
    assert [min_child_samples(240_000, f) for f in (0.2, 0.8)] == [98, 392]
    # a few thousand rows get leaves of tens of rows, not hundreds
    small = [min_child_samples(3_200, f) for f in (0.2, 0.8)]
    assert small == [11, 45]
    assert min_child_samples(10, 0.2) == candidates.MIN_LEAF


def test_full_profile_champion_grid_is_scaled_to_the_fold_size():
    full = PROFILES["full"]
    assert "model__min_child_samples" not in full.champion_grid  # no fixed counts left
    [small] = scale_grid("lightgbm", full.champion_grid, fold_train_rows(4_000, full))
    [large] = scale_grid("lightgbm", full.champion_grid, fold_train_rows(300_000, full))
    assert LEAF_FACTOR not in small
    assert max(small["model__min_child_samples"]) <= 50
    assert small["model__min_child_samples"] == sorted(small["model__min_child_samples"])
    assert min(large["model__min_child_samples"]) >= 90


def test_stage_one_lightgbm_points_get_a_scaled_leaf_size_and_explicit_ones_stay():
    [point] = scale_grid("lightgbm", {"model__num_leaves": [7]}, 3_200)
    assert point["model__min_child_samples"] == [min_child_samples(3_200, 0.4)] == [23]
    [kept] = scale_grid("lightgbm", {"model__min_child_samples": [100]}, 3_200)
    assert kept["model__min_child_samples"] == [100]
    assert scale_grid("logreg", [{"model__model__C": [0.1]}], 3_200) == [{"model__model__C": [0.1]}]


@pytest.mark.parametrize(("folds", "method"), [(5, OOF), (10, OOF), (3, SLICE), (2, SLICE)])
def test_calibration_method_is_chosen_by_folds(folds, method):
    # from five folds the booster learns from every row at any size: at 80,000 training rows
    # the slice made the pipeline trail a plain LightGBM fitted on all of them
    assert calibration_method(folds) == method


def _separable(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    y = (x[:, 0] + 0.5 * rng.normal(size=n) > 1.2).astype(int)
    return x, y


def test_early_stopping_sizes_the_trees_and_the_final_model_uses_every_row():
    """A one-feature signal is learned in few trees: early stopping keeps far fewer than the cap;
    with five folds the map is cross-fitted and the booster sees all rows."""
    x, y = _separable(1_500, 0)
    profile = replace(PROFILES["tiny"], folds=5, max_trees=300)
    params = {"model__num_leaves": 7, "model__learning_rate": 0.3}
    model = candidates.pipeline("lightgbm", "none", [], x.shape[1], profile.seed).set_params(
        **params
    )
    trees = early_stopped_trees(model, x, y, [], profile, 300)
    assert 10 <= trees < 150
    method = calibration_method(profile.folds)
    final = fit_final("none", params, x, y, [], profile, CostWeights(), method)
    assert final.params["model__n_estimators"] == trees
    assert final.booster.num_trees() == trees
    assert final.method == OOF and final.fit_rows == 1_500 and final.calibration_rows == 0


def test_without_a_tree_cap_the_grid_count_is_kept():
    x, y = _separable(600, 1)
    profile = replace(PROFILES["tiny"], max_trees=0)
    params = {"model__n_estimators": 12, "model__num_leaves": 3}
    final = fit_final("none", params, x, y, [], profile, CostWeights())
    assert final.booster.num_trees() == 12 and final.params == params
