"""Marginal distributions rebuilt from public summaries, and rank-based dependence.

The twin reproduces each column's published quartiles exactly by mapping ranks of a latent
variable through a piecewise-linear quantile function. Dependence between columns lives in the
latent variables (a Gaussian copula in spirit): whatever the latent's shape, mapping its ranks
gives the published marginal, and rows keep their relative order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from credit_training.twin.reference import Numeric

TAIL_SIGMAS = 5.0  # the twin's upper tail stops at mean + 5 std (inside the public max)


@dataclass(frozen=True, slots=True)
class QuantileCurve:
    """A piecewise-linear quantile function through (probability, value) knots."""

    probs: np.ndarray
    values: np.ndarray

    def __call__(self, u: np.ndarray) -> np.ndarray:
        return np.interp(u, self.probs, self.values)


def curve_from_summary(
    s: Numeric,
    *,
    lower: float | None = None,
    upper: float | None = None,
    probs: Sequence[float] = (0.25, 0.5, 0.75),
    mean: float | None = None,
) -> QuantileCurve:
    """Quantile curve hitting the public quartiles, bounded by the public range, matching the mean.

    ``probs`` lets a caller place the quartiles elsewhere (a sub-population whose quartiles sit at
    other probabilities, e.g. DAYS_EMPLOYED without its sentinel rows; ``mean`` is then that
    sub-population's mean). A free knot at 0.99 is
    solved so that the distribution's mean equals the published mean, which keeps the tails honest.
    """
    lo = s.min if lower is None else lower
    hi = min(s.max, s.mean + TAIL_SIGMAS * s.std) if upper is None else upper
    hi = max(hi, s.p75)
    p = [0.0, *probs, 0.99, 1.0]
    core = [lo, s.p25, s.p50, s.p75]
    # mean of a piecewise-linear quantile function = sum of trapezoids; it is linear in q99
    fixed = sum((p[i + 1] - p[i]) * (core[i] + core[i + 1]) / 2 for i in range(3))
    w_left = (p[4] - p[3]) / 2 + (p[5] - p[4]) / 2  # weight of q99 in the last two trapezoids
    rest = (p[4] - p[3]) / 2 * s.p75 + (p[5] - p[4]) / 2 * hi
    target = s.mean if mean is None else mean
    q99 = (target - fixed - rest) / w_left
    # a knot at the maximum itself would put 1% of the rows on one value: stay just below it
    q99 = float(np.clip(q99, s.p75, hi - 0.01 * (hi - s.p75)))
    return QuantileCurve(np.array(p), np.array([*core, q99, hi], dtype=float))


def rank_uniform(z: np.ndarray) -> np.ndarray:
    """Mid-ranks of ``z`` scaled into (0, 1): the empirical CDF, free of the latent's shape."""
    n = len(z)
    ranks = np.empty(n, dtype=np.float64)
    ranks[np.argsort(z, kind="stable")] = np.arange(n, dtype=np.float64)
    return (ranks + 0.5) / n


def cut_levels(z: np.ndarray, shares: Sequence[float]) -> np.ndarray:
    """Level codes 0..k-1 by cutting the ranks of ``z`` at cumulative ``shares``.

    Low latent values get the first level. Shares are met to within one row, and the level order
    along the latent is how a categorical column inherits dependence on other columns.
    """
    cum = np.cumsum(np.asarray(shares, dtype=float))
    cum /= cum[-1]
    return np.searchsorted(cum, rank_uniform(z), side="right").clip(0, len(cum) - 1)


def sample_levels(rng: np.random.Generator, n: int, shares: Sequence[float]) -> np.ndarray:
    """Independent level codes with the given shares."""
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def correlated(rng: np.random.Generator, base: np.ndarray, rho: float) -> np.ndarray:
    """A standard-normal-like latent with correlation ``rho`` to the standardised ``base``."""
    return rho * base + np.sqrt(max(0.0, 1.0 - rho**2)) * rng.standard_normal(len(base))


def standard(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def neg_binomial(
    rng: np.random.Generator, n: int, mean: float, std: float, cap: float
) -> np.ndarray:
    """Over-dispersed counts with the published mean and standard deviation, capped at the max."""
    var = std**2
    if var <= mean * 1.0001:
        counts = rng.poisson(mean, n)
    else:
        r = mean**2 / (var - mean)
        counts = rng.negative_binomial(r, r / (r + mean), n)
    return np.minimum(counts, cap).astype(np.float64)
