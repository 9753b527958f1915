"""Every scored application is written to S3 (or a folder) as JSON lines, date-partitioned.

Key: ``{LOG_URI}/dt=YYYY-MM-DD/{HHMMSS}-{request_id}.jsonl``, one object per request or batch,
one line per application, a :class:`credit_core.contracts.DecisionRecord`: request id, item
index, timestamp, model version, the inputs as received, the features the model saw (a list,
named by the bundle's card), probability, decision, the warnings the response carried (values
inside the domain but outside what training saw), the threshold and the bundle's sha256.
``item`` is the application's position in the request; refused batch items are not logged.
The client is identified by ``client_ref``, a keyed HMAC of SK_ID_CURR; the id itself is removed
from the logged inputs (:mod:`credit_api.client_ref`); no name or contact detail exists in them. If the write
fails the response is still served: each record goes to the structured log (recoverable with a
log query on ``request_log_fallback``) and the LogWriteFailures metric counts the failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import cast

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


MIN_WRITE_SECONDS = 0.25


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


def write(log_uri: str, request_id: str, when: datetime, body: bytes) -> bool:
    """Write the lines within the invocation's time budget (:mod:`credit_api.deadline`); on
    failure or when no time is left, log each record for recovery and count the failure."""
    try:
        timeout = deadline.budget()
        if timeout < MIN_WRITE_SECONDS:
            raise TimeoutError(f"{timeout:.2f} s left for the request-log write")
        storage.write_bytes(
            key_for(log_uri, request_id, when),
            body,
            "application/x-ndjson",
            atomic=False,
            timeout=timeout,
        )
    except Exception as exc:  # any storage failure: the scored applications must not be lost
        metrics.add_metric(name="LogWriteFailures", unit=MetricUnit.Count, value=1)
        for line in body.splitlines():
            logger.error(
                "request_log_fallback", extra={"record": orjson.loads(line), "error": str(exc)}
            )
        return False
    return True
