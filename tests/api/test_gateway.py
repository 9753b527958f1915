"""The direct path for scoring events answers exactly as Mangum + FastAPI would."""

import json

import pytest

from credit_api.gateway import route_of
from tests.api.conftest import LambdaContext, v2_event

pytestmark = pytest.mark.slow


def _cases(applications):
    one, other = applications[0], applications[1]
    return [
        ("/v1/score", one, "ok"),
        ("/v1/explain", other, "ok"),
        ("/v1/score/batch", {"applications": applications[:4]}, "ok"),
        ("/v1/score", one | {"NOT_A_FIELD": 1, "AMT_CREDIT": "lots"}, "ok"),
        ("/v1/score", one | {"NAME_CONTRACT_TYPE": "Mortgage"}, "ok"),
        ("/v1/score/batch", {"applications": []}, "ok"),
        ("/v1/score/batch", {"applications": [one], "extra": True}, "ok"),
        ("/v1/explain", [one], "ok"),
        ("/v1/score", one, None),
        ("/v1/score", one, "wrong"),
    ]


def test_direct_path_and_mangum_give_the_same_answers(api, applications):
    from tests.api.conftest import API_KEY

    for path, body, key in _cases(applications):
        headers = {} if key is None else {"x-api-key": API_KEY if key == "ok" else key}
        event = v2_event("POST", path, body, headers)
        direct = api.module.handler(event, LambdaContext())
        assert route_of(event) is not None
        via_asgi = api.module.asgi(event, LambdaContext())
        assert direct["statusCode"] == via_asgi["statusCode"], (path, direct["body"][:200])
        for header in ("content-type", "x-request-id"):
            assert direct["headers"][header] == via_asgi["headers"][header], (path, header)
        assert json.loads(direct["body"]) == json.loads(via_asgi["body"]), path
    raw = v2_event("POST", "/v1/score", raw_body="{not json", headers={"x-api-key": API_KEY})
    assert json.loads(api.module.handler(raw, LambdaContext())["body"]) == json.loads(
        api.module.asgi(raw, LambdaContext())["body"]
    )


def test_only_scoring_posts_take_the_direct_path():
    assert route_of(v2_event("POST", "/v1/score")) == "score"
    assert route_of(v2_event("POST", "/v1/score/batch")) == "batch"
    assert route_of(v2_event("POST", "/v1/score/")) is None  # FastAPI answers that one
    assert route_of(v2_event("POST", "/prod/v1/explain"), stage="/prod") == "explain"
    assert route_of(v2_event("POST", "/prod/v1/explain")) is None
    assert route_of(v2_event("GET", "/v1/score")) is None
    assert route_of(v2_event("POST", "/health")) is None
    assert route_of(v2_event("POST", "/v1/score") | {"version": "1.0"}) is None


def test_base64_bodies_are_decoded(api, applications):
    import base64

    from tests.api.conftest import API_KEY

    event = v2_event("POST", "/v1/score", applications[0], {"x-api-key": API_KEY})
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    out = api.module.handler(event, LambdaContext())
    assert out["statusCode"] == 200 and 0 < json.loads(out["body"])["probability"] < 1


def _base64_event(raw: bytes) -> dict:
    import base64

    from tests.api.conftest import API_KEY

    event = v2_event("POST", "/v1/score", headers={"x-api-key": API_KEY})
    event["body"] = base64.b64encode(raw).decode()
    event["isBase64Encoded"] = True
    return event


def test_odd_bodies_are_refused_the_same_way_on_both_paths(api, applications):
    """Found by review: bytes that are not UTF-8, absurd nesting, a client id beyond int64."""
    latin1 = b'{"CAF\xc9": 1, ' + json.dumps(applications[0]).encode()[1:]  # not UTF-8
    deep = b'{"applications":[' + b"[" * 3000 + b"]" * 3000 + b"]}"
    huge_id = json.dumps(applications[0] | {"SK_ID_CURR": 10**30}).encode()
    for path, raw in (("/v1/score", latin1), ("/v1/score/batch", deep), ("/v1/score", huge_id)):
        event = _base64_event(raw) | {"rawPath": path}
        event["requestContext"]["http"]["path"] = path
        direct = api.module.handler(event, LambdaContext())
        via_asgi = api.module.asgi(event, LambdaContext())
        assert direct["statusCode"] == via_asgi["statusCode"] == 422, (path, direct["body"][:300])
        assert json.loads(direct["body"]) == json.loads(via_asgi["body"])
    assert "SK_ID_CURR" in json.loads(direct["body"])["detail"]


def test_an_unexpected_error_is_a_logged_problem_not_a_crash(api, applications, monkeypatch):
    from tests.api.conftest import API_KEY

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.module.service, "handle", broken)
    out = api.module.handler(
        v2_event("POST", "/v1/score", applications[0], {"x-api-key": API_KEY}), LambdaContext()
    )
    assert out["statusCode"] == 500
    assert out["headers"]["content-type"] == "application/problem+json"
    assert "boom" not in out["body"] and json.loads(out["body"])["title"] == "Internal error"


def test_bad_base64_is_a_400(api):
    event = _base64_event(b"") | {"body": "%%% not base64"}
    out = api.module.handler(event, LambdaContext())
    assert out["statusCode"] == 400 and "base64" in json.loads(out["body"])["detail"]


def test_the_key_header_is_found_whatever_its_case(api, applications):
    from tests.api.conftest import API_KEY

    event = v2_event("POST", "/v1/score", applications[0], {"X-API-Key": API_KEY})
    assert api.module.handler(event, LambdaContext())["statusCode"] == 200
