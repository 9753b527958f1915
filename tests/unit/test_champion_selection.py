"""Stage 2 ranks configurations by CV AUC, sizes their trees and always searches the plain
LightGBM configuration (issue 19 §3: the pipeline must not trail a plain model)."""

from dataclasses import replace

import numpy as np

from credit_training import candidates
from credit_training.candidates import PLAIN, PLAIN_STRATEGY, PROFILES, plain_point
from credit_training.cost import CostWeights
from credit_training.final_fit import fit_final
from credit_training.selection import (
    MIN_TREES,
    CandidateResult,
    champion_of,
    choose_champion,
    compare,
    sized_grid_search,
    stage_two,
    stage_two_rows,
)

W = CostWeights()


def _data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    logit = 1.2 * x[:, 0] - 0.8 * x[:, 1] + 0.5 * x[:, 2] * x[:, 3] - 2.3
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return x, y


def _stage_one(strategy: str, auc: float, cost: float) -> CandidateResult:
    return CandidateResult(
        candidate="lightgbm",
        strategy=strategy,
        best_params={"model__num_leaves": 3, "model__n_estimators": 5},
        cv_auc=auc,
        cv_auc_std=0.0,
        cv_cost=cost,
        cv_cost_std=0.0,
        seconds=0.0,
        grid=[],
    )


def _small(profile_name: str, **changes):
    return replace(PROFILES[profile_name], folds=3, **changes)


def test_real_profiles_search_the_plain_configuration():
    assert PROFILES["full"].plain_candidate and PROFILES["fast"].plain_candidate
    [point] = candidates.scale_grid("lightgbm", plain_point(), 3_200)
    assert point["model__min_child_samples"] == [PLAIN["min_child_samples"]]  # kept as given
    assert point["model__n_estimators"] == [PLAIN["n_estimators"]]


def test_stage_two_tunes_the_strategy_with_the_best_cv_auc_not_the_cheapest():
    """Stage 1's per-fold cost picks its own threshold on few defaulters: a noisy ranking. The
    strategy with the higher CV AUC is tuned even when another had the lower CV cost."""
    x, y = _data(900, 0)
    profile = _small("tiny", plain_candidate=False)
    results = [
        _stage_one("class_weight", auc=0.80, cost=0.50),
        _stage_one("undersample", auc=0.70, cost=0.40),
    ]
    logged: list[str] = []
    best = choose_champion(results, x, y, [], profile, W, log=logged.append)
    assert "strategy class_weight" in logged[0]
    assert best.strategy == "class_weight"


def test_a_weak_grid_cannot_beat_the_plain_configuration_in_cv():
    """With a deliberately poor champion grid (stumps, a tiny learning rate), the plain
    configuration, searched beside it, becomes the champion: its CV AUC bounds the choice."""
    x, y = _data(1_500, 1)
    weak = {"model__num_leaves": [2], "model__learning_rate": [0.001], "model__n_estimators": [20]}
    profile = _small("fast", champion_grid=weak, max_trees=320)
    results = [_stage_one("smote", auc=0.5, cost=1.0)]
    best = choose_champion(results, x, y, [], profile, W)
    assert best.strategy == PLAIN_STRATEGY
    assert best.best_params["model__learning_rate"] == PLAIN["learning_rate"]
    assert best.best_params["model__num_leaves"] == PLAIN["num_leaves"]
    plain = sized_grid_search(PLAIN_STRATEGY, plain_point(), x, y, [], profile, W)
    assert best.cv_auc == plain.cv_auc
    # without the plain point the weak grid would have been served
    alone = choose_champion(results, x, y, [], replace(profile, plain_candidate=False), W)
    assert alone.best_params["model__num_leaves"] == 2 and alone.cv_auc < best.cv_auc


