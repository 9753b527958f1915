"""The application form, generated from the model card's contract (pure functions, no Streamlit).

Durations (``DAYS_*`` fields, days before the application, negative) are shown in years (positive)
and converted back to days for the API. A missing value stays missing (``None``, never 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from credit_core import feature_meta, units
from credit_core.contracts import FeatureContract, FieldTraining, PublishedCard
from credit_core.units import Lang

DAYS_PER_YEAR = 365.25
# a DAYS_* value above 0 days (or a domain sentinel) is a code, not a duration (365243 means
# "pensioner / not employed" in Home Credit): it is shown and sent as is. In years, anything
# above CODE_YEARS cannot be a duration.
CODE_YEARS = 200
ID_FIELD = "SK_ID_CURR"

# form groups in display order (the metadata table's groups); fields outside the table: other
GROUPS: tuple[str, ...] = tuple(
    f"group_{g}" for g in feature_meta.GROUPS if g not in ("derived", "id")
)
OPEN_GROUPS = ("group_income",)  # the loan itself; the rest opens on demand


@dataclass(frozen=True)
class Field:
    """One contract field as the form needs it (accepts the card's old and new shapes)."""

    name: str
    kind: str  # "integer" | "number" | "category"
    required: bool
    lo: float | None = None  # domain (what the API accepts), in API units (days for DAYS_*)
    hi: float | None = None
    levels: tuple[str, ...] = ()
    sentinels: tuple[float, ...] = ()
    train_lo: float | None = None  # what the model saw in training
    train_hi: float | None = None
    missing_rate: float | None = None

    @property
    def in_years(self) -> bool:
        return self.kind != "category" and self.name.startswith("DAYS_")

    def is_code(self, days: float) -> bool:
        """A DAYS_* value that is a code rather than a duration (see CODE_YEARS)."""
        return days > 0 or days in self.sentinels

    @property
    def group(self) -> str:
        meta = feature_meta.meta(self.name)
        key = f"group_{meta.group}" if meta is not None else "group_other"
        return key if key in GROUPS else "group_other"


def _finite(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and math.isfinite(v) else None


def fields_from_card(card: PublishedCard | FeatureContract) -> list[Field]:
    """The contract's fields in contract order (a field of a card older than domains gives its
    training range as the bounds)."""
    contract = card.contract if isinstance(card, PublishedCard) else card
    out = []
    for name, spec in contract.fields.items():
        domain = spec.domain
        training = spec.training or FieldTraining()
        out.append(
            Field(
                name=name,
                kind=spec.type,
                required=spec.required,
                lo=_finite(domain.min if domain else spec.min),
                hi=_finite(domain.max if domain else spec.max),
                levels=tuple((domain.levels if domain else None) or spec.levels or ()),
                sentinels=tuple(float(s) for s in (domain.sentinels if domain else ())),
                train_lo=_finite(training.min),
                train_hi=_finite(training.max),
                missing_rate=_finite(spec.missing_rate_in_training),
            )
        )
    return out


def grouped(fields: list[Field]) -> list[tuple[str, list[Field]]]:
    """Fields by group in display order (required fields first within a group); empty groups
    are left out."""
    order = [*GROUPS, "group_other"]
    by_group: dict[str, list[Field]] = {k: [] for k in order}
    for f in fields:
        by_group[f.group].append(f)
    return [(k, sorted(v, key=lambda f: not f.required)) for k, v in by_group.items() if v]


def is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v == ""


def days_to_years(days: float) -> float:
    """Days before the application (negative) -> years (positive), unrounded so that
    :func:`years_to_days` gives the same days back."""
    return -days / DAYS_PER_YEAR


def years_to_days(years: float) -> int | float:
    """Years (positive) -> days before the application (negative); whole days as an int (the
    round trip with :func:`days_to_years` is exact to float precision)."""
    days = -years * DAYS_PER_YEAR
    whole = round(days)
    return int(whole) if abs(days - whole) < 1e-6 else round(days, 6)


def to_widget(f: Field, raw: Any) -> Any:
    """An API value -> the widget's value (years for durations, None when missing)."""
    if is_missing(raw):
        return None
    if f.kind == "category":
        return str(raw)
    if f.in_years and not f.is_code(float(raw)):
        return days_to_years(float(raw))
    return float(raw)


def to_api(f: Field, shown: Any) -> Any:
    """A widget's value -> the API value (days for durations, int for integers); None = missing."""
    if is_missing(shown):
        return None
    if f.kind == "category":
        return str(shown)
    value = float(shown)
    if f.in_years and value <= CODE_YEARS and value not in f.sentinels:
        return years_to_days(value)
    if f.kind == "integer" and value.is_integer():
        return int(value)
    return value


def application(
    fields: list[Field], shown: dict[str, Any], client_id: int | None
) -> dict[str, Any]:
    """The JSON body for the API: missing fields are left out (the API treats them as missing)."""
    body: dict[str, Any] = {} if client_id is None else {ID_FIELD: int(client_id)}
    for f in fields:
        v = to_api(f, shown.get(f.name))
        if v is not None:
            body[f.name] = v
    return body


def record_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row (pandas record) -> plain JSON values, missing values left out; numpy scalars
    become Python numbers and integral floats of count-like columns stay floats (the API's
    integer fields accept ints only, so whole numbers are sent as ints)."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if is_missing(v):
            continue
        v = v.item() if hasattr(v, "item") else v
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out[str(k)] = v
    return out


def display_value(f: Field, raw: Any, language: Lang) -> str:
    """A value as a credit officer reads it, in ``language``: years for durations, thousands
    separators, percentages, "missing" when absent (:func:`credit_core.units.format_value`, the
    formatting the API's reasons use)."""
    return units.format_value(f.name, None if is_missing(raw) else raw, language)


def distinct_values(f: Field, values: list[Any], language: Lang, years_word: str) -> list[str]:
    """``values`` of one field (None = missing) as :func:`display_value` shows them, unless that
    rounding shows two different values alike (a warning's value beside the training bound it
    passes: 20 years and 20 years): then exact figures, durations in years to two decimals."""
    shown = [display_value(f, v, language) for v in values]
    present = [(float(v), s) for v, s in zip(values, shown, strict=True) if not is_missing(v)]
    if len({s for _, s in present}) == len({v for v, _ in present}):
        return shown
    decimal = "," if language == "fr" else "."

    def exact(v: Any) -> str:
        if is_missing(v):
            return display_value(f, v, language)
        if f.in_years and not f.is_code(float(v)):
            return f"{days_to_years(float(v)):.2f} {years_word}".replace(".", decimal)
        return f"{float(v):.6g}".replace(".", decimal)

    return [exact(v) for v in values]
