"""API Gateway HTTP API (payload 2.0) events for the scoring routes, served without ASGI.

Mangum + Starlette routing cost about a millisecond per call, several times the scoring itself.
POST /v1/score, /v1/score/batch and /v1/explain go straight to the same
:class:`~credit_api.service.ScoringService` the FastAPI routes use; every other event (docs,
health, model card, other methods, payload 1.0) is left to Mangum.

Every event is checked first (:func:`check_event`): one that API Gateway would never send (no
``requestContext``, a warm-up ping, a body that is not a string, a header given as a list,
base64 that is not base64, a request id that is not a plain token) is answered 400 and reaches
neither the service, Mangum nor the file system.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
import uuid
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from credit_api import identity, problems
from credit_api.call import Call
from credit_api.observability import logger, metrics
from credit_api.service import Route, ScoringService, problem_reply

ROUTES: dict[str, Route] = {
    "/v1/score": "score",
    "/v1/score/batch": "batch",
    "/v1/explain": "explain",
}


def _path(event: dict[str, Any], stage: str) -> str:
    path = event.get("rawPath") or ""
    return path[len(stage) :] if stage and path.startswith(stage + "/") else path


def route_of(event: dict[str, Any], stage: str = "") -> Route | None:
    """The scoring route an event asks for (also under the officers' prefix), or None if
    Mangum should serve it."""
    if event.get("version") != "2.0":
        return None
    http = (event.get("requestContext") or {}).get("http") or {}
    if http.get("method") != "POST":
        return None
    path = _path(event, stage)
    return ROUTES.get(identity.officer_path(path) or path)  # exact paths, as FastAPI routes them


def is_officer(event: dict[str, Any], stage: str = "") -> bool:
    """Whether the event is on an officer path (``/officer/v1/...``: JWT authorizer, no key)."""
    return identity.officer_path(_path(event, stage)) is not None


def body_of(event: dict[str, Any]) -> bytes:
    """The body's bytes (the event passed :func:`check_event`, so it is a string); a body that
    is not base64 although flagged so raises ``binascii.Error``."""
    body = event.get("body") or ""
    return base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()


# API Gateway's request ids: base64 or UUID-like tokens; the log key is built from them
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_=+.:-]{0,127}")
_V1_HEADERS = ("multiValueHeaders", "multiValueQueryStringParameters")


def _strings(mapping: object, lists: bool = False) -> bool:
    """A dict of str to str (to lists of str when ``lists``), or absent."""
    if mapping is None:
        return True
    if not isinstance(mapping, dict):
        return False
    for name, value in mapping.items():
        if not isinstance(name, str):
            return False
        if lists and isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                return False
        elif not isinstance(value, str):
            return False
    return True


def check_event(event: object) -> str | None:
    """Why ``event`` is not an HTTP event API Gateway could have sent, or None if it is.

    Type checks (a few microseconds); a base64 body is decoded once more here."""
    if not isinstance(event, dict):
        return "the event is not an object"
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return "no requestContext (not an API Gateway HTTP event)"
    rid = context.get("requestId")
    if rid is not None and not (isinstance(rid, str) and REQUEST_ID.fullmatch(rid)):
        return "requestContext.requestId is not a plain token"
    if event.get("version") == "2.0":
        http = context.get("http")
        if not isinstance(http, dict) or not all(
            isinstance(http.get(k), str) for k in ("method", "path", "sourceIp")
        ):
            return "requestContext.http needs method, path and sourceIp strings"
        for name in ("rawPath", "rawQueryString"):
            if not isinstance(event.get(name, ""), str):
                return f"{name} is not a string"
        if not isinstance(event.get("headers", {}), dict):
            return "headers must map names to strings"
        cookies = event.get("cookies", [])
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            return "cookies must be a list of strings"
    elif not isinstance(event.get("httpMethod"), str) or not isinstance(event.get("path"), str):
        return "neither a payload 2.0 event nor a payload 1.0 one with httpMethod and path"
    elif not isinstance(context.get("identity", {}), dict):
        return "requestContext.identity is not an object"
    if not _strings(event.get("headers")):
        return "headers must map names to strings"
    if not _strings(event.get("queryStringParameters")) or not _strings(
        event.get("pathParameters")
    ):
        return "parameters must map names to strings"
    for name in _V1_HEADERS:
        if not _strings(event.get(name), lists=True):
            return f"{name} must map names to lists of strings"
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        return "the body is not a string"
    if not isinstance(event.get("isBase64Encoded", False), bool):
        return "isBase64Encoded is not a boolean"
    if body and event.get("isBase64Encoded"):
        try:  # rare (API Gateway sends JSON as text): decoded here too, for Mangum's routes
            binascii.a2b_base64(body.encode("ascii"), strict_mode=True)
        except (UnicodeEncodeError, binascii.Error):
            return "the body is not valid base64"
    elif body and not body.isascii():
        try:
            body.encode()
        except UnicodeEncodeError:
            return "the body is not valid text (lone surrogate)"
    return None


def bad_event(reason: str, event: object) -> dict[str, Any]:
    """The 400 for a malformed event (its request id only when it is a plain token)."""
    rid = request_id_of(event)
    rid = rid if isinstance(rid, str) and REQUEST_ID.fullmatch(rid) else str(uuid.uuid4())
    logger.warning("malformed event", extra={"reason": reason})
    reply = problem_reply(problems.problem(400, "Bad request", f"malformed event: {reason}"))
    return _response(reply, rid)


def api_key_of(event: dict[str, Any]) -> str | None:
    """API Gateway lowercases header names; hand-built events may not."""
    headers = event.get("headers") or {}
    key = headers.get("x-api-key")
    if key is None:
        key = next((v for k, v in headers.items() if k.lower() == "x-api-key"), None)
    return key


def call_of(event: dict[str, Any], request_id: str, officer: bool = False) -> Call:
    """The call's lower-cased headers and its one credential: on an officer path the JWT claims
    the authorizer verified (the key ignored), on any other path the API key (claims ignored)."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items() if v is not None}
    if not officer:
        return Call(request_id, api_key_of(event), headers, None)
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    jwt = authorizer.get("jwt") if isinstance(authorizer, dict) else None
    claims = jwt.get("claims") if isinstance(jwt, dict) else None
    return Call(request_id, None, headers, claims if isinstance(claims, dict) else None)


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


def request_id_of(event: object) -> str | None:
    context = event.get("requestContext") if isinstance(event, dict) else None
    return context.get("requestId") if isinstance(context, dict) else None


def serve(
    service: ScoringService, route: Route, event: dict[str, Any], officer: bool = False
) -> dict[str, Any]:
    """Answer a scoring event with the service; the response as API Gateway expects it."""
    start = time.perf_counter()
    request_id = request_id_of(event) or str(uuid.uuid4())
    try:
        call = call_of(event, request_id, officer)
        if officer and call.claims is None:  # only if the route lost its JWT authorizer
            reason = "no claims from the API's authorizer"
            reply = problem_reply(problems.unauthorized_officer(reason), problems.BEARER_CHALLENGE)
        else:
            reply = service.handle(route, body_of(event), call)
    except binascii.Error:
        reply = problem_reply(problems.problem(400, "Bad request", "the body is not valid base64"))
    except Exception:  # as FastAPI's last-resort handler does: a logged 500, never a bare crash
        logger.exception("unhandled error")
        reply = problem_reply(problems.UNEXPECTED)
    out = _response(reply, request_id)
    elapsed = (time.perf_counter() - start) * 1000
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed)
    return out


def _response(reply: Any, request_id: str) -> dict[str, Any]:
    return {
        "statusCode": reply.status,
        "headers": {"content-type": reply.content_type, "x-request-id": request_id} | reply.headers,
        "body": reply.body.decode(),
        "isBase64Encoded": False,
    }