def test_stage_two_sizes_each_point_and_the_final_model_keeps_that_count():
    x, y = _data(1_500, 2)
    profile = _small("fast", max_trees=400)
    grid = {"model__num_leaves": [7], "model__learning_rate": [0.3, 0.02]}
    res = sized_grid_search("none", grid, x, y, [], profile, W)
    assert res.trees_sized and len(res.grid) == 2
    counts = {
        p["params"]["model__learning_rate"]: p["params"]["model__n_estimators"] for p in res.grid
    }
    assert counts[0.3] < counts[0.02] <= 400  # a fast learner needs fewer trees
    assert res.cv_auc == max(p["cv_auc"] for p in res.grid)
    final = fit_final(res.strategy, res.best_params, x, y, [], profile, W, size_trees=False)
    assert final.booster.num_trees() == res.best_params["model__n_estimators"]


def test_stage_one_on_a_sample_ranks_strategies_but_never_competes_with_stage_two():
    """``stage1_rows`` bounds stage 1's cost at full size: it runs on a stratified sample, and a
    sampled CV AUC (other rows, other folds) is never compared with stage 2's."""
    x, y = _data(1_200, 2)
    tiny = _small("tiny", plain_candidate=False, strategies=("none",), stage1_rows=400)
    logged: list[str] = []
    results = compare(x, y, [], tiny, W, log=logged.append)
    assert "sample of 400 training rows" in logged[0]
    assert results and all(r.sampled for r in results)
    assert not any(r.sampled for r in compare(x, y, [], replace(tiny, stage1_rows=0), W))
    # a sampled stage-1 result with an unbeatable AUC is still not the champion
    lucky = replace(_stage_one("none", auc=0.999, cost=0.0), sampled=True)
    best = choose_champion([lucky], x, y, [], tiny, W)
    assert best is not lucky and best.cv_auc < 0.999
    # measured on every row, the same result would win
    unsampled = replace(lucky, sampled=False)
    assert choose_champion([unsampled], x, y, [], tiny, W) is unsampled


def test_stage_two_table_has_a_row_per_point_tried_and_marks_the_champion():
    """The reviewer's table: the stage-1 choice, every grid point and the plain configuration,
    each with its early-stopped tree count and CV figures; one row is the champion."""
    x, y = _data(1_500, 3)
    grid = {"model__num_leaves": [3, 7], "model__learning_rate": [0.3, 0.05]}
    profile = _small("fast", champion_grid=grid, max_trees=300)
    results = [_stage_one("class_weight", auc=0.5, cost=1.0)]
    searched = stage_two(results, x, y, [], profile, W)
    champion = champion_of(results, searched)
    rows = stage_two_rows(results, searched, champion)

    assert [r["search"] for r in rows] == ["stage 1"] + ["grid"] * 4 + ["plain"]
    assert {(r["num_leaves"], r["learning_rate"]) for r in rows if r["search"] == "grid"} == {
        (3, 0.3),
        (3, 0.05),
        (7, 0.3),
        (7, 0.05),
    }
    assert rows[0]["trees"] == 5 and not rows[0]["trees_sized"]
    assert rows[0]["learning_rate"] is None  # the stage-1 point does not set it
    plain = rows[-1]
    assert plain["strategy"] == PLAIN_STRATEGY and plain["subsample"] == PLAIN["subsample"]
    for r in rows[1:]:
        assert r["trees_sized"] and MIN_TREES <= r["trees"] <= 300
        assert 0.5 < r["cv_roc_auc"] <= 1 and r["cv_roc_auc_std"] >= 0
        assert r["cv_business_cost"] > 0
    [best] = [r for r in rows if r["champion"]]
    assert best["cv_roc_auc"] == max(r["cv_roc_auc"] for r in rows) == champion.cv_auc
    assert best["trees"] == champion.best_params["model__n_estimators"]
    # the table's figures are the searches' own, not recomputed
    assert {r["trees"] for r in rows[1:5]} == {
        g["params"]["model__n_estimators"] for g in searched["grid"].grid
    }
