"""How a feature's value is shown to people: the format of each unit of the feature metadata
table (:mod:`credit_core.feature_meta`), for the API's reasons and the UI.

The model works in the table's units (days before the application as negative integers, amounts
in the loan's currency, ratios as fractions); people read ages and durations in years, amounts
with thousands separators and ratios as percentages. Only the display changes: raw values stay
as they are everywhere else. English and French (the UI's languages).

Client-history features (:mod:`credit_core.history.definitions`) carry their own unit (count,
amount, days, months, share, ratio, status) and meaning; :func:`history_phrase` turns one into
the phrase a reason shows ("3 of 24 instalments paid after their due date", "card used at 92%
of its limit", "2 demandes précédentes refusées").
"""

from __future__ import annotations

import math
from typing import Any

from credit_core.feature_meta import SENTINEL_DAYS_EMPLOYED, Lang, Unit, unit_of
from credit_core.history import definitions as history

__all__ = [
    "DAYS_PER_YEAR",
    "WORDS",
    "Lang",
    "Unit",
    "format_value",
    "history_phrase",
    "unit_of",
]

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
        "day": "day",
        "days": "days",
        "month": "month",
        "months": "months",
        "of": "of",
        "colon": ": ",
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
        "day": "jour",
        "days": "jours",
        "month": "mois",
        "months": "mois",
        "of": "sur",
        "colon": "\u00a0: ",
    },
}

