"""Plotly figures and their text summaries (pure functions: data in, figure or sentence out).

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
no chart relies on colour alone: decisions are also written, classes also differ by marker.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from credit_core.contracts import DriftSummary

BLUE, VERMILION, ORANGE, SKY, GREEN, PURPLE, BLACK, GREY = (
    "#0072B2",
    "#D55E00",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#CC79A7",
    "#000000",
    "#999999",
)
REPAID, DEFAULTED = BLUE, VERMILION
Tr = Callable[..., str]


def pct(p: float | None, digits: int = 1, lang: str = "en") -> str:
    """A fraction as a percentage in ``lang``'s typography ("12.5%", French "12,5 %")."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a" if lang != "fr" else "n.d."
    text = f"{100 * p:.{digits}f}"
    return text + "%" if lang != "fr" else text.replace(".", ",") + "\u202f%"


def _layout(fig: go.Figure, title: str, height: int = 320) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font={"size": 13},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def gauge_top(probability: float, threshold: float) -> float:
    """Upper end of the gauge (percent): three times the threshold, or past the client's value,
    rounded up to a multiple of 5, at most 100. A cost-based threshold is often near 10 %: on a
    0-100 scale the needle and the threshold would be squeezed into the first tenth."""
    top = max(3 * threshold, 1.25 * probability) * 100
    return float(min(100, 5 * math.ceil(top / 5)))


def gauge(probability: float, threshold: float, title: str, threshold_label: str) -> go.Figure:
    """Probability of default (percent) with the decision threshold as a black line."""
    p, t = 100 * probability, 100 * threshold
    top = gauge_top(probability, threshold)
    colour = VERMILION if probability >= threshold else BLUE
    fig = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=p,
            number={"suffix": " %", "valueformat": ".1f", "font": {"color": colour}},
            gauge={
                "axis": {"range": [0, top], "ticksuffix": " %"},
                "bar": {"color": colour, "thickness": 0.35},
                "steps": [
                    {"range": [0, t], "color": "#DCEBF5"},
                    {"range": [t, top], "color": "#F7E1D3"},
                ],
                "threshold": {"line": {"color": BLACK, "width": 4}, "thickness": 0.9, "value": t},
            },
        )
    )
    fig.add_annotation(
        x=0.5, y=-0.12, showarrow=False, font={"size": 12},
        text=f"▮ {threshold_label}: {t:.1f} %",
    )  # fmt: skip
    return _layout(fig, title, height=270)


def logit(p: float) -> float:
    return math.log(p / (1 - p))


PROBABILITY_TICKS = (
    0.005,
    0.01,
    0.02,
    0.03,
    0.05,
    0.07,
    0.1,
    0.15,
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.9,
    0.95,
)


def waterfall(
    contributions: Sequence[dict[str, Any]],
    base_value: float,
    threshold: float,
    labels: dict[str, str],
    top: int = 10,
) -> go.Figure:
    """From the average client (``base_value``, log-odds) to this client, one bar per top
    contribution and one for the rest; the axis is in log-odds (where contributions add up) but
    labelled in probabilities, with the decision threshold marked. ``labels``: average, others
    ({n}), client, axis, title, threshold."""
    rows = list(contributions[:top])
    rest = list(contributions[top:])
    names = [str(r.get("label") or r["feature"]) for r in rows]
    values = [float(r["contribution"]) for r in rows]
    if rest:
        names.append(labels["others"].format(n=len(rest)))
        values.append(sum(float(r["contribution"]) for r in rest))
    base = float(base_value)
    path = [base + sum(values[: i + 1]) for i in range(len(values))]
    names.append(labels["client"])
    measures = ["relative"] * len(values) + ["total"]
    values.append(0.0)
    cut = logit(threshold)
    lo, hi = min([*path, cut, base]), max([*path, cut, base])
    pad = max(0.15 * (hi - lo), 0.2)
    lo, hi = lo - pad, hi + pad
    ticks = [p for p in PROBABILITY_TICKS if lo <= logit(p) <= hi]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            measure=measures,
            base=base,  # bars start at the average client's log-odds
            y=names,
            x=values,
            increasing={"marker": {"color": VERMILION}},
            decreasing={"marker": {"color": BLUE}},
            totals={"marker": {"color": GREY}},
            connector={"line": {"color": GREY, "width": 1}},
        )
    )
    fig.add_vline(x=base, line={"color": GREY, "width": 2, "dash": "dot"})
    fig.add_annotation(x=base, yref="paper", y=-0.02, yanchor="top", showarrow=False,
                       text=labels["average"], font={"color": "#555555"})  # fmt: skip
    fig.add_vline(x=cut, line={"color": BLACK, "width": 2, "dash": "dash"})
    fig.add_annotation(x=cut, yref="paper", y=1.03, showarrow=False, text=labels["threshold"])
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(
        title=labels["axis"], range=[lo, hi], tickvals=[logit(p) for p in ticks],
        ticktext=[f"{100 * p:g} %" for p in ticks],
    )  # fmt: skip
    return _layout(fig, labels["title"], height=140 + 30 * len(names))


