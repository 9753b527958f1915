"""The client file's History section: what the API's history route says of the loaded client
(bureau credits, previous applications, instalment punctuality, card use), or, plainly, that
there is none; a store that cannot be read is never shown as "no history"."""

from __future__ import annotations

import streamlit as st

from credit_core.contracts.history import HistorySummary
from credit_frontend import history_view as view
from credit_frontend.client import ApiError
from credit_frontend.ui import client, error_text, lang, plotly_chart, settings, t


def _summary(sk_id: int) -> HistorySummary | None:
    """The client's summary (None: no history), kept for the session; ApiError otherwise."""
    cache = st.session_state.setdefault("history_cache", {})
    key = (settings().api_url, sk_id)
    if key not in cache:
        cache[key] = client().history(sk_id)
    return cache[key]


def history_section() -> None:
    with st.container(key="history"):  # one block: the browser tests capture it whole
        _history()


def _history() -> None:
    st.subheader(t("history"))
    sk_id = st.session_state.get("client_id")
    if sk_id is None:
        st.caption(t("history_pick"))
        return
    try:
        summary = _summary(int(sk_id))
    except ApiError as err:
        st.warning(t("history_unavailable", why=error_text(err)), icon="⚠️")
        return
    if summary is None or summary.empty:
        st.info(t("history_none", id=sk_id), icon=":material/history_toggle_off:")
        return
    language = lang()
    st.caption(t("history_as_of", date=view.as_of(summary.as_of, language)))
    totals = summary.bureau_totals
    approved, refused, _ = view.previous_counts(summary)
    cols = st.columns(6)
    cols[0].metric(t("bureau_active"), totals.active)
    cols[1].metric(t("bureau_closed"), totals.closed)
    cols[2].metric(t("bureau_debt"), view.amount(totals.debt, language))
    cols[3].metric(t("bureau_overdue"), view.amount(totals.overdue, language))
    cols[4].metric(t("previous_approved"), approved)
    cols[5].metric(t("previous_refused"), refused)

    st.markdown(f"**{t('bureau_title')}**")
    if summary.bureau:
        st.dataframe(view.bureau_rows(summary, t, language), hide_index=True, width="stretch")
    st.caption(view.bureau_sentence(summary, t, language))
    st.markdown(f"**{t('previous_title')}**")
    if summary.previous:
        st.dataframe(view.previous_rows(summary, t, language), hide_index=True, width="stretch")
    st.caption(view.previous_sentence(summary, t))

    left, right = st.columns(2, gap="large")
    with left:
        if summary.punctuality:
            plotly_chart(view.punctuality_chart(summary, t), width="stretch", key="punctuality")
        st.caption(view.punctuality_sentence(summary, t))
    with right:
        if view.card_figures(summary) is not None:
            plotly_chart(view.cards_chart(summary, t), width="stretch", key="card_use")
        st.caption(view.cards_sentence(summary, t, language))
