"""Work the API does before refusing is bounded (issue 17 §4, issue 21 Low #9), and the docs'
own examples are accepted (issue 17 §4, what a newcomer met)."""

from __future__ import annotations

import asyncio
import json
import time

import orjson
import pytest

from credit_api.app import MAX_FIELDS
from credit_api.call import Call
from credit_api.contract import ID_MAX
from tests.api.conftest import API_KEY, LambdaContext, v2_event

pytestmark = pytest.mark.slow

MB = 1024 * 1024


def test_a_5mb_body_of_unknown_keys_is_refused_quickly_and_names_them(make_api, applications):
    api = make_api()
    unknown = {f"X{i:06d}": i for i in range(300_000)}
    body = orjson.dumps(applications[0] | unknown)
    assert 4.5e6 < len(body) <= 5 * MB  # under MAX_BODY_BYTES: refused for its keys
    start = time.perf_counter()
    reply = api.module.service.handle("score", body, Call("rid", API_KEY))
    elapsed = time.perf_counter() - start
    assert reply.status == 422
    problem = orjson.loads(reply.body)
    assert problem["error_count"] == len(unknown)
    assert problem["errors"][0] == {"field": "X000000", "message": "unknown field"}
    assert len(problem["errors"]) == 50 and len(reply.body) < 20_000
    assert elapsed < 2.0, elapsed  # was 3-7 s; ~0.3 s here on a quiet machine


def test_unknown_keys_beside_a_bad_known_value_list_both(make_api, applications):
    api = make_api()
    unknown = {f"EXTRA_{i}": i for i in range(2_000)}
    body = orjson.dumps(applications[0] | {"AMT_CREDIT": "lots"} | unknown)
    problem = orjson.loads(api.module.service.handle("score", body, Call("rid", API_KEY)).body)
    assert problem["error_count"] == len(unknown) + 1
    assert "AMT_CREDIT" in problem["detail"]


def _asgi(app, chunks: int, chunk: bytes, headers: list) -> tuple[int, int]:
    """POST /v1/score to the ASGI app, the body streamed in ``chunks`` pieces (no
    content-length unless given); the status and how many pieces the app pulled."""
    pulled, sent = 0, []

    async def receive():
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < chunks}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": "/v1/score",
        "raw_path": b"/v1/score",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"x-api-key", API_KEY.encode()), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
        "scheme": "http",
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], pulled


def test_a_streamed_body_over_the_limit_is_refused_before_it_is_read_whole(make_api):
    """Issue 21 #9: a 300 MiB upload was read whole before the 413 (328 -> 862 MB)."""
    api = make_api(MAX_BODY_BYTES=str(MB))
    status, pulled = _asgi(api.module.app, chunks=300, chunk=b" " * MB, headers=[])
    assert status == 413
    assert pulled <= 2  # 1 MiB allowed: the second MiB is the last one read


def test_a_declared_length_over_the_limit_is_refused_without_reading(make_api):
    api = make_api(MAX_BODY_BYTES=str(MB))
    length = [(b"content-length", str(300 * MB).encode())]
    status, pulled = _asgi(api.module.app, chunks=300, chunk=b" " * MB, headers=length)
    assert (status, pulled) == (413, 0)


def test_a_body_under_the_limit_still_reaches_the_route(make_api, applications):
    api = make_api()
    body = json.dumps(applications[0]).encode()
    status, pulled = _asgi(api.module.app, chunks=1, chunk=body, headers=[])
    assert status == 200 and pulled == 1


def test_repeated_reference_fields_are_deduplicated_and_capped(api):
    start = time.perf_counter()
    status, body, _ = api.call("GET", "/v1/reference?fields=" + ",".join(["AMT_CREDIT"] * 1_000))
    elapsed = time.perf_counter() - start
    assert status == 200 and list(body["fields"]) == ["AMT_CREDIT"]
    assert elapsed < 1.0, elapsed  # 2,000 repeats took 662 ms, 5,000 took 1.7 s
    status, body, _ = api.call("GET", "/v1/reference?fields=" + ",".join(["AMT_CREDIT"] * 5_000))
    assert status == 422 and "fields" in json.dumps(body["errors"])
    many = ",".join(f"F{i}" for i in range(MAX_FIELDS + 1))
    status, body, _ = api.call("GET", f"/v1/reference?fields={many}")
    assert status == 422 and f"at most {MAX_FIELDS}" in body["detail"]


def test_the_client_id_bound_is_an_exact_integer_in_the_docs(api):
    out = api.module.handler(v2_event("GET", "/openapi.json"), LambdaContext())
    text = out["body"]
    assert "e+18" not in text and "9223372036854775807" not in text
    spec = json.loads(text)
    application = spec["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    if "$ref" in application:
        application = spec["components"]["schemas"][application["$ref"].split("/")[-1]]
    (integer,) = [
        t for t in application["properties"]["SK_ID_CURR"]["anyOf"] if t["type"] == "integer"
    ]
    assert integer["maximum"] == ID_MAX == 2**53 - 1  # every JSON parser reads it exactly


@pytest.mark.parametrize("path", ["/v1/score", "/v1/score/batch", "/v1/explain"])
def test_every_post_route_publishes_an_example_the_api_accepts(api, path):
    status, spec, _ = api.call("GET", "/openapi.json", key=None)
    media = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    example = media["example"]
    status, body, _ = api.call("POST", path, example)
    assert status == 200, body
    if path == "/v1/score/batch":
        assert body["scored"] == 1 and body["refused"] == 0
    assert not (body.get("warnings") or []), body  # values training saw: no warning either
