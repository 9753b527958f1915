"""The app's frame: page config, language switch, API status and navigation between pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from credit_frontend.client import ApiError
from credit_frontend.ui import language_switch, model_card, officer_token, pct, signed_in_as, t

PAGES = Path(__file__).resolve().parents[1] / "app_pages"


def _status() -> None:
    try:
        card = model_card()
    except ApiError:
        return  # each page says what failed, in the chosen language
    st.caption(
        t(
            "api_connected",
            version=card.model_version,
            threshold=pct(card.threshold),
        )
    )


def main() -> None:
    st.set_page_config(page_title="Prêt à Dépenser", page_icon="💶", layout="wide")
    with st.sidebar:
        language_switch()
        signed_in_as()
    officer_token()  # with sign-in configured: nothing below runs until an officer signs in
    with st.sidebar:
        _status()
    pages = [
        st.Page(
            PAGES / "client.py",
            title=t("page_client"),
            icon=":material/person:",
            url_path="home",  # the default page is served at the root, never at its url_path
            default=True,
        ),
        # the same page at /client (a link or bookmark to it must not open "Page not found")
        st.Page(
            PAGES / "client.py",
            title=t("page_client"),
            icon=":material/person:",
            url_path="client",
            visibility="hidden",
        ),
        st.Page(
            PAGES / "batch.py", title=t("page_batch"), icon=":material/table:", url_path="batch"
        ),
        st.Page(
            PAGES / "monitoring.py",
            title=t("page_monitoring"),
            icon=":material/monitoring:",
            url_path="monitoring",
        ),
        st.Page(
            PAGES / "model_card.py",
            title=t("page_model_card"),
            icon=":material/description:",
            url_path="model-card",
        ),
    ]
    current = st.navigation(pages, position="sidebar")
    st.title(current.title)
    current.run()
