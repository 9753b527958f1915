"""`credit serve` runs the same app under uvicorn (loopback only)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_credit_serve_answers_health_and_scores(bundle_dir, applications, tmp_path):
    port = _free_port()
    env = os.environ | {"CREDIT_API_KEY": "serve-key", "BUNDLE_CACHE_DIR": str(tmp_path / "c")}
    cmd = [
        sys.executable,
        "-m",
        "credit_core.cli",
        "serve",
        "--bundle",
        str(bundle_dir),
        "--port",
        str(port),
        "--log-uri",
        str(tmp_path / "requests"),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a cold import under a loaded CI machine is slow
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("server exited: " + proc.stdout.read().decode())
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as r:
                    health = json.load(r)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not start: " + proc.stdout.read1().decode())
        assert health["model_loaded"] is True
        req = urllib.request.Request(
            f"{base}/v1/score",
            data=json.dumps(applications[0]).encode(),
            headers={"content-type": "application/json", "x-api-key": "serve-key"},
        )
        ids = []
        for _ in range(5):
            with urllib.request.urlopen(req, timeout=5) as r:
                answer = json.load(r)
            assert 0 < answer["probability"] < 1
            ids.append(answer["request_id"])
    finally:
        proc.terminate()  # SIGTERM: uvicorn shuts down, then the request log is flushed
        proc.wait(timeout=30)
    logged = [
        json.loads(line)["request_id"]
        for path in (tmp_path / "requests").rglob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert sorted(logged) == sorted(ids)  # queued writes flushed at shutdown, none lost
