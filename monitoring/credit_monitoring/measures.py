"""Per-column drift measures on float arrays (NaN = missing), sized for large samples.

One measure for every column type, so that scores rank on one scale: the population stability
index (PSI, the symmetric Kullback-Leibler divergence between binned shares, a credit-scoring
standard). Continuous columns are binned on reference deciles, discrete ones by value: every
categorical (level codes, however many levels) and numeric columns with at most ``MAX_LEVELS``
distinct reference values (flags, counts). Binned by value, a level absent from the reference
always lands in its own bin, so a new category registers as drift. Missing
values are scored separately (a two-bin PSI: missing vs present), because a test on non-missing
values cannot see a change in the missing rate. Thresholds: a fixed materiality level, raised to
the 99.9% quantile of the PSI's no-drift distribution when samples are small (see docs/drift.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

MAX_LEVELS = 20  # at most this many distinct reference values: binned by value
QUANTILE_BINS = 10  # continuous columns: reference deciles
SMOOTHING = 0.5  # pseudo-count per bin (Jeffreys prior): empty bins stay finite
PSI_THRESHOLD = 0.02  # smallest material change of the values (docs/drift.md)
MISSING_PSI_THRESHOLD = 0.01  # a 5-point change of the missing rate
NULL_QUANTILE = 0.999  # small samples: the threshold is at least this no-drift quantile


@dataclass(frozen=True, slots=True)
class Bins:
    """How a column is binned: by reference value (``levels``) or by decile ``edges``."""

    levels: np.ndarray | None = None
    edges: np.ndarray | None = None

    @property
    def kind(self) -> str:
        return "levels" if self.levels is not None else "deciles"

    @property
    def count(self) -> int:
        # by value: one bin per level plus one for values unseen in the reference
        return len(self.levels) + 1 if self.levels is not None else len(self.edges) + 1

    def assign(self, values: np.ndarray) -> np.ndarray:
        """Bin index of each (non-missing) value."""
        if self.levels is not None:
            if self.levels.size == 0:
                return np.zeros(len(values), dtype=np.intp)
            idx = np.searchsorted(self.levels, values)
            idx = np.minimum(idx, len(self.levels) - 1)
            seen = self.levels[idx] == values
            return np.where(seen, idx, len(self.levels))
        return np.searchsorted(self.edges, values, side="left")


def fit_bins(reference: np.ndarray, by_value: bool = False) -> Bins:
    """Bins from the reference's non-missing values (1-D float array, NaN allowed): by value
    when ``by_value`` (categorical level codes) or at most ``MAX_LEVELS`` distinct values."""
    values = reference[~np.isnan(reference)]
    if values.size == 0:
        return Bins(levels=np.array([], dtype=np.float64))
    distinct = np.unique(values)
    if by_value or distinct.size <= MAX_LEVELS:
        return Bins(levels=distinct)
    cuts = np.quantile(values, np.linspace(0, 1, QUANTILE_BINS + 1)[1:-1])
    return Bins(edges=np.unique(cuts))


def counts(bins: Bins, values: np.ndarray) -> np.ndarray:
    present = values[~np.isnan(values)]
    return np.bincount(bins.assign(present), minlength=bins.count).astype(np.float64)


def psi_from_counts(ref: np.ndarray, cur: np.ndarray) -> float:
    """PSI = sum (q - p) ln(q / p) over the bins used by either side, shares smoothed by
    ``SMOOTHING`` per bin (0 when both samples fill the bins in the same proportions)."""
    if ref.sum() == 0 or cur.sum() == 0:
        return 0.0
    used = (ref > 0) | (cur > 0)  # a bin empty on both sides carries no information
    ref, cur = ref[used], cur[used]
    k = len(ref)
    p = (ref + SMOOTHING) / (ref.sum() + SMOOTHING * k)
    q = (cur + SMOOTHING) / (cur.sum() + SMOOTHING * k)
    return float(np.sum((q - p) * np.log(q / p)))


def null_threshold(n_ref: float, n_cur: float, bins: int) -> float:
    """The PSI that no-drift samples of these sizes exceed with probability 1 - NULL_QUANTILE.

    Under no drift, PSI ~ (1/n_ref + 1/n_cur) * chi2(bins - 1) asymptotically (it is a
    symmetrised chi-square statistic divided by the sample size)."""
    if n_ref <= 0 or n_cur <= 0 or bins < 2:
        return float("inf")
    return float((1 / n_ref + 1 / n_cur) * chi2.ppf(NULL_QUANTILE, bins - 1))


@dataclass(frozen=True, slots=True)
class ColumnScore:
    """Drift of one column: the values' PSI, the missing-rate PSI, their thresholds."""

    values_psi: float
    values_threshold: float
    missing_psi: float
    missing_threshold: float
    missing_rate_reference: float
    missing_rate_current: float
    bins: int
    binning: str  # "levels" | "deciles"

    @property
    def drifted_values(self) -> bool:
        return self.values_psi > self.values_threshold

    @property
    def drifted_missing(self) -> bool:
        return self.missing_psi > self.missing_threshold

    @property
    def drifted(self) -> bool:
        return self.drifted_values or self.drifted_missing

    @property
    def severity(self) -> float:
        """Score over threshold of the stronger component (> 1 means drifted)."""
        return max(
            self.values_psi / self.values_threshold, self.missing_psi / self.missing_threshold
        )


def score_column(
    reference: np.ndarray,
    current: np.ndarray,
    values_threshold: float = PSI_THRESHOLD,
    missing_threshold: float = MISSING_PSI_THRESHOLD,
    by_value: bool = False,
) -> ColumnScore:
    """Drift of ``current`` against ``reference`` (1-D float arrays, NaN = missing); binned by
    value when ``by_value`` (categoricals), see :func:`fit_bins`."""
    ref_missing = np.isnan(reference)
    cur_missing = np.isnan(current)
    n_ref, n_cur = len(reference), len(current)
    m_ref, m_cur = int(ref_missing.sum()), int(cur_missing.sum())
    bins = fit_bins(reference, by_value)
    values_psi = psi_from_counts(counts(bins, reference), counts(bins, current))
    missing_psi = psi_from_counts(
        np.array([m_ref, n_ref - m_ref], dtype=np.float64),
        np.array([m_cur, n_cur - m_cur], dtype=np.float64),
    )
    return ColumnScore(
        values_psi=values_psi,
        values_threshold=max(
            values_threshold, null_threshold(n_ref - m_ref, n_cur - m_cur, bins.count)
        ),
        missing_psi=missing_psi,
        missing_threshold=max(missing_threshold, null_threshold(n_ref, n_cur, 2)),
        missing_rate_reference=m_ref / n_ref if n_ref else float("nan"),
        missing_rate_current=m_cur / n_cur if n_cur else float("nan"),
        bins=bins.count,
        binning=bins.kind,
    )
