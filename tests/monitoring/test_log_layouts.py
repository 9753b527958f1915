"""The drift job reads both request-log layouts: the writers' ``dt=YYYY-MM-DD`` objects and
Amazon Data Firehose's ``year=/month=/day=`` deliveries (records of many calls concatenated,
partitioned by arrival time, so a record can land in the next day's partition)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from credit_core import storage
from credit_core.contracts import DecisionRecord, encode_lines
from credit_core.schema import Column
from credit_monitoring import logs

COLUMNS = [Column("AMT_CREDIT", "float64", True)]
SINCE = datetime(2026, 11, 20, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=1)


def _lines(request_id: str, when: datetime, n: int) -> bytes:
    return encode_lines(
        [
            DecisionRecord(
                request_id=request_id,
                item=i,
                timestamp=when.isoformat(timespec="milliseconds"),
                model_version="v1",
                inputs=msgspec.Raw(msgspec.json.encode({"AMT_CREDIT": 1000.0 * (i + 1)})),
                features=[0.0],
                probability=0.2,
                decision="accept",
            )
            for i in range(n)
        ]
    )


def test_the_window_lists_both_layouts_and_firehose_late_arrivals():
    prefixes = logs.day_prefixes("s3://b/requests", SINCE, UNTIL)
    assert prefixes == [
        "s3://b/requests/dt=2026-11-20",
        "s3://b/requests/year=2026/month=11/day=20",
        "s3://b/requests/year=2026/month=11/day=21",  # arrived up to 15 min after midnight
    ]
    assert logs.day_prefixes("s3://b/r", SINCE, SINCE + timedelta(hours=12))[-1].endswith("day=20")


def _write_both_layouts(root: str) -> None:
    # the S3/folder writer: one object per call
    storage.write_bytes(
        storage.join(root, "dt=2026-11-20", "120000-a.jsonl"),
        _lines("a", SINCE.replace(hour=12), 2),
    )
    # Firehose: one object holds the records of several calls, named by the stream
    delivered = _lines("b", SINCE.replace(hour=13), 3) + _lines("c", SINCE.replace(hour=13), 1)
    day = logs.day_partition(root, SINCE.date(), firehose=True)
    storage.write_bytes(
        storage.join(day, "credit-decisions-1-2026-11-20-13-05-00-0f1e.jsonl"), delivered
    )
    # decided at 23:58, delivered after midnight: in the next day's partition
    late = logs.day_partition(root, UNTIL.date(), firehose=True)
    storage.write_bytes(
        storage.join(late, "credit-decisions-1-2026-11-21-00-03-00-9a8b.jsonl"),
        _lines("d", UNTIL - timedelta(minutes=2), 1) + _lines("e", UNTIL + timedelta(minutes=1), 1),
    )


def _window(root: str) -> logs.Window:
    found = [o for p in logs.day_prefixes(root, SINCE, UNTIL) for o in logs.list_objects(p)]
    return logs.collect(logs.read_all(found), "v1", 1, COLUMNS, SINCE, UNTIL)


def test_the_drift_window_reads_firehose_deliveries_on_s3(aws):
    aws.create_bucket(Bucket="log", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    _write_both_layouts("s3://log/requests")
    aws.put_object(Bucket="log", Key="delivery-errors/x", Body=b"not a record")  # outside the root
    window = _window("s3://log/requests")
    assert (window.rows, window.malformed, window.outside_window) == (7, 0, 1)
    assert sorted(window.column("AMT_CREDIT")) == [1000.0] * 4 + [2000.0] * 2 + [3000.0]
    days = [d.isoformat() for d, _ in logs.partitions("s3://log/requests")]
    assert days == ["2026-11-20", "2026-11-20", "2026-11-21"]


def test_the_drift_window_reads_firehose_layout_in_a_folder(tmp_path):
    root = str(tmp_path / "requests")
    _write_both_layouts(root)
    window = _window(root)
    assert (window.rows, window.outside_window) == (7, 1)
    assert len(logs.partitions(root)) == 3
