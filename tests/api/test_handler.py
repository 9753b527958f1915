"""The real Mangum handler with API Gateway v2 events; bundle and key in moto S3/SSM."""

import json

import boto3
import pytest

from credit_core.pseudonym import DEV_KEY, client_ref
from tests.api.conftest import API_KEY, REGION

pytestmark = pytest.mark.slow


def test_health_is_open_and_names_the_version(api):
    status, body, _ = api.call("GET", "/health", key=None)
    assert status == 200
    assert body == {"status": "ok", "model_loaded": True, "model_version": "1"}


def test_score_one_application(api, applications):
    status, body, headers = api.call("POST", "/v1/score", applications[0])
    assert status == 200
    assert 0 < body["probability"] < 1
    assert body["decision"] == ("refuse" if body["probability"] >= body["threshold"] else "accept")
    assert body["risk_grade"] in "ABCDE" and body["model_version"] == "1"
    assert body["sk_id_curr"] == applications[0]["SK_ID_CURR"]
    assert body["request_id"].startswith("req-") and headers["x-request-id"] == body["request_id"]


def test_every_scored_request_is_logged_to_s3(api, applications):
    status, body, _ = api.call("POST", "/v1/score/batch", {"applications": applications[:3]})
    assert status == 200
    s3 = boto3.client("s3", region_name=REGION)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="requests")["Contents"]]
    (key,) = [k for k in keys if body["request_id"] in k]
    assert key.startswith("log/dt=") and key.endswith(".jsonl")
    lines = s3.get_object(Bucket="requests", Key=key)["Body"].read().decode().splitlines()
    records = [json.loads(line) for line in lines]
    # the client is logged by its keyed pseudonym, never its id (the local development key)
    assert [r["client_ref"] for r in records] == [
        client_ref(DEV_KEY, a["SK_ID_CURR"]) for a in applications[:3]
    ]
    assert all("SK_ID_CURR" not in r["inputs"] for r in records)
    first = records[0]
    assert {
        "request_id",
        "timestamp",
        "model_version",
        "inputs",
        "features",
        "probability",
        "decision",
    } <= set(first)
    assert first["probability"] == pytest.approx(body["results"][0]["probability"])
    assert first["inputs"] == {  # as received, less the client id
        k: v for k, v in applications[0].items() if k != "SK_ID_CURR"
    }
    names = api.module.state.bundle.card.features.names
    features = dict(zip(names, first["features"], strict=True))
    inputs = applications[0]
    assert features["PAYMENT_RATE"] == pytest.approx(inputs["AMT_ANNUITY"] / inputs["AMT_CREDIT"])


def test_batch_keeps_order_and_matches_single_scores(api, applications):
    status, body, _ = api.call("POST", "/v1/score/batch", {"applications": applications[:5]})
    assert status == 200
    ids = [r["sk_id_curr"] for r in body["results"]]
    assert ids == [a["SK_ID_CURR"] for a in applications[:5]]
    _, single, _ = api.call("POST", "/v1/score", applications[3])
    assert body["results"][3]["probability"] == pytest.approx(single["probability"], rel=1e-12)


def test_explain_contributions_add_up_to_the_score(api, applications):
    status, body, _ = api.call("POST", "/v1/explain", applications[1])
    assert status == 200
    total = body["base_value"] + sum(c["contribution"] for c in body["contributions"])
    assert 1 / (1 + pow(2.718281828459045, -total)) == pytest.approx(body["probability"], rel=1e-6)
    assert body["reasons_against"] or body["reasons_for"]
    assert all(s.endswith("the risk of default.") for s in body["reasons_against"])


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_scoring_routes_need_the_api_key(api, applications, key):
    for path in ("/v1/score", "/v1/explain"):
        status, body, headers = api.call("POST", path, applications[0], key=key)
        assert status == 401
        assert headers["content-type"] == "application/problem+json"
        assert body["detail"] == "a valid X-API-Key header is required"
        assert API_KEY not in json.dumps(body)


def test_docs_stay_open(api):
    status, body, _ = api.call("GET", "/openapi.json", key=None)
    assert status == 200 and "/v1/score" in body["paths"]


def test_docs_work_behind_a_stage_prefix(make_api):
    api = make_api(STAGE_PREFIX="/prod")
    status, html, _ = api.call("GET", "/prod/docs", key=None)
    assert status == 200 and "/prod/openapi.json" in html
    status, spec, _ = api.call("GET", "/prod/openapi.json", key=None)
    assert status == 200 and spec["servers"][0]["url"] == "/prod"
    status, body, _ = api.call("GET", "/prod/health", key=None)
    assert status == 200 and body["model_loaded"] is True
