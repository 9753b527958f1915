"""The ``ui`` subcommand of ``credit``: runs the Streamlit app locally against ``API_URL``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from credit_core.cli import UsageError
from credit_frontend.config import SettingsError, load_settings

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"
# Community Cloud runs `streamlit run` from the repository root and reads only the root's
# .streamlit/config.toml: running from there too, the local app and the hosted one look the same
ROOT = APP.parents[1]


def command(args: argparse.Namespace) -> list[str]:
    """The ``streamlit run`` command line (run from ``ROOT``: its .streamlit/config.toml applies)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(args.port), "--server.address", args.host,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def _ui(args: argparse.Namespace) -> int:
    if not APP.exists():
        raise UsageError(f"the app's entry script is missing: {APP}")
    env = dict(os.environ)
    if args.api_url:
        env["API_URL"] = args.api_url
    if not env.get("API_URL"):
        raise UsageError(
            "set API_URL (or --api-url) to the scoring API, e.g. http://127.0.0.1:8000"
        )
    if args.reports_uri:
        env["REPORTS_URI"] = args.reports_uri
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port must be between 1 and 65535, not {args.port}")
    try:  # the app builds its settings again from this environment: refuse them here first
        load_settings({}, env)
    except SettingsError as exc:
        raise UsageError(str(exc)) from exc
    print(
        f"credit officers' app on http://{args.host}:{args.port} (API {env['API_URL']})", flush=True
    )
    # the process becomes Streamlit: a signal to `credit ui` reaches the server, no orphan is left
    os.chdir(ROOT)
    os.execve(sys.executable, command(args), env)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``ui`` to the ``credit`` dispatcher."""
    ui = sub.add_parser("ui", help="run the credit officers' Streamlit app against API_URL")
    ui.add_argument("--api-url", default=None, help="scoring API base URL (default: $API_URL)")
    ui.add_argument(
        "--reports-uri", default=None, help="drift reports root (default: $REPORTS_URI)"
    )
    ui.add_argument("--port", type=int, default=8501)
    ui.add_argument("--host", default="127.0.0.1")
    ui.set_defaults(func=_ui)
