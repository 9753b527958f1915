"""The serving subcommand of ``credit``: ``serve`` runs the Lambda's app under uvicorn."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from credit_api.runtime import Runtime


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from credit_api.runtime import Runtime
    from credit_api.settings import LOCAL, Settings, SettingsError
    from credit_core import storage
    from credit_core.cli import UsageError

    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port must be between 1 and 65535, not {args.port}")
    if args.log_queue < 1:
        raise UsageError(f"--log-queue must be at least 1, not {args.log_queue}")
    try:
        storage.check_uri(args.bundle)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    overrides: dict = {"stage": LOCAL, "model_uri": args.bundle}
    if args.log_uri:
        overrides["log_uri"] = args.log_uri
    if args.features:
        overrides["features_uri"] = args.features
    if args.without_history:
        overrides["without_history"] = True
    env = os.environ
    generated = not (env.get("CREDIT_API_KEY", "").strip() or env.get("API_KEY_PARAMETER"))
    if generated:
        overrides["api_key"] = secrets.token_urlsafe(24)
    try:
        settings = Settings.from_env(env, **overrides)
    except SettingsError as exc:
        raise UsageError(str(exc)) from exc
    # the log behind a queue: the event loop never waits on the log write
    runtime = Runtime(settings, log_queue=args.log_queue)
    if runtime.state.bundle is None:  # served, it would only answer 503
        raise UsageError(f"no model to serve: {runtime.state.cause}")
    history = runtime.service.history
    if history is not None and not history.ready:  # the same: every scoring call a 503
        hint = "" if settings.features_uri else " (--features URI, or --without-history)"
        raise UsageError(f"client history not ready: {history.cause}{hint}")
    if generated:
        print(f"generated API key (X-API-Key): {settings.plain_api_key}")
    print(f"scoring API on http://{args.host}:{args.port} (docs: /docs), bundle {args.bundle}")
    if settings.oidc_issuer:
        print(f"officers: /officer/v1/... with bearer tokens of {settings.oidc_issuer}")
    flush_at_shutdown(runtime)
    try:
        uvicorn.run(runtime.app, host=args.host, port=args.port, log_level="warning")
    finally:  # ended otherwise (an error): the same flush
        runtime.close()
    return 0


def flush_at_shutdown(runtime: Runtime) -> None:
    """Flush the request log in the app's lifespan shutdown: uvicorn runs it during a graceful
    shutdown (Ctrl-C, SIGTERM), before it re-raises the signal that ends the process (code
    after ``uvicorn.run`` never runs then)."""
    app = runtime.app
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a):
        async with inner(a) as state:
            yield state
        runtime.close()

    app.router.lifespan_context = lifespan


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the ``credit`` dispatcher."""
    serve = sub.add_parser("serve", help="run the scoring API locally (same app as the Lambda)")
    serve.add_argument("--bundle", default="data/bundles", help="bundle folder or s3:// URI")
    serve.add_argument("--port", type=int, default=8000, help="1-65535")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--log-uri",
        default=None,
        help="where scored requests go (default: LOG_URI, else data/requests)",
    )
    serve.add_argument(
        "--features",
        default=None,
        metavar="URI",
        help="the client-history feature store of a with-history model: sqlite:///path or "
        "dynamodb://table (default: FEATURES_URI)",
    )
    serve.add_argument(
        "--without-history",
        action="store_true",
        help="serve a with-history model with no store: every applicant scored as a client "
        "without history (each response says so)",
    )
    serve.add_argument(
        "--log-queue",
        type=int,
        default=10_000,
        help="request-log writes queued at most (past it they go to the structured log)",
    )
    serve.set_defaults(func=_serve)
