"""The HTML report: our drift summary on top of Evidently's per-column widgets.

Evidently (0.7 API: ``Report([...]).run(current_data=..., reference_data=...)``) renders a
``ValueDrift`` widget (distributions, score, verdict) for each drifted column, scored by the same
PSI as the table (registered as an Evidently stat test), and a ``MissingValueCount`` widget where
the missing rate drifted. Our section, inserted at the top of Evidently's self-contained page,
holds what Evidently does not: the full column table with missing rates and importance shares,
the ranking, prediction drift and the performance estimated without labels.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from credit_monitoring import estimate
from credit_monitoring.drift import ColumnDrift
from credit_monitoring.measures import PSI_THRESHOLD, counts, fit_bins, psi_from_counts

STATTEST = "credit_psi"
MAX_WIDGETS = 30  # per-column widgets cost ~0.2 s each (plotly): the drifted columns, capped


def _codes(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if pd.api.types.is_numeric_dtype(reference) and pd.api.types.is_numeric_dtype(current):
        return reference.to_numpy(np.float64), current.to_numpy(np.float64)
    levels = {v: float(i) for i, v in enumerate(sorted(reference.astype(str).unique()))}
    ref = reference.astype(str).map(levels).to_numpy(np.float64)
    cur = current.astype(str).map(levels).fillna(-1.0).to_numpy(np.float64)
    return ref, cur


def _psi_stattest(reference: pd.Series, current: pd.Series, feature_type: Any, threshold: float):
    """Evidently stat-test signature: (score, drifted) on non-missing values (Evidently drops
    missing values before calling it)."""
    ref, cur = _codes(reference, current)
    numeric = pd.api.types.is_numeric_dtype(reference) and pd.api.types.is_numeric_dtype(current)
    bins = fit_bins(ref, by_value=not numeric)
    score = psi_from_counts(counts(bins, ref), counts(bins, cur))
    return score, score > threshold


def register_stattest() -> None:
    """Make ``credit_psi`` available to Evidently's drift metrics (idempotent)."""
    from evidently.legacy.calculations.stattests.registry import StatTest, register_stattest
    from evidently.legacy.core import ColumnType

    test = StatTest(
        name=STATTEST,
        display_name="PSI (reference deciles or levels)",
        allowed_feature_types=[ColumnType.Numerical, ColumnType.Categorical],
        default_threshold=PSI_THRESHOLD,
    )
    register_stattest(test, _psi_stattest)


