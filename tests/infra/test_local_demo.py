"""The demo's supervisor (infra/local_demo.py) with short-lived dummy services (Python's
http.server on loopback ports): ``stop`` ends it and everything it started, SIGTERM is obeyed
at any time, a service that dies is noticed although the supervisor is its parent."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

INFRA = Path(__file__).resolve().parents[2] / "infra"
sys.path.insert(0, str(INFRA))
import local_demo  # noqa: E402


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _supervisor(state: Path, *, healthy: bool = True) -> subprocess.Popen:
    """A supervisor process running ``local_demo.run`` on two dummy services (the second never
    answers its health URL when not ``healthy``)."""
    ports = [_port(), _port()]
    health = [f"http://127.0.0.1:{ports[0]}/", f"http://127.0.0.1:{ports[1] if healthy else 9}/"]
    code = f"""
import sys
sys.path.insert(0, {str(INFRA)!r})
import local_demo as d
from pathlib import Path
local_demo_ready = lambda elapsed: print("READY", flush=True)
svc = [
    d.Service(f"dummy{{i}}", [sys.executable, "-m", "http.server", str(port), "--bind",
              "127.0.0.1"], url, {{}})
    for i, (port, url) in enumerate(zip({ports!r}, {health!r}))
]
d.READY_TIMEOUT_S = 60
raise SystemExit(d.run(Path({str(state)!r}), svc, ready=local_demo_ready, first=1))
"""
    state.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _services(state: Path) -> dict[str, int]:
    try:
        return json.loads((state / "pids.json").read_text())["services"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return {}


def _gone(pid: int) -> bool:
    return not local_demo._pid_alive(pid)


@pytest.fixture
def cleanup():
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:  # never leave a supervisor or a dummy behind, even on failure
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _services_seen.pop(proc.pid, {}).values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


_services_seen: dict[int, dict[str, int]] = {}


def _ready(proc: subprocess.Popen, state: Path) -> dict[str, int]:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "READY":
            break
    services = _services(state)
    _services_seen[proc.pid] = services
    assert set(services) == {"dummy0", "dummy1"}
    return services


def test_stop_ends_the_supervisor_and_its_services(tmp_path, capsys, cleanup):
    state = tmp_path / "demo"
    proc = _supervisor(state)
    cleanup.append(proc)
    services = _ready(proc, state)

    assert local_demo.main(["stop", "--data", str(tmp_path)]) == 0
    assert proc.wait(timeout=20) == 0  # it was still running forever before the fix
    assert all(_gone(pid) for pid in services.values())
    assert not (state / "pids.json").exists()
    assert "stopped the supervisor and dummy0, dummy1" in capsys.readouterr().out
    assert local_demo.main(["stop", "--data", str(tmp_path)]) == 0
    assert "nothing running" in capsys.readouterr().out


def test_a_service_that_dies_is_noticed_and_the_rest_stopped(tmp_path, cleanup):
    state = tmp_path / "demo"
    proc = _supervisor(state)
    cleanup.append(proc)
    services = _ready(proc, state)

    os.killpg(services["dummy0"], signal.SIGKILL)  # its parent, the supervisor, has not reaped it
    _out, err = proc.communicate(timeout=20)
    assert proc.returncode != 0 and "the dummy0 service stopped" in err
    assert _gone(services["dummy1"])


def test_sigterm_during_start_up_stops_what_was_started(tmp_path, cleanup):
    state = tmp_path / "demo"
    proc = _supervisor(state, healthy=False)  # waits (up to a minute) for dummy1's health
    cleanup.append(proc)
    _wait_for(lambda: len(_services(state)) == 2)
    services = _services(state)
    _services_seen[proc.pid] = services

    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert time.monotonic() - start < 15
    assert all(_gone(pid) for pid in services.values())


def test_the_demo_key_is_kept_between_starts_and_not_world_readable(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDIT_API_KEY", raising=False)
    first = local_demo.api_key(tmp_path)
    assert local_demo.api_key(tmp_path) == first and len(first) >= 32
    assert (tmp_path / "api_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("CREDIT_API_KEY", "from-the-environment")
    assert local_demo.api_key(tmp_path) == "from-the-environment"


def test_services_only_needs_an_exported_bundle(tmp_path, capsys):
    argv = ["start", "--services-only", "--data", str(tmp_path), "--bundle", str(tmp_path / "b")]
    assert local_demo.main(argv) == 2
    assert "run `make demo` once first" in capsys.readouterr().err


def test_the_demo_publishes_the_twins_history_to_the_embedded_store(tmp_path, monkeypatch):
    assert local_demo.features_steps(tmp_path) == []  # an application-only twin: no step
    (tmp_path / "twin").mkdir()
    (tmp_path / "twin/bureau.csv").write_text("SK_ID_CURR\n")
    store = f"sqlite:///{(tmp_path / 'features.sqlite').resolve()}"
    (name, cmd), (overlay_name, overlay) = local_demo.features_steps(tmp_path)
    assert name == "features"
    assert cmd[1:5] == ["features", "publish", "--history", str(tmp_path / "twin")]
    assert cmd[5:] == ["--to", store]
    # then the UI's sample clients' own history over the twin's (tests/ui/test_demo_history.py
    # runs both steps on a twin and reads the store)
    samples = local_demo.SAMPLES
    assert overlay_name == "sample-history"
    assert overlay[1:] == [
        "features", "publish", "--history", str(samples / "sample_history"), "--to", store,
        "--overlay", "--clients-from", str(samples / "sample_clients.csv"),
    ]  # fmt: skip
    # `start` runs them before any service (the API checks its store at start-up) and serves
    # with the store; --services-only does not publish again but serves the last publication
    seen: list[tuple] = []

    def run(state, svc, steps, **kw):
        seen.append((kw.get("prepare"), steps, svc[0].cmd))
        return 0

    monkeypatch.setattr(local_demo, "run", run)
    base = ["start", "--data", str(tmp_path), "--bundle", str(tmp_path / "b")]
    assert local_demo.main(base) == 0
    prepare, steps, api = seen[-1]
    assert [n for n, _ in prepare] == ["features", "sample-history"]
    assert [n for n, _ in steps][:2] == ["traffic", "drift"]
    assert api[-2:] == ["--features", store]
    (tmp_path / "b").mkdir()
    (tmp_path / "b/current.json").write_text("{}")
    assert local_demo.main([*base, "--services-only"]) == 0
    assert seen[-1][:2] == ([], []) and "--features" not in seen[-1][2]  # nothing published
    (tmp_path / "features.sqlite").write_bytes(b"")
    assert local_demo.main([*base, "--services-only"]) == 0
    assert seen[-1][2][-2:] == ["--features", store]
