"""The twin's working state: one table being built column by column from shared latents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from credit_core.schema import application_schema
from credit_training.twin.drift import Marginals
from credit_training.twin.marginals import (
    QuantileCurve,
    curve_from_summary,
    cut_levels,
    rank_uniform,
    sample_levels,
)

MISSING_CODE = -1


@dataclass
class TableBuilder:
    """Columns as NumPy arrays (categoricals as codes into the schema levels, -1 = missing).

    ``latent`` holds the hidden variables (age, creditworthiness, ...) that tie columns together.
    """

    n: int
    rng: np.random.Generator
    marginals: Marginals
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    latent: dict[str, np.ndarray] = field(default_factory=dict)

    def normal(self) -> np.ndarray:
        return self.rng.standard_normal(self.n)

    def curve(self, name: str, **kwargs) -> QuantileCurve:
        return curve_from_summary(self.marginals.num(name), **kwargs)

    def from_latent(self, name: str, z: np.ndarray, **kwargs) -> np.ndarray:
        """Column ``name`` with its public marginal, ordered like ``z``."""
        return self.curve(name, **kwargs)(rank_uniform(z))

    def set_missing(self, name: str, mask: np.ndarray) -> None:
        col = self.cols[name]
        if col.dtype.kind == "f":
            col[mask] = np.nan
        else:
            col[mask] = MISSING_CODE

    def random_missing(self, name: str, rate: float | None = None) -> np.ndarray:
        rate = self.marginals.num(name).missing_rate if rate is None else rate
        mask = self.rng.random(self.n) < rate
        self.set_missing(name, mask)
        return mask

    def categorical(
        self,
        name: str,
        z: np.ndarray | None = None,
        *,
        order: Sequence[str] | None = None,
        rows: np.ndarray | None = None,
        exclude: Sequence[str] = (),
        missing_rate: float | None = None,
    ) -> np.ndarray:
        """Codes for column ``name`` with its public level shares.

        ``z`` orders the levels along a latent (first level of ``order`` for the lowest values);
        without it levels are drawn independently. ``rows`` restricts the column to some rows
        (others are missing), and ``exclude`` removes levels reserved for other rows (shares are
        renormalised over the rest).
        """
        spec = self.marginals.cat(name)
        shares = dict(zip(spec.levels, spec.shares, strict=True))
        for level in exclude:
            shares.pop(level, None)
        levels = [lv for lv in (order or spec.levels) if lv in shares]
        levels += [lv for lv in shares if lv not in levels]
        schema_levels = application_schema().column(name).levels
        lookup = np.array([schema_levels.index(lv) for lv in levels])

        codes = np.full(self.n, MISSING_CODE, dtype=np.int16)
        idx = np.arange(self.n) if rows is None else np.flatnonzero(rows)
        p = [shares[lv] for lv in levels]
        local = sample_levels(self.rng, len(idx), p) if z is None else cut_levels(z[idx], p)
        codes[idx] = lookup[local]
        self.cols[name] = codes
        rate = spec.missing_rate if missing_rate is None else missing_rate
        if rate > 0:
            self.set_missing(name, self.rng.random(self.n) < rate)
        return codes

    def is_level(self, name: str, *levels: str) -> np.ndarray:
        schema_levels = application_schema().column(name).levels
        codes = [schema_levels.index(lv) for lv in levels]
        return np.isin(self.cols[name], codes)

    def bernoulli(self, name: str, p: float | np.ndarray) -> np.ndarray:
        col = (self.rng.random(self.n) < p).astype(np.int64)
        self.cols[name] = col
        return col

    def top_share(self, z: np.ndarray, share: float) -> np.ndarray:
        """1 for the ``share`` of rows with the highest ``z`` (exact share, dependence via z)."""
        return (rank_uniform(z) > 1.0 - share).astype(np.int64)
