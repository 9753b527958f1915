"""Every scored application is written to S3 (or a folder) as JSON lines, date-partitioned.

Key: ``{LOG_URI}/dt=YYYY-MM-DD/{HHMMSS}-{request_id}.jsonl``, one object per request or batch.
Only SK_ID_CURR identifies a client; no name or contact detail exists in the inputs. If the write
fails the response is still served: each record goes to the structured log (recoverable with a
log query on ``request_log_fallback``) and the LogWriteFailures metric counts the failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from aws_lambda_powertools.metrics import MetricUnit

from credit_api.observability import logger, metrics
from credit_core import storage


def build_records(
    request_id: str,
    when: datetime,
    model_version: str,
    inputs: Sequence[dict[str, Any]],
    feature_names: Sequence[str],
    features: Any,
    probabilities: Sequence[float],
    decisions: Sequence[str],
) -> list[dict[str, Any]]:
    return [
        {
            "request_id": request_id,
            "item": i,
            "timestamp": when.isoformat(timespec="milliseconds"),
            "model_version": model_version,
            "inputs": inputs[i],
            "features": dict(zip(feature_names, features[i].tolist(), strict=True)),
            "probability": float(probabilities[i]),
            "decision": str(decisions[i]),
        }
        for i in range(len(inputs))
    ]


def key_for(log_uri: str, request_id: str, when: datetime) -> str:
    return storage.join(log_uri, f"dt={when:%Y-%m-%d}", f"{when:%H%M%S}-{request_id}.jsonl")


def write(log_uri: str, request_id: str, when: datetime, records: list[dict[str, Any]]) -> bool:
    """Write the records; on failure log them for recovery and count the failure."""
    # orjson writes NaN (a missing feature) as null, which json.dumps would not
    body = b"".join(orjson.dumps(r) + b"\n" for r in records)
    try:
        storage.write_bytes(
            key_for(log_uri, request_id, when), body, "application/x-ndjson", atomic=False
        )
    except Exception as exc:  # any storage failure: the scored applications must not be lost
        metrics.add_metric(name="LogWriteFailures", unit=MetricUnit.Count, value=1)
        for record in records:
            logger.error("request_log_fallback", extra={"record": record, "error": str(exc)})
        return False
    return True
