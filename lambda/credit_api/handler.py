"""AWS Lambda entry point: wiring only.

The bundle is loaded here, at import, i.e. during Lambda's init phase (Mangum would run an ASGI
lifespan on every invocation). If loading fails the function still starts, answers 503 and logs
why; the load is retried at most every ``MODEL_RELOAD_SECONDS`` (30 s), and once it succeeds the
app is rebuilt on the model. Scoring events take the direct path of ``gateway``; the rest (docs,
health, model card) goes to Mangum.
"""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI
from mangum import Mangum

from credit_api import auth, deadline, gateway
from credit_api.app import create_app
from credit_api.observability import logger, metrics, tracer
from credit_api.service import ScoringService
from credit_api.settings import Settings
from credit_api.state import ModelLoader, ModelState

settings = Settings.from_env()
loader = ModelLoader(settings)
key_provider = (
    auth.ssm_hash_provider(settings.api_key_parameter)
    if settings.api_key_parameter
    else auth.static_hash_provider(settings.api_key)
)
stage = os.environ.get("STAGE_PREFIX", "").rstrip("/")


def build(state: ModelState) -> tuple[FastAPI, ScoringService, Mangum]:
    """The app on ``state``, its scoring service and the Mangum adapter around it."""
    app = create_app(settings, state, key_provider, root_path=stage)
    asgi = Mangum(
        app,
        lifespan="off",
        api_gateway_base_path=stage or "/",
        text_mime_types=["application/json", "application/problem+json", "text/"],
    )
    return app, app.state.service, asgi


state = loader.state
app, service, asgi = build(state)
# what init built lives as long as the process: keep it out of the collector's full scans
# (1,000-row batches: the slowest of 280 calls went from ~148 ms to ~62 ms, p50/p99 unchanged)
gc.freeze()


def _without_model() -> None:
    """No model: retry the load when due (rebuilding the app on success), else log the cause
    with this request's id (the response itself stays generic)."""
    global state, app, service, asgi
    if loader.retry():
        state = loader.state
        app, service, asgi = build(state)
    elif loader.state.cause:
        logger.warning("model unavailable", extra={"cause": loader.state.cause})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event, context):
    # the API Gateway request id, read directly (a correlation_id_path is a JMESPath query per
    # call, a tenth of the scoring path)
    logger.set_correlation_id(gateway.request_id_of(event))
    deadline.start(context)
    if state.bundle is None:
        _without_model()
    gateway.drop_unencodable_headers(event)
    route = gateway.route_of(event, stage)
    if route is None:
        return asgi(event, context)
    return gateway.serve(service, route, event)
