"""The business cost of decisions and the threshold that minimises it.

A missed defaulter (false negative: accepted, then defaults) costs ``fn`` units, a good client
refused (false positive) costs ``fp`` units; by default 10 and 1, defined once with the model
card (``credit_core.contracts.CostWeights``). Costs are reported per application so that figures
from tables of different sizes compare.
"""

from __future__ import annotations

import numpy as np

from credit_core.contracts import DEFAULT_COST_WEIGHTS, CostWeights

__all__ = ["CostWeights", "business_cost", "cost_curve"]


def business_cost(y: np.ndarray, p: np.ndarray, threshold: float, w: CostWeights) -> float:
    """Normalised cost of refusing every application with probability >= threshold."""
    y = np.asarray(y).astype(bool)
    refuse = np.asarray(p) >= threshold
    fn = np.sum(y & ~refuse)
    fp = np.sum(~y & refuse)
    return float((w.fn * fn + w.fp * fp) / len(y))


def cost_curve(y: np.ndarray, p: np.ndarray, w: CostWeights) -> tuple[np.ndarray, np.ndarray]:
    """Normalised cost at every distinct threshold (refuse when p >= threshold), in O(n log n).

    The candidate thresholds are the distinct scores plus +inf (accept everyone).
    """
    y = np.asarray(y).astype(bool)
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(-p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    # refusing the top k rows: FP = negatives among them, FN = positives not among them
    last_of_tie = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    pos_cum = np.cumsum(y_sorted)[last_of_tie]
    k = np.flatnonzero(last_of_tie) + 1
    fp = k - pos_cum
    fn = y.sum() - pos_cum
    thresholds = np.r_[np.inf, p_sorted[last_of_tie]]
    costs = np.r_[w.fn * y.sum(), w.fn * fn + w.fp * fp] / len(y)
    return thresholds, costs


def best_threshold(y: np.ndarray, p: np.ndarray, w: CostWeights) -> tuple[float, float]:
    """(threshold, normalised cost) minimising the cost; ties go to the highest threshold."""
    thresholds, costs = cost_curve(y, p, w)
    i = int(np.argmin(costs))
    return float(thresholds[i]), float(costs[i])


def min_cost_score(y: np.ndarray, p: np.ndarray, w: CostWeights = DEFAULT_COST_WEIGHTS) -> float:
    """The threshold-optimised cost on one validation fold (a CV scoring function)."""
    return best_threshold(y, p, w)[1]
