"""The scoring routes, free of any web framework: body bytes and a key in, a reply out.

FastAPI (local server, docs) and the Lambda handler's direct path for API Gateway events both
call :meth:`ScoringService.handle`, so the two can never answer differently. Order of checks:
body size (413), caller: API key or officer token (401), model loaded (503), body valid (422),
then, for a model trained on client history, the applicants' history from the feature store
(:mod:`credit_api.history`: 503 if the store cannot be used, never scored as "no history"),
then score, log, reply.
A batch answers 422 only for its envelope; each refused item gets its problem in its place and
the others are scored and logged. Values inside the domain but outside what training saw are
scored with ``warnings`` (also logged and counted by the ``ScoringWarnings`` metric, by kind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import msgspec
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from credit_api import client_ref, idempotency, identity, problems, request_log, scoring
from credit_api.call import Call
from credit_api.decisions import idempotency_scope
from credit_api.history import HistoryRows, HistorySource, HistoryUnavailable
from credit_api.observability import NAMESPACE, SERVICE, logger, metrics
from credit_api.reference import ReferenceSample
from credit_api.reply import Reply, problem_reply
from credit_api.settings import Settings
from credit_api.state import ModelState
from credit_api.validation import Applications, Invalid, Refused, RequestDecoder
from credit_core import bundle as bundles
from credit_core import decision_store, pseudonym
from credit_core.contracts import (
    BatchScore,
    Caller,
    Explanation,
    HistoryUse,
    ItemRefusal,
    ItemScore,
    Score,
    ScoreWarning,
)
from credit_core.population import Population

Route = Literal["score", "batch", "explain"]


@dataclass(frozen=True)
class _Answer:
    """A validated request, ready to score: what ``_answer`` needs, built once."""

    route: Route
    apps: Applications
    refused: list[Refused]
    request_id: str
    caller: Caller
    history: HistoryRows | None
    key: str | None


__all__ = ["Reply", "Route", "ScoringService", "problem_reply"]


_ENCODER = msgspec.json.Encoder()


class ScoringService:
    """The loaded model's decoders and labels, built once; ``handle`` serves each call."""

    def __init__(
        self,
        settings: Settings,
        state: ModelState,
        key_hash: Callable[[], str | None],
        log: request_log.Writer | None = None,
    ) -> None:
        self.settings, self.state, self.key_hash = settings, state, key_hash
        self.log = log if log is not None else request_log.open_log(**log_options(settings))
        self.client_key = client_ref.key_provider(settings)
        bundle = state.bundle
        self.decoder = None
        self._reference: ReferenceSample | None = None
        self.history: HistorySource | None = None  # a with-history model's feature store
        self.decisions = (
            decision_store.open_store(settings.decisions_uri) if settings.decisions_uri else None
        )
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
            if model.spec.history:  # the store is opened and checked once, here
                self.history = HistorySource(
                    model.spec,
                    settings.features_uri,
                    settings.without_history,
                    settings.reload_seconds,
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
        key = call.header("idempotency-key")
        if key is not None:
            bad = idempotency.invalid_key(key)
            if bad is not None:
                return bad
            if self.decisions is None:
                detail = "Idempotency-Key needs the decision store, which is not configured"
                return problem_reply(problems.problem(503, "Decision store unavailable", detail))
        try:
            if route == "batch":
                apps, refused = self.decoder.batch(body)
            else:
                apps, refused = self.decoder.one(body), []
        except Invalid as exc:
            return problem_reply(problems.invalid(exc.errors))
        history: HistoryRows | None = None
        if self.history is not None and len(apps.values):
            missing = [i for i, sk_id in enumerate(apps.ids) if sk_id is None]
            if missing and route != "batch":
                return problem_reply(problems.invalid([ID_REQUIRED]))
            if missing:
                apps, refused = _refuse(apps, missing, refused)
            try:
                history = self.history.rows(apps.ids) if len(apps.values) else None
            except HistoryUnavailable as exc:
                return self._history_unavailable(exc, request_id)
        answer = _Answer(route, apps, refused, request_id, caller, history, key)
        if key is None or self.decisions is None:
            return self._answer(answer)
        return idempotency.run(
            self.decisions,
            idempotency_scope(caller),
            key,
            route,
            body,
            request_id,
            lambda: self._answer(answer),
            self.settings.idempotency_key_hours * 3600,
        )

    def _answer(self, a: _Answer) -> Reply:
        """Score (or explain), record and answer a validated request."""
        if a.route == "explain":
            return self._explain(a.apps, a.request_id, a.caller, a.history, a.key)
        results = (
            self._score(a.apps, a.request_id, a.caller, a.history, a.key)
            if len(a.apps.values)
            else []
        )
        route, apps, refused, request_id = a.route, a.apps, a.refused, a.request_id
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
        use, checked against the checksums loaded at start-up; each field's bins computed once).
        Raises UnknownFields naming the fields the sample does not hold, BundleError when the
        sample cannot be read or is not the one loaded at start-up."""
        bundle = self._bundle()
        if self._reference is None:
            settings, data = self.settings, bundle.card.data

            def load() -> bytes:  # checked against the checksums loaded at start-up
                return bundles.read_verified(
                    settings.model_uri,
                    bundle.version,
                    bundles.REFERENCE,
                    Path(settings.cache_dir),
                    bundle.checksums,
                )

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

    def _record(self, request_id: str, lines: bytes) -> None:
        """The records into the decision store too (GET /v1/decisions, reviews, rebuilds); a
        failure loses only this copy (the request log holds the records) and is counted."""
        if self.decisions is None:
            return
        try:
            decision_store.put_decisions(
                self.decisions, request_id, lines, self.settings.decisions_retention_days
            )
        except decision_store.DecisionStoreUnavailable as exc:
            metrics.add_metric(name="DecisionStoreFailures", unit=MetricUnit.Count, value=1)
            logger.error("decision records not stored", extra={"error": str(exc)})

    def _bundle(self) -> bundles.Bundle:
        bundle = self.state.bundle
        if bundle is None:  # handle() answers 503 before any route needs the bundle
            raise RuntimeError("no model loaded")
        return bundle

    def _history_unavailable(self, exc: HistoryUnavailable, request_id: str) -> Reply:
        """503, the generic reason in the body, the cause in the log with the request id."""
        logger.error(
            "client-history store unavailable",
            extra={"request_id": request_id, "reason": exc.reason, "cause": exc.cause},
        )
        metrics.add_metric(name="HistoryStoreUnavailable", unit=MetricUnit.Count, value=1)
        title = "History store not ready" if exc.reason == "not_ready" else "History unavailable"
        return problem_reply(problems.problem(503, title, exc.detail))

    def _score(
        self,
        apps: Applications,
        request_id: str,
        caller: Caller,
        history: HistoryRows | None,
        key: str | None = None,
    ) -> list[Score]:
        model = self._bundle().model
        block = history.block if history is not None else None
        scored = scoring.score(model, apps.matrix, block)
        return self._results(apps, scored, request_id, caller, history, key)

    def _explain(
        self,
        apps: Applications,
        request_id: str,
        caller: Caller,
        history: HistoryRows | None,
        key: str | None = None,
    ) -> Reply:
        model = self._bundle().model
        block = history.block if history is not None else None
        scored, why = scoring.explain(model, apps.matrix, apps.sent(0), self.labels, history=block)
        (result,) = self._results(apps, scored, request_id, caller, history, key)
        explanation = Explanation(**msgspec.structs.asdict(result), **why)
        return Reply(200, _ENCODER.encode(explanation))

    def _results(
        self,
        apps: Applications,
        scored: scoring.Scored,
        request_id: str,
        caller: Caller,
        history: HistoryRows | None = None,
        key: str | None = None,
    ) -> list[Score]:
        """Log and record the scored applications (with who asked, the history used, the
        reasons given and the idempotency key), count decisions, build the per-item results."""
        bundle = self._bundle()
        now = datetime.now(UTC)
        p = scored.probability.tolist()
        threshold, version = bundle.model.threshold, bundle.version
        id_col = bundle.card.data.id_col
        client_key = self.client_key()
        refs = [
            None if client_key is None else pseudonym.client_ref(client_key, i) for i in apps.ids
        ]
        if client_key is None:
            metrics.add_metric(name="ClientRefUnavailable", unit=MetricUnit.Count, value=len(refs))
        reasons = scoring.refusal_reasons(
            bundle.model, scored.features, scored.decision, apps.sent, self.labels
        )
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
            history.uses if history is not None else None,
            caller=caller,
            client_refs=refs,
            reasons=reasons,
            idempotency_key=key,
        )
        self.log.write(request_id, now, body)
        self._record(request_id, body)
        refused = scored.decision.count("refuse")
        for outcome, n in (("refuse", refused), ("accept", len(p) - refused)):
            if n:
                metrics.add_metric(name=f"Decision_{outcome}", unit=MetricUnit.Count, value=n)
        count_warnings(apps.warnings)
        uses: list[HistoryUse] | list[msgspec.UnsetType] = (
            history.uses if history is not None else [msgspec.UNSET] * len(p)
        )
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
                history=use,
            )
            for sk_id, prob, decision, grade, warnings, use in zip(
                apps.ids, p, scored.decision, scored.grade, apps.warnings, uses, strict=True
            )
        ]


ID_REQUIRED = {
    "field": "SK_ID_CURR",
    "message": "required: the model uses the client's history, looked up by this id",
}


def _refuse(
    apps: Applications, rows: list[int], refused: list[Refused]
) -> tuple[Applications, list[Refused]]:
    """A batch without the rows ``rows`` (positions in ``apps``), each refused for its
    missing client id."""
    drop = set(rows)
    keep = [i for i in range(len(apps.values)) if i not in drop]
    kept = Applications(
        raw=[apps.raw[i] for i in keep],
        values=[apps.values[i] for i in keep],
        matrix=apps.matrix[keep],
        warnings=[apps.warnings[i] for i in keep],
        index=[apps.index[i] for i in keep],
    )
    more = [Refused(apps.index[i], None, [dict(ID_REQUIRED)]) for i in rows]
    return kept, sorted([*refused, *more], key=lambda r: r.index)


def log_options(settings: Settings) -> dict[str, Any]:
    """:func:`credit_api.request_log.open_log`'s arguments from the settings."""
    return {
        "uri": settings.log_uri,
        "timeout": settings.log_timeout_seconds,
        "failures": settings.log_breaker_failures,
        "cooldown": settings.log_breaker_cooldown_seconds,
    }


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
