"""Performance without labels: confidence-based performance estimation (CBPE) from calibrated
probabilities of default, and the same metrics with labels (with a bootstrap interval).

If the model is calibrated, the unknown label of an application with probability p is a
Bernoulli(p) draw, so every confusion-matrix count has an expectation computable from the scores
alone (Kim et al., the idea behind NannyML's CBPE): expected defaults sum(p), expected missed
defaulters sum(p over accepted), expected refused good clients sum(1 - p over refused), and the
expected ROC curve from the expected true/false positive counts at every threshold. It holds under
covariate shift (P(default | x) unchanged), the case data drift monitoring watches for.

The estimate is only as good as the probabilities' calibration on the reference population. As in
NannyML's CBPE, scores can first be calibrated on labelled reference rows the model did not learn
from (:func:`fit_calibration`, isotonic regression); the served decisions stay ``score >=
threshold`` and only the expected labels use the calibrated probabilities.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# Estimates that rest on the bundle's own Platt map are not trusted for the ROC AUC: the map
# is fitted for the default rate (two parameters), and CBPE's AUC reads the whole shape of the
# probabilities. Measured: bench/cbpe_twins.py, docs/drift.md ("Estimate vs truth").
UNTRUSTED_WITH_BUNDLE_CALIBRATION = ("roc_auc",)


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


@dataclass(frozen=True, slots=True)
class Calibration:
    """A non-decreasing map from served score to default probability (isotonic regression on
    labelled reference rows), linear between its knots and flat beyond them."""

    scores: np.ndarray  # knots: distinct reference scores, increasing
    probabilities: np.ndarray  # the fitted default probability at each knot

    def __call__(self, score: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(score, dtype=np.float64), self.scores, self.probabilities)


def fit_calibration(score: np.ndarray, y: np.ndarray) -> Calibration:
    """Isotonic regression of the labels ``y`` (0/1) on the scores (pool-adjacent-violators,
    ``scipy.optimize.isotonic_regression``), one knot per distinct score weighted by its count.

    Raises ValueError for empty or mismatched inputs."""
    from scipy.optimize import isotonic_regression

    score = np.asarray(score, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if score.size == 0 or score.shape != y.shape:
        raise ValueError("calibration needs as many labels as scores, at least one")
    knots, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    rates = np.bincount(inverse, weights=y) / counts
    fitted = isotonic_regression(rates, weights=counts.astype(np.float64)).x
    return Calibration(knots, fitted)


def expected(
    p: np.ndarray,
    threshold: float,
    fn_cost: float,
    fp_cost: float,
    calibrated: np.ndarray | None = None,
    refused: np.ndarray | None = None,
) -> Performance:
    """CBPE estimate for the served scores ``p`` (1-D, in [0, 1]; refuse when p >= t).

    The expected labels are ``calibrated`` (the scores' default probabilities, same shape, e.g.
    ``fit_calibration(...)(p)``), or ``p`` itself when the scores are taken as calibrated.
    ``refused`` (booleans, same shape), when given, are the decisions actually served (e.g. the
    request log's, whatever threshold each model version used) and replace ``p >= threshold``."""
    p = np.asarray(p, dtype=np.float64)
    q = p if calibrated is None else np.asarray(calibrated, dtype=np.float64)
    if q.shape != p.shape:
        raise ValueError("calibrated probabilities must match the scores' shape")
    if p.size == 0:
        return Performance(float("nan"), float("nan"), float("nan"), None)
    refuse = p >= threshold if refused is None else np.asarray(refused, dtype=bool)
    if refuse.shape != p.shape:
        raise ValueError("refused decisions must match the scores' shape")
    cost = fn_cost * q[~refuse].sum() + fp_cost * (1 - q[refuse]).sum()
    return Performance(
        default_rate=float(q.mean()),
        business_cost_per_application=float(cost / p.size),
        refusal_rate=float(refuse.mean()),
        roc_auc=_auc_from_weights(p, q, 1 - q),
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
