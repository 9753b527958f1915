"""RFC 9457 problem details: every error the API returns, in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from credit_api.observability import logger

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://pret-a-depenser.example/problems/"


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any):
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p != "body"]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def validation_errors(
    exc: RequestValidationError, levels: dict[str, list[str]]
) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        item: dict[str, Any] = {"field": _field(tuple(err.get("loc", ()))), "message": err["msg"]}
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            item["message"] = "unknown field"
        elif kind == "missing":
            item["message"] = "required field is missing"
        elif kind == "literal_error":
            item["allowed"] = levels.get(str(err["loc"][-1]), [])
        elif kind == "json_invalid":
            item = {"field": "body", "message": "the body is not valid JSON"}
        errors.append(item)
    return errors


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "ApiKey"} if exc.status == 401 else None
        return problem_response(exc.status, exc.title, exc.detail, headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc, getattr(request.app.state, "levels", {}))
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return problem_response(
            422, "Invalid application", f"invalid field(s): {fields}", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, _title(exc.status_code), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return problem_response(500, "Internal error", "unexpected error; it has been logged")


def _title(status: int) -> str:
    return {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}.get(
        status, "Error"
    )
