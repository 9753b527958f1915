"""Decision records in the decision store, idempotency keys, and the review routes, through
the real Lambda handler (API Gateway events) with a SQLite decision store."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from credit_api import idempotency
from credit_api.auth import key_hash
from credit_api.call import Call
from credit_api.decisions import idempotency_scope
from credit_api.identity import caller_of
from credit_core import decision_store as ds
from tests.api.conftest import API_KEY


@pytest.fixture
def api(make_api, tmp_path):
    return make_api(DECISIONS_URI=f"sqlite:///{tmp_path}/decisions.sqlite")


def _refused(api, applications) -> tuple[dict, str]:
    """The first application the model refuses, and its request id."""
    for app in applications:
        status, body, headers = api.call("POST", "/v1/score", app)
        assert status == 200
        if body["decision"] == "refuse":
            return app, headers["x-request-id"]
    pytest.fail("the tiny model refuses none of the 50 applications: nothing to check")


def test_a_scored_request_is_recorded_with_its_reasons(api, applications):
    app, rid = _refused(api, applications)
    status, view, _ = api.call("GET", f"/v1/decisions/{rid}")
    assert status == 200 and view["request_id"] == rid and view["reviews"] == []
    (record,) = view["decisions"]
    assert record["decision"] == "refuse" and record["bundle_sha256"]
    assert record["threshold"] <= record["probability"]
    reasons = record["reasons"]
    assert 1 <= len(reasons) <= 4
    assert all(r["contribution"] > 0 and "raises the risk" in r["text"] for r in reasons)
    assert [r["contribution"] for r in reasons] == sorted(
        (r["contribution"] for r in reasons), reverse=True
    )
    assert "SK_ID_CURR" not in record["inputs"] and record["caller"]["kind"] == "machine"
    assert app["SK_ID_CURR"]


def test_an_accepted_application_is_recorded_without_reasons(api, applications):
    for app in applications:
        _, body, headers = api.call("POST", "/v1/score", app)
        if body["decision"] == "accept":
            _, view, _ = api.call("GET", f"/v1/decisions/{headers['x-request-id']}")
            assert view["decisions"][0]["reasons"] == []
            return
    pytest.fail("no accepted application: nothing to check")


def test_a_retry_with_the_same_key_gets_the_first_answer(api, applications):
    key = {"Idempotency-Key": "order-42"}
    first = api.call("POST", "/v1/score", applications[0], headers=key)
    again = api.call("POST", "/v1/score", applications[0], headers=key)
    assert first[0] == again[0] == 200
    assert again[1] == first[1]  # same body, the first request's id in it
    assert again[2]["x-request-id"] == first[2]["x-request-id"] == first[1]["request_id"]
    assert again[2]["idempotent-replayed"] == "true"
    status, view, _ = api.call("GET", f"/v1/decisions/{first[1]['request_id']}")
    assert status == 200 and view["decisions"][0]["idempotency_key"] == "order-42"
    # one decision only: the retry's own request id recorded nothing
    assert len(list(Path(api.module.settings.log_uri).rglob("*.jsonl"))) == 1


def test_a_batch_retry_is_replayed_too(api, applications):
    body = {"applications": applications[:5]}
    key = {"Idempotency-Key": "batch-7"}
    first = api.call("POST", "/v1/score/batch", body, headers=key)
    again = api.call("POST", "/v1/score/batch", body, headers=key)
    assert first[1] == again[1] and again[2]["idempotent-replayed"] == "true"


def test_the_same_key_with_another_body_is_refused(api, applications):
    key = {"Idempotency-Key": "order-43"}
    assert api.call("POST", "/v1/score", applications[0], headers=key)[0] == 200
    status, problem, headers = api.call("POST", "/v1/score", applications[1], headers=key)
    assert status == 422 and headers["content-type"] == "application/problem+json"
    assert problem["errors"][0]["field"] == "Idempotency-Key"


def test_keys_are_scoped_to_the_caller(make_api, tmp_path, applications):
    uri = f"sqlite:///{tmp_path}/decisions.sqlite"
    one = make_api(DECISIONS_URI=uri)
    other = make_api(upload=False, DECISIONS_URI=uri, CREDIT_API_KEY="another-key-0123456789")
    key = {"Idempotency-Key": "same"}
    a = one.call("POST", "/v1/score", applications[0], headers=key)
    b = other.call("POST", "/v1/score", applications[1], key="another-key-0123456789", headers=key)
    assert a[0] == b[0] == 200 and a[1]["request_id"] != b[1]["request_id"]


@pytest.mark.parametrize("value", ["", " ", "x" * 256, "clé"])
def test_a_malformed_key_is_a_400_naming_the_header(api, applications, value):
    status, problem, _ = api.call(
        "POST", "/v1/score", applications[0], headers={"Idempotency-Key": value}
    )
    assert status == 400 and problem["errors"][0]["field"] == "Idempotency-Key"


def test_a_key_in_flight_is_a_409_and_a_dead_claim_is_taken_over(api, applications, monkeypatch):
    store = ds.open_store(api.module.settings.decisions_uri)
    caller = caller_of(Call("x", API_KEY), key_hash(API_KEY))
    scope = idempotency_scope(caller)  # the scope the API uses
    pk = ds.idempotency_pk(scope, "in-flight")
    body = json.dumps(applications[0]).encode()
    fp = idempotency.fingerprint("score", body)
    ds.put_claim(store, pk, 0, ds.Claim("req-dead", fp, time.time()), 3600)
    status, _, headers = api.call(
        "POST", "/v1/score", raw_body=body.decode(), headers={"Idempotency-Key": "in-flight"}
    )
    assert status == 409 and headers["Retry-After"] == "1"
    monkeypatch.setattr(idempotency, "LEASE_SECONDS", 0.0)
    status, answer, _ = api.call(
        "POST", "/v1/score", raw_body=body.decode(), headers={"Idempotency-Key": "in-flight"}
    )
    assert status == 200 and answer["request_id"] != "req-dead"
    assert ds.key_state(store, pk).number == 1


def test_with_the_store_down_a_keyed_request_is_refused_unscored(make_api, tmp_path, applications):
    folder = tmp_path / "down.sqlite"
    folder.mkdir()  # a folder where the store's file should be: every call fails
    api = make_api(DECISIONS_URI=f"sqlite:///{folder}")
    status, problem, headers = api.call(
        "POST", "/v1/score", applications[0], headers={"Idempotency-Key": "k"}
    )
    assert status == 503 and headers["Retry-After"] == "1"
    assert "nothing was scored" in problem["detail"]
    assert not list((tmp_path / "log").rglob("*.jsonl"))
    # without a key the decision is served (the request log keeps it)
    status, body, _ = api.call("POST", "/v1/score", applications[0])
    assert status == 200 and list((tmp_path / "log").rglob("*.jsonl"))
    assert api.call("GET", f"/v1/decisions/{body['request_id']}")[0] == 503


def test_without_a_store_keys_and_reviews_answer_503(make_api, applications):
    api = make_api()
    status, _, _ = api.call("POST", "/v1/score", applications[0], headers={"Idempotency-Key": "k"})
    assert status == 503
    assert api.call("GET", "/v1/decisions/abc")[0] == 503


def test_review_confirm_then_override_is_two_records(api, applications):
    _, rid = _refused(api, applications)
    confirm = {"outcome": "confirm", "reason_code": "model_consistent", "note": "checked"}
    status, first, _ = api.call("POST", f"/v1/decisions/{rid}/review", confirm)
    assert status == 201
    assert first["reviewed_decision"] == first["final_decision"] == "refuse"
    assert first["caller"]["kind"] == "machine" and API_KEY not in str(first["caller"])
    override = {"outcome": "override", "reason_code": "documents_verified", "note": "payslips"}
    status, second, _ = api.call("POST", f"/v1/decisions/{rid}/review", override)
    assert status == 201 and second["final_decision"] == "accept"
    status, view, _ = api.call("GET", f"/v1/decisions/{rid}")
    assert [r["review_id"] for r in view["reviews"]] == [first["review_id"], second["review_id"]]
    assert view["decisions"][0]["decision"] == "refuse"  # the model's decision is kept as is
    # a third review starts from the decision standing after the second
    back = {"outcome": "override", "reason_code": "other", "note": "manager disagreed"}
    status, third, _ = api.call("POST", f"/v1/decisions/{rid}/review", back)
    assert third["reviewed_decision"] == "accept" and third["final_decision"] == "refuse"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "approve", "reason_code": "other", "note": "x"}, "outcome"),
        ({"outcome": "override", "reason_code": "because"}, "reason_code"),
        ({"outcome": "confirm", "reason_code": "data_error"}, "reason_code"),
        ({"outcome": "override", "reason_code": "other", "note": "  "}, "note"),
        ({"outcome": "override", "reason_code": "other", "note": "x" * 1001}, "note"),
        ({"outcome": "confirm", "reason_code": "model_consistent", "item": 3}, "item"),
        ({"outcome": "confirm", "reason_code": "model_consistent", "extra": 1}, "extra"),
        ({"reason_code": "model_consistent"}, "outcome"),
    ],
)
def test_a_bad_review_is_a_422_naming_the_field(api, applications, body, field):
    _, rid = _refused(api, applications)
    status, problem, headers = api.call("POST", f"/v1/decisions/{rid}/review", body)
    assert status == 422 and headers["content-type"] == "application/problem+json"
    assert problem["errors"][0]["field"] == field


def test_unknown_decisions_and_bad_ids(api):
    assert api.call("GET", "/v1/decisions/nope")[0] == 404
    body = {"outcome": "confirm", "reason_code": "model_consistent"}
    assert api.call("POST", "/v1/decisions/nope/review", body)[0] == 404
    assert api.call("GET", "/v1/decisions/a..b%2F")[0] in (404, 422)
    assert api.call("GET", "/v1/decisions/nope", key=None)[0] == 401
    assert api.call("POST", "/v1/decisions/nope/review", body, key="wrong")[0] == 401
