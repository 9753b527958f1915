"""The sets of values real columns take: round-amount grids, fixed point sets, small fractions.

Parameters and their public sources live in ``value_lattices.json`` beside this module; the
functions here are pure (arrays in, arrays out) so the generator's modules stay readable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from credit_training.twin import reference
from credit_training.twin.marginals import QuantileCurve

LATTICE_FILE = "value_lattices.json"


@cache
def load_lattices() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(LATTICE_FILE).read_text("utf-8")
    return json.loads(text)


def choice(name: str) -> dict[str, Any]:
    """The twin's documented choice for ``name`` (see ``twin_choices`` in the JSON file)."""
    return load_lattices()["twin_choices"][name]


def snap(values: np.ndarray, step: float) -> np.ndarray:
    """Nearest multiple of ``step`` (NaN stays NaN)."""
    return np.round(values / step) * step


def snap_mixed(
    values: np.ndarray, grids: Mapping[float, float], rng: np.random.Generator, floor: float
) -> np.ndarray:
    """Each value snapped to one grid drawn per row with the given shares (step -> share).

    Coarse grids apply only where the value is at least two steps (a round 22,500 income is not
    offered to a 20,000 one); ``floor`` is the smallest value allowed after snapping.
    """
    steps = np.array(sorted(grids, reverse=True), dtype=float)
    p = np.array([grids[s] for s in sorted(grids, reverse=True)], dtype=float)
    pick = rng.choice(len(steps), size=len(values), p=p / p.sum())
    step = steps[pick]
    too_coarse = values < 2 * step
    while too_coarse.any():  # fall back to the next finer grid
        pick = np.where(too_coarse, np.minimum(pick + 1, len(steps) - 1), pick)
        step = steps[pick]
        too_coarse = (values < 2 * step) & (pick < len(steps) - 1)
    return np.maximum(np.round(values / step) * step, floor)


def fixed_points(curve: QuantileCurve, size: int, seed: int, decimals: int = 6) -> np.ndarray:
    """``size`` sorted distinct values drawn from ``curve`` with a fixed seed (fewer if the
    rounded curve has fewer).

    The same set is used for every table (train and test), as a score computed by an external
    bureau takes the same values whoever applies.
    """
    rng = np.random.default_rng(seed)
    lo, hi = curve.values[0], curve.values[-1]
    points = np.empty(0)
    for _ in range(20):  # atoms and rounding merge draws: draw again until ``size`` are distinct
        more = np.clip(np.round(curve(rng.random(size)), decimals), lo, hi)
        points = np.unique(np.concatenate([points, more]))
        if len(points) >= size:
            break
    return np.sort(rng.choice(points, size=min(size, len(points)), replace=False))


def points_for_distinct(distinct: int, n: int) -> int:
    """Size L of an equiprobable point set showing ``distinct`` values in ``n`` draws.

    Solves L (1 - exp(-n / L)) = distinct (the expected number of points hit) by bisection.
    """
    if distinct >= n:
        return 100 * n
    lo, hi = float(distinct), 100.0 * n
    for _ in range(100):
        mid = (lo + hi) / 2
        if mid * -np.expm1(-n / mid) < distinct:
            lo = mid
        else:
            hi = mid
    return round((lo + hi) / 2)


def public_points(name: str) -> int:
    """Point-set size for column ``name`` from its public distinct count on the full train."""
    lat = load_lattices()["distinct_values"]
    rows = lat["sample_rows"]
    observed = round(rows * (1 - reference.numeric(name).missing_rate))
    return points_for_distinct(lat["columns"][name], observed)


def snap_to_points(values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Nearest element of the sorted ``points`` for each value (NaN stays NaN)."""
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    v = values[ok]
    i = np.clip(np.searchsorted(points, v), 1, len(points) - 1)
    left, right = points[i - 1], points[i]
    out[ok] = np.where(v - left <= right - v, left, right)
    return out


def payment_rate(annual_rate: np.ndarray | float, months: np.ndarray | float) -> np.ndarray:
    """Monthly annuity per unit of credit: r / (1 - (1 + r)^-n) with r = annual rate / 12."""
    r = np.asarray(annual_rate, dtype=float) / 12.0
    n = np.asarray(months, dtype=float)
    return r / (1.0 - (1.0 + r) ** -n)


def loan_payment_rates() -> np.ndarray:
    """All (term, rate) payment rates of cash loans, sorted ascending."""
    c = choice("AMT_ANNUITY")
    terms, rates = np.meshgrid(c["terms_months"], c["annual_rates"])
    return np.unique(payment_rate(rates.ravel(), terms.ravel()))


def nearest_rate(wanted: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """For each wanted payment rate, the closest available one (rates sorted ascending)."""
    return snap_to_points(wanted, rates)
