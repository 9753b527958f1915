"""Scoring raw application columns with a bundle's model (for the study's estimates)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_core.bundle import Bundle
from credit_core.features import FeatureSpec, transform


def model_columns(frame: pd.DataFrame, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """Raw columns as the model reads them: numbers as float, levels as the model's codes
    (a level the model never saw, or an absent column, is missing, as in the API)."""
    n = len(frame)
    cols: dict[str, np.ndarray] = {}
    for name in spec.numeric:
        cols[name] = (
            pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64, na_value=np.nan)
            if name in frame
            else np.full(n, np.nan)
        )
    for name, _ in spec.categorical:
        codes = spec.level_codes(name)
        cols[name] = (
            frame[name].astype(object).map(codes).to_numpy(np.float64, na_value=np.nan)
            if name in frame
            else np.full(n, np.nan)
        )
    return cols


def probabilities(
    bundle: Bundle, frame: pd.DataFrame, history: pd.DataFrame | None = None
) -> np.ndarray:
    """Calibrated probabilities of default for the rows of ``frame`` (raw columns) and, for a
    with-history model, ``history`` (its features, same rows; None: no history for anyone)."""
    spec = bundle.model.spec
    hist = None
    if spec.history and history is not None:
        hist = {name: history[name].to_numpy(np.float64) for name in spec.history}
    return bundle.model.probability(transform(spec, model_columns(frame, spec), hist))
