"""The drift table: every column scored, weighted by the model's use of it, and ranked.

Inputs are columns as 1-D float arrays (categoricals as level codes, see :func:`as_float`), so the
same code compares two CSV files (the study) or a bundle's reference sample with request-log
inputs (the production job).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credit_core.features import DERIVED, FeatureSpec
from credit_core.schema import Column
from credit_monitoring.measures import ColumnScore, score_column

UNSEEN_LEVEL = -1.0  # a category level outside the schema: counted, never silently missing


def as_float(values: pd.Series | Sequence[Any], column: Column) -> np.ndarray:
    """A column as float64 (NaN = missing); category levels become their schema position and
    unknown levels ``UNSEEN_LEVEL``, so an unseen level is drift, not a missing value."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if not column.is_categorical:
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    codes = {level: float(i) for i, level in enumerate(column.levels)}
    text = series.astype(object)
    mapped = text.map(codes)
    unseen = text.notna() & mapped.isna()
    out = mapped.to_numpy(dtype=np.float64, na_value=np.nan)
    out[unseen.to_numpy()] = UNSEEN_LEVEL
    return out


def importance_shares(
    importance: Iterable[Mapping[str, Any]], spec: FeatureSpec
) -> dict[str, float]:
    """Each raw input's and history feature's share of the model's global importance (mean
    |SHAP|, summing to 1).

    A raw input gets its own feature's share plus an equal part of every derived feature
    computed from it (CREDIT_INCOME_RATIO counts half for AMT_CREDIT, half for AMT_INCOME_TOTAL;
    DAYS_EMPLOYED_ANOM wholly for DAYS_EMPLOYED); a history feature (``spec.history``) its own."""
    weights = {row["feature"]: float(row["mean_abs_shap"]) for row in importance}
    total = sum(weights.values())
    shares = dict.fromkeys([*spec.raw_inputs, *spec.history], 0.0)
    if total <= 0:
        return shares
    for feature, weight in weights.items():
        share = weight / total
        if feature in shares:
            shares[feature] += share
        elif feature in DERIVED:
            inputs = [n for n in DERIVED[feature].inputs if n in shares]
            for name in inputs:
                shares[name] += share / len(inputs)
    return shares


@dataclass(frozen=True, slots=True)
class ColumnDrift:
    name: str
    kind: str  # "numeric" | "categorical"
    score: ColumnScore
    importance_share: float | None

    @property
    def drifted(self) -> bool:
        return self.score.drifted

    @property
    def by_missing(self) -> bool:
        """The missing-rate component is the stronger one (relative to its threshold), or the
        only one: values with no reference value to bin on (a history feature missing for every
        reference row, say) have no finite threshold."""
        s = self.score
        if not np.isfinite(s.values_threshold):
            return True
        return s.missing_psi / s.missing_threshold > s.values_psi / s.values_threshold

    @property
    def value(self) -> float:
        """The drift score: the PSI of the stronger component."""
        return self.score.missing_psi if self.by_missing else self.score.values_psi

    @property
    def threshold(self) -> float:
        return self.score.missing_threshold if self.by_missing else self.score.values_threshold

    @property
    def method(self) -> str:
        return "psi_missing_rate" if self.by_missing else f"psi_{self.score.binning}"

    @property
    def priority(self) -> float:
        """Drift score times importance share: how much the drift can move the model's scores."""
        return self.value * (self.importance_share or 0.0)

    def entry(self) -> dict[str, Any]:
        s = self.score
        return {
            "name": self.name,
            "method": self.method,
            "score": round(self.value, 6),
            "threshold": round(self.threshold, 6),
            "drifted": self.drifted,
            "missing_rate_reference": round(s.missing_rate_reference, 6),
            "missing_rate_current": round(s.missing_rate_current, 6),
            "importance_share": None
            if self.importance_share is None
            else round(self.importance_share, 6),
            "values_psi": round(s.values_psi, 6),
            "missing_psi": round(s.missing_psi, 6),
        }


def drift_table(
    reference: Mapping[str, np.ndarray],
    current: Mapping[str, np.ndarray],
    columns: Sequence[Column],
    shares: Mapping[str, float] | None = None,
) -> list[ColumnDrift]:
    """Score every column (float arrays keyed by name) in the order given."""
    return [
        ColumnDrift(
            name=c.name,
            kind="categorical" if c.is_categorical else "numeric",
            score=score_column(reference[c.name], current[c.name], by_value=c.is_categorical),
            importance_share=None if shares is None else shares.get(c.name, 0.0),
        )
        for c in columns
    ]


def ranked(table: Sequence[ColumnDrift]) -> list[dict[str, Any]]:
    """The drifted columns, most important first: ordered by ``priority`` (score x importance
    share), then by score; each with its rank by score and by importance among them."""
    drifted = [c for c in table if c.drifted]
    by_score = {c.name: r for r, c in enumerate(sorted(drifted, key=lambda c: -c.value), 1)}
    by_importance = {
        c.name: r
        for r, c in enumerate(sorted(drifted, key=lambda c: -(c.importance_share or 0.0)), 1)
    }
    order = sorted(drifted, key=lambda c: (-c.priority, -c.value))
    return [
        {
            "rank": r,
            "name": c.name,
            "method": c.method,
            "score": round(c.value, 6),
            "threshold": round(c.threshold, 6),
            "importance_share": None
            if c.importance_share is None
            else round(c.importance_share, 6),
            "priority": round(c.priority, 8),
            "rank_by_score": by_score[c.name],
            "rank_by_importance": None if c.importance_share is None else by_importance[c.name],
        }
        for r, c in enumerate(order, 1)
    ]


def share_drifted(table: Sequence[ColumnDrift]) -> float:
    return sum(c.drifted for c in table) / len(table) if table else 0.0
