"""Every scored application becomes one JSON line, a :class:`credit_core.contracts.DecisionRecord`,
written by a sink chosen by ``LOG_URI``, off the request path as far as the transport allows.

Record: request id, item index, timestamp, model version, the inputs as received, the features
the model saw (a list, named by the bundle's card), probability, decision, the warnings the
response carried, the threshold and the bundle's sha256 (and the v3 fields their owners fill).
``item`` is the application's position in the request; refused batch items are not logged.
The client is identified by ``client_ref``, a keyed HMAC of SK_ID_CURR; the id itself is removed
from the logged inputs (:mod:`credit_api.client_ref`); no name or contact detail exists in them.

Sinks (one interface, :class:`Sink`), by ``LOG_URI``:

* ``firehose://STREAM``: Amazon Data Firehose, one Firehose record per line (each ends with a
  newline, so the objects Firehose concatenates stay JSON lines), ``PutRecord`` for one line,
  ``PutRecordBatch`` (<= 500 records, <= 4 MiB a call) for more; records a response reports as
  failed are retried once. Firehose delivers them to S3 under date partitions (template.yaml).
* a folder (the local default) or ``s3://bucket/prefix``: one object per request or batch,
  ``{LOG_URI}/dt=YYYY-MM-DD/{HHMMSS}-{request_id}.jsonl``.

:class:`RequestLog` bounds each write in time (``LOG_TIMEOUT_SECONDS``, 0.3 s, and never past
the Lambda invocation's :mod:`~credit_api.deadline`) and stops trying a failing sink for a
cool-down (:class:`Breaker`). Whatever is not written goes, record by record and unchanged (the
same content as the record, nothing more), to the structured log as ``request_log_fallback``;
the LogWriteFailures metric counts the writes that fell back. :class:`QueuedLog` (``credit
serve``) hands the writes to one thread through a bounded queue so the event loop never waits
on the sink; a full queue falls back at once, and :meth:`QueuedLog.close` flushes at shutdown.
Clients are built when the log is opened (the Lambda's init), never inside a write's budget.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, cast

import msgspec
import numpy as np
import orjson
from aws_lambda_powertools.metrics import MetricUnit

from credit_api import deadline
from credit_api.observability import logger, metrics
from credit_core import storage
from credit_core.contracts import (
    Caller,
    DecisionRecord,
    HistoryUse,
    Reason,
    ScoreWarning,
    encode_lines,
)
from credit_core.contracts.decision import Decision


def lines(
    request_id: str,
    when: datetime,
    model_version: str,
    inputs: Sequence[bytes],
    features: np.ndarray,
    probabilities: Sequence[float],
    decisions: Sequence[Decision],
    warnings: Sequence[list[ScoreWarning]] | None = None,
    items: Sequence[int] | None = None,
    threshold: float | None = None,
    bundle_sha256: str | None = None,
    history: Sequence[HistoryUse] | None = None,
    *,
    caller: Caller | None = None,
    client_refs: Sequence[str | None] | None = None,
    reasons: Sequence[list[Reason]] | None = None,
    idempotency_key: str | None = None,
) -> bytes:
    """One :class:`~credit_core.contracts.DecisionRecord` JSON line per application.
    ``inputs`` is the application's JSON as received (already validated, so it is kept as raw
    JSON); ``features`` is the row the model saw, in the order of the bundle's
    ``features.names`` for ``model_version`` (NaN -> null), the history features used
    included; ``history`` says per row whether the client's history was found (a with-history
    model only); ``caller``: who asked; ``client_refs``: each client's pseudonym (the caller
    removed the id from ``inputs``)."""
    stamp = when.isoformat(timespec="milliseconds")
    return encode_lines(
        [
            DecisionRecord(
                request_id=request_id,
                item=items[i] if items else i,
                timestamp=stamp,
                model_version=model_version,
                inputs=msgspec.Raw(inputs[i]),
                features=_row(features[i]),
                probability=probabilities[i],
                decision=decisions[i],
                warnings=warnings[i] if warnings else [],
                threshold=threshold,
                bundle_sha256=bundle_sha256,
                caller=caller,
                history=history[i] if history else None,
                client_ref=client_refs[i] if client_refs else None,
                reasons=reasons[i] if reasons else [],
                idempotency_key=idempotency_key,
            )
            for i in range(len(inputs))
        ]
    )


def _row(row: np.ndarray) -> list[float | None]:
    """The row as the contract's JSON array, written by orjson's NumPy path (NaN -> null):
    pre-encoded, it skips a list of Python floats, the costliest part of the line."""
    return cast(list[float | None], msgspec.Raw(orjson.dumps(row, option=_NUMPY)))


_NUMPY = orjson.OPT_SERIALIZE_NUMPY

_SAFE_ID = re.compile(r"[A-Za-z0-9_=+.:-]{1,128}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_=+.:-]")


def key_for(log_uri: str, request_id: str, when: datetime) -> str:
    """The object key (or file path) of one request's lines, always directly under its day's
    partition: characters a path could use (``/``, ``\\``, NUL...) never reach it."""
    if not _SAFE_ID.fullmatch(request_id):
        request_id = _UNSAFE.sub("_", request_id)[:128] or "_"
    # fields instead of strftime, a quarter of this function's time
    day = f"dt={when.year:04d}-{when.month:02d}-{when.day:02d}"
    return storage.join(
        log_uri, day, f"{when.hour:02d}{when.minute:02d}{when.second:02d}-{request_id}.jsonl"
    )


# ---------------------------------------------------------------- sinks

FIREHOSE = "firehose://"
MAX_BATCH_RECORDS = 500  # PutRecordBatch's limits
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1000 * 1024  # one Firehose record (a line is a few KB)
_STREAM = re.compile(r"[a-zA-Z0-9_.-]{1,64}")


def check_log_uri(uri: str) -> str:
    """``uri`` if it names a sink (``firehose://STREAM``, ``s3://bucket/prefix`` or a folder),
    else ValueError saying what is accepted."""
    if uri.startswith(FIREHOSE):
        if not _STREAM.fullmatch(uri[len(FIREHOSE) :]):
            raise ValueError(f"{uri!r}: a Firehose stream name is 1-64 of [a-zA-Z0-9_.-]")
        return uri
    try:
        return storage.check_uri(uri)
    except ValueError as exc:
        raise ValueError(f"{exc}, or firehose://STREAM") from None


@dataclass(frozen=True, slots=True)
class Write:
    """One request's lines (each ends with a newline), as :func:`lines` encodes them."""

    request_id: str
    when: datetime
    body: bytes

    def records(self) -> list[bytes]:
        return self.body.splitlines(keepends=True)


class Sink(Protocol):
    """Where the records go. ``put`` writes the writes within ``timeout`` seconds and returns
    the record lines it could not write (raising means none was written)."""

    name: str

    def put(self, writes: Sequence[Write], timeout: float) -> list[bytes]: ...


class FolderSink:
    """One file per write under ``root``'s day partitions (local, no time bound needed)."""

    name = "folder"

    def __init__(self, root: str) -> None:
        self.root = root

    def put(self, writes: Sequence[Write], timeout: float) -> list[bytes]:
        failed: list[bytes] = []
        for w in writes:
            try:
                path = key_for(self.root, w.request_id, w.when)
                storage.write_bytes(path, w.body, "application/x-ndjson", atomic=False)
            except OSError:
                if len(writes) == 1:
                    raise
                failed += w.records()
        return failed


def _client(service: str, timeout: float) -> Any:
    """A boto3 client whose one attempt (connect, then read) fits in ``timeout`` seconds; no
    botocore retries (a retry is ours to decide). ``AWS_ENDPOINT_URL_<SERVICE>`` applies."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout / 3,
        read_timeout=timeout * 2 / 3,
        retries={"mode": "standard", "total_max_attempts": 1},
        tcp_keepalive=True,
    )
    return boto3.client(service, config=config)


class S3Sink:
    """One object per write under ``s3://bucket/prefix``'s day partitions."""

    name = "s3"

    def __init__(self, uri: str, timeout: float) -> None:
        self.uri = uri
        self.client = _client("s3", timeout)

    def put(self, writes: Sequence[Write], timeout: float) -> list[bytes]:
        failed: list[bytes] = []
        end = time.monotonic() + timeout
        for i, w in enumerate(writes):
            if time.monotonic() >= end:  # out of time: the rest falls back
                failed += [r for rest in writes[i:] for r in rest.records()]
                break
            bucket, key = storage.split_s3(key_for(self.uri, w.request_id, w.when))
            try:
                self.client.put_object(
                    Bucket=bucket, Key=key, Body=w.body, ContentType="application/x-ndjson"
                )
            except Exception:
                if len(writes) == 1:
                    raise
                failed += w.records()
        return failed


def chunks(records: Sequence[bytes]) -> Iterator[list[bytes]]:
    """``records`` in PutRecordBatch-sized chunks: <= 500 records and <= 4 MiB each."""
    chunk: list[bytes] = []
    size = 0
    for r in records:
        if chunk and (len(chunk) == MAX_BATCH_RECORDS or size + len(r) > MAX_BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(r)
        size += len(r)
    if chunk:
        yield chunk


class FirehoseSink:
    """Records to an Amazon Data Firehose stream: one record per line, batched per call; the
    records a response reports as failed (or a whole call that raised) are retried once, with
    half the budget, if that half is still left."""

    name = "firehose"

    def __init__(self, stream: str, timeout: float) -> None:
        self.stream = stream
        self.last_error = ""
        self.client = _client("firehose", timeout)
        self.retry_client = _client("firehose", timeout / 2)

    def put(self, writes: Sequence[Write], timeout: float) -> list[bytes]:
        start = time.monotonic()
        self.last_error = ""
        records = [r for w in writes for r in w.records()]
        too_big = [r for r in records if len(r) > MAX_RECORD_BYTES]
        if too_big:
            self.last_error = f"{len(too_big)} records over {MAX_RECORD_BYTES} bytes"
            records = [r for r in records if len(r) <= MAX_RECORD_BYTES]
        failed = self._send(self.client, records, start + timeout)
        if failed and time.monotonic() - start <= timeout / 2:
            failed = self._send(self.retry_client, failed, start + timeout)
        return too_big + failed

    def _send(self, client: Any, records: list[bytes], end: float) -> list[bytes]:
        failed: list[bytes] = []
        for chunk in chunks(records):
            if time.monotonic() >= end:
                self.last_error = "time budget spent"
                failed += chunk
                continue
            try:
                if len(chunk) == 1:
                    client.put_record(DeliveryStreamName=self.stream, Record={"Data": chunk[0]})
                    continue
                out = client.put_record_batch(
                    DeliveryStreamName=self.stream, Records=[{"Data": r} for r in chunk]
                )
            except Exception as exc:  # timeout, throttling, no such stream: the chunk failed
                self.last_error = str(exc)
                failed += chunk
                continue
            if out.get("FailedPutCount"):
                answers = out["RequestResponses"]
                bad = [r for r, a in zip(chunk, answers, strict=True) if a.get("ErrorCode")]
                self.last_error = next(a["ErrorCode"] for a in answers if a.get("ErrorCode"))
                failed += bad
        return failed


# ---------------------------------------------------------------- time budget, breaker, fallback

MIN_WRITE_SECONDS = 0.05  # less left than this: no attempt, straight to the fallback


class Breaker:
    """A circuit breaker: closed (every write tries the sink); open after ``failures``
    consecutive failed writes (none tries, each falls back at once); after ``cooldown``
    seconds half-open (one write tries: success closes it, failure opens it again).
    Thread-safe."""

    def __init__(
        self, failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failures, self.cooldown, self.clock = failures, cooldown, clock
        self.consecutive = 0
        self.opened_at: float | None = None
        self.trial = False  # a half-open trial is under way
        self._lock = threading.Lock()

    @property
    def state(self) -> Literal["closed", "open", "half-open"]:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.cooldown else "open"

    def allow(self) -> bool:
        with self._lock:
            if self.opened_at is None:
                return True
            if self.trial or self.clock() - self.opened_at < self.cooldown:
                return False
            self.trial = True
            return True

    def record(self, ok: bool) -> None:
        with self._lock:
            self.trial = False
            if ok:
                self.consecutive, self.opened_at = 0, None
                return
            self.consecutive += 1
            if self.opened_at is not None or self.consecutive >= self.failures:
                self.opened_at = self.clock()  # (re)opened: a new cool-down starts


def fallback(records: Sequence[bytes], error: str) -> None:
    """Each record to the structured log, as it is (``record``: the line's JSON, no more), with
    why; one LogWriteFailures count for the write."""
    metrics.add_metric(name="LogWriteFailures", unit=MetricUnit.Count, value=1)
    for line in records:
        logger.error("request_log_fallback", extra={"record": orjson.loads(line), "error": error})


class RequestLog:
    """Writes through a sink within a time budget, behind a breaker; the rest falls back."""

    def __init__(self, sink: Sink, timeout: float, breaker: Breaker) -> None:
        self.sink, self.timeout, self.breaker = sink, timeout, breaker

    def write(self, request_id: str, when: datetime, body: bytes) -> bool:
        """One request's lines; True if all were written, False if any fell back."""
        return self.write_many([Write(request_id, when, body)]) == 0

    def write_many(self, writes: Sequence[Write]) -> int:
        """Several requests' lines in as few calls as the sink allows; the number of records
        that fell back."""
        timeout = min(self.timeout, deadline.budget())
        if not self.breaker.allow():
            failed, error = _all(writes), f"{self.sink.name} circuit open"
        elif timeout < MIN_WRITE_SECONDS:
            failed, error = _all(writes), f"{timeout:.2f} s left for the request-log write"
        else:
            try:
                failed = self.sink.put(writes, timeout)
                why = getattr(self.sink, "last_error", "")
                error = f"{self.sink.name}: {len(failed)} records not written ({why})"
            except Exception as exc:  # any sink failure: the scored applications must not be lost
                failed, error = _all(writes), f"{self.sink.name}: {exc}"
            self.breaker.record(not failed)
        if failed:
            fallback(failed, error)
        return len(failed)

    def close(self, timeout: float = 0.0) -> None:
        """Nothing is held back: every write returned once written or fallen back."""


def _all(writes: Sequence[Write]) -> list[bytes]:
    return [r for w in writes for r in w.records()]


LINGER_SECONDS = 0.05  # the writer waits this long for more writes to send in one call


class QueuedLog:
    """A :class:`RequestLog` behind a bounded queue and one writer thread (``credit serve``):
    ``write`` never waits on the sink. A full queue falls back at once; the thread writes what
    has queued up within ``linger`` seconds in one call (one PutRecordBatch rather than one call
    per request: the client's CPU time is taken from the event loop). :meth:`close` flushes at
    shutdown: what the thread cannot write in time falls back, so none is lost. A killed
    process (SIGKILL) loses what is still queued: at most ``capacity`` writes."""

    def __init__(
        self,
        log: RequestLog,
        capacity: int,
        batch: int = MAX_BATCH_RECORDS,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self.log, self.batch, self.linger = log, batch, linger
        self.queue: queue.Queue[Write | None] = queue.Queue(capacity)
        self._abandon = False  # set by close(): stop after the batch in hand
        self.thread = threading.Thread(target=self._run, name="request-log", daemon=True)
        self.thread.start()

    def write(self, request_id: str, when: datetime, body: bytes) -> bool:
        w = Write(request_id, when, body)
        try:
            self.queue.put_nowait(w)
        except queue.Full:
            fallback(w.records(), "request-log queue full")
            return False
        return True

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            writes = [item] if item is not None else []
            until = time.monotonic() + self.linger
            while item is not None and len(writes) < self.batch:
                try:
                    item = self.queue.get(timeout=max(0.0, until - time.monotonic()))
                except queue.Empty:
                    break
                if item is not None:
                    writes.append(item)
            try:
                if writes:
                    self.log.write_many(writes)
            except Exception as exc:  # never lose the thread: these records fall back
                fallback(_all(writes), f"request-log writer: {exc}")
            finally:
                for _ in range(len(writes) + (item is None)):
                    self.queue.task_done()
            if item is None or self._abandon:
                return

    def flush(self) -> None:
        """Wait until every queued write is written or fallen back."""
        self.queue.join()

    def close(self, timeout: float = 10.0) -> None:
        """Flush and stop the thread; after ``timeout`` seconds what is still queued falls
        back, and the batch in hand is finished first (written or fallen back): none lost."""
        with contextlib.suppress(queue.Full):
            self.queue.put(None, timeout=timeout)
        self.thread.join(timeout)
        self._abandon = True
        self.thread.join()  # the batch in hand: bounded by the sink's own budget
        left: list[Write] = []
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                left.append(item)
        if left:
            fallback(_all(left), "request-log writer stopped before writing these")


Writer = RequestLog | QueuedLog


def open_sink(uri: str, timeout: float) -> Sink:
    """The sink ``uri`` names (see :func:`check_log_uri`); remote clients are built here."""
    check_log_uri(uri)
    if uri.startswith(FIREHOSE):
        return FirehoseSink(uri[len(FIREHOSE) :], timeout)
    if storage.is_s3(uri):
        return S3Sink(uri, timeout)
    return FolderSink(uri)


def open_log(
    uri: str,
    timeout: float = 0.3,
    failures: int = 5,
    cooldown: float = 30.0,
    queued: int = 0,
) -> Writer:
    """The request log for ``uri``; ``queued`` > 0: behind a queue of that many writes."""
    log = RequestLog(open_sink(uri, timeout), timeout, Breaker(failures, cooldown))
    return QueuedLog(log, queued) if queued > 0 else log
