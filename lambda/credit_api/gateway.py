"""API Gateway HTTP API (payload 2.0) events for the scoring routes, served without ASGI.

Mangum + Starlette routing cost about a millisecond per call, several times the scoring itself.
POST /v1/score, /v1/score/batch and /v1/explain go straight to the same
:class:`~credit_api.service.ScoringService` the FastAPI routes use; every other event (docs,
health, model card, other methods, payload 1.0) is left to Mangum.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from credit_api import problems
from credit_api.observability import logger, metrics
from credit_api.service import Route, ScoringService, problem_reply

ROUTES: dict[str, Route] = {
    "/v1/score": "score",
    "/v1/score/batch": "batch",
    "/v1/explain": "explain",
}


def route_of(event: dict[str, Any], stage: str = "") -> Route | None:
    """The scoring route an event asks for, or None if Mangum should serve it."""
    if event.get("version") != "2.0":
        return None
    http = (event.get("requestContext") or {}).get("http") or {}
    if http.get("method") != "POST":
        return None
    path = event.get("rawPath") or ""
    if stage and path.startswith(stage + "/"):
        path = path[len(stage) :]
    return ROUTES.get(path)  # exact paths, as FastAPI routes them


def body_of(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


def api_key_of(event: dict[str, Any]) -> str | None:
    """API Gateway lowercases header names; hand-built events may not."""
    headers = event.get("headers") or {}
    key = headers.get("x-api-key")
    if key is None:
        key = next((v for k, v in headers.items() if k.lower() == "x-api-key"), None)
    return key


def drop_unencodable_headers(event: dict[str, Any]) -> None:
    """Remove, in place, headers that cannot be UTF-8 encoded (a lone surrogate in a hand-made
    event): Mangum would fail on them with a 500; without them a missing API key is a 401."""
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field)
        if not headers:
            continue
        for name, value in list(headers.items()):
            try:
                name.encode()
                if isinstance(value, list):
                    for v in value:
                        v.encode()
                elif value is not None:
                    value.encode()
            except (UnicodeEncodeError, AttributeError):
                del headers[name]


def request_id_of(event: dict[str, Any]) -> str | None:
    context = event.get("requestContext") if isinstance(event, dict) else None
    return context.get("requestId") if isinstance(context, dict) else None


def serve(service: ScoringService, route: Route, event: dict[str, Any]) -> dict[str, Any]:
    """Answer a scoring event with the service; the response as API Gateway expects it."""
    start = time.perf_counter()
    request_id = request_id_of(event) or str(uuid.uuid4())
    try:
        reply = service.handle(route, body_of(event), api_key_of(event), request_id)
    except binascii.Error:
        reply = problem_reply(problems.problem(400, "Bad request", "the body is not valid base64"))
    except Exception:  # as FastAPI's last-resort handler does: a logged 500, never a bare crash
        logger.exception("unhandled error")
        reply = problem_reply(problems.UNEXPECTED)
    out = {
        "statusCode": reply.status,
        "headers": {"content-type": reply.content_type, "x-request-id": request_id} | reply.headers,
        "body": reply.body.decode(),
        "isBase64Encoded": False,
    }
    elapsed = (time.perf_counter() - start) * 1000
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed)
    return out
