"""Refusal rate per group in the drift job: made-up logged populations whose answer is known."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec
import numpy as np
import pytest

from credit_core import contracts
from credit_core.contracts import read_card
from credit_monitoring import group_monitor, logs, report
from credit_monitoring.group_monitor import Rate, group_refusals, rates, rates_from_card
from tests.unit.test_contracts import v1_card

WHEN = datetime(2026, 11, 20, 12, tzinfo=UTC)
YEAR = 365.25


def _population(spec: dict[str, tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """group -> (rows, refused rows) as one label and one refusal flag per row."""
    labels, refused = [], []
    for g, (n, k) in spec.items():
        labels += [g] * n
        refused += [True] * k + [False] * (n - k)
    return np.array(labels, dtype=object), np.array(refused)


def _fairness(current: dict, reference: dict) -> dict:
    cur_labels, cur_refused = _population(current)
    ref_labels, ref_refused = _population(reference)
    return group_refusals(
        rates({"gender": cur_labels}, cur_refused),
        rates({"gender": ref_labels}, ref_refused),
        {"gender": "reference_sample"},
    )


def _group(fairness: dict, attribute: str, group: str) -> dict:
    return next(g for g in fairness["attributes"][attribute]["groups"] if g["group"] == group)


REFERENCE = {"F": (1000, 200), "M": (1000, 200)}  # both refused 20 %


def test_a_group_refused_twice_as_often_as_in_the_reference_raises_the_alarm():
    # women refused 40 % instead of 20 %; men as in the reference
    fairness = _fairness({"F": (500, 200), "M": (500, 100)}, REFERENCE)

    women, men = _group(fairness, "gender", "F"), _group(fairness, "gender", "M")
    assert women["refusal_rate"] == pytest.approx(0.40)
    assert women["reference_refusal_rate"] == pytest.approx(0.20)
    assert women["shift_pt"] == pytest.approx(20.0)
    assert women["alarm"] == ["shift", "four_fifths"]  # approval 60 % vs 80 %
    assert men["shift_pt"] == pytest.approx(0.0) and men["alarm"] == []
    assert fairness["groups_in_alarm"] == 1
    gender = fairness["attributes"]["gender"]
    assert gender["disparate_impact"] == pytest.approx(0.60 / 0.80)
    assert gender["reference_disparate_impact"] == pytest.approx(1.0)
    assert gender["lowest_group"] == "F" and gender["alarm"] is True
    assert any("+20.0 pt" in m and "gender=F" in m for m in fairness["alarms"])


def test_a_window_like_the_reference_raises_nothing():
    fairness = _fairness({"F": (500, 102), "M": (500, 95)}, REFERENCE)
    assert fairness["groups_in_alarm"] == 0 and fairness["alarms"] == []
    assert fairness["attributes"]["gender"]["alarm"] is False


def test_a_shift_in_a_group_below_the_minimum_of_decisions_does_not_alarm():
    n = group_monitor.MIN_DECISIONS - 1
    fairness = _fairness({"F": (n, n), "M": (500, 100)}, REFERENCE)  # all refused, but too few
    women = _group(fairness, "gender", "F")
    assert women["shift_pt"] == pytest.approx(80.0) and women["alarm"] == []
    assert fairness["groups_in_alarm"] == 0
    assert fairness["attributes"]["gender"]["disparate_impact"] is None  # one group left


def test_the_shift_alarm_starts_at_the_stated_number_of_points_both_ways():
    # +10 pt exactly (20 % -> 30 %) alarms; -9.8 pt (20 % -> 10.2 %) does not; -10 pt does
    fairness = _fairness({"F": (1000, 300), "M": (500, 51)}, REFERENCE)
    assert "shift" in _group(fairness, "gender", "F")["alarm"]
    assert _group(fairness, "gender", "M")["alarm"] == []
    fairness = _fairness({"F": (1000, 200), "M": (500, 50)}, REFERENCE)
    assert _group(fairness, "gender", "M")["alarm"] == ["shift"]


def test_disparate_impact_alarms_only_when_the_reference_passed_the_four_fifths_rule():
    # reference already below 0.8 (approval 50 % vs 80 %): a window like it is no news
    reference = {"F": (1000, 500), "M": (1000, 200)}
    fairness = _fairness({"F": (500, 260), "M": (500, 100)}, reference)
    assert fairness["attributes"]["gender"]["disparate_impact"] < 0.8
    assert fairness["groups_in_alarm"] == 0


def test_a_group_with_a_tiny_reference_is_shown_but_not_compared():
    reference = REFERENCE | {"XNA": (group_monitor.MIN_REFERENCE_ROWS - 1, 0)}
    fairness = _fairness({"F": (500, 100), "M": (500, 100), "XNA": (300, 300)}, reference)
    xna = _group(fairness, "gender", "XNA")
    assert xna["count"] == 300 and xna["shift_pt"] is None and xna["alarm"] == []


def _figures(group: str, count: int, refusal_rate: float) -> dict:
    return {
        "group": group, "count": count, "share": 0.5, "refusal_rate": refusal_rate,
        "approval_rate": 1 - refusal_rate, "default_rate": 0.08, "auc": 0.7,
        "false_refusal_rate": 0.2, "mean_pd": 0.08, "calibration_ratio": 1.0, "small": False,
    }  # fmt: skip


def test_the_card_s_fairness_report_is_a_reference():
    fairness = {
        "policy": {"protected_inputs": ["CODE_GENDER"], "measured_attributes": {}, "age": "input"},
        "age_effect": [],
        "evaluated_on": "holdout",
        "report": {
            "min_group_rows": 50,
            "attributes": {
                "gender": {
                    "groups": [_figures("F", 800, 0.25), _figures("M", 700, 0.36)],
                    "disparate_impact": 0.85,
                    "lowest_group": "M",
                    "highest_group": "F",
                    "four_fifths": True,
                    "equal_opportunity_difference": 0.01,
                }
            },
            "worst_attribute": "gender",
            "worst_ratio": 0.85,
        },
        "gate": {"tolerance": 0.05, "champion_worst_ratio": None, "failures": []},
    }
    card = read_card(json.dumps(v1_card()))
    typed = msgspec.structs.replace(card, fairness=msgspec.convert(fairness, contracts.Fairness))
    assert rates_from_card(typed) == {"gender": {"F": Rate(800, 0.25), "M": Rate(700, 0.36)}}
    assert rates_from_card(card) == {}  # a card before the fairness work


def _line(inputs: dict, decision: str) -> bytes:
    record = {
        "request_id": "r",
        "item": 0,
        "timestamp": WHEN.isoformat(),
        "model_version": "v1",
        "inputs": inputs,
        "features": [1.0],
        "probability": 0.9 if decision == "refuse" else 0.1,
        "decision": decision,
        "warnings": [],
    }
    return json.dumps(record).encode()


def _window(lines: list[bytes]) -> logs.Window:
    return logs.collect(
        [b"\n".join(lines)], "v1", 1, [], WHEN.replace(hour=0), WHEN.replace(hour=23)
    )


def test_logged_records_without_the_attribute_are_counted_as_unknown():
    # 150 women (60 refused), 150 records without CODE_GENDER (30 refused), 2 with ages as text
    lines = [
        _line({"CODE_GENDER": "F", "DAYS_BIRTH": -30 * YEAR}, "refuse" if i < 60 else "accept")
        for i in range(150)
    ]
    lines += [
        _line({"DAYS_BIRTH": -70 * YEAR}, "refuse" if i < 30 else "accept") for i in range(150)
    ]
    lines += [_line({"CODE_GENDER": "M", "DAYS_BIRTH": "thirty"}, "accept") for _ in range(2)]
    window = _window(lines)

    groups = window.groups()
    assert window.rows == 302
    assert list(groups) == ["gender", "age_band", "family_status", "children"]
    current = rates(groups, window.refusals())
    assert current["gender"] == {"F": Rate(150, 0.4), "missing": Rate(150, 0.2), "M": Rate(2, 0.0)}
    assert current["age_band"] == {
        "25-40": Rate(150, 0.4),
        ">=60": Rate(150, 0.2),
        "missing": Rate(2, 0.0),
    }
    assert current["children"] == {"missing": Rate(302, 90 / 302)}

    fairness = group_refusals(current, {"gender": {"F": Rate(1000, 0.2)}}, {"gender": "model_card"})
    unknown = _group(fairness, "gender", "missing")
    assert unknown["count"] == 150 and unknown["refusal_rate"] == pytest.approx(0.2)
    assert unknown["shift_pt"] is None and unknown["alarm"] == []  # no reference for it
    assert _group(fairness, "gender", "F")["alarm"] == ["shift"]  # 40 % vs 20 %
    assert fairness["reference_source"]["gender"] == "model_card"
    assert fairness["reference_source"]["age_band"] is None


def test_the_report_shows_the_table_and_the_alarms():
    fairness = _fairness({"F": (500, 200), "M": (500, 100)}, REFERENCE)
    page = report.fairness_section(fairness)
    assert "Refusal rate per group" in page and "+20.0" in page and "40.0 %" in page
    assert "gender=F: refusal rate 40.0 % vs 20.0 %" in page
    assert "Groups in alarm: <b>1</b>" in page
