"""Load application_train/test from a directory (the twin or the real Kaggle files), schema-checked.

The loader never casts silently: a missing, extra or renamed column, a non-numeric value in a
numeric column, a missing or fractional value in an integer column and an unknown category level
are all refused with an error naming the column. Categoricals come back as pandas categories with
the schema's levels, so every consumer sees the same encoding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from credit_core.schema import ApplicationSchema, Column, application_schema

Kind = Literal["train", "test"]
FILES: dict[str, str] = {"train": "application_train.csv", "test": "application_test.csv"}


class SchemaError(ValueError):
    """The file does not match the application schema; ``problems`` names each offence."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def check_header(names: list[str], expected: list[str]) -> list[str]:
    """Problems with the column names: missing, unexpected and duplicated columns."""
    problems = []
    missing = [c for c in expected if c not in names]
    extra = [c for c in names if c not in expected]
    dupes = sorted({c for c in names if names.count(c) > 1})
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected column(s): {', '.join(extra)}")
    if dupes:
        problems.append(f"duplicated column(s): {', '.join(dupes)}")
    return problems


def _first_bad(values: pd.Series, bad: np.ndarray) -> str:
    pos = int(np.flatnonzero(bad)[0])
    value = values.iloc[pos]
    return f"{value.item() if hasattr(value, 'item') else value!r} at row {pos}"


def check_column(col: Column, values: pd.Series) -> tuple[pd.Series | None, str | None]:
    """The column converted to its schema dtype, or the reason it cannot be (never both)."""
    if col.is_categorical:
        if not isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("category")  # an all-missing column is read as float
        unknown = sorted(set(values.cat.categories.astype(str)) - set(col.levels))
        if unknown:
            return None, (
                f"column {col.name}: unknown level(s) {', '.join(map(repr, unknown[:5]))}; "
                f"allowed: {', '.join(col.levels)}"
            )
        return values.cat.set_categories(col.levels), None

    if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype):
        as_num = pd.to_numeric(values, errors="coerce")
        bad = (as_num.isna() & values.notna()).to_numpy()
        return None, f"column {col.name}: non-numeric value {_first_bad(values, bad)}"
    if values.dtype.kind == "b":
        return None, f"column {col.name}: boolean values where {col.dtype} is expected"
    if col.dtype == "int64":
        if values.isna().any():
            bad = values.isna().to_numpy()
            return (
                None,
                f"column {col.name}: missing value in an integer column at row {bad.argmax()}",
            )
        if values.dtype.kind == "f":
            frac = (values % 1 != 0).to_numpy()
            if frac.any():
                return None, f"column {col.name}: non-integer value {_first_bad(values, frac)}"
        return values.astype(np.int64), None
    return values.astype(np.float64), None  # integers widen to float without loss


def validate_frame(
    raw: pd.DataFrame, kind: Kind, schema: ApplicationSchema, source: str
) -> pd.DataFrame:
    expected = schema.names(kind)
    problems = check_header(list(raw.columns), expected)
    if problems:
        raise SchemaError(source, problems)
    out: dict[str, pd.Series] = {}
    for name in expected:
        converted, problem = check_column(schema.column(name), raw[name])
        if problem:
            problems.append(problem)
        else:
            out[name] = converted
    if problems:
        raise SchemaError(source, problems)
    frame = pd.DataFrame(out)
    if frame[schema.id_column].duplicated().any():
        dup = frame.loc[frame[schema.id_column].duplicated(), schema.id_column].iloc[0]
        raise SchemaError(source, [f"column {schema.id_column}: duplicated id {dup}"])
    if kind == "train" and not frame[schema.target_column].isin([0, 1]).all():
        raise SchemaError(source, [f"column {schema.target_column}: values other than 0 and 1"])
    return frame


def read_application(path: Path | str, kind: Kind, nrows: int | None = None) -> pd.DataFrame:
    """Read one application CSV and check it against the schema."""
    schema = application_schema()
    header = list(pd.read_csv(path, nrows=0).columns)
    categorical = {c.name: "category" for c in schema.categorical if c.name in header}
    raw = pd.read_csv(path, dtype=categorical, nrows=nrows, low_memory=False)
    return validate_frame(raw, kind, schema, str(path))


def load_application(directory: Path | str, kind: Kind = "train", nrows: int | None = None):
    """``application_{kind}.csv`` from ``directory`` as a typed, schema-checked frame."""
    path = Path(directory) / FILES[kind]
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `credit twin --out {directory}` first")
    return read_application(path, kind, nrows)
