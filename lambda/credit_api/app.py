"""The FastAPI application: docs, health, model card, and thin POST routes over the service.

``create_app`` takes its collaborators (settings, loaded model, key provider) as parameters, so
tests, ``credit serve`` and the Lambda handler build the same app with different wiring.
Paths are exact (no trailing-slash redirect: behind a stage prefix it would drop the stage);
the docs pages load Swagger UI and ReDoc from the app itself (``/static/docs/``), never a CDN;
``/health`` and the docs are open, every ``/v1`` route needs the API key.
"""

import time
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import fastapi_offline
import msgspec
from aws_lambda_powertools.metrics import MetricUnit
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, Security
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

from credit_api import identity, problems
from credit_api.call import Call
from credit_api.client_history import MAX_CLIENT_ID, ClientHistories, HistoryUnavailable
from credit_api.contract import AnyApplication
from credit_api.decisions import DecisionRoutes
from credit_api.history import NOT_READY
from credit_api.observability import logger, metrics
from credit_api.officers import OfficerRoutes, Verify
from credit_api.problems import Problem
from credit_api.reference import UnknownFields
from credit_api.reply import Reply
from credit_api.request_log import Writer
from credit_api.service import Route, ScoringService
from credit_api.settings import Settings
from credit_api.state import ModelState
from credit_core.bundle import Bundle, BundleError
from credit_core.contracts import (
    BatchScore,
    DecisionView,
    Explanation,
    ImportanceRow,
    ProblemDetails,
    PublishedCard,
    Review,
    ReviewRequest,
    Score,
)
from credit_core.contracts.history import HistorySummary
from credit_core.population import Population

JSON = "application/json"


# The bodies are the contracts of credit_core (msgspec Structs): their JSON Schemas are added to
# the OpenAPI document's components, the routes refer to them.
CONTRACT_SCHEMAS = msgspec.json.schema_components(
    (
        Score,
        BatchScore,
        Explanation,
        PublishedCard,
        ProblemDetails,
        HistorySummary,
        DecisionView,
        Review,
    ),
    ref_template="#/components/schemas/{name}",
)[1]


