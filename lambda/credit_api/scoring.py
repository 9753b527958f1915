"""Scoring and explaining applications: pure functions of a model and a raw-input matrix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from credit_core import feature_meta, units
from credit_core.contracts import Contribution, Reason
from credit_core.contracts.decision import Decision
from credit_core.contracts.responses import RiskGrade
from credit_core.features import History, transform_raw
from credit_core.history import definitions as history
from credit_core.model import ScoringModel, sigmoid

GRADES: tuple[tuple[RiskGrade, float], ...] = (
    ("A", 0.25),
    ("B", 0.5),
    ("C", 1.0),
    ("D", 2.0),
)  # cut points as multiples of threshold


@dataclass(frozen=True)
class Scored:
    probability: np.ndarray
    decision: list[Decision]
    grade: list[RiskGrade]
    features: np.ndarray


_MULTIPLES = np.array([m for _, m in GRADES])
_LETTERS: list[RiskGrade] = [g for g, _ in GRADES] + ["E"]


def grades(p: np.ndarray, threshold: float) -> list[RiskGrade]:
    """Risk grade per probability: A below a quarter of the threshold ... E above twice it."""
    return [_LETTERS[i] for i in np.searchsorted(_MULTIPLES * threshold, p, side="right").tolist()]


HISTORY = frozenset(history.feature_names())


def labels(names: Sequence[str]) -> list[str]:
    """Plain-words names of the features (computed once per bundle)."""
    return [feature_meta.label(n, "en") for n in names]


def _scored(model: ScoringModel, x: np.ndarray, p: np.ndarray) -> Scored:
    return Scored(p, model.decide(p).tolist(), grades(p, model.threshold), x)


def score(model: ScoringModel, raw: np.ndarray, history: History | None = None) -> Scored:
    """Score applications given as the raw-input matrix (rows x ``spec.raw_inputs``) and, for
    a with-history model, their history block (rows x ``spec.history``; None: no history)."""
    x = transform_raw(model.spec, raw, history)
    return _scored(model, x, model.probability(x))


def explain(
    model: ScoringModel,
    raw: np.ndarray,
    values: Sequence[Any],
    feature_labels: Sequence[str],
    top: int = 5,
    history: History | None = None,
) -> tuple[Scored, dict[str, Any]]:
    """Score one application plus its TreeSHAP contributions (calibrated log-odds), ranked by
    size, and the top reasons each way. ``values`` are the raw inputs as sent (None if absent);
    ``history`` as in :func:`score`."""
    x = transform_raw(model.spec, raw, history)
    contrib, base = model.contributions(x)
    # the contributions add up to the calibrated log-odds: no second pass through the trees
    scored = _scored(model, x, sigmoid(contrib.sum(axis=1) + base))
    names, c = model.spec.names, contrib[0]
    # shown: the value as sent for raw inputs, the computed one for derived features (NaN is
    # written as null: a missing value)
    shown = x[0].tolist()
    for i, v in enumerate(values[: len(model.spec.raw_inputs)]):  # then unscored fields, the id
        if v is not None:
            shown[i] = v
    order = np.argsort(-np.abs(c), kind="stable").tolist()
    cs = c.tolist()
    ranked = [
        Contribution(feature=names[i], label=feature_labels[i], value=shown[i], contribution=cs[i])
        for i in order
    ]
    row = dict(zip(names, shown, strict=True)) if model.spec.history else None
    against = [_sentence(r, "raises", row) for r in _first(ranked, top, lambda v: v > 0)]
    for_ = [_sentence(r, "lowers", row) for r in _first(ranked, top, lambda v: v < 0)]
    return scored, {
        "base_value": float(base[0]),
        "contributions": ranked,
        "reasons_against": against,
        "reasons_for": for_,
    }


REFUSAL_REASONS = 4  # what a refused client is told: the four strongest reasons against


def refusal_reasons(
    model: ScoringModel,
    x: np.ndarray,
    decisions: Sequence[str],
    sent: Callable[[int], Sequence[Any]],
    feature_labels: Sequence[str],
    top: int = REFUSAL_REASONS,
) -> list[list[Reason]]:
    """Per row, the reasons given with a refusal: the ``top`` features that raise the
    probability of default most (SHAP, calibrated log-odds), with their sentence; an accepted
    row gets none. Contributions are computed for the refused rows only. ``sent(i)`` is row
    ``i``'s values as sent (raw inputs first), shown instead of level codes."""
    out: list[list[Reason]] = [[] for _ in decisions]
    rows = [i for i, d in enumerate(decisions) if d == "refuse"]
    if not rows:
        return out
    contrib, _ = model.contributions(x[rows])
    names, k = model.spec.names, len(model.spec.raw_inputs)
    for j, i in enumerate(rows):
        c = contrib[j]
        shown = x[i].tolist()
        for f, v in enumerate(list(sent(i))[:k]):
            if v is not None:
                shown[f] = v
        values = dict(zip(names, shown, strict=True)) if model.spec.history else None
        ranked = np.argsort(-c, kind="stable")[:top].tolist()
        out[i] = [
            Reason(
                feature=names[f],
                contribution=float(c[f]),
                text=_sentence(
                    Contribution(
                        feature=names[f],
                        label=feature_labels[f],
                        value=shown[f],
                        contribution=float(c[f]),
                    ),
                    "raises",
                    values,
                ),
            )
            for f in ranked
            if c[f] > 0
        ]
    return out


def _first(rows: list[Contribution], n: int, keep: Callable[[float], bool]) -> list[Contribution]:
    return list(islice((r for r in rows if keep(r.contribution)), n))


def _sentence(row: Contribution, verb: str, values: dict[str, Any] | None = None) -> str:
    """One reason in plain words, the value in people's units (years, thousands separators,
    percentages; see :mod:`credit_core.units`); the contribution list keeps the raw value.
    A client-history feature reads as its phrase ("3 of 24 instalments paid late: raises ...");
    ``values`` (feature -> the row's value) gives the total a count is part of."""
    if row.feature in HISTORY:
        phrase = units.history_phrase(row.feature, row.value, "en", values)
        return f"{phrase[:1].upper()}{phrase[1:]}: {verb} the risk of default."
    value = units.format_value(row.feature, row.value)
    return f"{row.label[:1].upper()}{row.label[1:]} ({value}) {verb} the risk of default."
