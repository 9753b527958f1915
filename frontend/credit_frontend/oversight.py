"""Under a decision: the reasons a refused client is told (the four the API recorded, in plain
words, FR/EN), the credit officer's review (confirm or override with a reason code and a note)
and the history of reviews of that decision, read back from the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from credit_core import review_reasons
from credit_frontend.client import ApiError
from credit_frontend.i18n import tr
from credit_frontend.ui import choice, client, error_text, lang, t

CLIENT_REASONS = 4


def told_reasons(
    record_reasons: list[dict[str, Any]], contributions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The contributions of the reasons the API recorded with the refusal, in its order (the
    explanation's four strongest against the application when the record has none)."""
    by_feature = {c["feature"]: c for c in contributions}
    chosen = [by_feature[r["feature"]] for r in record_reasons if r["feature"] in by_feature]
    if chosen:
        return chosen[:CLIENT_REASONS]
    return [c for c in contributions if c["contribution"] > 0][:CLIENT_REASONS]


def _decision_word(decision: str) -> str:
    return t("decision_approve") if decision in ("accept", "approve") else t("decision_refuse")


def review_line(review: dict[str, Any]) -> str:
    """One review in the chosen language: when, who, outcome, reason, decision before -> after."""
    caller = review.get("caller") or {}
    who = caller.get("subject") or caller.get("kind") or "?"
    when = str(review.get("reviewed_at", ""))[:16].replace("T", " ")
    line = t(
        "review_line",
        when=when,
        who=who,
        outcome=t(f"review_{review['outcome']}"),
        reason=review_reasons.label(review["reason_code"], lang()),
        before=_decision_word(review["reviewed_decision"]),
        after=_decision_word(review["final_decision"]),
    )
    note = (review.get("note") or "").strip()
    return f"{line} — “{note}”" if note else line


def _view(request_id: str) -> dict[str, Any] | ApiError:
    """The decision and its reviews, read once per request id (again after a review)."""
    key = ("decision_view", request_id)
    if key not in st.session_state:
        try:
            st.session_state[key] = client().decision(request_id)
        except ApiError as err:
            return err
    return st.session_state[key]


def client_reasons(
    request_id: str, explained: dict[str, Any] | ApiError, reason: Callable[[dict], str]
) -> None:
    """For a refusal: the reasons as the client is told them (``reason`` words one)."""
    if isinstance(explained, ApiError):
        return
    view = _view(request_id)
    recorded = [] if isinstance(view, ApiError) else view["decisions"][0].get("reasons") or []
    told = told_reasons(recorded, explained.get("contributions") or [])
    if not told:
        return
    with st.container(border=True, key="client_reasons"):
        st.markdown(f"**{t('client_reasons_title')}**")
        st.markdown(t("client_reasons_intro"))
        st.markdown("\n".join(f"{i}. {reason(c)}" for i, c in enumerate(told, start=1)))
        st.caption(t("client_reasons_rights"))


def review_panel(request_id: str) -> None:
    """Confirm / Override with the reason list and a note, then the decision's reviews."""
    with st.container(border=True, key="review_panel"):
        st.markdown(f"**{t('review_title')}**")
        st.caption(t("review_help"))
        view = _view(request_id)
        if isinstance(view, ApiError):
            st.warning(t("review_unavailable", detail=error_text(view)))
            return
        shown_in = lang()  # bound now: a widget of the other language keeps its own words
        outcome = choice(
            st.radio,
            t("review_outcome"),
            ["confirm", "override"],
            "review_outcome",
            format_func=lambda o: tr(shown_in, f"review_{o}"),
            horizontal=True,
        )
        code = choice(
            st.selectbox,
            t("review_reason"),
            review_reasons.codes_for(outcome),
            f"review_reason_{outcome}",
            format_func=lambda c: review_reasons.label(c, shown_in),
        )
        note = st.text_area(
            t("review_note"), key="review_note", max_chars=1000, help=t("review_note_help")
        )
        if st.button(t("review_submit"), key="review_submit", type="primary"):
            try:
                saved = client().review(request_id, outcome, code, note)
            except ApiError as err:
                st.error(error_text(err), icon="⚠️")
            else:
                st.session_state.pop(("decision_view", request_id), None)
                st.success(t("review_saved", decision=_decision_word(saved["final_decision"])))
                view = _view(request_id)
        st.markdown(f"**{t('review_history')}**")
        reviews = [] if isinstance(view, ApiError) else view.get("reviews") or []
        if not reviews:
            st.caption(t("review_none"))
        for r in reviews:
            st.markdown(f"- {review_line(r)}")