def _body(name: str, media_type: str = "application/json") -> dict[str, Any]:
    return {"content": {media_type: {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def published_card(bundle: Bundle) -> PublishedCard:
    """What ``GET /v1/model`` answers: the card's parts for clients, the top 20 features."""
    card = bundle.card
    return PublishedCard(
        model_name=card.model_name,
        model_version=card.model_version,
        run_id=card.run_id,
        created_at=card.created_at,
        threshold=card.threshold,
        cost_weights=card.cost_weights,
        calibration=card.calibration,
        metrics=card.metrics,
        contract=card.contract,
        strategy=card.strategy,
        features=card.features.names,
        importance=msgspec.convert(bundle.importance[:20], list[ImportanceRow]),
    )


class Health(BaseModel):
    status: Literal["ok"]
    model_loaded: bool
    model_version: str | None
    # a model trained on client history: its feature store is ready, or (local only) the model
    # is served without one; absent for an application-only model
    history_store: Literal["ready", "without_history"] | None = None


# Swagger UI and ReDoc files shipped by fastapi-offline (the versions FastAPI's CDN links use)
DOC_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
ASSET_PATH = "/static/docs"


@cache
def doc_asset(name: str) -> bytes:
    return (Path(fastapi_offline.__file__).parent / "static" / name).read_bytes()


def _request_id(scope: dict) -> str:
    event = scope.get("aws.event") or {}
    return (event.get("requestContext") or {}).get("requestId") or str(uuid.uuid4())


class BodyTooLarge(Exception):
    """Raised by the counting ``receive`` once a streamed body passes the limit."""


class Observability:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path): body-size limit,
    request id (API Gateway's, else a UUID) as log correlation id and response header, latency
    metric. Routes are async: scoring is short CPU work, a thread hop per call would cost more.

    The limit holds before the body is read: a declared ``content-length`` over it is refused at
    once, and a body without one (chunked) is counted while it streams in, refused as soon as it
    passes the limit (``credit serve`` never holds more than the limit in memory)."""

    def __init__(self, app, max_body_bytes: int):
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        logger.set_correlation_id(rid)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    # a replayed answer names its first request (credit_api.idempotency)
                    message["headers"] = [*headers, (b"x-request-id", rid.encode())]
            await send(message)

        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body_bytes:
            response = problems.problem_response(
                413, "Payload too large", f"body exceeds {self.max_body_bytes} bytes"
            )
            return await response(scope, receive, send_with_id)
        start = time.perf_counter()
        started = False

        async def send_tracked(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_id(message)

        try:
            await self.app(scope, self._counting(receive), send_tracked)
        except BodyTooLarge:
            if started:
                raise
            response = problems.problem_response(
                413, "Payload too large", f"body exceeds {self.max_body_bytes} bytes"
            )
            return await response(scope, receive, send_with_id)
        elapsed = (time.perf_counter() - start) * 1000
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed)

    def _counting(self, receive):
        limit, seen = self.max_body_bytes, 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        return counted


MAX_FIELDS = 300  # distinct names per /v1/reference call (a contract has about 120 fields)
MAX_FIELDS_CHARS = 16_384  # the query value's length: every field name fits several times


def reference_fields(fields: str) -> list[str]:
    """The distinct names in a comma-separated list, in first-seen order."""
    return list(dict.fromkeys(n for n in (p.strip() for p in fields.split(",")) if n))


def _request_body(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    """OpenAPI request body: the routes read raw bytes (the service validates them), so the
    schema generated from the contract is declared here for the docs and for clients, with a
    valid example (what the docs' "Try it out" sends)."""
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"requestBody": {"required": True, "content": {"application/json": media}}}


def _batch_schema(application: dict[str, Any], max_batch: int) -> dict[str, Any]:
    items = {"type": "array", "items": application, "minItems": 1, "maxItems": max_batch}
    return {
        "title": "ApplicationBatch",
        "type": "object",
        "properties": {"applications": items},
        "required": ["applications"],
        "additionalProperties": False,
    }


def create_app(
    settings: Settings,
    state: ModelState,
    key_hash: Callable[[], str | None],
    root_path: str = "",
    verify: Verify | None = None,
    log: Writer | None = None,
) -> FastAPI:
    """The app; ``app.state.service`` is the scoring service its POST routes delegate to
    (``log``: the request log, else one opened from the settings).
    Every ``/v1`` route is also served under ``/officer/v1`` for signed-in officers (bearer
    JWT; ``verify`` checks it where no API Gateway authorizer did: :mod:`credit_api.officers`)."""
    bundle = state.bundle
    service = ScoringService(settings, state, key_hash, log)
    app = FastAPI(
        title="Prêt à Dépenser credit scoring",
        version=bundle.version if bundle else "unavailable",
        description="Probability of default, decision and explanations for loan applications.",
        root_path=root_path,
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    problems.install(app)
    application = (
        service.decoder.model.model_json_schema()
        if service.decoder
        else AnyApplication.model_json_schema()
    )
    example = service.example()
    one = _request_body(application, example)
    many = _request_body(
        _batch_schema(application, settings.max_batch),
        {"applications": [example]} if example else None,
    )
    app.add_middleware(OfficerRoutes, verify=verify)
    app.add_middleware(Observability, max_body_bytes=settings.max_body_bytes)
    api_key = APIKeyHeader(name="X-API-Key", auto_error=False)
    Key = Annotated[str | None, Security(api_key)]

    def log_unavailable() -> None:
        logger.warning("model unavailable", extra={"cause": state.cause})

    async def call(route: Route, request: Request, key: str | None) -> Response:
        if state.bundle is None:
            log_unavailable()
        headers = {name.lower(): value for name, value in request.headers.items()}
        call = Call(request.state.request_id, key, headers, _claims(request))
        reply = service.handle(route, await request.body(), call)
        return Response(reply.body, reply.status, reply.headers, reply.content_type)

    async def require_key(request: Request, key: Key) -> None:
        """A machine's API key or, on an officer path, the officer's verified claims."""
        call = Call(request.state.request_id, key, {}, _claims(request))
        if identity.caller_of(call, key_hash()) is None:
            raise Problem(401, problems.UNAUTHORIZED.title, problems.UNAUTHORIZED.detail)

    async def require_model() -> ModelState:
        if state.bundle is None:
            log_unavailable()
            raise Problem(503, "Model unavailable", state.error or "no model loaded")
        return state

    Guard = Annotated[ModelState, Depends(require_model)]
    Authorized = [Depends(require_key)]

    def history_ready() -> bool:
        """A with-history model's store is usable (checked again when due; cause logged)."""
        source = service.history
        if source is None or source.refresh():
            return True
        logger.warning("client-history store not ready", extra={"cause": source.cause})
        return False

    @app.head("/health", include_in_schema=False)
    async def health_head() -> Response:
        return Response(status_code=200 if state.bundle is not None and history_ready() else 503)

    @app.get(
        "/health",
        response_model=Health,
        response_model_exclude_none=True,
        responses={503: {"description": "no model, or its client-history store not ready"}},
    )
    async def health() -> Any:
        """Status, whether a model is loaded and its version and, for a model trained on client
        history, whether its feature store is ready; nothing else."""
        if state.bundle is None:
            log_unavailable()
            return problems.problem_response(
                503,
                "Model unavailable",
                state.error or "no model loaded",
                model_loaded=False,
                model_version=None,
            )
        version = state.bundle.version
        if not history_ready():
            return problems.problem_response(
                503,
                "History store not ready",
                NOT_READY,
                model_loaded=True,
                model_version=version,
            )
        source = service.history
        store: Literal["ready", "without_history"] | None = None
        if source is not None:
            store = "without_history" if source.without_history else "ready"
        return Health(status="ok", model_loaded=True, model_version=version, history_store=store)

    _docs(app)

    @app.get("/v1/model", dependencies=Authorized, responses=_READ_ERRORS | {200: _card_body})
    async def model_card(s: Guard) -> Response:
        """The model's published card: version, threshold, cost weights, calibration, metrics,
        the request contract, the feature names and the 20 most important features."""
        if s.bundle is None:  # require_model answered 503 already
            raise Problem(503, "Model unavailable", state.error or "no model loaded")
        return Response(msgspec.json.encode(published_card(s.bundle)), media_type=JSON)

    @app.get(
        "/v1/reference",
        dependencies=Authorized,
        response_model=Population,
        responses=_READ_ERRORS | {422: {"description": "unknown or too many fields"} | _PROBLEM},
    )
    async def reference(
        s: Guard,
        fields: Annotated[
            str,
            Query(
                description="raw field names, comma-separated (each once; repeats are ignored)",
                max_length=MAX_FIELDS_CHARS,
            ),
        ],
    ) -> Any:
        """The population an applicant is compared with, as aggregates of the training reference
        sample: per field, bins (quantile ranges or levels) with the count of repaid and of
        defaulted clients and the mean probability of default; at least ``min_count`` clients
        of each class in every bin, never a row or a client's outcome."""
        names = reference_fields(fields)
        if len(names) > MAX_FIELDS:
            raise Problem(
                422,
                "Invalid request",
                f"at most {MAX_FIELDS} distinct fields per call, not {len(names)}",
                errors=[{"field": "fields", "message": f"more than {MAX_FIELDS} names"}],
            )
        try:
            return service.reference(names)
        except BundleError as exc:  # unreadable, or changed since start-up: never served
            logger.error("reference sample refused", extra={"cause": str(exc)})
            raise Problem(
                503, "Reference unavailable", "the reference population is unavailable"
            ) from None
        except UnknownFields as exc:
            errors = [{"field": n, "message": "unknown field"} for n in exc.unknown]
            raise Problem(
                422,
                "Invalid request",
                f"unknown field(s): {', '.join(exc.unknown)}",
                errors=errors,
                allowed=exc.known,
            ) from None

    histories = ClientHistories.from_uri(settings.features_uri)

    @app.get(
        "/v1/clients/{sk_id_curr}/history",
        dependencies=Authorized,
        responses=_HISTORY_ERRORS
        | {200: _body("HistorySummary") | {"description": "the client's history"}},
    )
    async def client_history(
        sk_id_curr: Annotated[
            int, PathParam(ge=0, le=MAX_CLIENT_ID, description="the client's SK_ID_CURR")
        ],
    ) -> Response:
        """The client's history as a credit officer reads it: bureau credits (status, amount,
        debt, overdue, dates in days before the application), previous applications (status,
        amount asked and granted, decision day), instalment punctuality and card use month by
        month over the last 24 months. 404 when no history is on record for the client."""
        try:
            summary = histories.get(sk_id_curr)
        except HistoryUnavailable as exc:
            logger.warning("history store unavailable", extra={"cause": str(exc)})
            if histories.reader is not None:  # a store configured but unreadable: alarmed
                # the scoring routes' metric and dimensions, so its one alarm covers this route
                metrics.add_metric(name="HistoryStoreUnavailable", unit=MetricUnit.Count, value=1)
            raise Problem(
                503, "History unavailable", "the client history is unavailable; retry later"
            ) from None
        if summary is None:
            raise Problem(404, "No history", f"no credit history on record for client {sk_id_curr}")
        return Response(msgspec.json.encode(summary), media_type=JSON)

    @app.post("/v1/score", responses=_ERRORS | {200: _body("Score")}, openapi_extra=one)
    async def score_one(request: Request, key: Key) -> Response:
        return await call("score", request, key)

    @app.post("/v1/score/batch", responses=_ERRORS | {200: _body("BatchScore")}, openapi_extra=many)
    async def score_batch(request: Request, key: Key) -> Response:
        return await call("batch", request, key)

    @app.post("/v1/explain", responses=_ERRORS | {200: _body("Explanation")}, openapi_extra=one)
    async def explain(request: Request, key: Key) -> Response:
        return await call("explain", request, key)

    decisions = DecisionRoutes(service.decisions, key_hash, settings.decisions_retention_days)

    def plain_call(request: Request, key: str | None) -> Call:
        headers = {name.lower(): value for name, value in request.headers.items()}
        return Call(request.state.request_id, key, headers, _claims(request))

    def reply_response(reply: Reply) -> Response:
        return Response(reply.body, reply.status, reply.headers, reply.content_type)

    @app.get(
        "/v1/decisions/{request_id}",
        responses=_DECISION_ERRORS | {200: _body("DecisionView")},
    )
    async def decision(request_id: str, request: Request, key: Key) -> Response:
        """A scored request's decision records (inputs, features, probability, threshold,
        decision, reasons given, bundle digest) and every review of them, oldest first."""
        return reply_response(decisions.get(request_id, plain_call(request, key)))

    @app.post(
        "/v1/decisions/{request_id}/review",
        status_code=201,
        responses=_DECISION_ERRORS | {201: _body("Review")},
        openapi_extra=_request_body(
            msgspec.json.schema(ReviewRequest),
            {"outcome": "override", "reason_code": "documents_verified", "note": "payslips"},
        ),
    )
    async def review(request_id: str, request: Request, key: Key) -> Response:
        """A credit officer confirms or overrides one decision of the request (``item``: its
        position, 0 for a single score) with a reason code (``other`` needs a note) and a
        note. Appended, never an edit: the decision's reviews are its history."""
        body = await request.body()
        return reply_response(decisions.review(request_id, body, plain_call(request, key)))

    _contract_schemas(app)
    return app


def _claims(request: Request) -> dict[str, Any] | None:
    """The officer's verified claims (:class:`~credit_api.officers.OfficerRoutes`), or None."""
    return request.scope.get("state", {}).get("claims")


def _contract_schemas(app: FastAPI) -> None:
    """Add the contracts' JSON Schemas to the generated OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(CONTRACT_SCHEMAS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc, their files served by the app; every URL is
    prefixed with the request's root path (the API Gateway stage)."""

    def root(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        base = root(request)
        return get_swagger_ui_html(
            openapi_url=base + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{base}{ASSET_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{ASSET_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{base}{ASSET_PATH}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # no call to the public validator
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        base = root(request)
        return get_redoc_html(
            openapi_url=base + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{base}{ASSET_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{base}{ASSET_PATH}/favicon.png",
            with_google_fonts=False,
        )

    @app.get(ASSET_PATH + "/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        media_type = DOC_ASSETS.get(name)
        if media_type is None:  # only the listed files: no path ever reaches the filesystem
            raise HTTPException(404, "Not Found")
        headers = {"cache-control": "public, max-age=86400"}
        return Response(doc_asset(name), media_type=media_type, headers=headers)


_PROBLEM = _body("ProblemDetails", problems.MEDIA_TYPE)
_card_body = _body("PublishedCard") | {"description": "the model's published card"}
_HISTORY_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong API key"} | _PROBLEM,
    404: {"description": "no history on record for this client"} | _PROBLEM,
    422: {"description": "the client id is not a whole number >= 0"} | _PROBLEM,
    503: {"description": "the history store cannot be read"} | _PROBLEM,
}
_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong API key"} | _PROBLEM,
    503: {"description": "no model loaded"} | _PROBLEM,
}
_DECISION_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong API key"} | _PROBLEM,
    404: {"description": "no decision under this request id"} | _PROBLEM,
    422: {"description": "invalid review (the field is named)"} | _PROBLEM,
    503: {"description": "decision store unavailable or not configured"} | _PROBLEM,
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong API key"} | _PROBLEM,
    413: {"description": "body too large"} | _PROBLEM,
    422: {
        "description": "invalid application (or, for a batch, an invalid envelope): the refused "
        "fields are named with their allowed range or levels (at most 50, and error_count)"
    }
    | _PROBLEM,
    503: {"description": "no model loaded"} | _PROBLEM,
}