def importance_bar(
    importance: Sequence[dict[str, Any]], title: str, axis: str, top: int = 15
) -> go.Figure:
    rows = list(importance[:top])
    names = [r.get("label") or r["feature"] for r in rows]
    values = [float(r.get("mean_abs_shap", r.get("importance", 0.0))) for r in rows]
    fig = go.Figure(go.Bar(x=values, y=names, orientation="h", marker_color=BLUE))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=axis)
    return _layout(fig, title, height=120 + 26 * len(names))


def population_bars(
    bins: Sequence[dict[str, Any]],
    groups: Sequence[str],
    client_group: int | None,
    names: dict[str, str],
) -> go.Figure:
    """One field's reference population from its bins (``credit_core.population.Bin`` as JSON):
    per group, the share (%) of repaid and of defaulted clients in it (bars) and its default rate
    (line, right axis); the client's group shaded and starred. ``groups``: the bins' labels in
    the same order; ``names``: repaid, defaulted, share, default_rate, client, title."""
    repaid = [int(b["repaid"]) for b in bins]
    defaulted = [int(b["defaulted"]) for b in bins]
    x = list(groups)
    fig = go.Figure()
    for counts, colour, pattern, label in (
        (repaid, REPAID, "", names["repaid"]),
        (defaulted, DEFAULTED, "/", names["defaulted"]),
    ):
        total = sum(counts) or 1
        fig.add_trace(
            go.Bar(
                x=x,
                y=[100 * c / total for c in counts],
                name=label,
                marker={
                    "color": colour,
                    "pattern": {"shape": pattern, "fgcolor": "white", "fillmode": "overlay"},
                },
            )
        )
    rates = [100 * d / ((r + d) or 1) for r, d in zip(repaid, defaulted, strict=True)]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=rates,
            yaxis="y2",
            mode="lines+markers",
            name=names["default_rate"],
            line={"color": BLACK, "dash": "dot", "width": 2},
            marker={"symbol": "diamond", "size": 8},
        )
    )
    top = max([100 * c / (sum(cs) or 1) for cs in (repaid, defaulted) for c in cs] or [1])
    if client_group is not None and 0 <= client_group < len(x):
        fig.add_vrect(
            x0=client_group - 0.5, x1=client_group + 0.5, fillcolor=GREY, opacity=0.25,
            line_width=0, layer="below",
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=[x[client_group]],
                y=[1.2 * top],  # above the bars; the rate line stays in the lower part
                mode="markers",
                name=names["client"],
                marker={"color": BLACK, "symbol": "star", "size": 18},
                cliponaxis=False,
            )
        )
    fig.update_layout(
        barmode="group",
        yaxis={"title": names["share"] + " (%)", "range": [0, 1.3 * top]},
        yaxis2={
            "title": names["default_rate"] + " (%)",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.6 * max([*rates, 1.0])],
            "tickformat": ".0f",
            "nticks": 5,
            "showgrid": False,
        },
    )
    fig.update_xaxes(type="category")
    return _layout(fig, names["title"], height=360)


