"""Fairness of a model's decisions per group of a sensitive attribute, and the promotion gate.

Pure functions on arrays: labels ``y`` (1 = defaulted), probabilities of default ``p``, the
decision threshold (refuse when ``p >= threshold``) and, per attribute, each row's group (see
``credit_core.groups``). The report is a JSON-ready dict, the model card's ``fairness.report``::

    {"min_group_rows": 50,
     "attributes": {name: {"groups": [{group, count, share, refusal_rate, approval_rate,
                                        default_rate, auc, false_refusal_rate, mean_pd,
                                        calibration_ratio, small}],
                           "disparate_impact", "lowest_group", "highest_group",
                           "four_fifths", "equal_opportunity_difference"}},
     "worst_ratio", "worst_attribute"}

Ratios use groups of at least ``min_group_rows`` rows only (smaller ones are reported, marked
``small``): a handful of rows gives an approval rate, not evidence.

- **disparate impact** (the 4/5 rule): lowest approval rate / highest approval rate among the
  groups; below 0.8 the attribute fails the four-fifths rule. It is the attribute's *worst group
  ratio*, and the gate compares it.
- **equal-opportunity difference**: highest minus lowest approval rate of *good* clients (those
  who repaid) among the groups, i.e. the spread of false refusal rates.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from credit_core.groups import ordered

MIN_GROUP_ROWS = 50
FOUR_FIFTHS = 0.8
# a challenger may lose at most this much disparate impact on any attribute against the champion
# (same holdout): two to three standard errors of the ratio between groups of ~1,000 rows
GATE_TOLERANCE = 0.05


def _rate(mask: np.ndarray) -> float | None:
    return float(mask.mean()) if len(mask) else None


def group_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, Any]:
    """Figures of one group: count, refusal, approval and default rates, AUC (None if the group
    holds one class only), false refusal rate of good clients, mean probability of default and
    its ratio to the observed default rate (None without defaulters)."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    refuse = p >= threshold
    good = y == 0
    default_rate = float(y.mean())
    mean_pd = float(p.mean())
    return {
        "count": len(y),
        "refusal_rate": float(refuse.mean()),
        "approval_rate": float(1 - refuse.mean()),
        "default_rate": default_rate,
        "auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None,
        "false_refusal_rate": _rate(refuse[good]),
        "mean_pd": mean_pd,
        "calibration_ratio": mean_pd / default_rate if default_rate > 0 else None,
    }


def attribute_report(
    y: np.ndarray,
    p: np.ndarray,
    threshold: float,
    groups: np.ndarray,
    attribute: str = "",
    min_rows: int = MIN_GROUP_ROWS,
) -> dict[str, Any]:
    """Per-group figures of one attribute and its ratios (None when fewer than two groups have
    ``min_rows`` rows)."""
    y, p, groups = np.asarray(y), np.asarray(p), np.asarray(groups, dtype=object)
    rows = []
    for g in ordered(attribute, set(groups.tolist())):
        m = groups == g
        r = {"group": g} | group_metrics(y[m], p[m], threshold)
        r["share"] = r["count"] / len(y)
        r["small"] = r["count"] < min_rows
        rows.append(r)
    big = [r for r in rows if not r["small"]]
    out: dict[str, Any] = {
        "groups": rows,
        "disparate_impact": None,
        "lowest_group": None,
        "highest_group": None,
        "four_fifths": None,
        "equal_opportunity_difference": None,
    }
    if len(big) < 2:
        return out
    low = min(big, key=lambda r: r["approval_rate"])
    high = max(big, key=lambda r: r["approval_rate"])
    di = low["approval_rate"] / high["approval_rate"] if high["approval_rate"] > 0 else 1.0
    good_approval = [
        1 - r["false_refusal_rate"] for r in big if r["false_refusal_rate"] is not None
    ]
    out.update(
        disparate_impact=di,
        lowest_group=low["group"],
        highest_group=high["group"],
        four_fifths=di >= FOUR_FIFTHS,
        equal_opportunity_difference=(
            max(good_approval) - min(good_approval) if len(good_approval) >= 2 else None
        ),
    )
    return out


def fairness_report(
    y: np.ndarray,
    p: np.ndarray,
    threshold: float,
    groups: Mapping[str, np.ndarray],
    min_rows: int = MIN_GROUP_ROWS,
) -> dict[str, Any]:
    """The report over all attributes (``groups``: attribute -> each row's group), with the worst
    disparate impact among them."""
    attributes = {
        name: attribute_report(y, p, threshold, g, name, min_rows) for name, g in groups.items()
    }
    ratios = {n: a["disparate_impact"] for n, a in attributes.items()}
    known = {n: r for n, r in ratios.items() if r is not None}
    worst = min(known, key=known.__getitem__) if known else None
    return {
        "min_group_rows": min_rows,
        "attributes": attributes,
        "worst_attribute": worst,
        "worst_ratio": known[worst] if worst else None,
    }


