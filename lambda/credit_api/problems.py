"""RFC 9457 problem details: every error the API returns, in one place (the body is the
:class:`credit_core.contracts.ProblemDetails` contract)."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from credit_api.observability import logger
from credit_api.validation import field_errors
from credit_core.contracts import PROBLEM_MEDIA_TYPE, FieldError, ProblemDetails

MEDIA_TYPE = PROBLEM_MEDIA_TYPE
TYPE_BASE = "https://pret-a-depenser.example/problems/"


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any):
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem(status: int, title: str, detail: str, **extra: Any) -> ProblemDetails:
    """The problem details; ``extra`` are the contract's extension members (a TypeError for
    any other name: extensions are declared in :class:`~credit_core.contracts.ProblemDetails`);
    ``errors`` items may be given as ``{"field", "message"[, "allowed"]}`` mappings."""
    if "errors" in extra:
        extra["errors"] = [
            e if isinstance(e, FieldError) else FieldError(**e) for e in extra["errors"]
        ]
    return ProblemDetails(
        type=TYPE_BASE + title.lower().replace(" ", "-"),
        title=title,
        status=status,
        detail=detail,
        **extra,
    )


MAX_ERRORS = 50  # a body with 80,000 unknown fields must not answer megabytes


def invalid(errors: list[dict[str, Any]]) -> ProblemDetails:
    """The 422 body: the refused fields (at most ``MAX_ERRORS``, named in the detail too) and
    ``error_count``, the total."""
    shown = errors[:MAX_ERRORS]
    total = getattr(errors, "total", len(errors))  # a capped list counts what it left out
    fields = ", ".join(sorted({e["field"] for e in shown}))
    more = f" (and {total - len(shown)} more errors)" if total > len(shown) else ""
    return problem(
        422,
        "Invalid application",
        f"invalid field(s): {fields}{more}",
        errors=shown,
        error_count=total,
    )


UNAUTHORIZED = problem(401, "Unauthorized", "a valid X-API-Key header is required")
UNEXPECTED = problem(500, "Internal error", "unexpected error; it has been logged")
CHALLENGE = {"WWW-Authenticate": "ApiKey"}
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def unauthorized_officer(reason: str) -> ProblemDetails:
    """The 401 of an officer path (``/officer/v1/...``): why the bearer token was refused."""
    return problem(401, "Unauthorized", f"a valid officer bearer token is required: {reason}")


def encode(body: ProblemDetails) -> bytes:
    return _ENCODER.encode(body)


_ENCODER = msgspec.json.Encoder()


def problem_response(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    return body_response(problem(status, title, detail, **extra), headers)


def body_response(body: ProblemDetails, headers: dict[str, str] | None = None) -> Response:
    return Response(encode(body), body.status, headers, MEDIA_TYPE)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> Response:
        headers = CHALLENGE if exc.status == 401 else None
        return problem_response(exc.status, exc.title, exc.detail, headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        return body_response(invalid(field_errors(list(exc.errors()), {})))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        return problem_response(exc.status_code, _title(exc.status_code), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        logger.exception("unhandled error")
        return body_response(UNEXPECTED)


def _title(status: int) -> str:
    return {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}.get(
        status, "Error"
    )
