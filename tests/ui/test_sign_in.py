"""Officers sign in (st.login) before the app calls the API, and the app then calls the
officers' routes with their ID token, never the API key: AppTest with ``st.user`` seeded, the
real API (no model: it answers 503 once the token passes) checking tokens against a loopback
issuer."""

from __future__ import annotations

import sys
import time

import pytest
from streamlit.testing.v1 import AppTest

from credit_api import auth
from credit_api.app import create_app
from credit_api.oidc import TokenVerifier
from credit_api.settings import Settings
from credit_api.state import load_state
from credit_frontend import officer
from tests.ui.conftest import APP, REPO, serve

sys.path.insert(0, str(REPO / "infra"))
from local_oidc import LoopbackIssuer

CLIENT_ID = "credit-ui"
KEY = "machine-key-never-sent-by-the-ui"


class Recorder:
    """ASGI wrapper keeping each request's path, headers and answered status."""

    def __init__(self, app):
        self.app, self.seen = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        entry = {"path": scope["path"], "headers": dict(scope["headers"]), "status": None}
        self.seen.append(entry)

        async def recording(message):
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        return await self.app(scope, receive, recording)


@pytest.fixture(scope="module")
def issuer():
    with LoopbackIssuer() as it:
        yield it


@pytest.fixture(scope="module")
def api(issuer, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sign-in")
    settings = Settings(
        model_uri=str(tmp / "no-bundle"),
        log_uri=str(tmp / "log"),
        cache_dir=str(tmp / "c"),
        api_key=KEY,
    )
    verify = TokenVerifier(issuer.url, CLIENT_ID).verify
    recorder = Recorder(
        create_app(settings, load_state(settings), auth.static_hash_provider(KEY), verify=verify)
    )
    served = serve(recorder)
    served.recorder = recorder
    yield served
    served.stop()


def app_for(api, user: dict) -> AppTest:
    api.recorder.seen.clear()
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets["API_URL"] = api.url
    at.secrets["API_KEY"] = KEY  # present, but never used once sign-in is configured
    at.secrets["REPORTS_URI"] = ""
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": CLIENT_ID,
        "client_secret": "test-client-secret",
        "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
        "expose_tokens": "id",
    }
    at.user = user
    return at.run()


def shown(at: AppTest) -> str:
    return "\n".join(
        str(e.value) for e in (*at.info, *at.error, *at.warning, *at.caption, *at.markdown)
    )


def test_not_signed_in_the_app_offers_sign_in_and_calls_nothing(api):
    at = app_for(api, {"is_logged_in": False})
    assert not at.exception
    assert "Sign in with your credit officer account" in shown(at)
    assert [b.label for b in at.button] == ["Sign in"]
    assert api.recorder.seen == []


def test_signed_in_the_app_calls_the_officer_routes_with_the_token_not_the_key(api, issuer):
    token = issuer.token("officer-7", CLIENT_ID)
    at = app_for(
        api,
        {"is_logged_in": True, "name": "Ada Officer", "sub": "officer-7", "tokens": {"id": token}},
    )
    assert not at.exception
    assert api.recorder.seen, "the app called nothing"
    for call in api.recorder.seen:
        assert call["path"].startswith("/officer/v1/")
        assert call["headers"][b"authorization"] == f"Bearer {token}".encode()
        assert b"x-api-key" not in call["headers"]
        assert call["status"] == 503  # past the token check: the API has no model
    assert "Signed in as Ada Officer" in shown(at)
    assert "No model is loaded" in shown(at)


def test_a_token_the_api_refuses_says_to_sign_in_again(api, issuer):
    token = issuer.token("officer-7", "another-client")  # wrong audience
    at = app_for(api, {"is_logged_in": True, "tokens": {"id": token}})
    assert {c["status"] for c in api.recorder.seen} == {401}
    assert "refused your sign-in (401)" in shown(at)


def test_an_expired_token_is_not_sent_the_officer_signs_in_again(api, issuer):
    token = issuer.token("officer-7", CLIENT_ID, expires_in=-60)
    at = app_for(api, {"is_logged_in": True, "tokens": {"id": token}})
    assert "Your session has expired" in shown(at)
    assert api.recorder.seen == []


@pytest.mark.parametrize(
    ("token", "ok"),
    [
        (None, False),
        ("not.a.jwt", False),
        ("a.b", False),
    ],
)
def test_unreadable_tokens_are_not_usable(token, ok):
    assert officer.usable(token, time.time()) is ok


def test_usable_until_the_margin_before_expiry():
    with LoopbackIssuer() as it:
        token = it.token("o", CLIENT_ID, expires_in=100)
    exp = officer.expires_at(token)
    assert officer.usable(token, exp - officer.EXPIRY_MARGIN_S - 1)
    assert not officer.usable(token, exp - officer.EXPIRY_MARGIN_S + 1)
