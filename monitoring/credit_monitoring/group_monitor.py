"""Refusal rate per group of the sensitive attributes (``credit_core.groups``) in a window of
logged decisions, against the reference, and the alarm rule (docs/drift.md, "Refusal rate per
group").

Pure functions on arrays. A *rate table* maps attribute -> group -> :class:`Rate`. The part of
the drift summary (``fairness``) that :func:`group_refusals` returns::

    {"rule": {"max_shift_pt", "min_decisions", "min_reference_rows", "four_fifths"},
     "reference_source": {attribute: "reference_sample" | "model_card" | None},
     "attributes": {attribute: {"groups": [{group, count, refusal_rate, reference_count,
                                            reference_refusal_rate, shift_pt, alarm}],
                                "disparate_impact", "reference_disparate_impact",
                                "lowest_group", "alarm"}},
     "groups_in_alarm", "alarms"}

Rates are fractions, shifts percentage points (current - reference), ``alarm`` the reasons
(``"shift"``, ``"four_fifths"``) a group is in alarm; ``alarms`` says each in a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from credit_core.contracts import ModelCard
from credit_core.groups import MISSING, ordered

MAX_SHIFT_PT = 10.0  # |current - reference refusal rate| of a group, percentage points
MIN_DECISIONS = 100  # decisions of a group in the window before it can alarm
MIN_REFERENCE_ROWS = 50  # reference rows of a group before its rate is compared
FOUR_FIFTHS = 0.8  # disparate impact of approval rates below this fails the 4/5 rule


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    refusal_rate: float


def rates(groups: Mapping[str, np.ndarray], refused: np.ndarray) -> dict[str, dict[str, Rate]]:
    """Per attribute and group: rows and refusal rate (``refused``: one bool per row)."""
    refused = np.asarray(refused, dtype=bool)
    out: dict[str, dict[str, Rate]] = {}
    for name, labels in groups.items():
        labels = np.asarray(labels, dtype=object)
        out[name] = {
            g: Rate(int(m.sum()), float(refused[m].mean()))
            for g in set(labels.tolist())
            if (m := labels == g).any()
        }
    return out


def rates_from_card(card: ModelCard) -> dict[str, dict[str, Rate]]:
    """The rate table of the model card's ``fairness.report`` (training's holdout); empty when
    the card has none."""
    if card.fairness is None:
        return {}
    return {
        name: {g.group: Rate(g.count, g.refusal_rate) for g in a.groups}
        for name, a in card.fairness.report.attributes.items()
    }


def _disparate_impact(refusal: Mapping[str, float]) -> tuple[float | None, str | None]:
    """Lowest / highest approval rate among the groups (None under two groups) and the group
    approved least."""
    if len(refusal) < 2:
        return None, None
    approval = {g: 1.0 - r for g, r in refusal.items()}
    low = min(approval, key=approval.__getitem__)
    high = max(approval.values())
    return (approval[low] / high if high > 0 else 1.0), low


def _attribute(
    name: str, current: Mapping[str, Rate], reference: Mapping[str, Rate]
) -> dict[str, Any]:
    rows = []
    for g in ordered(name, set(current) | set(reference)):
        cur, ref = current.get(g), reference.get(g)
        comparable = ref is not None and ref.count >= MIN_REFERENCE_ROWS
        shift = (
            round(100.0 * (cur.refusal_rate - ref.refusal_rate), 6)
            if cur and ref and comparable
            else None
        )
        alarm = []
        if shift is not None and cur.count >= MIN_DECISIONS and abs(shift) >= MAX_SHIFT_PT:
            alarm.append("shift")
        rows.append(
            {
                "group": g,
                "count": cur.count if cur else 0,
                "refusal_rate": cur.refusal_rate if cur else None,
                "reference_count": ref.count if ref else 0,
                "reference_refusal_rate": ref.refusal_rate if ref else None,
                "shift_pt": shift,
                "alarm": alarm,
            }
        )
    # the 4/5 rule over the groups known on both sides with enough decisions ("missing" is no group)
    both = [
        r
        for r in rows
        if r["group"] != MISSING
        and r["count"] >= MIN_DECISIONS
        and r["reference_count"] >= MIN_REFERENCE_ROWS
    ]
    di, low = _disparate_impact({r["group"]: r["refusal_rate"] for r in both})
    ref_di, _ = _disparate_impact({r["group"]: r["reference_refusal_rate"] for r in both})
    fails = di is not None and ref_di is not None and di < FOUR_FIFTHS <= ref_di
    if fails:
        next(r for r in rows if r["group"] == low)["alarm"].append("four_fifths")
    return {
        "groups": rows,
        "disparate_impact": di,
        "reference_disparate_impact": ref_di,
        "lowest_group": low,
        "alarm": fails or any(r["alarm"] for r in rows),
    }


def group_refusals(
    current: Mapping[str, Mapping[str, Rate]],
    reference: Mapping[str, Mapping[str, Rate]],
    sources: Mapping[str, str | None],
) -> dict[str, Any]:
    """The summary's ``fairness`` part: each attribute of ``current`` (the window's rate table)
    against ``reference`` (same shape; ``sources`` names where each attribute's came from)."""
    attributes = {
        name: _attribute(name, current[name], reference.get(name, {})) for name in current
    }
    alarms = []
    for name, a in attributes.items():
        for r in a["groups"]:
            if "shift" in r["alarm"]:
                alarms.append(
                    f"{name}={r['group']}: refusal rate {100 * r['refusal_rate']:.1f} % vs "
                    f"{100 * r['reference_refusal_rate']:.1f} % in the reference "
                    f"({r['shift_pt']:+.1f} pt, {r['count']} decisions)"
                )
            if "four_fifths" in r["alarm"]:
                alarms.append(
                    f"{name}: disparate impact {a['disparate_impact']:.3f} < {FOUR_FIFTHS} "
                    f"(reference {a['reference_disparate_impact']:.3f}; {r['group']} approved "
                    "least)"
                )
    return {
        "rule": {
            "max_shift_pt": MAX_SHIFT_PT,
            "min_decisions": MIN_DECISIONS,
            "min_reference_rows": MIN_REFERENCE_ROWS,
            "four_fifths": FOUR_FIFTHS,
        },
        "reference_source": {name: sources.get(name) for name in attributes},
        "attributes": attributes,
        "groups_in_alarm": sum(bool(r["alarm"]) for a in attributes.values() for r in a["groups"]),
        "alarms": alarms,
    }


__all__ = [
    "FOUR_FIFTHS",
    "MAX_SHIFT_PT",
    "MIN_DECISIONS",
    "MIN_REFERENCE_ROWS",
    "Rate",
    "group_refusals",
    "rates",
    "rates_from_card",
]
