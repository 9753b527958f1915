"""Batch page: upload a CSV, score it in chunks with a progress bar, download the results."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from credit_frontend import batch
from credit_frontend.client import ApiError
from credit_frontend.form import ID_FIELD, Field, fields_from_card
from credit_frontend.i18n import field_label
from credit_frontend.page_client import field_message, warning_text
from credit_frontend.ui import client, lang, model_card, pct, settings, show_error, t


def _columns() -> dict[str, str]:
    return {k: t(f"col_{k}") for k in ("probability", "decision", "grade", "reason", "warnings")}


def _why(problem: dict[str, Any], fields: dict[str, Field]) -> str:
    return batch.reason(
        problem,
        lambda name, e: t(
            "field_error", field=field_label(lang(), name), message=field_message(e, fields)
        ),
    )


def _run(df: pd.DataFrame, names: list[str]) -> None:
    rows, ignored = batch.prepare(df, names)
    if ignored:
        st.caption(t("batch_ignored", cols=", ".join(ignored)))
    bar = st.progress(0.0, text=t("batch_progress", done=0, total=len(rows)))

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=t("batch_progress", done=done, total=total))

    try:
        results = batch.score_all(client(), rows, settings().batch_chunk, progress)
    except ApiError as err:
        st.session_state.pop("batch_results", None)
        show_error(err)
        return
    st.session_state["batch_results"] = results


def page() -> None:
    st.write(t("batch_intro"))
    try:
        card = model_card()
    except ApiError as err:
        show_error(err)
        return
    fields = fields_from_card(card)
    names = [f.name for f in fields]
    up = st.file_uploader(t("batch_file"), type=["csv"], key="batch_csv")
    if up is None:
        st.session_state.pop("batch_results", None)
        return
    numeric = {ID_FIELD, *(f.name for f in fields if f.kind != "category")}
    try:
        df, dialect = batch.read_table(up.getvalue(), numeric)
    except batch.CsvError:
        st.error(t("bad_csv"))
        return
    if dialect.separator != "," or dialect.decimal != "." or dialect.encoding != "utf-8":
        st.caption(
            t(
                "csv_dialect",
                sep={"\t": "tab"}.get(dialect.separator, dialect.separator),
                dec=dialect.decimal,
                enc=dialect.encoding,
            )
        )
    if df.empty:
        st.warning(t("batch_empty"))
        return
    if st.button(t("batch_run"), type="primary", key="batch_run"):
        _run(df, names)
    results = st.session_state.get("batch_results")
    if not results or len(results) != len(df):
        return
    cols = _columns()
    by_name: dict[str, Field] = {f.name: f for f in fields}
    out = batch.merge(
        df, results, cols, partial(_why, fields=by_name), lambda w: warning_text(w, by_name)
    )
    scored = [r for r in results if "error" not in r]
    refused = len(results) - len(scored)
    if refused:
        st.warning(t("batch_done", scored=len(scored), refused=refused), icon="⚠️")
    else:
        st.success(t("batch_all_scored", scored=len(scored)))
    decision_word = {
        "approve": t("decision_approve"),
        "accept": t("decision_approve"),
        "refuse": t("decision_refuse"),
    }
    view = out[[c for c in ("SK_ID_CURR",) if c in out.columns] + list(cols.values())].copy()
    view[cols["decision"]] = view[cols["decision"]].map(decision_word)
    for c in (cols["decision"], cols["grade"], cols["reason"], cols["warnings"]):
        view[c] = view[c].fillna("")
    st.dataframe(
        view,
        width="stretch",
        hide_index=False,
        height=min(36 * (len(view) + 1) + 3, 740),  # a 20-row file fits without scrolling
        column_config={
            cols["reason"]: st.column_config.TextColumn(cols["reason"], width="large"),
            cols["warnings"]: st.column_config.TextColumn(cols["warnings"], width="large"),
            cols["probability"]: st.column_config.ProgressColumn(
                cols["probability"], format="percent", min_value=0.0, max_value=1.0
            ),
        },
        key="batch_table",
    )
    if scored:
        approved = sum(r["decision"] in ("approve", "accept") for r in scored)
        mean = sum(r["probability"] for r in scored) / len(scored)
        st.caption(
            t(
                "batch_summary",
                scored=len(scored),
                approved=approved,
                refused_dec=len(scored) - approved,
                mean=pct(mean),
            )
        )
    st.download_button(
        t("batch_download"),
        out.to_csv(index=False).encode(),
        "scored.csv",
        "text/csv",
        key="batch_download",
    )
