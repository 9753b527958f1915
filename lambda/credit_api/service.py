"""The scoring routes, free of any web framework: body bytes and a key in, a reply out.

FastAPI (local server, docs) and the Lambda handler's direct path for API Gateway events both
call :meth:`ScoringService.handle`, so the two can never answer differently. Order of checks:
body size (413), API key (401), model loaded (503), body valid (422), then score, log, reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from aws_lambda_powertools.metrics import MetricUnit

from credit_api import auth, problems, request_log, scoring
from credit_api.observability import metrics
from credit_api.settings import Settings
from credit_api.state import ModelState
from credit_api.validation import Applications, Invalid, RequestDecoder

Route = Literal["score", "batch", "explain"]
JSON = "application/json"


@dataclass(frozen=True)
class Reply:
    """What a route answers, independent of the transport (ASGI or an API Gateway event)."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def problem_reply(body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
    return Reply(body["status"], orjson.dumps(body), problems.MEDIA_TYPE, headers or {})


class ScoringService:
    """The loaded model's decoders and labels, built once; ``handle`` serves each call."""

    def __init__(
        self, settings: Settings, state: ModelState, key_hash: Callable[[], str | None]
    ) -> None:
        self.settings, self.state, self.key_hash = settings, state, key_hash
        bundle = state.bundle
        self.decoder = None
        if bundle is not None:
            model = bundle.model
            self.decoder = RequestDecoder(
                bundle.card["contract"],
                bundle.card["data"]["id_col"],
                model.spec,
                settings.max_batch,
            )
            self.labels = scoring.labels(model.spec.names)

    def handle(self, route: Route, body: bytes, api_key: str | None, request_id: str) -> Reply:
        """One call of a scoring route; refusals are problem+json replies, never exceptions."""
        limit = self.settings.max_body_bytes
        if len(body) > limit:
            return problem_reply(
                problems.problem(413, "Payload too large", f"body exceeds {limit} bytes")
            )
        if not auth.verify(api_key, self.key_hash()):
            return problem_reply(problems.UNAUTHORIZED, problems.CHALLENGE)
        if self.decoder is None or self.state.bundle is None:
            detail = self.state.error or "no model loaded"
            return problem_reply(problems.problem(503, "Model unavailable", detail))
        try:
            apps = self.decoder.batch(body) if route == "batch" else self.decoder.one(body)
        except Invalid as exc:
            return problem_reply(problems.invalid(exc.errors))
        if route == "explain":
            return self._explain(apps, request_id)
        results = self._score(apps, request_id)
        if route == "score":
            return Reply(200, orjson.dumps(results[0]))
        version = self.state.bundle.version
        out = {"request_id": request_id, "model_version": version, "results": results}
        return Reply(200, orjson.dumps(out))

    def _score(self, apps: Applications, request_id: str) -> list[dict[str, Any]]:
        model = self.state.bundle.model
        return self._results(apps, scoring.score(model, apps.matrix), request_id)

    def _explain(self, apps: Applications, request_id: str) -> Reply:
        model = self.state.bundle.model
        scored, why = scoring.explain(model, apps.matrix, apps.values[0], self.labels)
        (result,) = self._results(apps, scored, request_id)
        return Reply(200, orjson.dumps(result | why))

    def _results(
        self, apps: Applications, scored: scoring.Scored, request_id: str
    ) -> list[dict[str, Any]]:
        """Log the scored applications, count decisions, build the per-item results."""
        bundle = self.state.bundle
        now = datetime.now(UTC)
        p = scored.probability.tolist()
        body = request_log.lines(
            request_id, now, bundle.version, apps.raw, scored.features, p, scored.decision
        )
        request_log.write(self.settings.log_uri, request_id, now, body)
        refused = scored.decision.count("refuse")
        for outcome, n in (("refuse", refused), ("accept", len(p) - refused)):
            if n:
                metrics.add_metric(name=f"Decision_{outcome}", unit=MetricUnit.Count, value=n)
        threshold, version = bundle.model.threshold, bundle.version
        return [
            {
                "request_id": request_id,
                "sk_id_curr": sk_id,
                "probability": prob,
                "decision": decision,
                "risk_grade": grade,
                "threshold": threshold,
                "model_version": version,
            }
            for sk_id, prob, decision, grade in zip(
                apps.ids, p, scored.decision, scored.grade, strict=True
            )
        ]
