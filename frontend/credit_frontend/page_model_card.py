"""The model card for people (docs/model_card.md, built by ``credit model-card`` from the
bundle's card): intended use, data, performance per group, limits, oversight, monitoring."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from credit_frontend.ui import t

CARD = Path(__file__).resolve().parents[2] / "docs" / "model_card.md"


def card_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The card's title and its ``## `` sections as (heading, body), in order."""
    title, sections, heading, body = "", [], None, []
    for line in text.splitlines():
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line.startswith("## "):
            if heading is not None:
                sections.append((heading, "\n".join(body).strip()))
            heading, body = line[3:].strip(), []
        elif heading is not None:
            body.append(line)
    if heading is not None:
        sections.append((heading, "\n".join(body).strip()))
    return title, sections


def page(path: Path = CARD) -> None:
    st.caption(t("model_card_intro"))
    if not path.is_file():
        st.info(t("model_card_missing"))
        return
    title, sections = card_sections(path.read_text("utf-8"))
    if title:
        st.subheader(title)
    for i, (heading, body) in enumerate(sections):
        with st.expander(heading, expanded=i < 3):
            st.markdown(body)