def gate(
    challenger: Mapping[str, Any],
    champion: Mapping[str, Any] | None,
    tolerance: float = GATE_TOLERANCE,
) -> list[str]:
    """Why the challenger must not replace the champion on fairness grounds (empty: it may).

    Both reports are on the same holdout. An attribute fails when the challenger's disparate
    impact is below the champion's by more than ``tolerance`` (absolute), whatever the cost."""
    if champion is None:
        return []
    failures = []
    for name, mine in challenger["attributes"].items():
        theirs = champion["attributes"].get(name)
        a, b = mine["disparate_impact"], theirs and theirs["disparate_impact"]
        if a is not None and b is not None and a < b - tolerance:
            failures.append(
                f"{name}: disparate impact {a:.3f} vs the champion's {b:.3f} "
                f"(tolerance {tolerance:.3f}; {mine['lowest_group']} approved least)"
            )
    return failures


def metrics_for_mlflow(report: Mapping[str, Any]) -> dict[str, float]:
    """Flat metric names: ``fairness_<attr>_disparate_impact``, ``..._equal_opportunity_diff``,
    ``fairness_<attr>_<group>_refusal_rate`` and ``fairness_worst_ratio``."""
    out: dict[str, float] = {}
    for name, a in report["attributes"].items():
        if a["disparate_impact"] is not None:
            out[f"fairness_{name}_disparate_impact"] = a["disparate_impact"]
        if a["equal_opportunity_difference"] is not None:
            out[f"fairness_{name}_equal_opportunity_diff"] = a["equal_opportunity_difference"]
        for g in a["groups"]:
            key = "".join(c if c.isalnum() else "_" for c in str(g["group"]))
            out[f"fairness_{name}_{key}_refusal_rate"] = g["refusal_rate"]
    if report["worst_ratio"] is not None:
        out["fairness_worst_ratio"] = report["worst_ratio"]
    return out


# --- readable renderings ---------------------------------------------------------------------

COLUMNS = (
    ("group", "group"),
    ("count", "rows"),
    ("refusal_rate", "refused"),
    ("default_rate", "defaulted"),
    ("false_refusal_rate", "good clients refused"),
    ("auc", "AUC"),
    ("mean_pd", "mean PD"),
    ("calibration_ratio", "mean PD / default rate"),
)
PERCENT = {"refusal_rate", "default_rate", "false_refusal_rate", "mean_pd"}


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key == "count":
        return f"{value:,}"
    if key in PERCENT:
        return f"{100 * value:.1f} %"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _summary(a: Mapping[str, Any]) -> str:
    if a["disparate_impact"] is None:
        return "fewer than two groups large enough for ratios"
    rule = "passes" if a["four_fifths"] else "**fails**"
    eo = a["equal_opportunity_difference"]
    eo_text = "n/a" if eo is None else f"{100 * eo:.1f} points"
    return (
        f"disparate impact {a['disparate_impact']:.3f} ({a['lowest_group']} vs "
        f"{a['highest_group']}; {rule} the 4/5 rule); equal-opportunity difference {eo_text}"
    )


def to_markdown(report: Mapping[str, Any], heading: str = "###") -> str:
    """One table per attribute, with its ratios under it (small groups marked with *)."""
    lines: list[str] = []
    for name, a in report["attributes"].items():
        lines += [f"{heading} {name.replace('_', ' ')}", ""]
        lines.append("| " + " | ".join(t for _, t in COLUMNS) + " |")
        lines.append("|" + "|".join("---" if k == "group" else "---:" for k, _ in COLUMNS) + "|")
        for g in a["groups"]:
            cells = [_cell(k, g[k]) for k, _ in COLUMNS]
            if g["small"]:
                cells[0] += " *"
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", _summary(a), ""]
    lines.append(
        f"\\* fewer than {report['min_group_rows']} rows: reported, left out of the ratios."
    )
    return "\n".join(lines) + "\n"


def to_html(report: Mapping[str, Any], title: str = "Fairness report") -> str:
    """A standalone page with the same tables."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for name, a in report["attributes"].items():
        parts.append(f"<h2>{html.escape(name.replace('_', ' '))}</h2><table><tr>")
        parts += [f"<th>{html.escape(t)}</th>" for _, t in COLUMNS]
        parts.append("</tr>")
        for g in a["groups"]:
            cells = [
                _cell(k, g[k]) + (" *" if k == "group" and g["small"] else "") for k, _ in COLUMNS
            ]
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        summary = html.escape(_summary(a)).replace("**fails**", "<strong>fails</strong>")
        parts.append(f"</table><p>{summary}</p>")
    parts.append(
        f"<p>* fewer than {report['min_group_rows']} rows: reported, left out of the ratios.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)
