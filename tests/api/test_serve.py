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
        for _ in range(600):  # up to 2 min: imports are slow on a loaded machine
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
        with urllib.request.urlopen(req, timeout=5) as r:
            assert 0 < json.load(r)["probability"] < 1
        assert list((tmp_path / "requests").rglob("*.jsonl"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
