"""Protected and sensitive attributes: the groups fairness is measured on, defined once.

Training reports per-group figures on its holdout; monitoring can group logged requests the
same way. Everything works on raw columns (a mapping name -> 1-D array of the values as read
from the table or the request: strings for categoricals, numbers otherwise), so a DataFrame
column or a list of JSON values both do.

``PROTECTED_INPUTS`` is the default input policy: attributes measured for fairness but never
given to the model (EU non-discrimination law in consumer services: gender). Age is a
legitimate credit factor in many markets: it stays an input and its effect is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

PROTECTED_INPUTS: tuple[str, ...] = ("CODE_GENDER",)
DAYS_PER_YEAR = 365.25
AGE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("<25", 0.0, 25.0),
    ("25-40", 25.0, 40.0),
    ("40-60", 40.0, 60.0),
    (">=60", 60.0, np.inf),
)
MISSING = "missing"


def _as_objects(values: Sequence | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=object)


def _levels(values: Sequence | np.ndarray) -> np.ndarray:
    """A categorical's own levels; missing (None, NaN, pandas NA) becomes ``"missing"``."""
    out = _as_objects(values).copy()
    for i, v in enumerate(out):
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v) in ("nan", "<NA>"):
            out[i] = MISSING
        else:
            out[i] = str(v)
    return out


def _numbers(values: Sequence | np.ndarray) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in _as_objects(values)], dtype=np.float64)


def age_band(days_birth: Sequence | np.ndarray) -> np.ndarray:
    """DAYS_BIRTH (negative days before the application) -> ``"<25"``, ``"25-40"``,
    ``"40-60"``, ``">=60"`` (lower bound inclusive) or ``"missing"``."""
    years = -_numbers(days_birth) / DAYS_PER_YEAR
    out = np.full(len(years), MISSING, dtype=object)
    for label, lo, hi in AGE_BANDS:
        out[(years >= lo) & (years < hi)] = label
    return out


def children(count: Sequence | np.ndarray) -> np.ndarray:
    """CNT_CHILDREN -> ``"0"``, ``"1"``, ``"2"``, ``"3+"`` or ``"missing"``."""
    n = _numbers(count)
    out = np.full(len(n), MISSING, dtype=object)
    out[n == 0] = "0"
    out[n == 1] = "1"
    out[n == 2] = "2"
    out[n >= 3] = "3+"
    return out


@dataclass(frozen=True, slots=True)
class Attribute:
    """A sensitive attribute: its name, the raw column it comes from and how rows map to groups."""

    name: str
    column: str
    groups_of: Callable[[Sequence | np.ndarray], np.ndarray]
    order: tuple[str, ...] = ()  # display order of the groups when it is not alphabetical


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("gender", "CODE_GENDER", _levels),
    Attribute("age_band", "DAYS_BIRTH", age_band, tuple(b for b, _, _ in AGE_BANDS)),
    Attribute("family_status", "NAME_FAMILY_STATUS", _levels),
    Attribute("children", "CNT_CHILDREN", children, ("0", "1", "2", "3+")),
)


def assign_groups(
    columns: Mapping[str, Sequence | np.ndarray],
    attributes: Sequence[Attribute] = ATTRIBUTES,
) -> dict[str, np.ndarray]:
    """Attribute name -> the group label of each row (object array), for the attributes whose
    column is present; an absent column skips its attribute."""
    return {a.name: a.groups_of(columns[a.column]) for a in attributes if a.column in columns}


def ordered(attribute: str, labels: set[str]) -> list[str]:
    """The groups of one attribute in display order (declared order, then alphabetical, then
    ``missing``)."""
    declared = next((a.order for a in ATTRIBUTES if a.name == attribute), ())
    first = [g for g in declared if g in labels]
    rest = sorted(g for g in labels if g not in declared and g != MISSING)
    return first + rest + ([MISSING] if MISSING in labels else [])
