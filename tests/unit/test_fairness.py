"""Fairness figures and the promotion gate on made-up populations whose answers are known."""

import numpy as np
import pytest

from credit_core.groups import age_band, assign_groups, children
from credit_training import registry
from credit_training.fairness import (
    attribute_report,
    fairness_report,
    gate,
    group_metrics,
    metrics_for_mlflow,
    to_html,
    to_markdown,
)

THRESHOLD = 0.5


def population(refused: dict[str, int], n: int = 500, defaulters: int = 50):
    """``n`` rows per group; the first ``defaulters`` of each group defaulted; the group's first
    ``refused[g]`` rows are refused (p = 0.9), the rest accepted (p = 0.1)."""
    y, p, g = [], [], []
    for name, k in refused.items():
        yy = np.zeros(n, dtype=int)
        yy[:defaulters] = 1
        pp = np.full(n, 0.1)
        pp[:k] = 0.9
        y.append(yy), p.append(pp), g.append(np.full(n, name, dtype=object))
    return np.concatenate(y), np.concatenate(p), np.concatenate(g)


def test_group_figures_have_their_known_values():
    # 10 rows: 2 defaulters both refused, 8 good of whom 2 refused
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1])
    m = group_metrics(y, p, THRESHOLD)
    assert m["count"] == 10
    assert m["refusal_rate"] == pytest.approx(0.4)
    assert m["approval_rate"] == pytest.approx(0.6)
    assert m["default_rate"] == pytest.approx(0.2)
    assert m["false_refusal_rate"] == pytest.approx(2 / 8)
    assert m["auc"] == pytest.approx(1.0)  # both defaulters above every good client
    assert m["mean_pd"] == pytest.approx(0.37)
    assert m["calibration_ratio"] == pytest.approx(0.37 / 0.2)


def test_auc_and_calibration_are_none_when_a_group_has_one_class():
    m = group_metrics(np.zeros(5, dtype=int), np.full(5, 0.3), THRESHOLD)
    assert m["auc"] is None and m["calibration_ratio"] is None
    assert m["false_refusal_rate"] == 0.0


def test_a_group_refused_twice_as_often_fails_the_four_fifths_rule():
    y, p, g = population({"A": 100, "B": 200})  # refused 20 % vs 40 %
    a = attribute_report(y, p, THRESHOLD, g)
    by = {r["group"]: r for r in a["groups"]}
    assert by["A"]["refusal_rate"] == pytest.approx(0.2)
    assert by["B"]["refusal_rate"] == pytest.approx(0.4)
    assert a["disparate_impact"] == pytest.approx(0.6 / 0.8)
    assert (a["lowest_group"], a["highest_group"]) == ("B", "A")
    assert a["four_fifths"] is False
    # good clients refused: A 50 of 450, B 150 of 450 (the first 50 refused rows are defaulters)
    assert by["A"]["false_refusal_rate"] == pytest.approx(50 / 450)
    assert by["B"]["false_refusal_rate"] == pytest.approx(150 / 450)
    assert a["equal_opportunity_difference"] == pytest.approx(100 / 450)


def test_equal_treatment_passes():
    y, p, g = population({"A": 100, "B": 100})
    a = attribute_report(y, p, THRESHOLD, g)
    assert a["disparate_impact"] == pytest.approx(1.0)
    assert a["four_fifths"] is True
    assert a["equal_opportunity_difference"] == pytest.approx(0.0)


def test_small_groups_are_reported_but_left_out_of_the_ratios():
    y, p, g = population({"A": 100, "B": 100})
    y = np.r_[y, [0] * 10]
    p = np.r_[p, [0.9] * 10]  # ten rows, all refused
    g = np.r_[g, ["XNA"] * 10]
    a = attribute_report(y, p, THRESHOLD, g, min_rows=50)
    small = next(r for r in a["groups"] if r["group"] == "XNA")
    assert small["small"] is True and small["refusal_rate"] == 1.0
    assert a["disparate_impact"] == pytest.approx(1.0)
    one_group = attribute_report(y[:500], p[:500], THRESHOLD, g[:500])
    assert one_group["disparate_impact"] is None and one_group["four_fifths"] is None


def test_the_report_names_the_worst_attribute():
    y, p, g = population({"A": 100, "B": 200})
    fair = np.where(np.arange(len(y)) % 2 == 0, "even", "odd").astype(object)
    r = fairness_report(y, p, THRESHOLD, {"gender": g, "parity": fair})
    assert r["worst_attribute"] == "gender"
    assert r["worst_ratio"] == pytest.approx(0.75)
    flat = metrics_for_mlflow(r)
    assert flat["fairness_worst_ratio"] == pytest.approx(0.75)
    assert flat["fairness_gender_B_refusal_rate"] == pytest.approx(0.4)
    assert "fairness_parity_disparate_impact" in flat


def test_a_model_refusing_one_group_twice_as_often_fails_the_gate_whatever_its_cost():
    y, p_champion, g = population({"A": 100, "B": 100})
    _, p_challenger, _ = population({"A": 100, "B": 200})
    champion = fairness_report(y, p_champion, THRESHOLD, {"gender": g})
    challenger = fairness_report(y, p_challenger, THRESHOLD, {"gender": g})
    failures = gate(challenger, champion)
    assert len(failures) == 1 and failures[0].startswith("gender: disparate impact 0.750")
    # a lower cost does not buy the promotion; only an explicit --promote does
    assert registry.should_promote(0.1, 0.5, fairness_failures=failures) is False
    assert registry.should_promote(0.1, 0.5, force=True, fairness_failures=failures) is True
    assert registry.should_promote(0.1, 0.5) is True


def test_the_gate_tolerates_a_small_loss_and_passes_without_a_champion():
    y, p_champion, g = population({"A": 100, "B": 100})
    _, p_slightly, _ = population({"A": 100, "B": 115})  # approval 0.77 / 0.8 = 0.9625
    champion = fairness_report(y, p_champion, THRESHOLD, {"gender": g})
    slightly = fairness_report(y, p_slightly, THRESHOLD, {"gender": g})
    assert gate(slightly, champion, tolerance=0.05) == []
    assert gate(slightly, champion, tolerance=0.02) != []
    assert gate(slightly, None) == []


def test_renderings_hold_every_group_and_the_verdict():
    y, p, g = population({"A": 100, "B": 200})
    r = fairness_report(y, p, THRESHOLD, {"gender": g})
    md = to_markdown(r)
    assert "| B | 500 | 40.0 % | 10.0 % | 33.3 % |" in md
    assert "**fails** the 4/5 rule" in md
    page = to_html(r)
    assert "<td>40.0 %</td>" in page and "<strong>fails</strong>" in page


def test_age_bands_from_days_birth_at_their_edges():
    days = [-9131, -9132, -14610, -14611, -21915, -21916, -30000, None, np.nan]
    # 9131 days = 24.999 years; 14610 days = 40.0 years exactly; 21915 days = 60.0 years
    assert age_band(days).tolist() == [
        "<25",
        "25-40",
        "40-60",
        "40-60",
        ">=60",
        ">=60",
        ">=60",
        "missing",
        "missing",
    ]


def test_children_and_levels_group_as_declared():
    assert children([0, 1, 2, 3, 7, None]).tolist() == ["0", "1", "2", "3+", "3+", "missing"]
    groups = assign_groups(
        {"CODE_GENDER": ["F", "M", None], "CNT_CHILDREN": [0, 4, 1], "OTHER": [1, 2, 3]}
    )
    assert set(groups) == {"gender", "children"}  # absent columns skip their attribute
    assert groups["gender"].tolist() == ["F", "M", "missing"]
