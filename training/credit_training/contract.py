"""The feature contract: which raw fields a model accepts, their types, levels and ranges.

Built from the training table and shipped in the model card, so the API validates requests
from the bundle (a retrained model with another contract needs no code change).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from credit_core.features import FeatureSpec

RANGE_MARGIN = 0.1  # plausible = the training range widened by 10% of its span
REQUIRED_TOP_K = 15


def _bounds(values: pd.Series) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo
    lo2, hi2 = lo - RANGE_MARGIN * span, hi + RANGE_MARGIN * span
    if lo >= 0:
        lo2 = max(lo2, 0.0)
    if hi <= 0:
        hi2 = min(hi2, 0.0)
    return lo2, hi2


def required_fields(
    df: pd.DataFrame, spec: FeatureSpec, importance: list[dict[str, Any]]
) -> list[str]:
    """Fields never missing in training among the model's most important raw inputs."""
    top = [r["feature"] for r in importance[:REQUIRED_TOP_K]]
    raw = set(spec.raw_inputs)
    return [f for f in top if f in raw and not df[f].isna().any()]


def build_contract(df: pd.DataFrame, spec: FeatureSpec, required: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in spec.numeric:
        values = df[name].dropna()
        integer = pd.api.types.is_integer_dtype(df[name].dtype)
        lo, hi = _bounds(values) if len(values) else (-np.inf, np.inf)
        fields[name] = {
            "type": "integer" if integer else "number",
            "min": float(np.floor(lo)) if integer else lo,
            "max": float(np.ceil(hi)) if integer else hi,
            "required": name in required,
            "missing_rate_in_training": float(df[name].isna().mean()),
        }
    for name, levels in spec.categorical:
        fields[name] = {
            "type": "category",
            "levels": list(levels),
            "required": name in required,
            "missing_rate_in_training": float(df[name].isna().mean()),
        }
    return {"fields": fields, "required": required}