def evidently_html(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    table: Sequence[ColumnDrift],
    extra: Sequence[tuple[str, float]] = (),
) -> str:
    """Evidently's page with a widget per drifted column (most drifted first, at most
    ``MAX_WIDGETS``) and for each ``extra`` (column, threshold), e.g. the predicted probability."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import MissingValueCount, ValueDrift

    register_stattest()
    drifted = sorted((c for c in table if c.drifted), key=lambda c: -c.score.severity)
    drifted = drifted[:MAX_WIDGETS]
    metrics: list[Any] = []
    for name, threshold in extra:
        metrics.append(ValueDrift(column=name, method=STATTEST, threshold=threshold))
    for c in drifted:
        if c.score.drifted_values:
            metrics.append(
                ValueDrift(column=c.name, method=STATTEST, threshold=c.score.values_threshold)
            )
        if c.score.drifted_missing:
            metrics.append(MissingValueCount(column=c.name))
    names = [n for n, _ in extra] + [c.name for c in drifted]
    if not metrics:
        names = [c.name for c in table[:1]]
        metrics = [MissingValueCount(column=n) for n in names]
    kinds = {c.name: c.kind for c in table}
    definition = DataDefinition(
        numerical_columns=[n for n in names if kinds.get(n, "numeric") == "numeric"],
        categorical_columns=[n for n in names if kinds.get(n) == "categorical"],
    )
    ref = Dataset.from_pandas(_strings(reference[names], kinds), data_definition=definition)
    cur = Dataset.from_pandas(_strings(current[names], kinds), data_definition=definition)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report(metrics).run(current_data=cur, reference_data=ref)
    return snapshot.get_html_str(as_iframe=False)


def _strings(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if kinds.get(name) == "categorical":
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _flag(estimates: dict[str, Any], untrusted: set[str]) -> dict[str, Any]:
    """The estimates with those in ``untrusted`` shown as not to be relied on."""
    return {
        k: f"{_fmt(v)} (not trusted)" if k in untrusted and v is not None else v
        for k, v in estimates.items()
    }


def _table(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(k.replace('_', ' '))}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{_fmt(r.get(k))}</td>" for k in keys) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """<style>
#credit-summary{font-family:Roboto,Helvetica,Arial,sans-serif;margin:24px;color:#222}
#credit-summary table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}
#credit-summary td,#credit-summary th{border:1px solid #ccc;padding:3px 8px;text-align:right}
#credit-summary th{background:#f0f0f0}#credit-summary td:first-child{text-align:left}
#credit-summary .kpi{display:inline-block;margin:0 24px 12px 0;font-size:15px}
#credit-summary .kpi b{display:block;font-size:22px}
</style>"""


def summary_section(summary: dict[str, Any], title: str) -> str:
    """Our part of the page, from the summary dictionary."""
    kpis = [
        ("status", summary.get("status")),
        ("rows analysed", summary.get("rows")),
        (
            "drifted columns",
            f"{summary.get('drifted_columns')} / {len(summary.get('columns', []))}",
        ),
        ("drift share", summary.get("drift_share")),
    ]
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts.append("".join(f'<div class="kpi">{k}<b>{_fmt(v)}</b></div>' for k, v in kpis))
    if summary.get("missing_columns"):
        names = ", ".join(html.escape(n) for n in summary["missing_columns"])
        parts.append(
            "<h2>Columns missing from the current data</h2><p>Not scored, so the check fails "
            f"(most important to the model first): {names}</p>"
        )
    est = summary.get("estimated")
    if est:
        calibration = summary.get("calibration", {}).get("method")
        label = "estimated (no labels, CBPE)"
        if calibration == "isotonic_on_reference":
            label = "estimated (no labels, CBPE; scores calibrated on the reference)"
        untrusted = set(summary.get("untrusted_estimates") or ())
        rows = [{"": label, **_flag(est, untrusted)}]
        if summary.get("estimated_bundle_calibration"):
            rows.append(
                {
                    "": "estimated with the bundle's own calibration",
                    **_flag(
                        summary["estimated_bundle_calibration"],
                        set(estimate.UNTRUSTED_WITH_BUNDLE_CALIBRATION),
                    ),
                }
            )
        if summary.get("training"):
            rows.append({"": "training", **summary["training"]})
        if summary.get("actual"):
            rows.append({"": "actual (labels)", **summary["actual"]})
        if summary.get("actual_interval"):
            interval = {
                k: f"[{_fmt(float(lo))}, {_fmt(float(hi))}]"
                for k, (lo, hi) in summary["actual_interval"].items()
            }
            rows.append({"": "actual: 95% bootstrap interval", **interval})
        keys = ["", "default_rate", "business_cost_per_application", "refusal_rate", "roc_auc"]
        parts.append("<h2>Model performance estimated without labels</h2>" + _table(rows, keys))
        if untrusted or summary.get("estimated_bundle_calibration"):
            parts.append(
                "<p>Estimates marked <i>not trusted</i> rest on the bundle's own calibration (a "
                "two-parameter Platt map fitted for the default rate): CBPE's ROC AUC depends on "
                "the whole shape of the probabilities and came out above the true AUC's 95% "
                "interval on the twin (docs/drift.md). Default rate and cost stay usable. "
                "Calibrating on labelled reference rows the model did not learn from "
                "(<code>credit drift --reference</code> with TARGET) makes the AUC usable.</p>"
            )
    if summary.get("prediction_drift"):
        pd_ = summary["prediction_drift"]
        parts.append(
            "<h2>Prediction drift</h2>"
            + _table(
                [pd_], ["method", "score", "threshold", "drifted", "mean_reference", "mean_current"]
            )
        )
    if summary.get("fairness"):
        parts.append(fairness_section(summary["fairness"]))
    if summary.get("history"):
        parts.append(history_section(summary["history"]))
    parts.append(
        "<h2>Most drifted features</h2><p>Drifted columns ordered by drift score × the column's "
        "share of the model's global importance (mean |SHAP|), then by score.</p>"
        + _table(
            summary.get("top_drifted", []),
            [
                "rank",
                "name",
                "method",
                "score",
                "threshold",
                "importance_share",
                "rank_by_score",
                "rank_by_importance",
            ],
        )
    )
    if summary.get("warnings_by_field"):
        rows = [{"field": f, **kinds} for f, kinds in summary["warnings_by_field"].items()]
        keys = ["field", *sorted({k for r in rows for k in r if k != "field"})]
        parts.append("<h2>API data-quality warnings</h2>" + _table(rows, keys))
    parts.append(
        "<h2>All columns</h2>"
        + _table(
            summary.get("columns", []),
            [
                "name",
                "method",
                "score",
                "threshold",
                "drifted",
                "values_psi",
                "missing_psi",
                "missing_rate_reference",
                "missing_rate_current",
                "importance_share",
            ],
        )
    )
    parts.append("<h2>Evidently: the drifted columns</h2>")
    return STYLE + '<div id="credit-summary">' + "".join(parts) + "</div>"


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.1f} %"


def fairness_section(fairness: dict[str, Any]) -> str:
    """The summary's ``fairness`` part as a table: refusal rate per group against the
    reference, the shift, the disparate impact of approval rates per attribute, the alarms."""
    rule = fairness["rule"]
    rows = []
    for name, a in fairness["attributes"].items():
        for g in a["groups"]:
            rows.append(
                {
                    "attribute": name,
                    "group": g["group"],
                    "decisions": g["count"],
                    "refused": _pct(g["refusal_rate"]),
                    "refused in reference": _pct(g["reference_refusal_rate"]),
                    "shift (pt)": None if g["shift_pt"] is None else f"{g['shift_pt']:+.1f}",
                    "alarm": ", ".join(g["alarm"]) or None,
                }
            )
    ratios = [
        {
            "attribute": name,
            "disparate impact": a["disparate_impact"],
            "in reference": a["reference_disparate_impact"],
            "approved least": a["lowest_group"],
            "source of reference": fairness["reference_source"].get(name),
        }
        for name, a in fairness["attributes"].items()
    ]
    alarms = "".join(f"<li>{html.escape(m)}</li>" for m in fairness["alarms"])
    return (
        "<h2>Refusal rate per group</h2><p>Alarm when a group with at least "
        f"{rule['min_decisions']} decisions is refused {rule['max_shift_pt']:g} percentage "
        "points more or less often than in the reference, or when an attribute's disparate "
        f"impact of approval rates falls below {rule['four_fifths']:g} while the reference was "
        f"above. Groups in alarm: <b>{fairness['groups_in_alarm']}</b></p>"
        + (f"<ul>{alarms}</ul>" if alarms else "")
        + _table(rows, list(rows[0]) if rows else ["attribute", "group"])
        + _table(ratios, list(ratios[0]) if ratios else ["attribute"])
    )


def history_section(history: dict[str, Any]) -> str:
    """The summary's ``history`` part: the share of applicants without client history against
    the reference, per day in the job, and the warning."""
    rule = history["rule"]
    rows = [
        {
            "": "window" if history.get("days") else "current",
            "applicants": history["rows"],
            "without history": history["without_history"],
            "share": _pct(history["share_without"]),
            "reference": _pct(history["reference_share_without"]),
            "shift (pt)": None if history["shift_pt"] is None else f"{history['shift_pt']:+.1f}",
        }
    ]
    for d in history.get("days", []):
        rows.append(
            {
                "": d["day"],
                "applicants": d["rows"],
                "without history": d["without_history"],
                "share": _pct(d["share_without"]),
                "reference": _pct(history["reference_share_without"]),
                "shift (pt)": None if d["shift_pt"] is None else f"{d['shift_pt']:+.1f}",
            }
        )
    warning = html.escape(history["message"]) if history.get("message") else "none"
    return (
        "<h2>Applicants without history</h2><p>Scored as clients without history (the "
        "no-history values). Warning when the share moves "
        f"{rule['max_shift_pt']:g} percentage points or more from the reference "
        f"({history.get('reference_source') or 'no reference'}) over at least "
        f"{rule['min_rows']} applicants. Warning: <b>{warning}</b></p>"
        + _table(rows, list(rows[0]))
    )


def compose(evidently_page: str, section: str) -> str:
    """Insert our section at the top of Evidently's page body."""
    marker = "<body>"
    at = evidently_page.find(marker)
    if at < 0:
        return section + evidently_page
    at += len(marker)
    return evidently_page[:at] + section + evidently_page[at:]
