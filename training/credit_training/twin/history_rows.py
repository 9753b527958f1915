"""Vectorised helpers shared by the history tables: counts per key, row expansion, draws.

Every function works on whole columns (NumPy arrays); nothing loops over rows in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credit_training.twin import history_stats as hs
from credit_training.twin.marginals import curve_from_summary, rank_uniform

DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True, slots=True)
class Applicants:
    """The applicants the history belongs to (train and test together), one entry per applicant.

    ``risk`` is the hidden history risk (standard normal, higher = riskier) that drives lateness,
    days past due, overdue bureau debt, refusals and card utilisation.
    """

    ids: np.ndarray  # SK_ID_CURR, int64
    is_test: np.ndarray  # bool
    risk: np.ndarray  # float64, standardised

    @property
    def n(self) -> int:
        return len(self.ids)


def per_side(a: Applicants, train: float, test: float) -> np.ndarray:
    """A per-applicant parameter that differs between the train and test applicants."""
    return np.where(a.is_test, test, train)


def counts(rng: np.random.Generator, mean: np.ndarray, shape: float, cap: int) -> np.ndarray:
    """1 + negative-binomial counts with per-row mean ``mean`` (>= 1) and dispersion ``shape``."""
    extra = np.maximum(mean - 1.0, 1e-9)
    got = rng.negative_binomial(shape, shape / (shape + extra))
    return np.minimum(1 + got, cap).astype(np.int64)


def expand(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(parent index, position 0..len-1) for each child row of parents with ``lengths`` rows."""
    lengths = np.asarray(lengths, dtype=np.int64)
    parent = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    return parent, np.arange(len(parent), dtype=np.int64) - starts[parent]


def from_curve(table: str, name: str, u: np.ndarray, **kwargs) -> np.ndarray:
    """Values with the column's public quartiles, mean and range, ordered like ``u`` in (0,1)."""
    return curve_from_summary(hs.numeric(table, name), **kwargs)(u)


def ranked(z: np.ndarray) -> np.ndarray:
    return rank_uniform(z) if len(z) else z


def choose(rng: np.random.Generator, table: str, name: str, n: int, allowed=None) -> np.ndarray:
    """Level values (object array) drawn with the public shares, restricted to ``allowed``."""
    values, shares = hs.levels(table, name)
    if allowed is not None:
        keep = [i for i, v in enumerate(values) if v in allowed]
        values, shares = [values[i] for i in keep], [shares[i] for i in keep]
    p = np.asarray(shares) / np.sum(shares)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def lattice(values: np.ndarray, step: float) -> np.ndarray:
    return np.round(values / step) * step


def amounts(rng: np.random.Generator, values: np.ndarray, round_share: float) -> np.ndarray:
    """Money amounts as the files hold them: a share on round multiples of 4,500, 450 or 45,
    the rest to the cent (or half-cent for the three-decimal amounts)."""
    u = rng.random(len(values))
    out = np.round(values, 2)
    out = np.where(u < round_share * 0.6, lattice(values, 4500.0), out)
    out = np.where((u >= round_share * 0.6) & (u < round_share), lattice(values, 450.0), out)
    return np.round(out, 3)


def frequent(table: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The column's published most frequent values and their counts (Sweetviz top 15)."""
    top = hs.column(table, name)["sweetviz_extras"].get("most_frequent_values", [])
    return (
        np.array([t["value"] for t in top], dtype=float),
        np.array([t["count"] for t in top], dtype=float),
    )


def from_frequent(
    rng: np.random.Generator, values: np.ndarray, counts_: np.ndarray, n: int
) -> np.ndarray:
    """``n`` draws among ``values`` with weights ``counts_``."""
    if n == 0:
        return np.empty(0)
    return values[rng.choice(len(values), size=n, p=counts_ / counts_.sum())]
