"""Each input field's domain: the values a real application can hold, and a pure check.

Domains are declared in ``application_schema.json`` (per column, with a one-line reason) from
each column's meaning in the competition's ``HomeCredit_columns_description.csv``; a test checks
that the public full-data minimum and maximum (train and test) lie inside them. A domain is not
what a training sample saw: a value inside the domain but outside training is scored (with a
warning), a value outside the domain is refused. Training, the API, monitoring and the UI all
check applications with :func:`check_application` (or the API's vectorised equivalent, kept in
step by a test).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class Domain:
    """Allowed values of one field: a (possibly open) interval plus exact sentinel codes, or a
    list of levels. ``integer`` means whole numbers (``2`` and ``2.0`` both qualify)."""

    integer: bool = False
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    sentinels: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()
    reason: str = ""

    @property
    def is_categorical(self) -> bool:
        return bool(self.levels)

    def in_bounds(self, x: float) -> bool:
        """The interval test alone (no sentinel, no integrality)."""
        if self.min is not None and (x <= self.min if self.min_exclusive else x < self.min):
            return False
        return self.max is None or (x < self.max if self.max_exclusive else x <= self.max)

    def contains(self, value: Any) -> bool:
        """Whether a JSON value (absent/null excluded) belongs to the domain."""
        if self.is_categorical:
            return isinstance(value, str) and value in self.levels
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value):
            return False
        if value in self.sentinels:
            return True
        if self.integer and value != int(value):
            return False
        return self.in_bounds(value)

    def hull(self) -> tuple[float | None, float | None]:
        """The smallest closed-or-open interval holding the bounds and the sentinels."""
        lo = min([v for v in (self.min, *self.sentinels) if v is not None], default=None)
        hi = max([v for v in (self.max, *self.sentinels) if v is not None], default=None)
        if self.min is None and self.sentinels:
            lo = None
        if self.max is None and self.sentinels:
            hi = None
        return lo, hi

    def describe(self) -> str:
        """In words, for error messages: ``a whole number from -45000 to 0, or exactly 365243``."""
        if self.is_categorical:
            return "one of: " + ", ".join(self.levels)
        kind = "a whole number" if self.integer else "a number"
        parts = []
        if self.min is not None:
            parts.append(f"{'above' if self.min_exclusive else 'at least'} {_num(self.min)}")
        if self.max is not None:
            parts.append(f"{'below' if self.max_exclusive else 'at most'} {_num(self.max)}")
        text = kind + (" " + " and ".join(parts) if parts else "")
        if self.sentinels:
            text += ", or exactly " + " or ".join(_num(s) for s in self.sentinels)
        return text

    def to_dict(self) -> dict[str, Any]:
        """The model card's rendering: ``{min, max[, min_exclusive, max_exclusive, sentinels]}``
        for numbers (``null`` for an open bound), ``{levels}`` for categories."""
        if self.is_categorical:
            return {"levels": list(self.levels)}
        out: dict[str, Any] = {"min": _plain(self.min), "max": _plain(self.max)}
        if self.min_exclusive:
            out["min_exclusive"] = True
        if self.max_exclusive:
            out["max_exclusive"] = True
        if self.sentinels:
            out["sentinels"] = [_plain(s) for s in self.sentinels]
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], integer: bool | None = None) -> Domain:
        """From the schema file (``integer`` inside) or a model card (``integer`` from the
        field's type, passed here)."""
        return cls(
            integer=bool(raw.get("integer", False) if integer is None else integer),
            min=raw.get("min"),
            max=raw.get("max"),
            min_exclusive=bool(raw.get("min_exclusive", False)),
            max_exclusive=bool(raw.get("max_exclusive", False)),
            sentinels=tuple(raw.get("sentinels", ())),
            levels=tuple(raw.get("levels", ())),
            reason=raw.get("reason", ""),
        )


def _plain(x: float | None) -> float | int | None:
    return int(x) if x is not None and float(x).is_integer() and abs(x) < 2**63 else x


def _num(x: float) -> str:
    return str(_plain(x))


@dataclass(frozen=True, slots=True)
class Rule:
    """A constraint between fields that their meaning forces. ``holds`` takes float arrays
    (NaN = missing; a rule with a missing input holds) and returns a boolean array; ``field`` is
    the one named when it fails."""

    name: str
    inputs: tuple[str, ...]
    field: str
    message: str
    holds: Callable[..., np.ndarray]


def _employment_within_life(employed: np.ndarray, birth: np.ndarray) -> np.ndarray:
    # both count days back from the application (negative): a job cannot start before birth;
    # NaN and the no-employer code compare False, so they pass
    with np.errstate(invalid="ignore"):
        return ~((employed < birth) & (employed != SENTINEL_NO_EMPLOYER))


SENTINEL_NO_EMPLOYER = 365243.0  # DAYS_EMPLOYED of pensioners and the unemployed
RULES: tuple[Rule, ...] = (
    Rule(
        "employment_within_life",
        ("DAYS_EMPLOYED", "DAYS_BIRTH"),
        "DAYS_EMPLOYED",
        "employment cannot be longer than the applicant's life (|DAYS_EMPLOYED| <= |DAYS_BIRTH|)",
        _employment_within_life,
    ),
)


def rules_for(fields: Mapping[str, Any] | list[str], names: list[str] | None = None) -> list[Rule]:
    """The rules whose inputs are all among ``fields`` (restricted to ``names`` if given)."""
    present = set(fields)
    return [r for r in RULES if set(r.inputs) <= present and (names is None or r.name in names)]


@dataclass(frozen=True, slots=True)
class Violation:
    field: str
    message: str
    allowed: Any = None


def check_value(name: str, value: Any, domain: Domain) -> Violation | None:
    """One field's value against its domain (None = missing, always allowed here)."""
    if value is None or domain.contains(value):
        return None
    allowed = list(domain.levels) if domain.is_categorical else domain.to_dict()
    return Violation(name, f"must be {domain.describe()}", allowed)


def check_application(
    record: Mapping[str, Any],
    domains: Mapping[str, Domain],
    rules: list[Rule] | tuple[Rule, ...] = RULES,
) -> list[Violation]:
    """Every field of ``record`` outside its domain, then every broken cross-field rule.

    Fields without a domain in ``domains`` are not checked (unknown fields are the caller's
    concern); absent or null values are missing and allowed.
    """
    out = [
        v
        for name, value in record.items()
        if name in domains and (v := check_value(name, value, domains[name])) is not None
    ]
    bad = {v.field for v in out}
    for rule in rules:
        values = [record.get(n) for n in rule.inputs]
        if any(n in bad for n in rule.inputs) or not all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values
        ):
            continue
        arrays = [np.array([np.nan if v is None else v], dtype=np.float64) for v in values]
        if not bool(rule.holds(*arrays)[0]):
            out.append(Violation(rule.field, rule.message))
    return out
