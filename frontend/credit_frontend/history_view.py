"""The History section's content from a client's summary (pure functions: summary in, table
rows, figures and sentences out, in the chosen language and people's units).

Times are shown as people say them ("8 months ago", "in 2.5 years") from the summary's days
before the application; amounts with thousands separators; card use as a share of the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from credit_core import units
from credit_core.contracts.history import PUNCTUALITY_MONTHS, HistorySummary, PunctualityMonth
from credit_core.history.definitions import feature_names
from credit_frontend.charts import BLACK, BLUE, ORANGE, VERMILION, _layout, pct

Tr = Callable[..., str]  # (key, **values) -> the label in the chosen language
DAYS_PER_MONTH = 30.4375
DAYS_PER_YEAR = 365.25
HISTORY_NAMES = frozenset(feature_names())


def reason(c: dict[str, Any], row: dict[str, Any] | None, tr: Tr, lang: str) -> str:
    """A history feature's contribution as a reason in people's words, e.g. "2 of 24
    instalments paid late: raises the risk." (``row``: feature -> value, for the totals)."""
    lang_ = "fr" if lang == "fr" else "en"
    phrase = units.history_phrase(c["feature"], c.get("value"), lang_, row)
    verb = tr("raises") if c["contribution"] > 0 else tr("lowers")
    return tr("history_reason_line", phrase=phrase[:1].upper() + phrase[1:], verb=verb)


def number(x: float, lang: str, decimals: int = 0) -> str:
    """``x`` with the language's separators ("12,345" / "12 345")."""
    return units._number(x, decimals, units.WORDS["fr" if lang == "fr" else "en"])


def amount(x: float | None, lang: str) -> str:
    """An amount in the loan's currency, "–" when not known."""
    return "–" if x is None else units.format_value("AMT_CREDIT", x, "fr" if lang == "fr" else "en")


def as_of(iso: str, lang: str) -> str:
    """The history's date: "30/11/2026" in French, ISO in English."""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}" if lang == "fr" else iso


def when(days: float | None, tr: Tr, lang: str) -> str:
    """A day relative to the application (negative: before) as people say it."""
    if days is None:
        return "–"
    n = abs(float(days))
    if n < 1:
        return tr("at_application")
    before = days < 0
    if n < 60:
        key, value = ("day" if round(n) == 1 else "days"), number(n, lang)
    elif n < 2 * DAYS_PER_YEAR:
        key, value = "months", number(round(n / DAYS_PER_MONTH), lang)
    else:
        years = n / DAYS_PER_YEAR
        value = number(years, lang, 0 if years >= 10 else 1)
        key = "years"
    return tr(f"{key}_ago" if before else f"in_{key}", n=value)


def status(value: str, tr: Tr) -> str:
    try:
        return tr(f"status_{value}")
    except KeyError:  # a status the contract allows but the UI has no word for
        return value


def bureau_rows(summary: HistorySummary, tr: Tr, lang: str) -> list[dict[str, str]]:
    """One row per bureau credit (newest first), every cell as shown."""
    return [
        {
            tr("col_status"): status(c.status, tr),
            tr("col_amount"): amount(c.amount, lang),
            tr("col_debt"): amount(c.debt, lang),
            tr("col_overdue"): amount(c.overdue, lang),
            tr("col_opened"): when(c.opened_day, tr, lang),
            tr("col_ends"): when(c.end_day, tr, lang),
        }
        for c in summary.bureau
    ]


def previous_rows(summary: HistorySummary, tr: Tr, lang: str) -> list[dict[str, str]]:
    """One row per previous application (newest first)."""
    return [
        {
            tr("col_status"): status(p.status, tr),
            tr("col_asked"): amount(p.asked, lang),
            tr("col_granted"): amount(p.granted, lang),
            tr("col_decided"): when(p.decided_day, tr, lang),
        }
        for p in summary.previous
    ]


def bureau_sentence(summary: HistorySummary, tr: Tr, lang: str) -> str:
    t = summary.bureau_totals
    if not summary.bureau:
        return tr("bureau_none")
    return tr(
        "bureau_summary",
        active=t.active,
        closed=t.closed,
        other=tr("bureau_other", n=t.other) if t.other else "",
        debt=amount(t.debt, lang),
        overdue=amount(t.overdue, lang),
    )


def previous_counts(summary: HistorySummary) -> tuple[int, int, int]:
    """(approved, refused, other) previous applications."""
    approved = sum(p.status == "Approved" for p in summary.previous)
    refused = sum(p.status == "Refused" for p in summary.previous)
    return approved, refused, len(summary.previous) - approved - refused


