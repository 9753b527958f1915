"""Scoring and explaining applications: pure functions of a loaded bundle and JSON records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from credit_core.bundle import Bundle
from credit_core.features import columns_from_records, transform
from credit_core.model import sigmoid

GRADES = (("A", 0.25), ("B", 0.5), ("C", 1.0), ("D", 2.0))  # cut points as multiples of threshold
LABELS = {
    "EXT_SOURCE_1": "external score 1",
    "EXT_SOURCE_2": "external score 2",
    "EXT_SOURCE_3": "external score 3",
    "EXT_SOURCE_MEAN": "average external score",
    "EXT_SOURCE_MIN": "lowest external score",
    "EXT_SOURCE_MAX": "highest external score",
    "EXT_SOURCE_PROD": "product of the external scores",
    "EXT_SOURCE_NAN_COUNT": "number of missing external scores",
    "DAYS_BIRTH": "age",
    "DAYS_EMPLOYED": "time in current job",
    "DAYS_EMPLOYED_ANOM": "no employer (pensioner or unemployed)",
    "DAYS_ID_PUBLISH": "time since the ID document was issued",
    "DAYS_REGISTRATION": "time since the registration changed",
    "DAYS_LAST_PHONE_CHANGE": "time since the phone changed",
    "AMT_CREDIT": "credit amount",
    "AMT_ANNUITY": "annuity",
    "AMT_GOODS_PRICE": "goods price",
    "AMT_INCOME_TOTAL": "income",
    "PAYMENT_RATE": "annuity / credit (repayment speed)",
    "CREDIT_INCOME_RATIO": "credit / income",
    "ANNUITY_INCOME_RATIO": "annuity / income (repayment burden)",
    "GOODS_CREDIT_RATIO": "goods price / credit",
    "EMPLOYED_AGE_RATIO": "share of life in the current job",
    "INCOME_PER_PERSON": "income per family member",
    "CODE_GENDER": "gender",
    "NAME_EDUCATION_TYPE": "education",
    "NAME_INCOME_TYPE": "income type",
    "ORGANIZATION_TYPE": "employer's sector",
    "OCCUPATION_TYPE": "occupation",
    "REGION_RATING_CLIENT_W_CITY": "region rating (with city)",
    "REGION_RATING_CLIENT": "region rating",
    "OWN_CAR_AGE": "age of the car",
    "NAME_CONTRACT_TYPE": "contract type",
    "DOCUMENT_COUNT": "documents provided",
}


@dataclass(frozen=True)
class Scored:
    probability: np.ndarray
    decision: np.ndarray
    grade: list[str]
    features: np.ndarray


def grade(p: float, threshold: float) -> str:
    for label, multiple in GRADES:
        if p < multiple * threshold:
            return label
    return "E"


def score(bundle: Bundle, records: Sequence[dict[str, Any]]) -> Scored:
    model = bundle.model
    x = transform(model.spec, columns_from_records(model.spec, records))
    return _scored(bundle, x, model.probability(x))


def _scored(bundle: Bundle, x: np.ndarray, p: np.ndarray) -> Scored:
    model = bundle.model
    return Scored(
        probability=p,
        decision=model.decide(p),
        grade=[grade(float(v), model.threshold) for v in p],
        features=x,
    )


def _label(name: str) -> str:
    label = LABELS.get(name)
    return label if label is not None else name.replace("_", " ").lower()


def _shown(value: float, raw: Any) -> Any:
    if raw is not None:
        return raw
    return None if value != value else round(value, 6)  # NaN: a missing feature


def explain(bundle: Bundle, record: dict[str, Any], top: int = 5) -> dict[str, Any]:
    """Score plus TreeSHAP contributions (calibrated log-odds) and the top reasons each way."""
    model = bundle.model
    x = transform(model.spec, columns_from_records(model.spec, [record]))
    contrib, base = model.contributions(x)
    # the contributions add up to the calibrated log-odds: no second pass through the trees
    scored = _scored(bundle, x, sigmoid(contrib.sum(axis=1) + base))
    names = model.spec.names
    values = scored.features[0].tolist()
    contributions = contrib[0].tolist()
    rows = [
        {
            "feature": name,
            "label": _label(name),
            "value": _shown(values[i], record.get(name)),
            "contribution": contributions[i],
        }
        for i, name in enumerate(names)
    ]
    ranked = sorted(rows, key=lambda r: -abs(r["contribution"]))
    against = [r for r in ranked if r["contribution"] > 0]  # largest first
    for_ = [r for r in ranked if r["contribution"] < 0]
    return {
        "scored": scored,
        "base_value": float(base[0]),
        "contributions": ranked,
        "reasons_against": [_sentence(r, "raises") for r in against[:top]],
        "reasons_for": [_sentence(r, "lowers") for r in for_[:top]],
    }


def _sentence(row: dict[str, Any], verb: str) -> str:
    value = "missing" if row["value"] is None else row["value"]
    return f"{row['label'].capitalize()} ({value}) {verb} the risk of default."
