"""The API built from its settings: model loader, key provider, FastAPI app, Mangum adapter and
the Lambda entry. ``handler.py`` builds one at Lambda init from the environment; tests and
``credit serve`` build theirs from explicit :class:`~credit_api.settings.Settings`.

If the bundle cannot be loaded the runtime still starts, answers 503 and logs why; the load is
retried at most every ``reload_seconds`` and, once it succeeds, the app is rebuilt on the model.
Scoring events take the direct path of ``gateway``; the rest (docs, health, model card) goes to
Mangum. Malformed events (no ``requestContext``, a warm-up ping, a body or header of the wrong
type) are answered 400 before anything reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from mangum import Mangum

from credit_api import auth, deadline, gateway, request_log
from credit_api.app import create_app
from credit_api.observability import logger, metrics, tracer
from credit_api.service import ScoringService, log_options
from credit_api.settings import Settings
from credit_api.state import ModelLoader, ModelState


def key_provider(settings: Settings) -> Callable[[], str | None]:
    """The stored hashes of the valid keys: SSM in AWS, the plain key's hash locally."""
    if settings.api_key_parameter:
        return auth.ssm_hash_provider(
            settings.api_key_parameter, max_stale=settings.api_key_max_stale_seconds
        )
    return auth.static_hash_provider(settings.plain_api_key)


def token_verifier(settings: Settings) -> Callable[[str], Any] | None:
    """``credit serve``'s check of officers' tokens (OIDC_ISSUER); None in AWS, where the HTTP
    API's JWT authorizer checks them before the function runs."""
    if settings.oidc_issuer is None or settings.oidc_audience is None:
        return None
    from credit_api.oidc import TokenVerifier

    return TokenVerifier(settings.oidc_issuer, settings.oidc_audience).verify


class Runtime:
    """One API instance. ``handler(event, context)`` is the Lambda entry (Powertools-wrapped);
    ``app`` is the FastAPI app (``credit serve``), ``service`` its scoring service, ``asgi``
    the Mangum adapter, ``log`` the request log (opened once: its clients are built here, at
    init). ``log_queue`` > 0 (``credit serve``) puts the log behind a queue of that many writes
    and a writer thread; :meth:`close` flushes it."""

    def __init__(
        self,
        settings: Settings,
        key_hash: Callable[[], str | None] | None = None,
        loader: ModelLoader | None = None,
        log_queue: int = 0,
    ) -> None:
        self.settings = settings
        self.log = request_log.open_log(**log_options(settings), queued=log_queue)
        self.stage = settings.stage_prefix.rstrip("/")
        self.key_hash = key_hash or key_provider(settings)
        self.verify = token_verifier(settings)
        self.loader = loader or ModelLoader(settings)
        self._build(self.loader.state)
        wrapped = tracer.capture_lambda_handler(capture_response=False)(self._handle)
        wrapped = metrics.log_metrics(capture_cold_start_metric=True)(wrapped)
        self.handler = logger.inject_lambda_context(clear_state=True)(wrapped)

    def _build(self, state: ModelState) -> None:
        self.state = state
        self.app: FastAPI = create_app(
            self.settings,
            state,
            self.key_hash,
            root_path=self.stage,
            verify=self.verify,
            log=self.log,
        )
        self.service: ScoringService = self.app.state.service
        self.asgi = Mangum(
            self.app,
            lifespan="off",
            api_gateway_base_path=self.stage or "/",
            text_mime_types=["application/json", "application/problem+json", "text/"],
        )

    def close(self) -> None:
        """Flush the request log (every queued record written or fallen back)."""
        self.log.close()

    def _without_model(self) -> None:
        """No model: retry the load when due (rebuilding the app on success), else log the
        cause with this request's id (the response itself stays generic)."""
        if self.loader.retry():
            self._build(self.loader.state)
        elif self.loader.state.cause:
            logger.warning("model unavailable", extra={"cause": self.loader.state.cause})

    def _handle(self, event: Any, context: Any) -> dict[str, Any]:
        malformed = gateway.check_event(event)
        # the API Gateway request id, read directly (a correlation_id_path is a JMESPath query
        # per call, a tenth of the scoring path)
        logger.set_correlation_id(gateway.request_id_of(event))
        if malformed is not None:
            return gateway.bad_event(malformed, event)
        deadline.start(context)
        if self.state.bundle is None:
            self._without_model()
        gateway.drop_unencodable_headers(event)
        route = gateway.route_of(event, self.stage)
        if route is None:
            return self.asgi(event, context)
        return gateway.serve(self.service, route, event, gateway.is_officer(event, self.stage))
