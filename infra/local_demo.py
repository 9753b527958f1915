"""The local product in one command: API, UI and MLflow UI up, traffic replayed, drift report built,
the twin's test labels ingested as outcomes.

``make demo`` runs ``start`` after the twin, training and export steps; ``make demo-stop`` runs
``stop``; ``make demo-up`` runs ``start --services-only`` (the exported bundle served again, no
retraining, no traffic). Each service runs in its own process group, recorded with the
supervisor's pid in ``<state>/pids.json``: ``stop`` sends the supervisor SIGTERM, it stops every
service it started and exits (what is left is stopped from outside). The API key is
``CREDIT_API_KEY`` or the demo's own, kept in ``<state>/api_key`` (git-ignored data folder) so
it survives restarts. ``--exit-when-ready`` (or ``DEMO_EXIT_WHEN_READY=1``)
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
from collections.abc import Callable, Sequence
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


STOP_TIMEOUT_S = 10.0


class Stopped(Exception):
    """SIGTERM (``make demo-stop``) asked the supervisor to stop."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Stopped


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_groups(pids: dict[str, int], procs: dict[str, subprocess.Popen] | None = None) -> None:
    """SIGTERM each service's process group, SIGKILL what is left after ``STOP_TIMEOUT_S``.
    Our own children (``procs``) are reaped: an unreaped child stays a zombie whose group
    ``killpg(pid, 0)`` still finds."""
    procs = procs or {}
    for pid in pids.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for name, pid in pids.items():
        if name in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                procs[name].wait(timeout=max(deadline - time.monotonic(), 0.01))
        while _group_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        if name in procs:
            procs[name].wait()


def _run_step(name: str, cmd: list[str], env: dict[str, str], state: Path) -> None:
    """Run one step to completion, its output in ``<state>/<name>.log``."""
    log = state / f"{name}.log"
    print(f"  {name}: {' '.join(cmd[1:])}", flush=True)
    with log.open("w") as out:
        code = subprocess.call(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        raise DemoError(f"{name} failed with status {code}; see {log}")


def services(args: argparse.Namespace, key: str, features: str | None = None) -> list[Service]:
    """The long-running processes of the demo, in start order; the API reads the client
    history from the store ``features`` when given."""
    base = dict(os.environ)
    data = Path(args.data).resolve()
    mlflow_db = f"sqlite:///{data / 'mlflow' / 'mlflow.db'}"
    api_url = f"http://127.0.0.1:{args.api_port}"
    history = ["--features", features] if features else []
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
                *history,
            ],
            f"{api_url}/health",
            # the decision store: records, reviews and idempotency keys (docs/oversight.md)
            base
            | {"CREDIT_API_KEY": key, "DECISIONS_URI": f"sqlite:///{data / 'decisions.sqlite'}"},
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


def api_key(state: Path) -> str:
    """``CREDIT_API_KEY``, else the demo's own key kept in ``<state>/api_key`` (created once,
    mode 0600, under the git-ignored data folder), so a restart keeps the key."""
    if os.environ.get("CREDIT_API_KEY"):
        return os.environ["CREDIT_API_KEY"]
    path = state / "api_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


def _record(pids_file: Path) -> dict | None:
    """What a demo recorded: its supervisor's pid and its services' process groups."""
    if not pids_file.exists():
        return None
    raw = json.loads(pids_file.read_text())
    if "services" not in raw:  # the former flat format: services only
        return {"supervisor": None, "services": raw}
    return raw


def _write_record(pids_file: Path, pids: dict[str, int]) -> None:
    pids_file.write_text(json.dumps({"supervisor": os.getpid(), "services": pids}))


def store_uri(data: Path) -> str:
    """The demo's embedded feature store: ``<data>/features.sqlite``."""
    return f"sqlite:///{(data / 'features.sqlite').resolve()}"


SAMPLES = Path(__file__).resolve().parents[1] / "frontend" / "data"


