"""Monitoring page: the latest drift summary, the full report and the trend over past runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from credit_core.contracts import DriftSummary, Performance
from credit_core.history.definitions import feature_names
from credit_frontend import charts, reports
from credit_frontend.history_view import number
from credit_frontend.i18n import field_label
from credit_frontend.ui import lang, pct, plotly_chart, settings, t


def _when(stamp: str | None) -> str:
    """``2026-11-30T06:00:00Z`` -> ``2026-11-30 06:00`` (UTC, as the job writes it)."""
    if not stamp:
        return "?"
    text = str(stamp).replace("T", " ").rstrip("Z")
    return text[:16] if len(text) >= 16 else text


def _money(v: float | None) -> str:
    return "n/a" if v is None else number(v, lang(), 3)


def _signed(x: float, decimals: int) -> str:
    """A change with its sign, in the chosen language's typography ("+1.90", "+1,90")."""
    return ("+" if x >= 0 else "-") + number(abs(x), lang(), decimals)


def _delta(
    cur: float | None, ref: float | None, scale: float = 100.0, unit: str = " pt"
) -> str | None:
    if cur is None or ref is None:
        return None
    return _signed(scale * (cur - ref), 2) + unit


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


HISTORY_NAMES = frozenset(feature_names())


def _count(n: int) -> str:
    return number(n, lang())


def _pt(value: float) -> str:
    return _signed(value, 1)


def history_coverage(s: DriftSummary) -> None:
    """The summary's ``history`` part: the share of applicants without history against the
    reference, its warning, and day by day in the job's window."""
    h = s.history
    if h is None:
        return
    source = t(f"hmon_source_{h.reference_source}") if h.reference_source else "?"
    c1, c2, c3 = st.columns(3)
    c1.metric(
        t("hmon_share"),
        pct(h.share_without),
        delta=None if h.shift_pt is None else f"{_pt(h.shift_pt)} pt",
        delta_color="off",
        help=f"{t('hmon_vs_reference')} ({source})",
    )
    c2.metric(t("hmon_reference"), pct(h.reference_share_without))
    c3.metric(t("hmon_rows"), _count(h.rows))
    values = {"share": pct(h.share_without), "ref": pct(h.reference_share_without)}
    values |= {"source": source, "rows": _count(h.rows)}
    if h.share_without is None:
        st.info(t("hmon_no_rows"))
    elif h.warning and h.shift_pt is not None:
        st.warning(t("hmon_warning", shift=_pt(h.shift_pt), **values))
    elif h.reference_share_without is None:
        st.caption(t("hmon_no_reference", **values))
    else:
        rule = {"max": f"{h.rule.max_shift_pt:g}", "min_rows": h.rule.min_rows}
        st.caption(t("hmon_ok", **values, **rule))
    if h.unknown_rows:
        st.caption(t("hmon_unknown", n=_count(h.unknown_rows)))
    if h.days:
        names = {
            "share": t("hmon_share"),
            "reference": t("hmon_reference"),
            "band": t("hmon_band"),
            "title": t("hmon_days_title"),
        }
        fig = charts.history_share(h.days, h.reference_share_without, h.rule.max_shift_pt, names)
        plotly_chart(fig, width="stretch", key="history_days")


def history_drift(s: DriftSummary) -> None:
    """The history features among the drift results: how many drifted, and those that did
    with their rank by drift x importance among all features."""
    columns = [c for c in s.columns if c.name in HISTORY_NAMES]
    if not columns:
        return
    st.markdown(f"**{t('hmon_drift_title')}**")
    drifted = sorted((c for c in columns if c.drifted), key=lambda c: -c.score)
    st.caption(t("hmon_drift", drifted=len(drifted), total=len(columns)))
    if not drifted:
        return
    rank = {r.name: r.rank for r in s.top_drifted}
    table = pd.DataFrame(
        [
            {
                t("hmon_col_rank"): rank.get(c.name),
                t("col_feature"): field_label(lang(), c.name),
                t("col_method"): method_words(c.method),
                t("col_score"): c.score,
                t("col_threshold"): c.threshold,
                t("col_importance"): c.importance_share,
            }
            for c in drifted
        ]
    )
    share = {t("col_importance"): st.column_config.NumberColumn(format="percent")}
    st.dataframe(table, hide_index=True, width="stretch", column_config=share, key="history_drift")


def history_part(s: DriftSummary) -> None:
    """Client history on the monitoring page: absent for a model without history features."""
    if s.history is None and not any(c.name in HISTORY_NAMES for c in s.columns):
        return
    st.subheader(t("hmon_title"))
    st.caption(t("hmon_intro"))
    history_coverage(s)
    history_drift(s)


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
        history_part(s)
        report_link(root, s)
    trend(root)
