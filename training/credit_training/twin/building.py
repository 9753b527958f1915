"""The building the applicant lives in: the _AVG/_MODE/_MEDI housing block.

The real block goes missing together, in nested layers (47% to 70% missing per attribute): a
per-row completeness level decides how many attributes are known. Attribute values share a
building-size factor; _MODE and _MEDI are close variants of _AVG with their own marginals, and
the count-like attributes sit on small-denominator fractions.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from credit_training.twin import reference
from credit_training.twin.builder import TableBuilder
from credit_training.twin.lattice import choice, fixed_points, public_points, snap, snap_to_points
from credit_training.twin.marginals import correlated, curve_from_summary, rank_uniform

# attribute -> loading on the building-size factor
ATTRIBUTES = {
    "APARTMENTS": 0.9,
    "BASEMENTAREA": 0.5,
    "YEARS_BEGINEXPLUATATION": 0.15,
    "YEARS_BUILD": 0.2,
    "COMMONAREA": 0.5,
    "ELEVATORS": 0.7,
    "ENTRANCES": 0.6,
    "FLOORSMAX": 0.7,
    "FLOORSMIN": 0.65,
    "LANDAREA": 0.4,
    "LIVINGAPARTMENTS": 0.9,
    "LIVINGAREA": 0.9,
    "NONLIVINGAPARTMENTS": 0.3,
    "NONLIVINGAREA": 0.4,
}
# denominators read off the public quartiles (ENTRANCES_MODE: 2/29, 4/29, 6/29; FLOORSMAX 4/24,
# 8/24; FLOORSMIN 2/24, 5/24, 9/24; ELEVATORS 3/25): see value_lattices.json
DENOMINATORS = {
    name: d
    for name, d in choice("building_lattices").items()
    if name not in ("why", "avg_max_records")
}
MAX_RECORDS = choice("building_lattices")["avg_max_records"]
POINT_SETS = tuple(choice("building_point_sets")["attributes"])
CATEGORICAL = ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE")


@cache
def _points(name: str) -> np.ndarray:
    """The fixed values column ``name`` takes (train curve, fixed seed, sized from public)."""
    curve = curve_from_summary(reference.numeric(name))
    seed = choice("building_point_sets")["seed"] + sum(map(ord, name))
    return fixed_points(curve, public_points(name), seed, decimals=4)


def _on_fractions(values: np.ndarray, d: int, suffix: str, rng: np.random.Generator) -> np.ndarray:
    """Counts normalised by d (entrances, floors, elevators) as the aggregates produce them.

    A building's value is k/d; _MODE is one such value, _MEDI the median of an even or odd
    number of them (k/(2d)), _AVG the mean of 1 to MAX_RECORDS of them (k/(d m)).
    """
    if suffix == "MODE":
        return snap(values, 1 / d)
    if suffix == "MEDI":
        return snap(values, 1 / (2 * d))
    m = rng.integers(1, MAX_RECORDS + 1, len(values))
    return np.round(values * d * m) / (d * m)


def build_housing(b: TableBuilder) -> None:
    # city dwellers (populous regions) are more often in buildings the lender knows about
    known = rank_uniform(correlated(b.rng, b.latent["region"], 0.3))
    b.latent["housing_known"] = known
    size = b.normal()
    for attr, loading in ATTRIBUTES.items():
        z = correlated(b.rng, size, loading)
        variants = {
            "AVG": z,
            "MODE": correlated(b.rng, z, 0.98),
            "MEDI": correlated(b.rng, z, 0.995),
        }
        for suffix, latent in variants.items():
            name = f"{attr}_{suffix}"
            values = b.from_latent(name, latent)
            if attr in DENOMINATORS:
                values = _on_fractions(values, DENOMINATORS[attr], suffix, b.rng)
            elif attr in POINT_SETS:
                values = snap_to_points(values, _points(name))
            values = np.round(values, 4)
            rate = b.marginals.num(name).missing_rate
            b.cols[name] = np.where(known < rate, np.nan, values)
        if attr == "FLOORSMAX":
            b.latent["floors"] = z
    total = b.from_latent("TOTALAREA_MODE", correlated(b.rng, size, 0.95))
    rate = b.marginals.num("TOTALAREA_MODE").missing_rate
    b.cols["TOTALAREA_MODE"] = np.where(known < rate, np.nan, np.round(total, 4))
    for name in CATEGORICAL:
        rate = b.marginals.cat(name).missing_rate
        b.categorical(name, rows=known >= rate, missing_rate=0.0)