def features_steps(data: Path, samples: Path = SAMPLES) -> list[tuple[str, list[str]]]:
    """Publish the twin's client history to the embedded store ``<data>/features.sqlite``, then
    lay the UI's sample clients' own history over it (the twin reuses their ``SK_ID_CURR``
    values for other people): their features and summaries from ``samples/sample_history``,
    and the samples without history there deleted. No steps when the twin folder has no
    history tables (``bureau.csv`` and the five others)."""
    twin = data / "twin"
    if not (twin / "bureau.csv").exists():
        return []
    store = store_uri(data)
    publish = [str(BIN / "credit"), "features", "publish", "--history", str(twin), "--to", store]
    overlay = [str(BIN / "credit"), "features", "publish", "--history"]
    overlay += [str(samples / "sample_history"), "--to", store, "--overlay"]
    overlay += ["--clients-from", str(samples / "sample_clients.csv")]
    return [("features", publish), ("sample-history", overlay)]


def start(args: argparse.Namespace) -> int:
    state = Path(args.data) / "demo"
    state.mkdir(parents=True, exist_ok=True)
    local_bundle = not args.bundle.startswith("s3://")
    if args.services_only and local_bundle and not (Path(args.bundle) / "current.json").exists():
        raise DemoError(f"no exported bundle in {args.bundle}: run `make demo` once first")
    key = api_key(state)
    data = Path(args.data)
    # the store is published before the API starts (the API checks it once, at start-up);
    # demo-up serves the last publication again
    publish = [] if args.services_only else features_steps(data)
    published = bool(publish) or (data / "features.sqlite").exists()
    svc = services(args, key, store_uri(data) if published else None)
    credit = str(BIN / "credit")
    traffic = [credit, "traffic", "--api", f"http://127.0.0.1:{args.api_port}", "--key", key]
    traffic += ["--data", str(data / "twin" / "application_test.csv")]
    traffic += ["--rows", str(args.traffic_rows), "--rate", str(args.traffic_rate)]
    drift = [credit, "drift", "--production", "--bundle", args.bundle]
    drift += ["--logs", str(data / "requests"), "--out", str(data / "reports")]
    # the twin's test labels stand for the outcomes observed later (refused ones are dropped)
    labels = [credit, "outcomes", "from-labels", str(data / "twin" / "application_test_labels.csv")]
    labels += ["--out", str(state / "outcomes.csv")]
    outcomes = [credit, "outcomes", "ingest", str(state / "outcomes.csv"), "--logs"]
    outcomes += [str(data / "requests"), "--out", str(data / "outcomes")]
    outcomes += ["--reports", str(data / "reports"), "--bundle", args.bundle]
    steps = [("traffic", traffic), ("drift", drift), ("outcomes-file", labels)]
    steps = [] if args.services_only else [*steps, ("outcomes", outcomes)]
    ports = (args.api_port, args.mlflow_port, args.ui_port)

    def ready(elapsed: float) -> None:
        latest = data / "reports" / "latest.json"
        report = "none yet (make drift)"
        if latest.exists():
            report = str(
                (data / "reports" / json.loads(latest.read_text())["report_key"]).resolve()
            )
        print(
            f"\nReady in {elapsed:.0f} s (state in {state})\n"
            f"  API        http://127.0.0.1:{args.api_port}  (docs /docs; X-API-Key: {key})\n"
            f"  UI         http://127.0.0.1:{args.ui_port}\n"
            f"  MLflow UI  http://127.0.0.1:{args.mlflow_port}  (experiment credit-scoring)\n"
            f"  Drift      {report}\n"
            f"  Outcomes   {(data / 'outcomes' / 'outcomes.html').resolve()}\n",
            flush=True,
        )

    return run(
        state,
        svc,
        steps,
        ports=ports,
        exit_when_ready=args.exit_when_ready,
        ready=ready,
        prepare=publish,
    )