def trend(runs: Sequence[DriftSummary], names: dict[str, str]) -> go.Figure:
    """Drift share and estimated default rate per run (percent)."""
    x = [r.generated_at for r in runs]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[100 * r.drift_share for r in runs],
            mode="lines+markers",
            name=names["drift_share"],
            line={"color": ORANGE},
            marker={"symbol": "square"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[100 * ((r.estimated and r.estimated.default_rate) or 0) for r in runs],
            mode="lines+markers",
            name=names["default_rate"],
            line={"color": BLUE, "dash": "dash"},
            marker={"symbol": "circle"},
        )
    )
    fig.update_yaxes(title="%", rangemode="tozero")
    return _layout(fig, names["title"], height=320)


def history_share(
    days: Sequence[Any], reference: float | None, max_shift_pt: float, names: dict[str, str]
) -> go.Figure:
    """Share of applicants without history per day (percent, ``days`` of the summary's
    ``history.days``), the reference share as a dashed line and the warning band (reference
    +/- ``max_shift_pt``) as dotted lines when there is a reference."""
    x = [d.day for d in days]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[100 * d.share_without for d in days],
            mode="lines+markers",
            name=names["share"],
            line={"color": BLUE},
            marker={"symbol": "circle"},
        )
    )
    if reference is not None:
        ref = 100 * reference
        for y, dash, name in (
            (ref, "dash", names["reference"]),
            (ref + max_shift_pt, "dot", names["band"]),
            (max(ref - max_shift_pt, 0.0), "dot", None),
        ):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[y] * len(x),
                    mode="lines",
                    name=name,
                    showlegend=name is not None,
                    line={"color": GREY if dash == "dot" else BLACK, "dash": dash},
                    hoverinfo="skip",
                )
            )
    fig.update_xaxes(type="category")  # one point a UTC day, labelled by its date
    fig.update_yaxes(title="%", rangemode="tozero")
    return _layout(fig, names["title"], height=300)


def group_of(bins: Sequence[dict[str, Any]], value: Any) -> int | None:
    """Index of the bin holding ``value`` (API units; None: the "missing" bin), or None when
    no published bin holds it (a rare level or missing group under the minimum count)."""
    for i, b in enumerate(bins):
        level = b.get("level")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if level == "missing" or b.get("with_missing"):
                return i
        elif level is not None and level != "missing":
            if str(value) == level or str(value) in (b.get("levels") or ()):
                return i
        elif level is None and not isinstance(value, str):
            lo, hi = b.get("lo"), b.get("hi")
            if (lo is None or lo <= value) and (hi is None or value < hi):
                return i
    return None


def group_labels(
    bins: Sequence[dict[str, Any]],
    fmt: Callable[[float], str],
    level: Callable[[str], str],
    words: dict[str, str],
    reverse: bool = False,
) -> list[str]:
    """Each bin as a reader sees it: "< 135,000", "135,000 – 270,000", "≥ 270,000", a level's
    label, ``words["other"]``, ``words["missing"]``; a bin that also holds the few clients without
    a value ends with ``words["with_missing"]``. ``reverse``: ``fmt`` turns the order round
    (days before the application shown in years), so "< x" reads "> fmt(x)"."""
    out = []
    for b in bins:
        out.append(_group_label(b, fmt, level, words, reverse))
        if b.get("with_missing"):
            out[-1] += words["with_missing"]
    return out


def _group_label(
    b: dict[str, Any],
    fmt: Callable[[float], str],
    level: Callable[[str], str],
    words: dict[str, str],
    reverse: bool,
) -> str:
    lvl = b.get("level")
    if lvl is not None:
        return words[lvl] if lvl in ("other", "missing") else level(lvl)
    lo, hi = b.get("lo"), b.get("hi")
    below, above = ("> ", "≤ ") if reverse else ("< ", "≥ ")
    if lo is None:
        return below + fmt(hi)
    if hi is None:
        return above + fmt(lo)
    first, last = (hi, lo) if reverse else (lo, hi)
    return f"{fmt(first)} – {fmt(last)}"
