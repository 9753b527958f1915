"""Hardening from the review: exact paths, nothing internal in responses, the key on every /v1
route, a failed load retried, a pinned bundle, a request-log write bounded in time."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time

import boto3
import pytest

from credit_core import storage
from tests.api.blackhole import Blackhole
from tests.api.conftest import API_KEY, REGION, LambdaContext, build_runtime, v2_event

pytestmark = pytest.mark.slow


@pytest.fixture
def log(capsys):
    """The structured log (formatted by the app's own formatter) and the EMF metric lines
    written from now on, as parsed JSON objects."""
    from credit_api.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    capsys.readouterr()

    def read() -> list[dict]:
        text = stream.getvalue() + capsys.readouterr().out
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    yield read
    logger.removeHandler(handler)


def _is_problem(status, body, headers, expected):
    assert status == expected, body
    assert headers["content-type"] == "application/problem+json"
    assert body["status"] == expected
    return body


@pytest.mark.parametrize("path", ["/v1/score/", "/v1/score/batch/", "/v1/explain/"])
def test_a_trailing_slash_is_not_redirected(api, applications, path):
    body = _is_problem(*api.call("POST", path, applications[0]), 404)
    assert body["title"] == "Not found"
    # the direct path leaves it to FastAPI, which answers the same as through Mangum
    event = v2_event("POST", path, applications[0], {"x-api-key": API_KEY})
    out = api.module.asgi(event, LambdaContext())
    assert out["statusCode"] == 404 and "location" not in out["headers"]


def test_a_trailing_slash_behind_a_stage_prefix_is_a_404_too(make_api, applications):
    api = make_api(STAGE_PREFIX="/prod")
    _is_problem(*api.call("POST", "/prod/v1/score/", applications[0]), 404)
    _is_problem(*api.call("GET", "/prod/health/", key=None), 404)
    assert api.call("POST", "/prod/v1/score", applications[0])[0] == 200


def test_head_health_is_200_without_a_body(api):
    status, body, _ = api.call("HEAD", "/health", key=None)
    assert status == 200 and body == ""


def test_health_says_status_model_and_version_only(api):
    status, body, _ = api.call("GET", "/health", key=None)
    assert status == 200
    assert body == {"status": "ok", "model_loaded": True, "model_version": "1"}


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_the_model_card_needs_the_key(api, key):
    body = _is_problem(*api.call("GET", "/v1/model", key=key), 401)
    assert "threshold" not in body and "calibration" not in json.dumps(body)
    status, card, _ = api.call("GET", "/v1/model")
    assert status == 200 and 0 < card["threshold"] < 1


def test_docs_and_health_stay_open(api):
    assert api.call("GET", "/docs", key=None)[0] == 200
    assert api.call("GET", "/openapi.json", key=None)[0] == 200
    assert api.call("GET", "/health", key=None)[0] == 200


def test_a_key_that_cannot_be_encoded_is_a_401_not_a_500(api, applications):
    bad = {"x-api-key": "\ud800key"}
    for method, path, body in (("POST", "/v1/score", applications[0]), ("GET", "/v1/model", None)):
        out = api.module.handler(v2_event(method, path, body, bad), LambdaContext())
        assert out["statusCode"] == 401, (path, out["body"])
    out = api.module.handler(v2_event("GET", "/health", None, bad), LambdaContext())
    assert out["statusCode"] == 200


def test_a_rotated_key_set_accepts_old_and_new_keys(aws, bundle_dir, monkeypatch, tmp_path):
    from credit_api.auth import key_hash
    from tests.api.conftest import Api, upload_bundle

    upload_bundle(bundle_dir, "models", "credit")
    new = "rotated-key-abcdef"
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/credit/keys",
        Value=f"{key_hash(API_KEY).upper()}\n{key_hash(new)}",
        Type="SecureString",
    )
    api = Api(
        build_runtime(
            tmp_path,
            MODEL_URI="s3://models/credit",
            LOG_URI=str(tmp_path / "log"),
            API_KEY_PARAMETER="/credit/keys",
        ),
        "",
    )
    assert api.call("GET", "/v1/model", key=API_KEY)[0] == 200
    assert api.call("GET", "/v1/model", key=new)[0] == 200
    assert api.call("GET", "/v1/model", key="neither")[0] == 401


def test_503_bodies_are_generic_and_the_cause_is_logged_with_the_request_id(
    make_api, applications, log
):
    api = make_api(upload=False, MODEL_URI="s3://no-such-bucket/secret-prefix")
    event = v2_event("POST", "/v1/score", applications[0], {"x-api-key": API_KEY})
    out = api.module.handler(event, LambdaContext())
    assert out["statusCode"] == 503
    for text in (out["body"], json.dumps(api.call("GET", "/health", key=None)[1])):
        assert "secret-prefix" not in text and "no-such-bucket" not in text and "s3" not in text
    records = log()
    rid = event["requestContext"]["requestId"]
    mine = [r for r in records if r.get("correlation_id") == rid]
    assert any("secret-prefix" in r.get("cause", "") for r in mine), records


def test_a_failed_load_is_retried_and_then_served(make_api, bundle_dir, applications, log):
    from tests.api.conftest import upload_bundle

    api = make_api(upload=False, MODEL_RELOAD_SECONDS="0.2")
    assert api.call("POST", "/v1/score", applications[0])[0] == 503
    upload_bundle(bundle_dir, "models", "credit")  # the bundle arrives after init
    time.sleep(0.25)
    status, body, _ = api.call("POST", "/v1/score", applications[0])
    assert status == 200 and body["model_version"] == "1"
    assert api.call("GET", "/health", key=None)[0] == 200
    assert any(r["message"] == "retrying the model bundle load" for r in log())


def test_the_default_retry_waits_30_seconds(make_api, bundle_dir, applications):
    from tests.api.conftest import upload_bundle

    api = make_api(upload=False)
    assert api.module.settings.reload_seconds == 30
    upload_bundle(bundle_dir, "models", "credit")
    assert api.call("POST", "/v1/score", applications[0])[0] == 503  # not retried yet


def _checksums_digest(bundle_dir) -> str:
    return hashlib.sha256((bundle_dir / "1" / "checksums.json").read_bytes()).hexdigest()


def test_a_pinned_bundle_loads_when_its_digest_matches(make_api, bundle_dir, applications):
    api = make_api(MODEL_SHA256=_checksums_digest(bundle_dir).upper())
    assert api.call("POST", "/v1/score", applications[0])[0] == 200


def test_a_pinned_bundle_is_not_loaded_on_a_mismatch(make_api, applications, log):
    api = make_api(MODEL_SHA256="0" * 64)
    body = _is_problem(*api.call("POST", "/v1/score", applications[0]), 503)
    assert "MODEL_SHA256" not in body["detail"]
    assert any("MODEL_SHA256" in r.get("cause", "") for r in log())


def test_a_pointer_to_another_folder_is_not_followed(make_api, applications, log):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="models", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="models", Key="credit/current.json", Body=b'{"version": "../../etc"}')
    api = make_api(upload=False)
    _is_problem(*api.call("POST", "/v1/score", applications[0]), 503)
    assert any("not a plain version name" in r.get("cause", "") for r in log())


class TimedContext(LambdaContext):
    def __init__(self, remaining_ms: int):
        super().__init__()
        self.deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def test_a_hanging_request_log_write_falls_back_before_the_lambda_timeout(
    bundle_dir, applications, monkeypatch, tmp_path, log
):
    hole = Blackhole()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", hole.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    storage.s3_client.cache_clear()
    try:
        module = build_runtime(
            tmp_path,
            MODEL_URI=str(bundle_dir),
            LOG_URI="s3://requests/log",
            CREDIT_API_KEY=API_KEY,
        )
        context = TimedContext(3000)  # the invocation has 3 s left
        event = v2_event(
            "POST", "/v1/score/batch", {"applications": applications[:2]}, {"x-api-key": API_KEY}
        )
        start = time.monotonic()
        out = module.handler(event, context)
        elapsed = time.monotonic() - start
    finally:
        storage.s3_client.cache_clear()
        hole.close()
    assert out["statusCode"] == 200, out["body"]
    assert hole.accepted, "the write never reached the endpoint"
    # the write's budget is 0.3 s (LOG_TIMEOUT_SECONDS), its client built at init, not inside it
    assert elapsed < 1.5, elapsed
    records = log()
    fallback = [r for r in records if r.get("message") == "request_log_fallback"]
    assert [r["record"]["item"] for r in fallback] == [0, 1]
    assert "timeout" in fallback[0]["error"].lower() or "timed out" in fallback[0]["error"]
    emf = [r for r in records if "_aws" in r]
    assert any(m.get("LogWriteFailures") == [1.0] or m.get("LogWriteFailures") == 1.0 for m in emf)
