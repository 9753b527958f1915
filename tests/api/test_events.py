"""Lambda events API Gateway would never send are 400s, never a 500 or a crash, and never reach
the file system with untrusted names (issue 17, "Lambda events")."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from credit_api import gateway
from tests.api.conftest import API_KEY, LambdaContext, v2_event

pytestmark = pytest.mark.slow

LOG_DIR = "log"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _b64(event: dict, text: str) -> dict:
    return event | {"body": text, "isBase64Encoded": True}


def _without(event: dict, *path: str) -> dict:
    out = copy.deepcopy(event)
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def _with(event: dict, value, *path: str) -> dict:
    out = copy.deepcopy(event)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def malformed(app: dict) -> dict[str, dict]:
    ok = v2_event("POST", "/v1/score", app, {"x-api-key": API_KEY})
    return {
        "base64 with non-ASCII characters": _b64(ok, "eyJ\u00e9\u00e8=="),
        "base64 that is not base64": _b64(ok, "%%% not base64"),
        "body given as an object": ok | {"body": app},
        "body given as a list": ok | {"body": [app]},
        "header value given as a list": _with(ok, [API_KEY], "headers", "x-api-key"),
        "headers given as a list": ok | {"headers": [["x-api-key", API_KEY]]},
        "warm-up ping (scheduled event)": {"source": "aws.events", "detail-type": "Scheduled"},
        "empty event": {},
        "not an object": ["not", "an", "event"],
        "no requestContext": _without(ok, "requestContext"),
        "no http": _without(ok, "requestContext", "http"),
        "http method not a string": _with(ok, ["POST"], "requestContext", "http", "method"),
        "request id with ../": _with(ok, "../../../outside", "requestContext", "requestId"),
        "request id with a slash": _with(ok, "a/b", "requestContext", "requestId"),
        "request id not a string": _with(ok, {"id": 1}, "requestContext", "requestId"),
        "rawPath not a string": ok | {"rawPath": ["/v1/score"]},
        "isBase64Encoded not a boolean": ok | {"isBase64Encoded": "yes"},
        "cookies not a list": ok | {"cookies": "a=b"},
        "lone surrogate in the body": ok | {"body": '{"AMT_CREDIT": "\ud800"}'},
        "payload 1.0 without httpMethod": {"version": "1.0", "requestContext": {}, "path": "/"},
    }


@pytest.fixture
def folder_api(make_api, tmp_path):
    return make_api(LOG_URI=str(tmp_path / LOG_DIR))


def test_malformed_events_are_400_and_write_nothing(folder_api, applications, tmp_path):
    for name, event in malformed(applications[0]).items():
        out = folder_api.module.handler(event, LambdaContext())
        assert out["statusCode"] == 400, (name, out.get("body", "")[:300])
        assert out["headers"]["content-type"] == "application/problem+json", name
        body = json.loads(out["body"])
        assert body["title"] == "Bad request" and body["detail"].startswith("malformed event")
        assert "../" not in out["headers"]["x-request-id"], name
    assert not (tmp_path / LOG_DIR).exists() or not _files(tmp_path / LOG_DIR)
    assert not list(tmp_path.glob("outside*")) and not list(tmp_path.parent.glob("outside*"))


def test_a_valid_base64_body_still_scores(folder_api, applications, tmp_path):
    ok = v2_event("POST", "/v1/score", applications[0], {"x-api-key": API_KEY})
    event = _b64(ok, base64.b64encode(ok["body"].encode()).decode())
    out = folder_api.module.handler(event, LambdaContext())
    assert out["statusCode"] == 200, out["body"]
    (record,) = _files(tmp_path / LOG_DIR)
    assert record.parent.parent == tmp_path / LOG_DIR  # LOG_URI/dt=.../file


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = [
    ("body",),
    ("isBase64Encoded",),
    ("headers",),
    ("headers", "x-api-key"),
    ("headers", "content-type"),
    ("rawPath",),
    ("rawQueryString",),
    ("cookies",),
    ("version",),
    ("requestContext",),
    ("requestContext", "http"),
    ("requestContext", "http", "method"),
    ("requestContext", "http", "path"),
    ("requestContext", "http", "sourceIp"),
    ("requestContext", "requestId"),
]


@hsettings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(["/v1/score", "/v1/score/batch", "/v1/explain", "/health", "/v1/model"]),
    method=st.sampled_from(["POST", "GET"]),
    changes=st.lists(st.tuples(st.sampled_from(FIELDS), JSON | st.just(None)), max_size=3),
    drops=st.lists(st.sampled_from(FIELDS), max_size=2),
)
def test_any_event_shape_is_answered_without_a_server_error(
    folder_api, applications, tmp_path, path, method, changes, drops
):
    """Property: whatever a field of an event holds, or whichever is missing, the handler
    answers (never raises), never a 5xx, and every file it writes lies in its day's folder."""
    event = v2_event(method, path, applications[0], {"x-api-key": API_KEY})
    for field, value in changes:
        node = event
        for key in field[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node[field[-1]] = value
    for field in drops:
        node = event
        for key in field[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(field[-1], None)
    out = folder_api.module.handler(event, LambdaContext())
    assert isinstance(out, dict) and out["statusCode"] < 500, (event, out)
    for written in _files(tmp_path / LOG_DIR) if (tmp_path / LOG_DIR).exists() else []:
        assert written.parent.parent == tmp_path / LOG_DIR, written


@given(rid=st.text(max_size=300))
def test_the_log_key_of_any_request_id_stays_in_its_day(rid):
    from datetime import UTC, datetime

    from credit_api.request_log import key_for

    key = key_for("s3://requests/log", rid, datetime(2026, 12, 6, 1, 2, 3, tzinfo=UTC))
    prefix = "s3://requests/log/dt=2026-12-06/"
    assert key.startswith(prefix)
    name = key[len(prefix) :]
    assert "/" not in name and "\\" not in name and "\x00" not in name and name.endswith(".jsonl")
    assert len(name) <= 128 + len("010203-.jsonl")


def test_check_event_accepts_what_api_gateway_sends():
    assert gateway.check_event(v2_event("POST", "/v1/score", {"a": 1})) is None
    assert gateway.check_event(v2_event("GET", "/health")) is None
    v1 = {"version": "1.0", "httpMethod": "GET", "path": "/health", "requestContext": {}}
    assert gateway.check_event(v1 | {"multiValueHeaders": {"a": ["1", "2"]}}) is None
