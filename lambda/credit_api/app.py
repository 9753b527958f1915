"""The FastAPI application: thin routes over ``scoring`` and ``request_log``.

``create_app`` takes its collaborators (settings, loaded model, key provider) as parameters, so
tests and the Lambda handler build the same app with different wiring.
"""

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from aws_lambda_powertools.metrics import MetricUnit
from fastapi import Depends, FastAPI, Header, Request, Response
from pydantic import BaseModel

from credit_api import auth, problems, request_log, scoring
from credit_api.contract import AnyApplication, application_model, batch_model
from credit_api.observability import logger, metrics
from credit_api.problems import Problem
from credit_api.settings import Settings
from credit_api.state import ModelState


class Score(BaseModel):
    request_id: str
    sk_id_curr: int | None
    probability: float
    decision: Literal["accept", "refuse"]
    risk_grade: Literal["A", "B", "C", "D", "E"]
    threshold: float
    model_version: str


class BatchScore(BaseModel):
    request_id: str
    model_version: str
    results: list[Score]


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


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


class Observability:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path): body-size limit,
    request id (API Gateway's, else a UUID) as log correlation id and response header, latency
    metric. Routes are async: scoring is short CPU work, a thread hop per call would cost more."""

    def __init__(self, app, max_body_bytes: int):
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body_bytes:
            response = problems.problem_response(
                413, "Payload too large", f"body exceeds {self.max_body_bytes} bytes"
            )
            return await response(scope, receive, send)
        rid = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        logger.set_correlation_id(rid)
        start = time.perf_counter()

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)
        elapsed = (time.perf_counter() - start) * 1000
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed)


def create_app(
    settings: Settings,
    state: ModelState,
    key_hash: Callable[[], str | None],
    root_path: str = "",
) -> FastAPI:
    bundle = state.bundle
    app = FastAPI(
        title="Prêt à Dépenser credit scoring",
        version=bundle.version if bundle else "unavailable",
        description="Probability of default, decision and explanations for loan applications.",
        root_path=root_path,
    )
    problems.install(app)
    if bundle is not None:
        id_col = bundle.card["data"]["id_col"]
        Application = application_model(bundle.card["contract"], id_col)
        app.state.levels = {
            n: f["levels"] for n, f in bundle.card["contract"]["fields"].items() if "levels" in f
        }
    else:
        id_col = "SK_ID_CURR"
        Application = AnyApplication
    Batch = batch_model(Application, settings.max_batch)

    app.add_middleware(Observability, max_body_bytes=settings.max_body_bytes)

    async def require_key(
        x_api_key: Annotated[str | None, Header(alias="X-API-Key")] = None,
    ) -> None:
        if not auth.verify(x_api_key, key_hash()):
            raise Problem(401, "Unauthorized", "a valid X-API-Key header is required")

    async def require_model() -> ModelState:
        if state.bundle is None:
            raise Problem(503, "Model unavailable", state.error or "no model loaded")
        return state

    Guard = Annotated[ModelState, Depends(require_model)]
    Key = Depends(require_key)

    def _respond(request: Request, records: list[dict], scored: scoring.Scored) -> list[dict]:
        """Log the scored applications, count decisions, build the per-item results (plain dicts:
        they are serialised once with orjson; the response schemas document them)."""
        b = state.bundle
        rid = request.state.request_id
        now = datetime.now(UTC)
        logged = request_log.build_records(
            rid,
            now,
            b.version,
            records,
            b.model.spec.names,
            scored.features,
            scored.probability,
            scored.decision,
        )
        request_log.write(settings.log_uri, rid, now, logged)
        for outcome in ("accept", "refuse"):
            n = int((scored.decision == outcome).sum())
            if n:
                metrics.add_metric(name=f"Decision_{outcome}", unit=MetricUnit.Count, value=n)
        probabilities, decisions = scored.probability.tolist(), scored.decision.tolist()
        return [
            {
                "request_id": rid,
                "sk_id_curr": r.get(id_col),
                "probability": probabilities[i],
                "decision": decisions[i],
                "risk_grade": scored.grade[i],
                "threshold": b.model.threshold,
                "model_version": b.version,
            }
            for i, r in enumerate(records)
        ]

    def _records(apps: list[BaseModel]) -> list[dict]:
        return [a.model_dump(exclude_none=True) for a in apps]

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

    @app.get("/v1/model")
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

    @app.post(
        "/v1/score", response_model=None, responses={200: {"model": Score}}, dependencies=[Key]
    )
    async def score_one(application: Application, request: Request, s: Guard) -> Response:  # type: ignore[valid-type]
        records = _records([application])
        return _json(_respond(request, records, scoring.score(s.bundle, records))[0])

    @app.post(
        "/v1/score/batch",
        response_model=None,
        responses={200: {"model": BatchScore}},
        dependencies=[Key],
    )
    async def score_batch(batch: Batch, request: Request, s: Guard) -> Response:  # type: ignore[valid-type]
        records = _records(batch.applications)
        results = _respond(request, records, scoring.score(s.bundle, records))
        rid = request.state.request_id
        return _json({"request_id": rid, "model_version": s.bundle.version, "results": results})

    @app.post(
        "/v1/explain",
        response_model=None,
        responses={200: {"model": Explanation}},
        dependencies=[Key],
    )
    async def explain(application: Application, request: Request, s: Guard) -> Response:  # type: ignore[valid-type]
        (record,) = _records([application])
        result = scoring.explain(s.bundle, record)
        base = _respond(request, [record], result["scored"])[0]
        return _json(
            base
            | {
                "base_value": result["base_value"],
                "contributions": result["contributions"],
                "reasons_against": result["reasons_against"],
                "reasons_for": result["reasons_for"],
            }
        )

    return app
