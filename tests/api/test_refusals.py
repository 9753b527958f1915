"""Bad input gets a 4xx problem+json naming the field; no model gives 503; nothing is lost."""

import io
import json

import boto3
import pytest

from credit_core.contracts import read_card
from credit_core.pseudonym import DEV_KEY, client_ref
from tests.api.conftest import API_KEY, REGION, LambdaContext, upload_bundle, v2_event

pytestmark = pytest.mark.slow


def _problem(status, body, headers, expected_status):
    assert status == expected_status, body
    assert headers["content-type"] == "application/problem+json"
    assert body["status"] == expected_status and body["title"] and body["type"]
    return body


def _fields(body):
    return {e["field"]: e for e in body["errors"]}


def test_unknown_fields_are_listed(api, applications):
    bad = applications[0] | {"FAVOURITE_COLOUR": "blue", "SALARY": 3}
    body = _problem(*api.call("POST", "/v1/score", bad), 422)
    errors = _fields(body)
    assert errors["FAVOURITE_COLOUR"]["message"] == "unknown field"
    assert "SALARY" in errors and "FAVOURITE_COLOUR" in body["detail"]


def test_wrong_type_names_the_field(api, applications):
    body = _problem(*api.call("POST", "/v1/score", applications[0] | {"AMT_CREDIT": "lots"}), 422)
    error = _fields(body)["AMT_CREDIT"]
    assert error["message"].startswith("Input should be a valid number")
    assert error["allowed"] == {"min": 0, "max": None, "min_exclusive": True}


def test_out_of_range_names_the_field_and_bound(api, applications):
    body = _problem(*api.call("POST", "/v1/score", applications[0] | {"EXT_SOURCE_2": 7.5}), 422)
    assert "less than or equal to" in _fields(body)["EXT_SOURCE_2"]["message"]


def test_unknown_level_names_the_allowed_values(api, applications):
    bad = applications[0] | {"NAME_CONTRACT_TYPE": "Mortgage"}
    body = _problem(*api.call("POST", "/v1/score", bad), 422)
    assert _fields(body)["NAME_CONTRACT_TYPE"]["allowed"] == ["Cash loans", "Revolving loans"]


def test_missing_required_field(api, applications):
    card = read_card(api.module.state.bundle.directory.joinpath("model_card.json").read_bytes())
    required = card.contract.required
    assert required, "the contract declares required fields"
    bad = {k: v for k, v in applications[0].items() if k != required[0]}
    body = _problem(*api.call("POST", "/v1/score", bad), 422)
    assert _fields(body)[required[0]]["message"] == "required field is missing"


def test_absent_optional_fields_are_missing_values(api, applications):
    card = api.module.state.bundle.card
    required = set(card.contract.required)
    minimal = {k: v for k, v in applications[0].items() if k in required}
    status, body, _ = api.call("POST", "/v1/score", minimal)
    assert status == 200 and 0 < body["probability"] < 1


def test_invalid_json_is_a_422_not_a_500(api):
    body = _problem(*api.call("POST", "/v1/score", raw_body="{not json"), 422)
    assert body["errors"][0]["field"] == "body"


def test_batch_limits(api, applications):
    body = _problem(*api.call("POST", "/v1/score/batch", {"applications": []}), 422)
    assert "applications" in _fields(body)
    too_many = {"applications": [applications[0]] * 1001}
    body = _problem(*api.call("POST", "/v1/score/batch", too_many), 422)
    assert "at most 1000" in _fields(body)["applications"]["message"]
    bad_item = {"applications": [applications[0], applications[1] | {"AMT_CREDIT": -5.0e9}]}
    status, body, _ = api.call("POST", "/v1/score/batch", bad_item)  # refused in its place
    assert status == 200 and (body["scored"], body["refused"]) == (1, 1)
    assert _fields(body["results"][1]["error"])["AMT_CREDIT"]["allowed"] == {
        "min": 0,
        "max": None,
        "min_exclusive": True,
    }


def test_oversized_body_is_refused(make_api, applications):
    api = make_api(MAX_BODY_BYTES="500")
    assert len(json.dumps(applications[0])) > 500
    body = _problem(*api.call("POST", "/v1/score", applications[0]), 413)
    assert "500 bytes" in body["detail"]
    # through Mangum + FastAPI the declared length is refused before the body is read
    event = v2_event("POST", "/v1/score", applications[0], {"x-api-key": API_KEY})
    event["headers"]["content-length"] = "5000"
    out = api.module.asgi(event, LambdaContext())
    assert out["statusCode"] == 413 and out["headers"]["x-request-id"]


@pytest.fixture
def app_log():
    """What the app logs during the test (its own JSON formatter, into a fresh stream)."""
    import logging

    from credit_api.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_missing_bundle_gives_503_and_logs_the_reason(make_api, applications, app_log):
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket="empty", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    api = make_api(upload=False, MODEL_URI="s3://empty/credit")
    body = _problem(*api.call("GET", "/health", key=None), 503)
    assert body["model_loaded"] is False and "current.json" not in body["detail"]
    body = _problem(*api.call("POST", "/v1/score", applications[0]), 503)
    assert body["title"] == "Model unavailable" and "empty" not in json.dumps(body)
    assert "current.json" in app_log.getvalue()  # the cause is in the log


def test_corrupt_bundle_gives_503(make_api, bundle_dir, applications, app_log):
    upload_bundle(bundle_dir, "models", "credit")
    boto3.client("s3", region_name=REGION).put_object(
        Bucket="models", Key="credit/1/model.txt", Body=b"tree\ncorrupted"
    )
    api = make_api(upload=False)
    body = _problem(*api.call("POST", "/v1/explain", applications[0]), 503)
    assert "checksum" not in body["detail"]
    assert "checksum mismatch for model.txt" in app_log.getvalue()


def test_log_write_failure_keeps_the_response_and_the_record(make_api, applications, capsys):
    api = make_api(LOG_URI="s3://no-such-bucket/log")
    import sys

    from credit_api.observability import logger

    for handler in logger.handlers:  # the logger was created under an earlier test's capture
        handler.setStream(sys.stdout)
    capsys.readouterr()
    status, body, _ = api.call("POST", "/v1/score", applications[4])
    assert status == 200 and 0 < body["probability"] < 1
    out = capsys.readouterr().out
    fallback = [json.loads(line) for line in out.splitlines() if '"request_log_fallback"' in line]
    assert len(fallback) == 1
    record = fallback[0]["record"]
    assert record["request_id"] == body["request_id"]
    # the fallback carries the same minimised record: the pseudonym, not the id
    assert record["client_ref"] == client_ref(DEV_KEY, applications[4]["SK_ID_CURR"])
    assert "SK_ID_CURR" not in record["inputs"]
    assert record["probability"] == pytest.approx(body["probability"])
    emf = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    assert any(
        m.get("LogWriteFailures") == [1.0] or m.get("LogWriteFailures") == 1.0 for m in emf
    ), emf
