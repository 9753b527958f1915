"""The local product in one command: API, UI and MLflow UI up, traffic replayed, drift report built.

``make demo`` runs ``start`` after the twin, training and export steps; ``make demo-stop`` runs
``stop``. Each service runs in its own process group, recorded in ``<state>/pids.json``, so Ctrl-C
or ``stop`` ends everything it started. ``--exit-when-ready`` (or ``DEMO_EXIT_WHEN_READY=1``)
stops the services and exits 0 once all is ready: the check that CI runs.
Only the ``credit`` and ``mlflow`` commands are called, as subprocesses: nothing is imported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
READY_TIMEOUT_S = 300.0


class DemoError(Exception):
    """A step of the demo failed; the message says which and where its log is."""


@dataclass(frozen=True)
class Service:
    name: str
    cmd: list[str]
    health: str  # URL answering 200 once the service is ready
    env: dict[str, str]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"{url} exited with status {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise DemoError(f"{url} not ready after {timeout:.0f} s; see {log}")


def _stop_groups(pids: dict[str, int]) -> None:
    for pid in pids.values():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + 10
    for pid in pids.values():
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def _run_step(name: str, cmd: list[str], env: dict[str, str], state: Path) -> None:
    log = state / f"{name}.log"
    print(f"  {name}: {' '.join(cmd[1:])}", flush=True)
    with log.open("w") as out:
        code = subprocess.call(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        raise DemoError(f"{name} failed with status {code}; see {log}")


def services(args: argparse.Namespace, key: str) -> list[Service]:
    """The long-running processes of the demo, in start order."""
    base = dict(os.environ)
    data = Path(args.data).resolve()
    mlflow_db = f"sqlite:///{data / 'mlflow' / 'mlflow.db'}"
    api_url = f"http://127.0.0.1:{args.api_port}"
    return [
        Service(
            "api",
            [
                str(BIN / "credit"),
                "serve",
                "--bundle",
                args.bundle,
                "--port",
                str(args.api_port),
                "--log-uri",
                str(data / "requests"),
            ],
            f"{api_url}/health",
            base | {"CREDIT_API_KEY": key},
        ),
        Service(
            "mlflow",
            [
                str(BIN / "mlflow"),
                "ui",
                "--backend-store-uri",
                mlflow_db,
                "--host",
                "127.0.0.1",
                "--port",
                str(args.mlflow_port),
            ],
            f"http://127.0.0.1:{args.mlflow_port}/health",
            base,
        ),
        Service(
            "ui",
            [str(BIN / "credit"), "ui", "--port", str(args.ui_port)],
            f"http://127.0.0.1:{args.ui_port}/_stcore/health",
            base | {"API_URL": api_url, "API_KEY": key, "REPORTS_URI": str(data / "reports")},
        ),
    ]


def start(args: argparse.Namespace) -> int:
    state = Path(args.data) / "demo"
    state.mkdir(parents=True, exist_ok=True)
    pids_file = state / "pids.json"
    if pids_file.exists():
        _stop_groups(json.loads(pids_file.read_text()))  # a previous demo left running
    key = os.environ.get("CREDIT_API_KEY") or secrets.token_urlsafe(24)
    svc = services(args, key)
    for port in (args.api_port, args.mlflow_port, args.ui_port):
        if not _port_free(port):
            raise DemoError(f"port {port} is already in use (make demo-stop, or set *_PORT)")
    started = time.monotonic()
    pids: dict[str, int] = {}
    try:
        for s in svc[:2]:
            _launch(s, state, pids, pids_file)
        data = Path(args.data)
        _run_step(
            "traffic",
            [
                str(BIN / "credit"),
                "traffic",
                "--api",
                f"http://127.0.0.1:{args.api_port}",
                "--key",
                key,
                "--data",
                str(data / "twin" / "application_test.csv"),
                "--rows",
                str(args.traffic_rows),
                "--rate",
                str(args.traffic_rate),
            ],
            dict(os.environ),
            state,
        )
        _run_step(
            "drift",
            [
                str(BIN / "credit"),
                "drift",
                "--production",
                "--bundle",
                args.bundle,
                "--logs",
                str(data / "requests"),
                "--out",
                str(data / "reports"),
            ],
            dict(os.environ),
            state,
        )
        _launch(svc[2], state, pids, pids_file)
        latest = json.loads((data / "reports" / "latest.json").read_text())
        report = (data / "reports" / latest["report_key"]).resolve()
        print(
            f"\nReady in {time.monotonic() - started:.0f} s (services and traffic; state in {state})\n"
            f"  API        http://127.0.0.1:{args.api_port}  (docs /docs; X-API-Key: {key})\n"
            f"  UI         http://127.0.0.1:{args.ui_port}\n"
            f"  MLflow UI  http://127.0.0.1:{args.mlflow_port}\n"
            f"  Drift      {report}\n",
            flush=True,
        )
        if args.exit_when_ready:
            return 0
        print("Ctrl-C (or make demo-stop) stops everything.", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(_alive(pid) for pid in pids.values()):
            time.sleep(1)
        raise DemoError("a service stopped; see the logs in " + str(state))
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_groups(pids)
        pids_file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _launch(s: Service, state: Path, pids: dict[str, int], pids_file: Path) -> None:
    """Start one service in its own process group, recorded before it is waited for (so a
    service that never gets ready is stopped too)."""
    log = state / f"{s.name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            s.cmd, env=s.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    pids[s.name] = proc.pid
    pids_file.write_text(json.dumps(pids))
    _wait_http(s.health, proc, log, READY_TIMEOUT_S)
    print(f"  {s.name}: up ({s.health})", flush=True)


def stop(args: argparse.Namespace) -> int:
    pids_file = Path(args.data) / "demo" / "pids.json"
    if not pids_file.exists():
        print("demo: nothing running")
        return 0
    pids = json.loads(pids_file.read_text())
    _stop_groups(pids)
    pids_file.unlink()
    print(f"demo: stopped {', '.join(pids)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="local_demo", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("--data", default="data")
    parser.add_argument("--bundle", default="data/bundles")
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--ui-port", type=int, default=8501)
    parser.add_argument("--mlflow-port", type=int, default=5000)
    parser.add_argument("--traffic-rows", type=int, default=3000)
    parser.add_argument("--traffic-rate", type=float, default=200.0, help="requests per second")
    parser.add_argument(
        "--exit-when-ready",
        action="store_true",
        default=os.environ.get("DEMO_EXIT_WHEN_READY", "") not in ("", "0"),
    )
    args = parser.parse_args(argv)
    try:
        return start(args) if args.action == "start" else stop(args)
    except DemoError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