def run(
    state: Path,
    svc: list[Service],
    steps: Sequence[tuple[str, list[str]]] = (),
    ports: tuple[int, ...] = (),
    exit_when_ready: bool = False,
    ready: Callable[[float], None] | None = None,
    first: int = 2,
    prepare: Sequence[tuple[str, list[str]]] = (),
) -> int:
    """Run ``prepare`` (name, command) in order, launch ``svc[:first]``, run ``steps`` in order,
    launch the rest, then supervise until SIGTERM, Ctrl-C or a service's exit; every service is
    stopped on the way out.

    Returns 0 when asked to stop (or ``exit_when_ready``); raises DemoError if a service or a
    step fails. The record ``<state>/pids.json`` names this process and the services' groups."""
    pids_file = state / "pids.json"
    previous = _record(pids_file)
    if previous is not None:  # a previous demo left running
        _stop_record(previous)
    for port in ports:
        if not _port_free(port):
            raise DemoError(f"port {port} is already in use (make demo-stop, or set *_PORT)")
    started = time.monotonic()
    pids: dict[str, int] = {}
    procs: dict[str, subprocess.Popen] = {}
    former = signal.signal(signal.SIGTERM, _on_sigterm)  # from the start: no orphan services
    _write_record(pids_file, pids)
    try:
        for name, cmd in prepare:
            _run_step(name, cmd, dict(os.environ), state)
        for s in svc[:first]:
            _launch(s, state, pids, procs, pids_file)
        for name, cmd in steps:
            _run_step(name, cmd, dict(os.environ), state)
        for s in svc[first:]:
            _launch(s, state, pids, procs, pids_file)
        if ready is not None:
            ready(time.monotonic() - started)
        if exit_when_ready:
            return 0
        print("Ctrl-C (or make demo-stop) stops everything.", flush=True)
        name, code = supervise(procs)
        raise DemoError(f"the {name} service stopped (status {code}); see {state / name}.log")
    except (KeyboardInterrupt, Stopped):
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut cleanup
        _stop_groups(pids, procs)
        record = _record(pids_file)
        if record is not None and record.get("supervisor") == os.getpid():
            pids_file.unlink(missing_ok=True)
        signal.signal(signal.SIGTERM, former)


def supervise(procs: dict[str, subprocess.Popen], poll_s: float = 0.5) -> tuple[str, int]:
    """Wait until one of our services exits; (its name, its status). ``Popen.poll`` reaps it,
    where ``killpg(pid, 0)`` keeps finding the unreaped zombie's group forever."""
    while True:
        for name, proc in procs.items():
            if proc.poll() is not None:
                return name, proc.returncode
        time.sleep(poll_s)


def _launch(
    s: Service,
    state: Path,
    pids: dict[str, int],
    procs: dict[str, subprocess.Popen],
    pids_file: Path,
) -> None:
    """Start one service in its own process group, recorded before it is waited for (so a
    service that never gets ready is stopped too)."""
    log = state / f"{s.name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            s.cmd, env=s.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    pids[s.name] = proc.pid
    procs[s.name] = proc
    _write_record(pids_file, pids)
    _wait_http(s.health, proc, log, READY_TIMEOUT_S)
    print(f"  {s.name}: up ({s.health})", flush=True)


def _stop_record(record: dict) -> None:
    """Stop a recorded demo from outside: SIGTERM its supervisor (which stops its services and
    exits), then stop whatever services are left."""
    supervisor = record.get("supervisor")
    if supervisor and supervisor != os.getpid() and _pid_alive(supervisor):
        with contextlib.suppress(ProcessLookupError):
            os.kill(supervisor, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S + 5
        while _pid_alive(supervisor) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _pid_alive(supervisor):
            with contextlib.suppress(ProcessLookupError):
                os.kill(supervisor, signal.SIGKILL)
    _stop_groups(record.get("services", {}))


def stop(args: argparse.Namespace) -> int:
    pids_file = Path(args.data) / "demo" / "pids.json"
    record = _record(pids_file)
    if record is None:
        print("demo: nothing running")
        return 0
    _stop_record(record)
    pids_file.unlink(missing_ok=True)
    names = ", ".join(record.get("services", {})) or "nothing started yet"
    print(f"demo: stopped the supervisor and {names}")
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
        "--services-only",
        action="store_true",
        help="serve the exported bundle again: no traffic, no drift run (make demo-up)",
    )
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
