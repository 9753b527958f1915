"""The serving subcommand of ``credit``: ``serve`` runs the Lambda's app under uvicorn."""

from __future__ import annotations

import argparse
import os
import secrets


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    os.environ["MODEL_URI"] = args.bundle
    os.environ.setdefault("LOG_URI", args.log_uri)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # no CloudWatch locally
    if not os.environ.get("CREDIT_API_KEY"):
        os.environ["CREDIT_API_KEY"] = secrets.token_urlsafe(24)
        print(f"generated API key (X-API-Key): {os.environ['CREDIT_API_KEY']}")
    from credit_api.handler import app

    print(f"scoring API on http://{args.host}:{args.port} (docs: /docs), bundle {args.bundle}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the ``credit`` dispatcher."""
    serve = sub.add_parser("serve", help="run the scoring API locally (same app as the Lambda)")
    serve.add_argument("--bundle", default="data/bundles", help="bundle folder or s3:// URI")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--log-uri", default="data/requests", help="where scored requests go")
    serve.set_defaults(func=_serve)
