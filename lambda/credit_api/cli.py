"""The serving subcommand of ``credit``: ``serve`` runs the Lambda's app under uvicorn."""

from __future__ import annotations

import argparse
import importlib
import os
import secrets


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from credit_core import storage
    from credit_core.cli import UsageError

    try:
        storage.check_uri(args.bundle)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    os.environ["MODEL_URI"] = args.bundle
    os.environ.setdefault("LOG_URI", args.log_uri)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # no CloudWatch locally
    generated = not os.environ.get("CREDIT_API_KEY")
    if generated:
        os.environ["CREDIT_API_KEY"] = secrets.token_urlsafe(24)
    handler = importlib.import_module("credit_api.handler")  # its init loads the bundle

    if handler.state.bundle is None:  # served, it would only answer 503
        raise UsageError(f"no model to serve: {handler.state.cause}")
    if generated:
        print(f"generated API key (X-API-Key): {os.environ['CREDIT_API_KEY']}")
    print(f"scoring API on http://{args.host}:{args.port} (docs: /docs), bundle {args.bundle}")
    uvicorn.run(handler.app, host=args.host, port=args.port, log_level="warning")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the ``credit`` dispatcher."""
    serve = sub.add_parser("serve", help="run the scoring API locally (same app as the Lambda)")
    serve.add_argument("--bundle", default="data/bundles", help="bundle folder or s3:// URI")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--log-uri", default="data/requests", help="where scored requests go")
    serve.set_defaults(func=_serve)
