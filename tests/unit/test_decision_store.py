"""The decision store on both backends (SQLite file, DynamoDB on moto): append-only writes,
chunked records, reviews in order, idempotency claims, expiry and a store that is down."""

from __future__ import annotations

import os
import time

import boto3
import msgspec
import pytest

from credit_core import decision_store as ds
from credit_core.contracts import Caller, DecisionRecord, Review, encode_lines
from tests.conftest import REGION

TABLE = "credit-scoring-decisions"


@pytest.fixture
def dynamodb(monkeypatch):
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
        yield


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path) -> ds.DecisionStore:
    if request.param == "sqlite":
        return ds.open_store(f"sqlite:///{tmp_path}/decisions.sqlite")
    request.getfixturevalue("dynamodb")
    return ds.open_store(f"dynamodb://{TABLE}")


def record(i: int, decision: str = "refuse") -> DecisionRecord:
    return DecisionRecord(
        request_id="req-1",
        item=i,
        timestamp="2026-12-06T05:00:00.000+00:00",
        model_version="3",
        inputs=msgspec.Raw(b'{"SK_ID_CURR": %d}' % (100000 + i)),
        features=[float(i), None, 0.5],
        probability=0.4,
        decision=decision,
        threshold=0.3,
        bundle_sha256="a" * 64,
    )


def review(n: int, outcome: str = "override") -> Review:
    return Review(
        review_id=f"r{n}",
        request_id="req-1",
        item=0,
        outcome=outcome,
        reason_code="documents_verified",
        note=f"note {n}",
        reviewed_decision="refuse",
        final_decision="accept",
        caller=Caller(kind="machine", subject="key-1"),
        reviewed_at=f"2026-12-06T05:0{n}:00.000+00:00",
    )


def test_an_item_is_never_replaced(store):
    assert store.put_new("p", "s", b"first", ds.expiry(1))
    assert not store.put_new("p", "s", b"second", ds.expiry(1))
    assert store.query("p") == [("s", b"first")]


def test_records_round_trip_and_are_written_once(store):
    lines = encode_lines([record(0), record(1, "accept")])
    assert ds.put_decisions(store, "req-1", lines, 30)
    assert not ds.put_decisions(store, "req-1", encode_lines([record(0, "accept")]), 30)
    records, reviews = ds.read_decision(store, "req-1")
    assert [r.decision for r in records] == ["refuse", "accept"]
    assert records[1].features == [1.0, None, 0.5] and reviews == []
    assert ds.read_decision(store, "unknown") == ([], [])


def test_a_large_batch_is_cut_into_chunks_under_the_item_limit(store, monkeypatch):
    monkeypatch.setattr(ds, "CHUNK_BYTES", 200)
    lines = encode_lines([record(i) for i in range(40)])
    ds.put_decisions(store, "req-1", lines, 30)
    items = store.query("req#req-1")
    assert len(items) > 2 and all(len(v) <= 200 for _, v in items)
    assert [r.item for r in ds.read_decision(store, "req-1")[0]] == list(range(40))


def test_reviews_are_appended_in_time_order(store):
    ds.put_decisions(store, "req-1", encode_lines([record(0)]), 30)
    for n in (2, 1, 3):
        ds.put_review(store, review(n), 30)
    _, reviews = ds.read_decision(store, "req-1")
    assert [r.review_id for r in reviews] == ["r1", "r2", "r3"]


def test_idempotency_claims_and_replies(store):
    pk = ds.idempotency_pk("machine::key-1", "order-42")
    assert pk != ds.idempotency_pk("machine::key-2", "order-42")  # keys are per caller
    assert ds.key_state(store, pk) == ds.KeyState()
    claim = ds.Claim("req-1", "f" * 64, time.time())
    assert ds.put_claim(store, pk, 0, claim, 3600)
    assert not ds.put_claim(store, pk, 0, ds.Claim("req-2", "f" * 64, time.time()), 3600)
    state = ds.key_state(store, pk)
    assert state.claim == claim and state.number == 0 and state.reply is None
    ds.put_reply(store, pk, 0, ds.StoredReply(200, "application/json", b'{"a":1}'), 3600)
    assert ds.key_state(store, pk).reply == ds.StoredReply(200, "application/json", b'{"a":1}')


def test_expired_items_are_not_read(store):
    store.put_new("p", "old", b"x", int(time.time()) - 1)
    store.put_new("p", "new", b"y", ds.expiry(1))
    assert store.query("p") == [("new", b"y")]


def test_a_store_that_is_down_raises_never_answers_empty(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "decisions.sqlite").mkdir()  # a folder where the file should be
    with pytest.raises(ds.DecisionStoreUnavailable):
        ds.open_store(f"sqlite:///{folder}/decisions.sqlite").query("p")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    start = time.monotonic()
    with pytest.raises(ds.DecisionStoreUnavailable):
        ds.open_store("dynamodb://t").put_new("p", "s", b"x", ds.expiry(1))
    assert time.monotonic() - start < 5.0  # bounded: 2 attempts of 0.5 s connect + 1 s read
    assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"]


@pytest.mark.parametrize(
    "uri", ["sqlite://", "sqlite:///", "dynamodb://", "dynamodb://a/b", "s3://bucket", "x"]
)
def test_bad_uris_are_refused(uri):
    with pytest.raises(ds.DecisionStoreUriError):
        ds.parse_uri(uri)
