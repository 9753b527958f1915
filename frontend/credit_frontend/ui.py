"""Streamlit helpers shared by the pages: language, settings, API client, model card, errors."""

from __future__ import annotations

import os
import time
from typing import Any

import streamlit as st

from credit_core.contracts import PublishedCard
from credit_frontend import charts, officer
from credit_frontend.client import ApiClient, ApiError
from credit_frontend.config import Settings, SettingsError, load_settings
from credit_frontend.i18n import LANG_NAMES, LANGS, api_message, tr


def lang() -> str:
    return st.session_state.get("lang") or "en"


def t(key: str, **values: object) -> str:
    """The label ``key`` in the chosen language."""
    return tr(lang(), key, **values)


def _secrets() -> dict[str, Any]:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml anywhere: Streamlit raises; the environment is used
        return {}


def settings() -> Settings:
    """The app's settings; unusable ones stop the page with the reason (naming the setting)."""
    try:
        return load_settings(_secrets(), os.environ)
    except SettingsError as exc:
        st.error(t("err_settings", reason=str(exc)))
        st.stop()
        raise  # st.stop() raises; this line only reassures type checkers


@st.cache_resource(show_spinner=False)
def _client(url: str, key: str | None, timeout_s: float) -> ApiClient:
    return ApiClient(url, key, timeout_s)


def sign_in_configured() -> bool:
    """Officers sign in (st.login) when the app's secrets have an ``[auth]`` section; without
    one (the local demo) the app calls the API with its key."""
    return "auth" in _secrets()


def _user() -> dict[str, Any]:
    return dict(st.user.to_dict())


def officer_token() -> str | None:
    """The signed-in officer's ID token, None when sign-in is not configured. Not signed in, or
    signed in with an expired token: the page stops on a sign-in button (nothing is scored)."""
    if not sign_in_configured():
        return None
    user = _user()
    if not user.get("is_logged_in"):
        st.info(t("sign_in_needed"))
        st.button(t("sign_in"), key="sign_in", on_click=st.login, type="primary")
        st.stop()
    token = st.user.tokens.get("id")
    if not token:
        st.error(t("err_no_token"))
        st.button(t("sign_out"), key="sign_out_no_token", on_click=st.logout)
        st.stop()
    if not officer.usable(token, time.time()):
        st.warning(t("session_expired"))
        st.button(t("sign_in"), key="sign_in_again", on_click=st.logout, type="primary")
        st.stop()
    return token


def signed_in_as() -> None:
    """In the sidebar: who is signed in, and the sign-out button (only with sign-in)."""
    if not sign_in_configured():
        return
    user = _user()
    if user.get("is_logged_in"):
        name = user.get("name") or user.get("email") or user.get("sub") or "?"
        st.caption(t("signed_in_as", name=name))
        st.button(t("sign_out"), key="sign_out", on_click=st.logout)


def client() -> ApiClient:
    """The API client: the signed-in officer's (bearer token, officers' routes), else the app's
    key. An officer's client is kept in the session only, never shared between sessions."""
    s = settings()
    token = officer_token()
    if token is None:
        return _client(s.api_url, s.api_key, s.timeout_s)
    cache_key = ("officer_client", s.api_url, token)
    if cache_key not in st.session_state:
        for old in [
            k for k in st.session_state if isinstance(k, tuple) and k[:1] == ("officer_client",)
        ]:
            del st.session_state[old]
        st.session_state[cache_key] = ApiClient(s.api_url, None, s.timeout_s, token=token)
    return st.session_state[cache_key]


def model_card() -> PublishedCard:
    """``GET /v1/model``, kept for the session (a new model version is picked up on reload)."""
    s = settings()
    cache_key = ("card", s.api_url)
    if cache_key not in st.session_state:
        st.session_state[cache_key] = client().model_card()
    return st.session_state[cache_key]


def choice(widget: Any, label: str, options: list[Any], key: str, **kw: Any) -> Any:
    """A radio or selectbox whose shown labels depend on the language: the widget is keyed per
    language and the chosen option is kept under ``key``, so switching language keeps it."""
    options = list(options)
    current = st.session_state.get(key)
    index = options.index(current) if current in options else kw.pop("index", 0)
    kw.pop("index", None)
    wkey = f"{key}@{lang()}"
    shown_in = st.session_state.setdefault("_choice_lang", {})
    if shown_in.get(key) != lang():
        st.session_state.pop(wkey, None)  # last shown in the other language: start from `key`
    elif wkey in st.session_state:
        current = st.session_state[wkey]  # the officer's latest choice
        index = options.index(current) if current in options else index
    shown_in[key] = lang()
    value = widget(label, options, index=index, key=wkey, **kw)
    st.session_state[key] = value
    return value


def language_switch() -> None:
    st.segmented_control(
        tr(lang(), "language"),
        LANGS,
        format_func=LANG_NAMES.get,
        key="lang",
        default="en",
        required=True,
    )


def error_text(err: ApiError, field_label=None, field_message=None) -> str:
    """The failure in the chosen language; a 422 names each refused field and why
    (``field_message(error_item)`` words the why in the form's units when given)."""
    if err.kind == "unreachable":
        return t("err_unreachable", url=settings().api_url)
    if err.kind == "invalid":
        parts = [
            t(
                "field_error",
                field=field_label(_bare(e["field"])) if field_label else e["field"],
                message=(
                    field_message(e) if field_message else api_message(lang(), e.get("message", ""))
                ),
            )
            for e in err.errors
        ] or [err.detail]
        return t("err_invalid", fields="; ".join(parts))
    if err.kind == "unexpected":
        return t("err_unexpected", status=err.status)
    if err.kind == "unauthorized" and sign_in_configured():
        return t("err_officer_unauthorized")
    return t(f"err_{err.kind}")


def _bare(field: str) -> str:
    """``applications[3].AMT_CREDIT`` or ``body.AMT_CREDIT`` -> ``AMT_CREDIT``."""
    return field.split(".")[-1]


def show_error(err: ApiError, field_label=None, field_message=None) -> None:
    st.error(error_text(err, field_label, field_message), icon="⚠️")


def pct(p: float | None, digits: int = 1) -> str:
    """A fraction as a percentage in the chosen language."""
    return charts.pct(p, digits, lang())


def plotly_chart(fig: Any, **kw: Any) -> None:
    """``st.plotly_chart`` with the chosen language's decimal and thousands separators."""
    fig.update_layout(separators=",\u202f" if lang() == "fr" else ".,")
    st.plotly_chart(fig, **kw)
