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