def previous_sentence(summary: HistorySummary, tr: Tr) -> str:
    if not summary.previous:
        return tr("previous_none")
    approved, refused, other = previous_counts(summary)
    n = len(summary.previous)
    return tr("previous_summary", n=n, approved=approved, refused=refused, other=other)


def punctuality_totals(months: list[PunctualityMonth]) -> dict[str, int]:
    return {
        "on_time": sum(m.on_time for m in months),
        "late": sum(m.late for m in months),
        "missed": sum(m.missed for m in months),
    }


def punctuality_sentence(summary: HistorySummary, tr: Tr) -> str:
    if not summary.punctuality:
        return tr("punctuality_none", months=PUNCTUALITY_MONTHS)
    totals = punctuality_totals(summary.punctuality)
    return tr(
        "punctuality_summary", months=PUNCTUALITY_MONTHS, total=sum(totals.values()), **totals
    )


def punctuality_chart(summary: HistorySummary, tr: Tr) -> go.Figure:
    """Instalments due each month, stacked by how they were paid: on time (blue), late (orange,
    dotted), not paid (vermilion, hatched): patterns, not colour alone."""
    months = summary.punctuality
    x = [m.month for m in months]
    fig = go.Figure()
    for key, colour, pattern in (
        ("on_time", BLUE, ""),
        ("late", ORANGE, "."),
        ("missed", VERMILION, "/"),
    ):
        fig.add_trace(
            go.Bar(
                x=x,
                y=[getattr(m, key) for m in months],
                name=tr(key),
                marker={
                    "color": colour,
                    "pattern": {"shape": pattern, "fgcolor": "white", "fillmode": "overlay"},
                },
            )
        )
    fig.update_layout(
        barmode="stack",
        xaxis={
            "title": tr("months_axis"),
            "range": [-PUNCTUALITY_MONTHS - 0.5, 0.5],
            "dtick": 3,
        },
        yaxis={"title": tr("instalments"), "rangemode": "tozero", "tickformat": "d"},
    )
    _layout(fig, tr("punctuality_title"), height=340)
    fig.update_layout(  # above the bars, right of the title: clear of the axis title
        legend={"orientation": "h", "traceorder": "normal", "x": 1, "xanchor": "right",
                "y": 1.0, "yanchor": "bottom"},
        margin={"t": 80},
    )  # fmt: skip
    return fig


def card_figures(summary: HistorySummary) -> dict[str, float] | None:
    """Latest, mean and highest monthly card use (balance / limit) over the window."""
    used = [c.utilisation for c in summary.cards if c.utilisation is not None]
    if not used:
        return None
    return {"last": used[-1], "mean": sum(used) / len(used), "max": max(used)}


def cards_sentence(summary: HistorySummary, tr: Tr, lang: str) -> str:
    figures = card_figures(summary)
    if figures is None:
        return tr("cards_none", months=PUNCTUALITY_MONTHS)
    shown: dict[str, Any] = {k: pct(v, 0, lang) for k, v in figures.items()}
    return tr("cards_summary", months=PUNCTUALITY_MONTHS, **shown)


def cards_chart(summary: HistorySummary, tr: Tr) -> go.Figure:
    """Monthly card use as a percentage of the limit, the limit (100%) dashed."""
    months = [c for c in summary.cards if c.utilisation is not None]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[c.month for c in months],
            y=[100 * c.utilisation for c in months if c.utilisation is not None],
            mode="lines+markers",
            name=tr("utilisation"),
            line={"color": BLUE, "width": 2},
            marker={"symbol": "circle", "size": 7},
        )
    )
    fig.add_hline(
        y=100,
        line={"color": BLACK, "dash": "dash", "width": 1},
        annotation_text=tr("limit_line"),
        annotation_position="top left",
    )
    top = max([100.0, *(100 * (c.utilisation or 0) for c in months)])
    fig.update_layout(
        xaxis={
            "title": tr("months_axis"),
            "range": [-PUNCTUALITY_MONTHS - 0.5, 0.5],
            "dtick": 3,
        },
        yaxis={"title": tr("utilisation") + " (%)", "range": [0, 1.1 * top]},
        showlegend=False,
    )
    _layout(fig, tr("cards_title"), height=340)
    fig.update_layout(margin={"t": 80})  # the same height as the punctuality chart beside it
    return fig
