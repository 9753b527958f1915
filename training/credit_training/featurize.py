"""The training side of the shared feature module: DataFrame -> raw columns -> model matrix,
with the client-history features of the same rows when the model has them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_core.features import FeatureSpec, History, build_spec, transform


def spec_for_frame(df: pd.DataFrame, exclude: tuple[str, ...]) -> FeatureSpec:
    """Raw numeric and categorical inputs of a training table.

    A categorical's levels are the categories that occur in the table: a level training never
    saw then has no code anywhere (training, API, monitoring) and is scored as missing, rather
    than sent down LightGBM's "other" branch with whichever level happens to be there.
    """
    numeric, categorical = [], {}
    for name in df.columns:
        if name in exclude:
            continue
        dtype = df[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            seen = set(df[name].dropna().unique())
            categorical[name] = [str(c) for c in dtype.categories if c in seen]
        elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            numeric.append(name)
        else:
            categorical[name] = sorted(str(v) for v in df[name].dropna().unique())
    return build_spec(numeric, categorical)


def columns_from_frame(spec: FeatureSpec, df: pd.DataFrame) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for name in spec.numeric:
        cols[name] = df[name].to_numpy(dtype=np.float64, na_value=np.nan)
    for name, levels in spec.categorical:
        values = df[name]
        if not (
            isinstance(values.dtype, pd.CategoricalDtype) and tuple(values.cat.categories) == levels
        ):
            values = pd.Categorical(values.astype("string"), categories=list(levels))
        else:
            values = values.array
        codes = np.asarray(values.codes, dtype=np.float64)
        codes[codes < 0] = np.nan
        cols[name] = codes
    return cols


def history_from_frame(spec: FeatureSpec, history: pd.DataFrame | None) -> History | None:
    """The history columns of ``spec`` from a frame of history features (rows aligned with the
    application rows); None when the spec has no history part or no frame is given."""
    if not spec.history or history is None:
        return None
    return {name: history[name].to_numpy(dtype=np.float64) for name in spec.history}


def feature_matrix(
    spec: FeatureSpec, df: pd.DataFrame, history: pd.DataFrame | None = None
) -> np.ndarray:
    """The model matrix of ``df``'s rows; ``history`` holds their history features (same rows,
    same order; None: every row is scored as a client without history)."""
    return transform(spec, columns_from_frame(spec, df), history_from_frame(spec, history))
