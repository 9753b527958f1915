"""`credit ui`: registered through the credit.commands entry point; runs the app on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ui.conftest import free_port


def credit(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        # the installed console script: `python -m credit_core.cli` would define a second
        # UsageError class in __main__, one the dispatcher does not catch
        [str(Path(sys.executable).parent / "credit"), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw,
    )  # fmt: skip


def test_ui_without_api_url_is_a_one_line_usage_error():
    env = {k: v for k, v in os.environ.items() if k != "API_URL"}
    proc = credit("ui", env=env)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip().splitlines() == [
        "credit ui: error: set API_URL (or --api-url) to the scoring API, e.g. http://127.0.0.1:8000"
    ]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--api-url", "http://api.example.com"], "API_URL: plain http to api.example.com"),
        (["--api-url", "ftp://127.0.0.1"], "API_URL: not an http(s) URL"),
        (["--api-url", "http://127.0.0.1:8000", "--port", "99999"], "--port must be between"),
        (["--api-url", "https://a.example", "--reports-uri", "gopher://x"], "REPORTS_URI"),
    ],
)
def test_ui_refuses_unusable_settings_in_one_line(args, needle):
    proc = credit("ui", *args, env=dict(os.environ) | {"BATCH_CHUNK": ""})
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    (line,) = err.strip().splitlines()
    assert line.startswith("credit ui: error: ") and needle in line


@pytest.mark.slow
def test_ui_serves_the_app_on_loopback():
    port = free_port()
    proc = credit(
        "ui", "--api-url", "http://127.0.0.1:9", "--port", str(port), env=dict(os.environ)
    )
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=1
                ) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("credit ui did not start")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_ui_runs_where_community_cloud_does_and_reads_the_one_config():
    # Community Cloud runs `streamlit run` from the repository root and reads only
    # ROOT/.streamlit/config.toml; `credit ui` runs from ROOT too, so both apply the same file
    from credit_frontend import cli

    assert (cli.ROOT / ".streamlit" / "config.toml").is_file()
    assert not (cli.APP.parent / ".streamlit").exists()  # a second config would be ignored
    probe = (
        "from streamlit import config; config.get_config_options(force_reparse=True); "
        "print(config.get_option('theme.primaryColor'), config.get_option('client.toolbarMode'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=cli.ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["#0072B2", "viewer"]
