"""Evaluation of probabilities and decisions: discrimination, cost, calibration."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    fbeta_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from credit_training.cost import CostWeights, business_cost


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE over equal-count bins: with 8% positives, equal-width bins would leave most empty."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    ece = 0.0
    for chunk in np.array_split(order, bins):
        if len(chunk):
            ece += len(chunk) * abs(y[chunk].mean() - p[chunk].mean())
    return float(ece / len(y))


def evaluate(y: np.ndarray, p: np.ndarray, threshold: float, w: CostWeights) -> dict[str, float]:
    y = np.asarray(y).astype(int)
    pred = (np.asarray(p) >= threshold).astype(int)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "accuracy": float(accuracy_score(y, pred)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f_beta": float(fbeta_score(y, pred, beta=w.beta, zero_division=0)),
        "business_cost": business_cost(y, p, threshold, w),
        "business_cost_at_0_5": business_cost(y, p, 0.5, w),
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p),
        "refusal_rate": float(pred.mean()),
    }
