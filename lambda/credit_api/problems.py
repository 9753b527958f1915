"""RFC 9457 problem details: every error the API returns, in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from credit_api.observability import logger
from credit_api.validation import field_errors

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://pret-a-depenser.example/problems/"


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any):
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }


MAX_ERRORS = 50  # a body with 80,000 unknown fields must not answer megabytes


def invalid(errors: list[dict[str, Any]]) -> dict[str, Any]:
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


def problem_response(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = problem(status, title, detail, **extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        headers = CHALLENGE if exc.status == 401 else None
        return problem_response(exc.status, exc.title, exc.detail, headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        body = invalid(field_errors(list(exc.errors()), {}))
        return JSONResponse(body, status_code=422, media_type=MEDIA_TYPE)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, _title(exc.status_code), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return JSONResponse(UNEXPECTED, status_code=500, media_type=MEDIA_TYPE)


def _title(status: int) -> str:
    return {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}.get(
        status, "Error"
    )
