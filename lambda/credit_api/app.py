"""The FastAPI application: docs, health, model card, and thin POST routes over the service.

``create_app`` takes its collaborators (settings, loaded model, key provider) as parameters, so
tests, ``credit serve`` and the Lambda handler build the same app with different wiring.
"""

import time
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from aws_lambda_powertools.metrics import MetricUnit
from fastapi import Depends, FastAPI, Query, Request, Response, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

from credit_api import auth, problems
from credit_api.contract import AnyApplication
from credit_api.observability import logger, metrics
from credit_api.problems import Problem
from credit_api.reference import UnknownFields
from credit_api.service import Route, ScoringService
from credit_api.settings import Settings
from credit_api.state import ModelState


class ScoreWarning(BaseModel):
    """Inside the domain but outside what training saw: the application is scored anyway."""

    field: str
    kind: Literal["outside_training_range", "unseen_level"]
    value: Any
    message: str
    training_min: float | None = None
    training_max: float | None = None
    scored_as: Literal["missing"] | None = Field(
        None, description="an unseen level is scored as a missing value, never as another level"
    )


class Score(BaseModel):
    request_id: str
    sk_id_curr: int | None
    probability: float
    decision: Literal["accept", "refuse"]
    risk_grade: Literal["A", "B", "C", "D", "E"]
    threshold: float
    model_version: str
    warnings: list[ScoreWarning]


class ItemScore(Score):
    index: int = Field(description="position of the application in the request")


class FieldError(BaseModel):
    field: str
    message: str
    allowed: Any = None


class ItemProblem(BaseModel):
    type: str
    title: str
    status: Literal[422]
    detail: str
    errors: list[FieldError]
    error_count: int


class ItemRefusal(BaseModel):
    index: int = Field(description="position of the application in the request")
    sk_id_curr: int | None = None
    error: ItemProblem


class BatchScore(BaseModel):
    """One result per application, in input order: a score, or the refusal of that item alone
    (the other items are scored; only an invalid envelope refuses the whole batch)."""

    request_id: str
    model_version: str
    scored: int
    refused: int
    results: list[ItemScore | ItemRefusal]


class Reference(BaseModel):
    model_version: str
    rows: int
    target: list[int]
    probability: list[float]
    fields: dict[str, list[Any]] = Field(description="raw values per field, null if missing")


class Contribution(BaseModel):
    feature: str
    label: str
    value: Any
    contribution: float


class Explanation(Score):
    base_value: float
    contributions: list[Contribution]
    reasons_against: list[str]
    reasons_for: list[str]


class Health(BaseModel):
    status: Literal["ok"]
    model_loaded: bool
    model_version: str | None


def _request_id(scope: dict) -> str:
    event = scope.get("aws.event") or {}
    return (event.get("requestContext") or {}).get("requestId") or str(uuid.uuid4())


class Observability:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path): body-size limit,
    request id (API Gateway's, else a UUID) as log correlation id and response header, latency
    metric. Routes are async: scoring is short CPU work, a thread hop per call would cost more."""

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
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body_bytes:
            response = problems.problem_response(
                413, "Payload too large", f"body exceeds {self.max_body_bytes} bytes"
            )
            return await response(scope, receive, send_with_id)
        start = time.perf_counter()
        await self.app(scope, receive, send_with_id)
        elapsed = (time.perf_counter() - start) * 1000
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed)


def _request_body(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI request body: the routes read raw bytes (the service validates them), so the
    schema generated from the contract is declared here for the docs and for clients."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


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
) -> FastAPI:
    """The app; ``app.state.service`` is the scoring service its POST routes delegate to."""
    bundle = state.bundle
    service = ScoringService(settings, state, key_hash)
    app = FastAPI(
        title="Prêt à Dépenser credit scoring",
        version=bundle.version if bundle else "unavailable",
        description="Probability of default, decision and explanations for loan applications.",
        root_path=root_path,
    )
    app.state.service = service
    problems.install(app)
    application = (
        service.decoder.model.model_json_schema()
        if service.decoder
        else AnyApplication.model_json_schema()
    )
    one = _request_body(application)
    many = _request_body(_batch_schema(application, settings.max_batch))
    app.add_middleware(Observability, max_body_bytes=settings.max_body_bytes)
    api_key = APIKeyHeader(name="X-API-Key", auto_error=False)
    Key = Annotated[str | None, Security(api_key)]

    async def call(route: Route, request: Request, key: str | None) -> Response:
        reply = service.handle(route, await request.body(), key, request.state.request_id)
        return Response(reply.body, reply.status, reply.headers, reply.content_type)

    async def require_model() -> ModelState:
        if state.bundle is None:
            raise Problem(503, "Model unavailable", state.error or "no model loaded")
        return state

    Guard = Annotated[ModelState, Depends(require_model)]

    async def require_key(key: Key) -> None:
        if not auth.verify(key, key_hash()):
            raise Problem(401, "Unauthorized", "a valid X-API-Key header is required")

    Keyed = Depends(require_key)

    @app.get("/health", response_model=Health, responses={503: {"description": "no model"}})
    async def health() -> Any:
        if state.bundle is None:
            return problems.problem_response(
                503,
                "Model unavailable",
                state.error or "no model loaded",
                status_detail="unavailable",
                model_loaded=False,
            )
        return Health(status="ok", model_loaded=True, model_version=state.bundle.version)

    @app.get("/v1/model", dependencies=[Keyed], responses=_READ_ERRORS)
    async def model_card(s: Guard) -> dict[str, Any]:
        card = s.bundle.card
        keys = (
            "model_name",
            "model_version",
            "run_id",
            "created_at",
            "threshold",
            "cost_weights",
            "calibration",
            "metrics",
            "contract",
            "strategy",
        )
        return {k: card.get(k) for k in keys} | {
            "features": card["features"]["names"],
            "importance": s.bundle.importance[:20],
        }

    @app.get(
        "/v1/reference",
        dependencies=[Keyed],
        response_model=Reference,
        responses=_READ_ERRORS | {422: {"description": "unknown field"} | _PROBLEM},
    )
    async def reference(
        s: Guard,
        fields: Annotated[str, Query(description="raw field names, comma-separated")],
    ) -> Any:
        """The training reference sample (raw rows, default flag, probability of default) for
        the named fields: the population an applicant is compared with."""
        names = [n.strip() for n in fields.split(",") if n.strip()]
        try:
            return service.reference(names)
        except UnknownFields as exc:
            errors = [{"field": n, "message": "unknown field"} for n in exc.unknown]
            raise Problem(
                422,
                "Invalid request",
                f"unknown field(s): {', '.join(exc.unknown)}",
                errors=errors,
                allowed=exc.known,
            ) from None

    @app.post("/v1/score", responses=_ERRORS | {200: {"model": Score}}, openapi_extra=one)
    async def score_one(request: Request, key: Key) -> Response:
        return await call("score", request, key)

    @app.post(
        "/v1/score/batch", responses=_ERRORS | {200: {"model": BatchScore}}, openapi_extra=many
    )
    async def score_batch(request: Request, key: Key) -> Response:
        return await call("batch", request, key)

    @app.post("/v1/explain", responses=_ERRORS | {200: {"model": Explanation}}, openapi_extra=one)
    async def explain(request: Request, key: Key) -> Response:
        return await call("explain", request, key)

    return app


_PROBLEM = {"content": {problems.MEDIA_TYPE: {}}}
_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong API key"} | _PROBLEM,
    503: {"description": "no model loaded"} | _PROBLEM,
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
