"""The scoring routes, free of any web framework: body bytes and a key in, a reply out.

FastAPI (local server, docs) and the Lambda handler's direct path for API Gateway events both
call :meth:`ScoringService.handle`, so the two can never answer differently. Order of checks:
body size (413), caller: API key or officer token (401), model loaded (503), body valid (422), then score, log, reply.
A batch answers 422 only for its envelope; each refused item gets its problem in its place and
the others are scored and logged. Values inside the domain but outside what training saw are
scored with ``warnings`` (also logged and counted by the ``ScoringWarnings`` metric, by kind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import msgspec
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from credit_api import client_ref, identity, problems, request_log, scoring
from credit_api.call import Call
from credit_api.observability import NAMESPACE, SERVICE, logger, metrics
from credit_api.reference import ReferenceSample
from credit_api.settings import Settings
from credit_api.state import ModelState
from credit_api.validation import Applications, Invalid, Refused, RequestDecoder
from credit_core import bundle as bundles
from credit_core import pseudonym
from credit_core.contracts import (
    BatchScore,
    Caller,
    Explanation,
    HistoryUse,
    ItemRefusal,
    ItemScore,
    ProblemDetails,
    Score,
    ScoreWarning,
)
from credit_core.population import Population

Route = Literal["score", "batch", "explain"]
JSON = "application/json"


@dataclass(frozen=True)
class Reply:
    """What a route answers, independent of the transport (ASGI or an API Gateway event)."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def problem_reply(body: ProblemDetails, headers: dict[str, str] | None = None) -> Reply:
    return Reply(body.status, problems.encode(body), problems.MEDIA_TYPE, headers or {})


_ENCODER = msgspec.json.Encoder()


