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
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict

from credit_training.candidates import Profile, combinations, fit_params, pipeline
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
    start = time.perf_counter()
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
