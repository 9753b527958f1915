"""The request log off the request path (issue 21, finding 6): Firehose through moto, a time
budget and a circuit breaker against a loopback endpoint that never answers, the local server's
queue (never blocking its event loop, flushed at shutdown), fallback records that carry the
record and nothing more."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import boto3
import msgspec
import numpy as np
import pytest

from credit_api import request_log
from credit_api.request_log import Breaker, FirehoseSink, QueuedLog, RequestLog, Write
from credit_core.contracts import DecisionRecord, read_record
from tests.api.blackhole import Blackhole
from tests.api.conftest import API_KEY, REGION

pytestmark = pytest.mark.slow

STREAM = "credit-decisions"
BUCKET = "request-log"


@pytest.fixture
def fallbacks():
    """The ``request_log_fallback`` entries of the structured log written from now on."""
    from credit_api.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)

    def read() -> list[dict]:
        lines = [json.loads(x) for x in stream.getvalue().splitlines() if x.startswith("{")]
        return [x for x in lines if x.get("message") == "request_log_fallback"]

    yield read
    logger.removeHandler(handler)


def _body(request_id: str, n: int, when: datetime | None = None) -> bytes:
    return request_log.lines(
        request_id,
        when or datetime.now(UTC),
        "1",
        [json.dumps({"SK_ID_CURR": 100000 + i, "AMT_CREDIT": 1.5 * i}).encode() for i in range(n)],
        np.arange(2 * n, dtype=float).reshape(n, 2),
        [0.25] * n,
        ["accept"] * n,
        threshold=0.5,
    )


def _delivery_stream(aws, prefix: str = "requests/") -> None:
    aws.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    boto3.client("firehose", region_name=REGION).create_delivery_stream(
        DeliveryStreamName=STREAM,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/credit/log-delivery/firehose",
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "Prefix": prefix,
            "ErrorOutputPrefix": "delivery-errors/",
        },
    )


def _delivered(aws) -> list[bytes]:
    keys = [o["Key"] for o in aws.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return [aws.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys]


def test_scored_applications_reach_s3_through_firehose_one_line_each(aws, make_api, applications):
    """...and the drift job's reader finds them under the day's partition. moto does not
    evaluate the template's ``!{timestamp:...}`` prefix: the stream gets today's evaluated one."""
    from credit_monitoring import logs

    today = datetime.now(UTC)
    _delivery_stream(aws, logs.day_partition("requests", today.date(), firehose=True) + "/")
    api = make_api(LOG_URI=f"firehose://{STREAM}")
    assert isinstance(api.module.log.sink, FirehoseSink)
    status, one, _ = api.call("POST", "/v1/score", applications[0])
    assert status == 200
    status, many, _ = api.call("POST", "/v1/score/batch", {"applications": applications[1:4]})
    assert status == 200
    blobs = _delivered(aws)
    assert len(blobs) == 2  # PutRecord for the one, PutRecordBatch for the three
    assert all(b.endswith(b"\n") for b in blobs)  # concatenated records stay JSON lines
    records = [read_record(line) for blob in blobs for line in blob.splitlines()]
    answered = {(one["request_id"], 0)} | {(many["request_id"], i) for i in range(3)}
    assert sorted((r.request_id, r.item) for r in records) == sorted(answered)
    assert {r.probability for r in records if r.request_id == one["request_id"]} == {
        one["probability"]
    }
    since, until = today - timedelta(hours=1), datetime.now(UTC) + timedelta(seconds=1)
    root = f"s3://{BUCKET}/requests"
    found = [o for p in logs.day_prefixes(root, since, until) for o in logs.list_objects(p)]
    window = logs.collect(logs.read_all(found), "1", len(records[0].features), [], since, until)
    assert (window.rows, window.malformed, window.outside_window) == (4, 0, 0)


def test_a_batch_is_sent_in_calls_of_at_most_500_records_and_4_mib(aws):
    _delivery_stream(aws)
    sink = FirehoseSink(STREAM, timeout=5.0)
    writes = [Write(f"r{i}", datetime.now(UTC), _body(f"r{i}", 3)) for i in range(401)]
    assert sink.put(writes, 5.0) == []
    blobs = _delivered(aws)
    assert sorted(b.count(b"\n") for b in blobs) == [203, 500, 500]
    big = [b"x" * (300 * 1024) + b"\n"] * 30
    sizes = [sum(map(len, c)) for c in request_log.chunks(big)]
    assert max(sizes) <= request_log.MAX_BATCH_BYTES and sum(sizes) == 30 * (300 * 1024 + 1)


class _Flaky:
    """A Firehose client that reports the given records as failed on their first put."""

    def __init__(self, fail_first: set[bytes]) -> None:
        self.fail_first, self.calls, self.kept = set(fail_first), 0, []

    def put_record_batch(self, DeliveryStreamName, Records):
        self.calls += 1
        answers = []
        for r in Records:
            if r["Data"] in self.fail_first:
                self.fail_first.discard(r["Data"])
                answers.append({"ErrorCode": "ServiceUnavailableException"})
            else:
                self.kept.append(r["Data"])
                answers.append({"RecordId": "x"})
        failed = sum("ErrorCode" in a for a in answers)
        return {"FailedPutCount": failed, "RequestResponses": answers}

    def put_record(self, DeliveryStreamName, Record):
        return self.put_record_batch(DeliveryStreamName, [Record])


def test_records_reported_failed_are_retried_once_and_only_them(aws):
    sink = FirehoseSink(STREAM, timeout=1.0)
    body = _body("r", 4)
    lines = body.splitlines(keepends=True)
    sink.client = sink.retry_client = _Flaky({lines[1], lines[3]})
    assert sink.put([Write("r", datetime.now(UTC), body)], 1.0) == []
    assert sink.client.calls == 2 and sorted(sink.client.kept) == sorted(lines)  # none doubled


def test_breaker_opens_after_consecutive_failures_and_half_opens_after_the_cool_down():
    now = [0.0]
    b = Breaker(failures=3, cooldown=10.0, clock=lambda: now[0])
    for _ in range(2):
        assert b.allow()
        b.record(False)
    b.record(True)  # a success resets the count
    for _ in range(3):
        assert b.allow()
        b.record(False)
    assert b.state == "open" and not b.allow()
    now[0] = 10.0
    assert b.state == "half-open"
    assert b.allow() and not b.allow()  # one trial at a time
    b.record(False)  # the trial failed: open for another cool-down
    assert not b.allow()
    now[0] = 20.0
    assert b.allow()
    b.record(True)
    assert b.state == "closed" and b.allow() and b.allow()


@pytest.fixture
def frozen_firehose(monkeypatch):
    """Firehose's endpoint is a loopback socket that accepts and never answers."""
    hole = Blackhole()
    monkeypatch.setenv("AWS_ENDPOINT_URL_FIREHOSE", hole.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield hole
    hole.close()


def test_a_frozen_firehose_costs_one_budget_then_the_circuit_opens(frozen_firehose, fallbacks):
    log = request_log.open_log(f"firehose://{STREAM}", timeout=0.3, failures=2, cooldown=0.8)
    assert isinstance(log, RequestLog)
    times = []
    for i in range(4):
        start = time.monotonic()
        assert log.write(f"req-{i}", datetime.now(UTC), _body(f"req-{i}", 2)) is False
        times.append(time.monotonic() - start)
    assert all(0.15 <= t < 0.8 for t in times[:2]), times  # the budget, then the fallback
    assert all(t < 0.05 for t in times[2:]), times  # open: straight to the fallback
    assert len(frozen_firehose.accepted) == 2  # no connection tried while open
    time.sleep(0.85)
    assert log.breaker.state == "half-open"
    log.write("req-trial", datetime.now(UTC), _body("req-trial", 1))
    assert len(frozen_firehose.accepted) == 3  # one trial went to the endpoint
    assert log.breaker.state == "open"
    got = fallbacks()
    assert [(r["record"]["request_id"], r["record"]["item"]) for r in got] == [
        (f"req-{i}", j) for i in range(4) for j in range(2)
    ] + [("req-trial", 0)]
    assert "timeout" in got[0]["error"].lower() and "circuit open" in got[4]["error"]


def test_a_fallback_record_carries_the_record_and_nothing_more(tmp_path, fallbacks):
    blocked = tmp_path / "log"
    blocked.write_text("a file where the folder should be")  # the destination is unwritable
    log = request_log.open_log(str(blocked))
    body = _body("req-x", 3)
    assert log.write("req-x", datetime.now(UTC), body) is False
    got = fallbacks()
    assert [r["record"] for r in got] == [json.loads(line) for line in body.splitlines()]
    fields = set(DecisionRecord.__struct_fields__)
    for r in got:
        assert set(r["record"]) <= fields
        read_record(msgspec.json.encode(r["record"]))  # still a valid record


class _Hanging:
    """A sink whose put waits until released (the log service frozen)."""

    name = "hanging"

    def __init__(self) -> None:
        self.release, self.written = threading.Event(), []

    def put(self, writes, timeout):
        self.release.wait(30)
        self.written += [r for w in writes for r in w.records()]
        return []


def test_the_queue_falls_back_when_full_and_flushes_everything_at_close(fallbacks):
    sink = _Hanging()
    queued = QueuedLog(RequestLog(sink, 5.0, Breaker(5, 30.0)), capacity=2)
    bodies = [_body(f"q{i}", 1) for i in range(6)]
    accepted = []
    for i, body in enumerate(bodies):
        accepted.append(queued.write(f"q{i}", datetime.now(UTC), body))
        time.sleep(0.05)  # the writer takes the first one and hangs on it
    assert accepted.count(False) >= 1  # past the capacity: no waiting, the fallback
    sink.release.set()
    queued.close()
    fell_back = [r["record"]["request_id"] for r in fallbacks()]
    written = [read_record(r).request_id for r in sink.written]
    assert sorted(written + fell_back) == [f"q{i}" for i in range(6)]  # none lost, none doubled
    assert not queued.thread.is_alive()


def test_the_local_server_keeps_answering_while_the_log_write_hangs(
    frozen_firehose, bundle_dir, applications, tmp_path, fallbacks
):
    import uvicorn

    from credit_api.runtime import Runtime
    from credit_api.settings import Settings
    from tests.api.test_serve import _free_port

    settings = Settings.from_env(
        {
            "MODEL_URI": str(bundle_dir),
            "LOG_URI": f"firehose://{STREAM}",
            "LOG_TIMEOUT_SECONDS": "8",  # each write hangs 8 s
            "CREDIT_API_KEY": API_KEY,
            "BUNDLE_CACHE_DIR": str(tmp_path / "cache"),
        }
    )
    runtime = Runtime(settings, log_queue=100)  # as credit serve builds it
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(runtime.app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        body = json.dumps(applications[0]).encode()
        headers = {"content-type": "application/json", "x-api-key": API_KEY}
        ids, start = [], time.monotonic()
        for _ in range(10):
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/score", body, headers)
            with urllib.request.urlopen(req, timeout=4) as r:
                ids.append(json.load(r)["request_id"])
        elapsed = time.monotonic() - start
        deadline = time.monotonic() + 5  # the writer gathers a batch (50 ms) before it connects
        while not frozen_firehose.accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert frozen_firehose.accepted  # the writer is stuck on the endpoint meanwhile
        assert fallbacks() == [], "an answer waited for the hung write"
        assert elapsed < 6.0, elapsed  # ten answers inside one hung write
    finally:
        server.should_exit = True
        thread.join(10)
        runtime.log.close(timeout=30)  # what the hung writer cannot deliver falls back
    assert sorted(r["record"]["request_id"] for r in fallbacks()) == sorted(ids)


def test_credit_serve_flushes_the_queue_in_the_lifespan_shutdown(tmp_path):
    """uvicorn re-raises SIGTERM after its graceful shutdown: code after ``uvicorn.run`` never
    runs, so the flush belongs to the app's lifespan (the bench lost 3,675 records without it)."""
    from fastapi.testclient import TestClient

    from credit_api.cli import flush_at_shutdown
    from credit_api.runtime import Runtime
    from credit_api.settings import Settings

    settings = Settings.from_env(
        {
            "MODEL_URI": str(tmp_path / "no-bundle"),
            "LOG_URI": str(tmp_path / "log"),
            "CREDIT_API_KEY": API_KEY,
            "BUNDLE_CACHE_DIR": str(tmp_path / "cache"),
        }
    )
    runtime = Runtime(settings, log_queue=100)
    sink = _Hanging()  # the writer holds its first batch until released
    runtime.log.log.sink = sink
    flush_at_shutdown(runtime)
    with TestClient(runtime.app):
        for i in range(20):
            assert runtime.log.write(f"s{i}", datetime.now(UTC), _body(f"s{i}", 1))
        sink.release.set()
    assert not runtime.log.thread.is_alive()
    assert sorted(read_record(r).request_id for r in sink.written) == sorted(
        f"s{i}" for i in range(20)
    )