# BB_WORST_STATUS: the bureau's monthly status codes (0 on time, 1..5 by 30 days late)
STATUS_WORDS: dict[Lang, tuple[str, ...]] = {
    "en": (
        "on time",
        "1-30 days late",
        "31-60 days late",
        "61-90 days late",
        "91-120 days late",
        "over 120 days late",
    ),
    "fr": (
        "à l'heure",
        "1 à 30 jours de retard",
        "31 à 60 jours de retard",
        "61 à 90 jours de retard",
        "91 à 120 jours de retard",
        "plus de 120 jours de retard",
    ),
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
    if unit in ("days", "months"):
        word = words[unit[:-1]] if x == 1 else words[unit]
        return f"{_number(x, 0 if x == int(x) else 1, words)} {word}"
    if unit == "status" and x == int(x) and 0 <= x < len(STATUS_WORDS[lang]):
        return STATUS_WORDS[lang][int(x)]
    if unit == "score":
        return _number(x, 2, words)
    if unit == "count":
        return _number(x, 0 if x == int(x) else 1, words)
    if unit == "flag":
        return words["yes"] if x == 1 else words["no"] if x == 0 else _number(x, 0, words)
    if not math.isfinite(x) or abs(x) >= LARGEST_PLAIN or x == int(x):
        return _number(x, 0, words)
    return str(round(x, 6)).replace(".", words["decimal"])


# Phrases that read better than the generic ones ({n}, {total}: numbers; {value}: in units)
PHRASES: dict[str, dict[Lang, str]] = {
    "CC_UTILISATION_LAST": {
        "en": "card used at {value} of its limit",
        "fr": "carte utilisée à {value} de son plafond",
    },
    "CC_UTILISATION_MEAN": {
        "en": "card used at {value} of its limit on average",
        "fr": "carte utilisée en moyenne à {value} de son plafond",
    },
    "CC_UTILISATION_MEAN_12M": {
        "en": "card used at {value} of its limit on average over the last 12 months",
        "fr": "carte utilisée en moyenne à {value} de son plafond sur les 12 derniers mois",
    },
    "CC_UTILISATION_MAX": {
        "en": "card used at up to {value} of its limit",
        "fr": "carte utilisée jusqu'à {value} de son plafond",
    },
    "INST_LATE_COUNT_12M": {
        "en": "{n} of the last {total} instalments paid late",
        "fr": "{n} des {total} dernières échéances payées en retard",
    },
    "INST_MISSED_COUNT_12M": {
        "en": "{n} of the last {total} instalments not paid",
        "fr": "{n} des {total} dernières échéances non payées",
    },
    "INST_LATE_COUNT": {
        "en": "{n} of {total} instalments paid late",
        "fr": "{n} échéances sur {total} payées en retard",
    },
    "INST_PAID_DUE_RATIO": {
        "en": "{value} of the amounts due paid",
        "fr": "{value} des montants dus payés",
    },
    "PREV_REFUSED_COUNT_12M": {
        "en": "{n} of {total} previous applications refused in the last 12 months",
        "fr": "{n} demandes précédentes sur {total} refusées dans les 12 derniers mois",
    },
    "BB_WORST_STATUS": {
        "en": "worst monthly bureau status: {value}",
        "fr": "pire statut mensuel du bureau\u00a0: {value}",
    },
}

# EN: the plural nouns a history count starts with (for "1 previous application refused")
_PLURALS_EN = {
    "credits", "applications", "instalments", "months", "loans", "cards", "statuses", "records",
    "times", "withdrawals", "drawings",
}  # fmt: skip
_STOP_FR = {"de", "du", "des", "au", "à", "dans", "sur", "avec", "où", "en", "par", "chez"}
_STOP_FR |= {"après", "avant", "depuis", "restant", "encore"}
_KEEP_FR = {"non"}  # inside the noun group, invariable


def _singular(meaning: str, lang: Lang) -> str:
    """The meaning of a count of 1: its leading plural noun (EN), or its leading noun group
    up to the first preposition (FR: nouns and adjectives agree), in the singular."""
    words = meaning.split(" ")
    if lang == "en":
        for i, w in enumerate(words[:4]):
            if w in _PLURALS_EN:
                words[i] = w[:-2] if w.endswith("ses") else w[:-1]
                break
        return " ".join(words)
    for i, w in enumerate(words):
        if w in _KEEP_FR:
            continue
        if w in _STOP_FR or "'" in w or not w.endswith("s") or w.endswith("is"):
            break
        words[i] = w[:-1]
    return " ".join(words)


def history_phrase(
    feature: str, value: Any, lang: Lang = "en", row: dict[str, Any] | None = None
) -> str:
    """A client-history feature and its value as one phrase people read (lower case first),
    e.g. PREV_REFUSED_COUNT 2 -> "2 previous applications refused", INST_LATE_COUNT 3 with
    INST_COUNT 24 in ``row`` -> "3 of 24 instalments paid late", CC_UTILISATION_LAST 0.92 ->
    "card used at 92% of its limit". ``row`` maps feature names to the row's values (for the
    total a count is part of); a missing value reads "<meaning>: missing". KeyError if
    ``feature`` is not a history feature."""
    f = history.feature(feature)
    words = WORDS[lang]
    meaning = history.meaning(feature, lang)
    shown = format_value(feature, value, lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{meaning}{words['colon']}{shown}"
    x = float(value)
    total = (row or {}).get(f.of) if f.of else None
    if total is not None and isinstance(total, float) and math.isnan(total):
        total = None
    template = PHRASES.get(feature, {}).get(lang)
    if template and ("{total}" not in template or total is not None):
        n = _number(x, 0 if x == int(x) else 1, words)
        of = "" if total is None else _number(float(total), 0, words)
        return template.format(n=n, total=of, value=shown)
    if f.unit == "count" and not meaning.startswith(("most ", "plus ")):
        if total is not None and f.of is not None:
            return f"{shown} {words['of']} {format_value(f.of, total, lang)} {meaning}"
        return f"{shown} {_singular(meaning, lang) if x == 1 else meaning}"
    if f.unit in ("days", "months") and meaning.split(" ")[0] in (f.unit, words[f.unit]):
        return f"{shown} {meaning.split(' ', 1)[1]}"
    if f.unit == "share":
        for prefix, repl in (("share of ", "of "), ("part des ", "des "), ("part de ", "de ")):
            if meaning.startswith(prefix):
                return f"{shown} {repl}{meaning[len(prefix) :]}"
    return f"{meaning}{words['colon']}{shown}"
