"""How a feature's value is shown to people: the format of each unit of the feature metadata
table (:mod:`credit_core.feature_meta`), for the API's reasons and the UI.

The model works in the table's units (days before the application as negative integers, amounts
in the loan's currency, ratios as fractions); people read ages and durations in years, amounts
with thousands separators and ratios as percentages. Only the display changes: raw values stay
as they are everywhere else. English and French (the UI's languages).
"""

from __future__ import annotations

import math
from typing import Any

from credit_core.feature_meta import SENTINEL_DAYS_EMPLOYED, Lang, Unit, unit_of

__all__ = ["DAYS_PER_YEAR", "WORDS", "Lang", "Unit", "format_value", "unit_of"]

DAYS_PER_YEAR = 365.25

WORDS: dict[Lang, dict[str, str]] = {
    "en": {
        "missing": "missing",
        "no_employer": "no current employer",
        "years": "years",
        "year": "year",
        "yes": "yes",
        "no": "no",
        "decimal": ".",
        "thousands": ",",
        "percent": "%",
    },
    "fr": {
        "missing": "non renseigné",
        "no_employer": "aucun employeur actuel",
        "years": "ans",
        "year": "an",
        "yes": "oui",
        "no": "non",
        "decimal": ",",
        "thousands": "\u202f",  # narrow no-break space, as French typography has it
        "percent": "\u202f%",
    },
}


LARGEST_PLAIN = 1e15  # beyond, a value is no real amount or count: shown as 1.2e+308


def _number(x: float, decimals: int, words: dict[str, str]) -> str:
    if not math.isfinite(x) or abs(x) >= LARGEST_PLAIN:
        return f"{x:.3g}".replace(".", words["decimal"])
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", words["decimal"]).replace("\0", words["thousands"])


def _years(years: float, words: dict[str, str], whole: bool) -> str:
    value = math.floor(years) if whole else round(years, 1 if years < 10 else 0)
    decimals = 0 if whole or years >= 10 or value == int(value) else 1
    word = words["year"] if value == 1 else words["years"]
    return f"{_number(value, decimals, words)} {word}"


def format_value(feature: str, value: Any, lang: Lang = "en") -> str:
    """``value`` of ``feature`` as a person reads it, e.g. DAYS_BIRTH -12000 -> "32 years",
    AMT_CREDIT 135000 -> "135,000", PAYMENT_RATE 0.052 -> "5.2%", DAYS_EMPLOYED 365243 ->
    "no current employer", None or NaN -> "missing"."""
    words = WORDS[lang]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return words["missing"]
    if isinstance(value, str | bool):
        return str(value)
    unit = unit_of(feature)
    x = float(value)
    if not math.isfinite(x) or abs(x) >= LARGEST_PLAIN * DAYS_PER_YEAR:
        return _number(x, 0, words)  # no duration, amount or rate: the figure as it is
    if unit == "years_ago" and feature == "DAYS_EMPLOYED" and x == SENTINEL_DAYS_EMPLOYED:
        return words["no_employer"]
    if unit == "age":
        return _years(-x / DAYS_PER_YEAR, words, whole=True)
    if unit == "years_ago":
        return _years(abs(x) / DAYS_PER_YEAR, words, whole=False)
    if unit == "years":
        return _years(x, words, whole=False)
    if unit == "amount":
        return _number(x, 0 if abs(x) >= 100 or x == int(x) else 2, words)
    if unit == "percent":
        pct = x * 100
        return _number(pct, 1 if abs(pct) < 10 else 0, words) + words["percent"]
    if unit == "score":
        return _number(x, 2, words)
    if unit == "count":
        return _number(x, 0 if x == int(x) else 1, words)
    if unit == "flag":
        return words["yes"] if x == 1 else words["no"] if x == 0 else _number(x, 0, words)
    if not math.isfinite(x) or abs(x) >= LARGEST_PLAIN or x == int(x):
        return _number(x, 0, words)
    return str(round(x, 6)).replace(".", words["decimal"])
