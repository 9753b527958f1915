"""Performance without labels: confidence-based performance estimation (CBPE) from calibrated
probabilities of default, and the same metrics with labels (with a bootstrap interval).

If the model is calibrated, the unknown label of an application with probability p is a
Bernoulli(p) draw, so every confusion-matrix count has an expectation computable from the scores
alone (Kim et al., the idea behind NannyML's CBPE): expected defaults sum(p), expected missed
defaulters sum(p over accepted), expected refused good clients sum(1 - p over refused), and the
expected ROC curve from the expected true/false positive counts at every threshold. It holds under
covariate shift (P(default | x) unchanged), the case data drift monitoring watches for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Performance:
    """Per window: default rate, business cost per application (fn/fp weights at the served
    threshold), refusal rate, ROC AUC."""

    default_rate: float
    business_cost_per_application: float
    refusal_rate: float
    roc_auc: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {k: (None if v is None else round(float(v), 6)) for k, v in asdict(self).items()}


def _auc_from_weights(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float | None:
    """Area under the ROC curve with fractional positive/negative weights per row (ties count
    half): trapezoids between the distinct scores, highest first."""
    if pos.sum() <= 0 or neg.sum() <= 0:
        return None
    order = np.argsort(-score, kind="stable")
    s, p, n = score[order], pos[order], neg[order]
    last = np.r_[s[1:] != s[:-1], True]
    tp = np.r_[0.0, np.cumsum(p)[last]] / p.sum()
    fp = np.r_[0.0, np.cumsum(n)[last]] / n.sum()
    return float(np.sum((fp[1:] - fp[:-1]) * (tp[1:] + tp[:-1]) / 2))


def expected(p: np.ndarray, threshold: float, fn_cost: float, fp_cost: float) -> Performance:
    """CBPE estimate from calibrated probabilities ``p`` (1-D, in [0, 1]); refuse when p >= t."""
    p = np.asarray(p, dtype=np.float64)
    if p.size == 0:
        return Performance(float("nan"), float("nan"), float("nan"), None)
    refuse = p >= threshold
    cost = fn_cost * p[~refuse].sum() + fp_cost * (1 - p[refuse]).sum()
    return Performance(
        default_rate=float(p.mean()),
        business_cost_per_application=float(cost / p.size),
        refusal_rate=float(refuse.mean()),
        roc_auc=_auc_from_weights(p, p, 1 - p),
    )


def actual(
    y: np.ndarray, p: np.ndarray, threshold: float, fn_cost: float, fp_cost: float
) -> Performance:
    """The same metrics with the true labels ``y`` (0/1)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    refuse = p >= threshold
    cost = fn_cost * y[~refuse].sum() + fp_cost * (1 - y[refuse]).sum()
    return Performance(
        default_rate=float(y.mean()),
        business_cost_per_application=float(cost / y.size),
        refusal_rate=float(refuse.mean()),
        roc_auc=_auc_from_weights(p, y, 1 - y),
    )


def bootstrap_interval(
    y: np.ndarray,
    p: np.ndarray,
    threshold: float,
    fn_cost: float,
    fp_cost: float,
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap interval of each actual metric (rows resampled with replacement)."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    draws: dict[str, list[float]] = {"default_rate": [], "business_cost_per_application": []}
    draws["roc_auc"] = []
    for _ in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        perf = actual(y[idx], p[idx], threshold, fn_cost, fp_cost)
        draws["default_rate"].append(perf.default_rate)
        draws["business_cost_per_application"].append(perf.business_cost_per_application)
        if perf.roc_auc is not None:
            draws["roc_auc"].append(perf.roc_auc)
    tail = (1 - level) / 2 * 100
    return {
        k: (float(np.percentile(v, tail)), float(np.percentile(v, 100 - tail)))
        for k, v in draws.items()
        if v
    }
