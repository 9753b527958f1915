"""Client file page: find a client, edit the application, score, explain, compare."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from credit_core import units
from credit_core.contracts import PublishedCard, to_builtins
from credit_core.feature_meta import unit_of
from credit_frontend import batch, charts, history_view, oversight
from credit_frontend.client import ApiError
from credit_frontend.form import (
    ID_FIELD,
    OPEN_GROUPS,
    Field,
    application,
    display_value,
    distinct_values,
    fields_from_card,
    grouped,
    is_missing,
    to_api,
    to_widget,
)
from credit_frontend.i18n import api_message, field_label, level_label, tr
from credit_frontend.page_history import history_section
from credit_frontend.ui import choice, client, lang, model_card, pct, plotly_chart, show_error, t

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_clients.csv"


@st.cache_data(show_spinner=False)
def sample_clients() -> pd.DataFrame:
    return pd.read_csv(SAMPLE)


def label(name: str) -> str:
    return field_label(lang(), name)


def _source_label(language: str, source: str) -> str:
    return tr(language, f"source_{source}")


def key_of(name: str) -> str:
    return f"f:{name}"


def _level_key(name: str) -> str:
    """A category's widget key: one per language, so its options are shown in that language
    (Streamlit keeps a keyed selectbox's labels); the level itself is kept under key_of."""
    return f"{key_of(name)}@{lang()}"


def form_value(name: str) -> Any:
    """A field's value as the form holds it (a category's pending choice included)."""
    return st.session_state.get(_level_key(name), st.session_state.get(key_of(name)))


def _forget_levels(fields: list[Field]) -> None:
    for f in fields:
        for language in ("en", "fr"):
            st.session_state.pop(f"{key_of(f.name)}@{language}", None)


# --- loading a client -------------------------------------------------------------------------


def _load_client(df: pd.DataFrame, fields: list[Field]) -> None:
    picked = st.session_state.get("client_pick")
    if picked is None:
        return
    row = df[df[ID_FIELD] == picked].iloc[0].to_dict()
    for f in fields:
        value = to_widget(f, row.get(f.name))
        if value is not None and f.kind == "integer" and not f.in_years:
            value = int(value)
        st.session_state[key_of(f.name)] = value
    _forget_levels(fields)
    st.session_state["client_id"] = int(picked)
    st.session_state["notice"] = ("loaded_client", {"id": int(picked)})
    _clear_result()


def _blank(fields: list[Field]) -> None:
    for f in fields:
        st.session_state[key_of(f.name)] = None
    _forget_levels(fields)
    st.session_state["client_id"] = None
    st.session_state["client_pick"] = None
    st.session_state["notice"] = ("blank_loaded", {})
    _clear_result()


def _clear_result() -> None:
    for k in ("result", "error", "field_errors", "unreadable"):
        st.session_state.pop(k, None)


def find_client(fields: list[Field]) -> None:
    st.subheader(t("find_client"))
    sources = ("sample", "upload", "blank")
    source = choice(
        st.radio,
        t("source"),
        sources,
        "source",
        format_func=partial(_source_label, lang()),  # bound: AppTest reuses it after a switch
        horizontal=True,
    )
    df = None
    if source == "sample":
        df = sample_clients()
    elif source == "upload":
        up = st.file_uploader(t("upload_clients"), type=["csv"], key="clients_csv")
        if up is not None:
            numeric = {ID_FIELD, *(f.name for f in fields if f.kind != "category")}
            try:
                df, _ = batch.read_table(up.getvalue(), numeric)
            except batch.CsvError:
                st.error(t("bad_csv"))
            if df is not None and ID_FIELD not in df.columns:
                st.error(t("no_id_column"))
                df = None
    else:
        st.button(t("source_blank"), on_click=_blank, args=(fields,), key="blank_button")
    if df is not None:
        st.selectbox(
            t("client_id"),
            df[ID_FIELD].tolist(),
            index=None,
            placeholder=t("pick_client"),
            key="client_pick",
            on_change=_load_client,
            args=(df, fields),
        )
    notice = st.session_state.get("notice")
    if notice:
        st.caption(t(notice[0], **notice[1]))


# --- the form -----------------------------------------------------------------------------------


def _help(f: Field) -> str:
    def show(v: float | None) -> str:
        return "–" if v is None else display_value(f, v, lang())

    lines = [f"`{f.name}`"]
    if f.levels:
        lines.append(", ".join(f.levels))
    elif f.lo is not None or f.hi is not None:
        # durations count days back (negative): the longer one is the lower bound
        lo, hi = (show(f.hi), show(f.lo)) if f.in_years else (show(f.lo), show(f.hi))
        lines.append(t("allowed", lo=lo, hi=hi))
    if f.train_lo is not None and f.train_hi is not None:
        lines.append(t("trained_on", lo=show(f.train_lo), hi=show(f.train_hi)))
    if f.sentinels:
        lines.extend(t("sentinel_choice", code=f"{s:g}") for s in f.sentinels)
    if f.missing_rate:
        lines.append(t("missing_rate", rate=pct(f.missing_rate, 0)))
    return "  \n".join(lines)


def _widget(f: Field) -> None:
    key = key_of(f.name)
    st.session_state.setdefault(key, None)
    text = label(f.name) + (f" ({t('years')})" if f.in_years else "") + (" *" if f.required else "")
    if f.kind == "category":
        wkey = _level_key(f.name)
        shown_in = st.session_state.setdefault("_level_lang", {})
        if shown_in.get(f.name) != lang():
            st.session_state.pop(wkey, None)  # last shown in the other language
        shown_in[f.name] = lang()
        if wkey not in st.session_state:
            st.session_state[wkey] = st.session_state.get(key)
        options = list(f.levels)
        current = st.session_state[wkey]
        if current is not None and current not in options:
            options.append(current)  # a level the model never saw: keep it, the API will say so
        st.session_state[key] = st.selectbox(
            text,
            options,
            placeholder=t("missing"),
            key=wkey,
            help=_help(f),
            format_func=partial(level_label, lang(), f.name),  # the value sent stays the level
        )
    elif f.kind == "integer" and not f.in_years:
        st.number_input(text, value=None, step=1, placeholder=t("missing"), key=key, help=_help(f))
    else:
        big = max(abs(f.hi or 0), abs(f.train_hi or 0)) >= 1000 and not f.in_years
        st.number_input(
            text,
            value=None,
            step=1.0 if f.in_years else (500.0 if big else 0.01),
            format="%.2f" if (f.in_years or big) else "%.4f",
            placeholder=t("missing"),
            key=key,
            help=_help(f),
        )
    note = (st.session_state.get("field_errors") or {}).get(f.name)
    if note:
        st.caption(f":orange[⚠ {note}]")


def application_form(fields: list[Field]) -> None:
    with st.form("application", border=False):
        st.form_submit_button(
            t("score"), type="primary", on_click=_score, args=(fields,), key="score_button"
        )
        st.caption(t("required_note"))
        notes = st.session_state.get("field_errors") or {}
        for group, members in grouped(fields):
            noted = any(f.name in notes for f in members)  # a warning or error inside: open it
            label_text = f"{t(group)} ({len(members)})" + (" ⚠" if noted else "")
            with st.expander(label_text, expanded=group in OPEN_GROUPS or noted):
                cols = st.columns(2)
                for i, f in enumerate(members):
                    with cols[i % 2]:
                        _widget(f)


# --- scoring ------------------------------------------------------------------------------------


def warning_text(w: dict[str, Any], fields: dict[str, Field]) -> str:
    """One API warning (a value scored but outside what training saw) in people's words."""
    f = fields.get(w.get("field", ""))
    name = label(w.get("field", "?"))
    value = display_value(f, w.get("value"), lang()) if f else str(w.get("value"))
    if w.get("kind") == "unseen_level":
        return t("warn_unseen", field=name, value=value)
    if w.get("kind") == "outside_training_range" and f:
        lo, hi = w.get("training_min"), w.get("training_max")
        if f.in_years:  # days back (negative): the longer duration is the lower bound
            lo, hi = hi, lo
        value, lo_text, hi_text = distinct_values(f, [w.get("value"), lo, hi], lang(), t("years"))
        lo_text = "–" if lo is None else lo_text
        hi_text = "–" if hi is None else hi_text
        return t("warn_outside", field=name, value=value, lo=lo_text, hi=hi_text)
    return str(w.get("message") or w)


def field_message(e: dict[str, Any], fields: dict[str, Field]) -> str:
    """Why the API refused a field, in the chosen language and the form's units: a refused
    range reads in years for durations (never days or the 365243 code), amounts with
    separators; other messages are translated when known."""
    f = fields.get(str(e.get("field", "")).split(".")[-1])
    allowed = e.get("allowed")
    message = str(e.get("message", ""))
    if "valid" in message:  # not a number at all: say that, not the range
        return api_message(lang(), message.split("; allowed:")[0])
    if f is not None and isinstance(allowed, list):
        return t("must_be_level")
    if f is None or not isinstance(allowed, dict) or f.kind == "category":
        return api_message(lang(), str(e.get("message", "")))
    lo, hi = allowed.get("min"), allowed.get("max")
    lo_open, hi_open = bool(allowed.get("min_exclusive")), bool(allowed.get("max_exclusive"))
    if f.in_years:  # days back (negative): the longer duration is the lower bound
        lo, hi, lo_open, hi_open = hi, lo, hi_open, lo_open
    shown = [None if v is None else display_value(f, v, lang()) for v in (lo, hi)]
    if lo is not None and hi is not None:
        return t("must_between", lo=shown[0], hi=shown[1])
    if lo is not None:
        return t("must_above" if lo_open else "must_at_least", lo=shown[0])
    if hi is not None:
        return t("must_below" if hi_open else "must_at_most", hi=shown[1])
    return api_message(lang(), str(e.get("message", "")))


def _score(fields: list[Field]) -> None:
    _clear_result()  # whatever happens next, the previous decision never stays beside the form
    shown = {f.name: form_value(f.name) for f in fields}
    unreadable = []
    for f in fields:
        try:
            to_api(f, shown.get(f.name))
        except (TypeError, ValueError, OverflowError):
            unreadable.append(f.name)
    if unreadable:
        st.session_state["field_errors"] = {
            n: t("err_unreadable", field=label(n)) for n in unreadable
        }
        st.session_state["unreadable"] = unreadable
        return
    body = application(fields, shown, st.session_state.get("client_id"))
    api = client()
    started = time.perf_counter()
    try:
        scored = api.score(body)
    except ApiError as err:
        st.session_state["error"] = err
        by_name = {f.name: f for f in fields}
        st.session_state["field_errors"] = {
            e["field"].split(".")[-1]: field_message(e, by_name) for e in err.errors if "field" in e
        }
        return
    by_name = {f.name: f for f in fields}
    st.session_state["field_errors"] = {
        w["field"]: warning_text(w, by_name) for w in scored.get("warnings") or [] if "field" in w
    }
    try:
        explained: dict[str, Any] | ApiError = api.explain(body)
    except ApiError as err:
        explained = err
    st.session_state["result"] = {
        "score": scored,
        "explain": explained,
        "body": body,
        "seconds": time.perf_counter() - started,
    }


def decision_panel(fields: list[Field]) -> None:
    st.subheader(t("result"))
    err = st.session_state.get("error")
    if err is not None:
        by_name = {f.name: f for f in fields}
        show_error(err, label, partial(field_message, fields=by_name))
        return
    unreadable = st.session_state.get("unreadable")
    if unreadable:
        st.error("; ".join(t("err_unreadable", field=label(n)) for n in unreadable), icon="⚠️")
        return
    result = st.session_state.get("result")
    if not result:
        st.info(t("no_result"))
        return
    s = result["score"]
    approve = s["decision"] in ("approve", "accept")
    word = t("decision_approve") if approve else t("decision_refuse")
    colour, icon = (
        ("blue", ":material/check_circle:") if approve else ("orange", ":material/block:")
    )
    st.markdown(f"### {icon} :{colour}-background[{t('decision_line', decision=word)}]")
    c1, c2 = st.columns([3, 2])
    c1.metric(t("probability"), pct(s["probability"]))
    c2.metric(t("risk_grade"), s["risk_grade"])
    st.caption(t("request_ref", version=s["model_version"], rid=s.get("request_id", "?")))
    fig = charts.gauge(s["probability"], s["threshold"], t("probability"), t("threshold"))
    plotly_chart(fig, width="stretch", key="gauge")
    side = t("above") if s["probability"] >= s["threshold"] else t("below")
    st.caption(
        t(
            "gauge_summary",
            p=pct(s["probability"]),
            side=side,
            t=pct(s["threshold"]),
            decision=word,
            grade=s["risk_grade"],
        )
    )
    warnings = s.get("warnings") or []
    if warnings:
        by_name = {f.name: f for f in fields}
        st.warning(
            "**"
            + t("warnings")
            + "**  \n"
            + "  \n".join(f"- {warning_text(w, by_name)}" for w in warnings)
        )
    shown = {f.name: form_value(f.name) for f in fields}
    if application(fields, shown, st.session_state.get("client_id")) != result["body"]:
        st.caption(t("stale_result"))
    rid = s.get("request_id")
    if rid:
        if not approve:
            oversight.client_reasons(rid, result["explain"], _told_with_row(result["explain"]))
        oversight.review_panel(rid)


# --- explanation --------------------------------------------------------------------------------


def _reason(c: dict[str, Any], row: dict[str, Any] | None = None) -> str:
    # raw inputs and derived features alike, in people's units (years, %, thousands separators);
    # a history feature as its phrase ("3 of 24 instalments paid late"), ``row`` giving totals
    if c["feature"] in history_view.HISTORY_NAMES:
        return history_view.reason(c, row, t, lang())
    verb = t("raises") if c["contribution"] > 0 else t("lowers")
    return t(
        "reason_line",
        label=field_label(lang(), c["feature"], c.get("label")),
        value=_shown_value(c),
        verb=verb,
    )


def _shown_value(c: dict[str, Any]) -> str:
    """A raw input or derived feature's value in people's units, in the chosen language."""
    raw = None if is_missing(c.get("value")) else c["value"]
    if isinstance(raw, str):
        return level_label(lang(), c["feature"], raw)
    return units.format_value(c["feature"], raw, lang())


def _told(c: dict[str, Any], row: dict[str, Any] | None = None) -> str:
    """A reason as the client is told it: what in the file, with its value (a history feature
    as its phrase)."""
    if c["feature"] in history_view.HISTORY_NAMES:
        raw = None if is_missing(c.get("value")) else c["value"]
        phrase = units.history_phrase(c["feature"], raw, lang(), row)
        return phrase[:1].upper() + phrase[1:]
    label = field_label(lang(), c["feature"], c.get("label"))
    return f"{label[:1].upper()}{label[1:]}: {_shown_value(c)}"


def _told_with_row(explained: Any) -> Callable[[dict[str, Any]], str]:
    contributions = [] if isinstance(explained, ApiError) else explained["contributions"]
    row = {c["feature"]: c.get("value") for c in contributions}
    return partial(_told, row=row)


def _plain(v: Any, field: str = "") -> str:
    if is_missing(v):
        return t("missing")
    if isinstance(v, str):
        return level_label(lang(), field, v)
    text = f"{v:.4g}" if isinstance(v, float) else str(v)
    return text.replace(".", ",") if lang() == "fr" else text


def explanation(fields: list[Field], card: PublishedCard) -> None:
    result = st.session_state.get("result")
    tabs = st.tabs([t("tab_explain"), t("tab_population"), t("tab_importance")])
    with tabs[0]:
        ex = result and result["explain"]
        if not result:
            st.info(t("no_result"))
        elif isinstance(ex, ApiError):
            show_error(ex, label)
        else:
            contributions = [
                c | {"label": field_label(lang(), c["feature"], c.get("label"))}
                for c in ex["contributions"]
            ]
            fig = charts.waterfall(
                contributions,
                ex["base_value"],
                float(result["score"]["threshold"]),
                {
                    "threshold": t("threshold"),
                    "average": t("average_client"),
                    "others": t("other_factors"),
                    "client": t("this_client"),
                    "axis": t("waterfall_axis"),
                    "title": t("waterfall_title"),
                },
            )
            plotly_chart(fig, width="stretch", key="waterfall")
            up = [c for c in contributions if c["contribution"] > 0][:3]
            down = [c for c in contributions if c["contribution"] < 0][:3]
            st.caption(
                t(
                    "waterfall_summary",
                    up=", ".join(c["label"] for c in up) or t("none"),
                    down=", ".join(c["label"] for c in down) or t("none"),
                )
            )
            row = {c["feature"]: c.get("value") for c in ex["contributions"]}
            col_a, col_b = st.columns(2)
            with col_a:
                st.markdown(f"**{t('reasons_against')}**")
                for c in [c for c in ex["contributions"] if c["contribution"] > 0][:5]:
                    st.markdown(f"- {_reason(c, row)}")
            with col_b:
                st.markdown(f"**{t('reasons_for')}**")
                for c in [c for c in ex["contributions"] if c["contribution"] < 0][:5]:
                    st.markdown(f"- {_reason(c, row)}")
    with tabs[1]:
        population(fields, card)
    with tabs[2]:
        importance = [
            to_builtins(r) | {"label": field_label(lang(), r.feature)} for r in card.importance
        ]
        if importance:
            plotly_chart(
                charts.importance_bar(importance, t("importance_title"), t("importance_axis")),
                width="stretch",
                key="importance",
            )
            st.caption(t("importance_summary", top=", ".join(r["label"] for r in importance[:5])))


# --- population comparison --------------------------------------------------------------------


def _reference(fields: tuple[str, ...], version: str) -> dict[str, Any]:
    cache = st.session_state.setdefault("reference_cache", {})
    key = (version, fields)
    if key not in cache:
        cache[key] = client().reference(list(fields))
    return cache[key]


def default_comparison(ranked: list[str], fields: dict[str, Field]) -> list[str]:
    """The two fields the comparison opens on: the most important continuous ones (a flag,
    a category or a small count plots a handful of points, telling nothing)."""
    continuous = [
        n
        for n in ranked
        if fields[n].kind != "category"
        and unit_of(n) not in ("flag", "category", "count")
        and not _few_values(fields[n])
    ]
    return continuous[:2]


def _few_values(f: Field) -> bool:
    """A whole-number field spanning a few values in training (a 1-3 rating, an hour)."""
    span = None if f.train_lo is None or f.train_hi is None else f.train_hi - f.train_lo
    return f.kind == "integer" and not f.in_years and span is not None and span < 30


def population(fields: list[Field], card: PublishedCard) -> None:
    by_name = {f.name: f for f in fields}
    ranked = [r.feature for r in card.importance if r.feature in by_name]
    ranked += [f.name for f in fields if f.name not in ranked]
    options = default_comparison(ranked, by_name) + [
        n for n in ranked if n not in default_comparison(ranked, by_name)
    ]
    c1, c2 = st.columns(2)
    with c1:
        first = choice(
            st.selectbox,
            t("feature"),
            options,
            "pop_feature",
            format_func=partial(field_label, lang()),
        )
    with c2:
        rest = [o for o in options if o != first]
        second = choice(
            st.selectbox,
            t("second_feature"),
            rest,
            "pop_feature_2",
            format_func=partial(field_label, lang()),
        )
    try:
        ref = _reference((first, second), str(card.model_version))
    except ApiError as err:
        st.info(t("no_reference", why=_why(err)))
        return
    # two 1-D views rather than a 2-D grid: with at least min_count clients of each outcome in
    # every cell, a grid of two fields keeps a handful of coarse cells, mostly blank
    for name in (first, second):
        _population_chart(by_name[name], ref)
    st.caption(
        t(
            "reference_rows",
            n=ref.get("rows"),
            version=ref.get("model_version"),
            k=ref.get("min_count"),
        )
    )


def _population_chart(f: Field, ref: dict[str, Any]) -> None:
    """One field's bins as bars, the client's group marked, and the sentence that says it."""
    bins = list(ref["fields"][f.name]["bins"])
    if f.in_years:  # stored as negative days: ascending days are descending years
        numeric = [b for b in bins if b.get("level") is None]
        bins = numeric[::-1] + [b for b in bins if b.get("level") is not None]
    words = {"other": t("other_levels"), "missing": t("missing"), "with_missing": t("or_missing")}
    groups = charts.group_labels(
        bins,
        partial(_edge, f.name),
        partial(level_label, lang(), f.name),
        words,
        reverse=f.in_years,
    )
    value = to_api(f, form_value(f.name))
    at = charts.group_of(bins, value)
    name = label(f.name)
    plotly_chart(
        charts.population_bars(
            bins,
            groups,
            at,
            {
                "repaid": t("repaid"),
                "defaulted": t("defaulted"),
                "share": t("share"),
                "default_rate": t("default_rate"),
                "client": t("this_client"),
                "title": t("distribution_title", feature=name),
            },
        ),
        width="stretch",
        key=f"population_{f.name}",
    )
    st.caption(_group_summary(name, f.name, bins, groups, at, value, ref.get("min_count")))


def _edge(field: str, x: float) -> str:
    return units.format_value(field, x, lang())


def _why(err: ApiError) -> str:
    from credit_frontend.ui import error_text

    return error_text(err)


def _group_summary(
    name: str,
    field: str,
    bins: list[dict[str, Any]],
    groups: list[str],
    at: int | None,
    value: Any,
    k: Any,
) -> str:
    shown = units.format_value(field, value, lang()) if not isinstance(value, str) else None
    shown = shown or level_label(lang(), field, value)
    if at is None:
        return t("group_none", feature=name, value=shown, k=k)
    b = bins[at]
    n = b["repaid"] + b["defaulted"]
    everyone = sum(x["repaid"] + x["defaulted"] for x in bins)
    overall = sum(x["defaulted"] for x in bins) / everyone if everyone else None
    return t(
        "group_summary",
        feature=name,
        value=shown,
        group=groups[at],
        n=n,
        d=b["defaulted"],
        rate=pct(b["defaulted"] / n),
        pall=pct(overall),
        mean=pct(b["mean_probability"]),
    )


# --- the page -----------------------------------------------------------------------------------


def page() -> None:
    try:
        card = model_card()
    except ApiError as err:
        show_error(err)
        return
    fields = fields_from_card(card)
    find_client(fields)
    left, right = st.columns([3, 2], gap="large")
    with right:  # drawn first: the decision reaches the browser before the 100-odd form widgets
        decision_panel(fields)
    with left:
        st.subheader(t("application"))
        application_form(fields)
    explanation(fields, card)
    history_section()
