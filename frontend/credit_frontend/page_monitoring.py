"""Monitoring page: the latest drift summary, the full report and the trend over past runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from credit_core.contracts import DriftSummary, Performance
from credit_frontend import charts, reports
from credit_frontend.i18n import field_label
from credit_frontend.ui import lang, pct, plotly_chart, settings, t


def _when(stamp: str | None) -> str:
    """``2026-11-30T06:00:00Z`` -> ``2026-11-30 06:00`` (UTC, as the job writes it)."""
    if not stamp:
        return "?"
    text = str(stamp).replace("T", " ").rstrip("Z")
    return text[:16] if len(text) >= 16 else text


def _money(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.3f}"


def _delta(
    cur: float | None, ref: float | None, scale: float = 100.0, unit: str = " pt"
) -> str | None:
    if cur is None or ref is None:
        return None
    return f"{scale * (cur - ref):+.2f}{unit}"


def headline(s: DriftSummary) -> None:
    est, train = s.estimated or Performance(), s.training or Performance()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("drift_share"), pct(s.drift_share))
    c2.metric(t("drifted_columns"), f"{s.drifted_columns} / {len(s.columns)}")
    c3.metric(
        t("est_default_rate"),
        pct(est.default_rate),
        delta=_delta(est.default_rate, train.default_rate),
        delta_color="inverse",
        help=t("vs_training") + " " + pct(train.default_rate),
    )
    c4.metric(
        t("est_cost"),
        _money(est.business_cost_per_application),
        delta=_delta(
            est.business_cost_per_application,
            train.business_cost_per_application,
            1.0,
            "",
        ),
        delta_color="inverse",
        help=t("vs_training") + " " + _money(train.business_cost_per_application),
    )
    st.caption(
        t(
            "mon_summary",
            drifted=s.drifted_columns,
            total=len(s.columns),
            share=pct(s.drift_share),
            rate=pct(est.default_rate),
            train_rate=pct(train.default_rate),
            cost=_money(est.business_cost_per_application),
            train_cost=_money(train.business_cost_per_application),
        )
    )


def method_words(method: str) -> str:
    """The drift job's test code (``psi_missing_rate``, ``psi_deciles``...) as officers read
    it: what changed in the column."""
    return t("method_missing") if "missing" in method else t("method_values")


def drifted_table(s: DriftSummary) -> None:
    columns = {c.name: c for c in s.columns}
    rows = [columns[r.name] for r in s.top_drifted[:10] if r.name in columns]
    if not rows:
        return
    st.subheader(t("top_drifted"))
    table = pd.DataFrame(
        [
            {
                t("col_feature"): field_label(lang(), r.name),
                t("col_method"): method_words(r.method),
                t("col_score"): r.score,
                t("col_threshold"): r.threshold,
                t("col_drifted"): t("yes") if r.drifted else t("no"),
                t("col_importance"): r.importance_share,
                t("col_missing_ref"): r.missing_rate_reference,
                t("col_missing_cur"): r.missing_rate_current,
            }
            for r in rows
        ]
    )
    pct = {
        c: st.column_config.NumberColumn(format="percent")
        for c in (t("col_importance"), t("col_missing_ref"), t("col_missing_cur"))
    }
    st.dataframe(table, hide_index=True, width="stretch", column_config=pct, key="drift_table")


def report_link(root: str, s: DriftSummary) -> None:
    key = s.report_key
    if not key:
        return
    url = reports.report_url(root, key)
    if url:
        st.link_button(t("mon_report"), url)
    try:
        html = reports.read_bytes(root, reports.relative_key(root, key))
    except reports.ReportsError:
        return
    st.download_button(
        t("mon_report_download"), html, "drift_report.html", "text/html", key="report_download"
    )


def trend(root: str) -> None:
    try:
        runs = reports.history(root)
    except reports.ReportsError:
        runs = []
    if len(runs) < 2:
        st.subheader(t("trend_title"))
        st.caption(t("trend_one"))
        return
    names = {
        "drift_share": t("drift_share"),
        "default_rate": t("est_default_rate"),
        "title": t("trend_title"),
    }
    plotly_chart(charts.trend(runs, names), width="stretch", key="trend")
    first, last = runs[0], runs[-1]
    st.caption(
        t(
            "trend_summary",
            n=len(runs),
            first=first.generated_at[:10],
            last=last.generated_at[:10],
            s0=pct(first.drift_share),
            s1=pct(last.drift_share),
            r0=pct(first.estimated.default_rate if first.estimated else None),
            r1=pct(last.estimated.default_rate if last.estimated else None),
        )
    )


def page() -> None:
    st.write(t("mon_intro"))
    root = settings().reports_uri
    if not root:
        st.info(t("mon_not_configured"))
        return
    try:
        s = reports.latest(root)
    except reports.ReportsError as err:
        st.error(t("mon_unreadable", uri=root, error=err))
        return
    since, until = (s.window.since, s.window.until) if s.window else (None, None)
    if s.status == "no_data":
        st.info(t("mon_no_data", since=_when(since), until=_when(until)))
    else:
        st.caption(
            t(
                "mon_window",
                since=_when(since),
                until=_when(until),
                version=s.model_version,
                rows=s.rows,
            )
        )
        headline(s)
        drifted_table(s)
        report_link(root, s)
    trend(root)
