"""The building the applicant lives in: the _AVG/_MODE/_MEDI housing block.

The real block goes missing together, in nested layers (47% to 70% missing per attribute): a
per-row completeness level decides how many attributes are known. Attribute values share a
building-size factor; _MODE and _MEDI are close variants of _AVG with their own marginals.
"""

from __future__ import annotations

import numpy as np

from credit_training.twin.builder import TableBuilder
from credit_training.twin.marginals import correlated, rank_uniform

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
CATEGORICAL = ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE")


def build_housing(b: TableBuilder) -> None:
    # city dwellers (populous regions) are more often in buildings the lender knows about
    known = rank_uniform(correlated(b.rng, b.latent["region"], 0.3))
    b.latent["housing_known"] = known
    size = b.normal()
    for attr, loading in ATTRIBUTES.items():
        z = correlated(b.rng, size, loading)
        variants = {
            "AVG": z,
            "MODE": correlated(b.rng, z, 0.97),
            "MEDI": correlated(b.rng, z, 0.995),
        }
        for suffix, latent in variants.items():
            name = f"{attr}_{suffix}"
            values = np.round(b.from_latent(name, latent), 4)
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