class ScoringService:
    """The loaded model's decoders and labels, built once; ``handle`` serves each call."""

    def __init__(
        self, settings: Settings, state: ModelState, key_hash: Callable[[], str | None]
    ) -> None:
        self.settings, self.state, self.key_hash = settings, state, key_hash
        self.client_key = client_ref.key_provider(settings)
        bundle = state.bundle
        self.decoder = None
        self._reference: ReferenceSample | None = None
        self.history: HistoryUse | None = None  # what a with-history model says it used
        if bundle is not None:
            model = bundle.model
            self.decoder = RequestDecoder(
                bundle.card.contract,
                bundle.card.data.id_col,
                model.spec,
                settings.max_batch,
            )
            if self.decoder.contract.derived:
                logger.warning(
                    "model card without field domains: domains derived from the application "
                    "schema, training ranges are the card's widened ranges",
                    extra={"version": bundle.version},
                )
            self.labels = scoring.labels(model.spec.names)
            if model.spec.history:  # no feature store yet: every applicant without history
                self.history = HistoryUse(
                    found=False, as_of=None, feature_set=model.spec.history_digest or ""
                )
                logger.warning(
                    "the model uses client-history features and no feature store is "
                    "configured: every applicant is scored as a client without history",
                    extra={"version": bundle.version, "history_features": len(model.spec.history)},
                )

    def handle(self, route: Route, body: bytes, call: Call) -> Reply:
        """One call of a scoring route; refusals are problem+json replies, never exceptions."""
        request_id = call.request_id
        limit = self.settings.max_body_bytes
        if len(body) > limit:
            return problem_reply(
                problems.problem(413, "Payload too large", f"body exceeds {limit} bytes")
            )
        caller = identity.caller_of(call, self.key_hash())
        if caller is None:
            return problem_reply(problems.UNAUTHORIZED, problems.CHALLENGE)
        if self.decoder is None or self.state.bundle is None:
            detail = self.state.error or "no model loaded"
            return problem_reply(problems.problem(503, "Model unavailable", detail))
        try:
            if route == "batch":
                apps, refused = self.decoder.batch(body)
            else:
                apps, refused = self.decoder.one(body), []
        except Invalid as exc:
            return problem_reply(problems.invalid(exc.errors))
        if route == "explain":
            return self._explain(apps, request_id, caller)
        results = self._score(apps, request_id, caller) if len(apps.values) else []
        if route == "score":
            return Reply(200, _ENCODER.encode(results[0]))
        return Reply(200, _ENCODER.encode(self._batch(request_id, apps, results, refused)))

    def example(self) -> dict[str, Any] | None:
        """A valid application built from the contract (None without a model): each required
        field at a value training saw (the middle of its range, its first level), the client
        id 100001. Checked with the decoder itself, so the docs never show a refused body."""
        if self.decoder is None:
            return None
        app: dict[str, Any] = {self.decoder.id_col: 100001}
        for f in self.decoder.contract.fields:
            if not f.required:
                continue
            if f.domain.is_categorical:
                levels = f.training_levels or f.domain.levels
                app[f.name] = levels[0]
            elif f.training_min is not None and f.training_max is not None:
                mid = (f.training_min + f.training_max) / 2
                app[f.name] = round(mid) if f.domain.integer else round(mid, 4)
        for candidate in (app, {k: v for k, v in app.items() if k == self.decoder.id_col}):
            try:
                self.decoder.one(_ENCODER.encode(candidate))
            except Invalid:
                continue
            return candidate
        return None

    def reference(self, names: list[str]) -> Population:
        """The reference sample's bins for ``names`` (the sample read from the bundle on first
        use, each field's bins computed once).
        Raises UnknownFields naming the fields the sample does not hold."""
        bundle = self._bundle()
        if self._reference is None:
            settings, data = self.settings, bundle.card.data

            def load() -> bytes:
                directory = bundles.fetch(
                    settings.model_uri,
                    bundle.version,
                    (bundles.REFERENCE,),
                    Path(settings.cache_dir),
                )
                return (directory / bundles.REFERENCE).read_bytes()

            domains = self.decoder.domains if self.decoder else {}
            self._reference = ReferenceSample(load, data.target_col, data.id_col, domains)
        return self._reference.payload(names, bundle.version)

    def _batch(
        self,
        request_id: str,
        apps: Applications,
        results: list[Score],
        refused: list[Refused],
    ) -> BatchScore:
        """Results in input order: scores (with their ``index``) and refusals in place."""
        out: list[ItemScore | ItemRefusal | None] = [None] * (len(results) + len(refused))
        for i, result in zip(apps.index, results, strict=True):
            out[i] = ItemScore(index=i, **msgspec.structs.asdict(result))
        for r in refused:
            out[r.index] = ItemRefusal(
                index=r.index, sk_id_curr=r.sk_id_curr, error=problems.invalid(r.errors)
            )
        if refused:
            metrics.add_metric(name="RefusedItems", unit=MetricUnit.Count, value=len(refused))
        return BatchScore(
            request_id=request_id,
            model_version=self._bundle().version,
            scored=len(results),
            refused=len(refused),
            results=[item for item in out if item is not None],
        )

    def _bundle(self) -> bundles.Bundle:
        bundle = self.state.bundle
        if bundle is None:  # handle() answers 503 before any route needs the bundle
            raise RuntimeError("no model loaded")
        return bundle

    def _score(self, apps: Applications, request_id: str, caller: Caller) -> list[Score]:
        model = self._bundle().model
        return self._results(apps, scoring.score(model, apps.matrix), request_id, caller)

    def _explain(self, apps: Applications, request_id: str, caller: Caller) -> Reply:
        model = self._bundle().model
        scored, why = scoring.explain(model, apps.matrix, apps.sent(0), self.labels)
        (result,) = self._results(apps, scored, request_id, caller)
        explanation = Explanation(**msgspec.structs.asdict(result), **why)
        return Reply(200, _ENCODER.encode(explanation))

    def _results(
        self, apps: Applications, scored: scoring.Scored, request_id: str, caller: Caller
    ) -> list[Score]:
        """Log the scored applications (with who asked), count decisions, build the per-item
        results."""
        bundle = self._bundle()
        now = datetime.now(UTC)
        p = scored.probability.tolist()
        threshold, version = bundle.model.threshold, bundle.version
        id_col = bundle.card.data.id_col
        key = self.client_key()
        refs = [None if key is None else pseudonym.client_ref(key, i) for i in apps.ids]
        if key is None:
            metrics.add_metric(name="ClientRefUnavailable", unit=MetricUnit.Count, value=len(refs))
        body = request_log.lines(
            request_id,
            now,
            version,
            [client_ref.without_id(raw, id_col) for raw in apps.raw],
            scored.features,
            p,
            scored.decision,
            apps.warnings,
            apps.index,
            threshold,
            bundle.sha256,
            caller=caller,
            client_refs=refs,
        )
        request_log.write(self.settings.log_uri, request_id, now, body)
        refused = scored.decision.count("refuse")
        for outcome, n in (("refuse", refused), ("accept", len(p) - refused)):
            if n:
                metrics.add_metric(name=f"Decision_{outcome}", unit=MetricUnit.Count, value=n)
        count_warnings(apps.warnings)
        history = self.history if self.history is not None else msgspec.UNSET
        return [
            Score(
                request_id=request_id,
                sk_id_curr=sk_id,
                probability=prob,
                decision=decision,
                risk_grade=grade,
                threshold=threshold,
                model_version=version,
                warnings=warnings,
                history=history,
            )
            for sk_id, prob, decision, grade, warnings in zip(
                apps.ids, p, scored.decision, scored.grade, apps.warnings, strict=True
            )
        ]


def count_warnings(warnings: list[list[ScoreWarning]]) -> None:
    """The ``ScoringWarnings`` metric, one EMF line per kind (its own ``kind`` dimension)."""
    kinds: dict[str, int] = {}
    for row in warnings:
        for w in row:
            kinds[w.kind] = kinds.get(w.kind, 0) + 1
    for kind, n in kinds.items():
        with single_metric(
            name="ScoringWarnings",
            unit=MetricUnit.Count,
            value=n,
            namespace=NAMESPACE,
            default_dimensions={"service": SERVICE},
        ) as metric:
            metric.add_dimension(name="kind", value=kind)
