"""Model selection under one cross-validation: ROC AUC and the threshold-optimised business cost.

Stage 1 compares every candidate x imbalance strategy (GridSearchCV on a small grid each);
stage 2 tunes the servable champion family with the winning strategy on a larger grid. The
threshold is then chosen on out-of-fold predictions of the training part, never on the holdout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict

from credit_training.candidates import (
    SERVABLE,
    Profile,
    combinations,
    fit_params,
    pipeline,
    scale_grid,
)
from credit_training.cost import CostWeights, min_cost_score

Log = Callable[[str], None]


@dataclass(frozen=True)
class CandidateResult:
    candidate: str
    strategy: str
    best_params: dict[str, Any]
    cv_auc: float
    cv_auc_std: float
    cv_cost: float
    cv_cost_std: float
    seconds: float
    grid: list[dict[str, Any]]


def scorers(w: CostWeights) -> dict[str, Any]:
    cost = make_scorer(
        min_cost_score, response_method="predict_proba", greater_is_better=False, w=w
    )
    return {"roc_auc": "roc_auc", "cost": cost}


def folds(profile: Profile) -> StratifiedKFold:
    return StratifiedKFold(n_splits=profile.folds, shuffle=True, random_state=profile.seed)


def fold_train_rows(n_rows: int, profile: Profile) -> int:
    """Rows each CV model learns from when the training part holds ``n_rows``."""
    return n_rows * (profile.folds - 1) // profile.folds


def grid_search(
    candidate: str,
    strategy: str,
    grid: dict[str, list[Any]] | list[dict[str, list[Any]]],
    x: np.ndarray,
    y: np.ndarray,
    categorical: list[int],
    profile: Profile,
    w: CostWeights,
) -> CandidateResult:
    """Cross-validated AUC and business cost of every point of ``grid`` (its leaf sizes scaled to
    the folds' training rows, ``candidates.scale_grid``); the cheapest point is the best."""
    start = time.perf_counter()
    grid = scale_grid(candidate, grid, fold_train_rows(len(y), profile))
    search = GridSearchCV(
        pipeline(candidate, strategy, categorical, x.shape[1], profile.seed),
        grid,
        scoring=scorers(w),
        refit=False,
        cv=folds(profile),
        n_jobs=1,
        error_score="raise",
    )
    search.fit(x, y, **fit_params(candidate, categorical))
    r = search.cv_results_
    best = int(np.argmax(r["mean_test_cost"]))  # costs are negated: the max is the cheapest
    return CandidateResult(
        candidate=candidate,
        strategy=strategy,
        best_params=dict(r["params"][best]),
        cv_auc=float(r["mean_test_roc_auc"][best]),
        cv_auc_std=float(r["std_test_roc_auc"][best]),
        cv_cost=float(-r["mean_test_cost"][best]),
        cv_cost_std=float(r["std_test_cost"][best]),
        seconds=time.perf_counter() - start,
        grid=[
            {
                "params": dict(p),
                "cv_auc": float(a),
                "cv_cost": float(-c),
            }
            for p, a, c in zip(
                r["params"], r["mean_test_roc_auc"], r["mean_test_cost"], strict=True
            )
        ],
    )


def compare(
    x: np.ndarray,
    y: np.ndarray,
    categorical: list[int],
    profile: Profile,
    w: CostWeights,
    log: Log = lambda _: None,
) -> list[CandidateResult]:
    """Stage 1: every candidate x strategy under the same folds."""
    results = []
    for candidate, strategy in combinations(profile):
        res = grid_search(
            candidate, strategy, profile.grids[candidate], x, y, categorical, profile, w
        )
        log(
            f"  {candidate:9s} {strategy:13s} CV AUC {res.cv_auc:.4f}  cost {res.cv_cost:.4f}"
            f"  ({res.seconds:.0f} s)"
        )
        results.append(res)
    return results


def oof_probabilities(
    model, x: np.ndarray, y: np.ndarray, categorical: list[int], profile: Profile, candidate: str
) -> np.ndarray:
    """Out-of-fold probabilities of the training part (for calibration and the threshold)."""
    return cross_val_predict(
        model,
        x,
        y,
        cv=folds(profile),
        method="predict_proba",
        params=fit_params(candidate, categorical),
    )[:, 1]


MIN_TREES = 10


def early_stopped_trees(
    model,
    x: np.ndarray,
    y: np.ndarray,
    categorical: list[int],
    profile: Profile,
    max_trees: int,
) -> int:
    """Tree count for ``model`` (a servable pipeline) on the (n, f) training part: each CV model
    grows ``max_trees`` trees while scoring its validation fold (never resampled); the count is
    the argmax of the folds' mean validation AUC curve, at least ``MIN_TREES``."""
    curves = []
    for train_idx, val_idx in folds(profile).split(x, y):
        fold = clone(model).set_params(model__n_estimators=max_trees)
        fold.fit(
            x[train_idx],
            y[train_idx],
            model__eval_X=(x[val_idx],),
            model__eval_y=(y[val_idx],),
            model__eval_metric="auc",
            **fit_params(SERVABLE, categorical),
        )
        curves.append(fold.named_steps["model"].evals_result_["valid_0"]["auc"])
    mean_auc = np.mean([c[: min(map(len, curves))] for c in curves], axis=0)
    return max(MIN_TREES, int(np.argmax(mean_auc)) + 1)
