"""The app as Streamlit Community Cloud installs and starts it: a fresh Python environment with
only ``frontend/requirements.txt`` installed from the repository root (PyPI reached through uv and
its cache), ``streamlit run frontend/streamlit_app.py`` from the root. The rest of the UI tests run
inside the whole project's environment, where an import the hosted app lacks cannot show."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.ui.conftest import API_KEY, REPO, free_port

pytestmark = pytest.mark.slow  # builds an environment (seconds from uv's cache) and trains once

UV = REPO / ".tools" / "bin" / "uv"

# run by the hosted environment's Python: every page under AppTest against the live API
PAGES_CHECK = """
import sys
from streamlit.testing.v1 import AppTest

url, key = sys.argv[1:3]
at = AppTest.from_file("frontend/streamlit_app.py", default_timeout=60)
at.secrets["API_URL"], at.secrets["API_KEY"], at.secrets["REPORTS_URI"] = url, key, ""
at.run()
for page in ("app_pages/client.py", "app_pages/batch.py", "app_pages/monitoring.py"):
    at.switch_page(page).run()
    assert not at.exception, (page, [e.value for e in at.exception])
    print(page, "ok")
at.switch_page("app_pages/client.py").run()
at.selectbox(key="client_pick").select_index(1).run()
at.button(key="score_button").click().run()
assert not at.exception, [e.value for e in at.exception]
assert any("Approve" in m.value or "Refuse" in m.value for m in at.markdown), "no decision shown"
print("scored ok")
"""


@pytest.fixture(scope="module")
def hosted_python(tmp_path_factory) -> Path:
    """A new virtual environment with frontend/requirements.txt alone, installed from the root."""
    uv = str(UV) if UV.exists() else shutil.which("uv")
    assert uv, "uv not found (make install puts it in .tools/bin)"
    venv = tmp_path_factory.mktemp("hosted") / "venv"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, env=env
    )
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "-r",
            "frontend/requirements.txt",
        ],
        cwd=REPO,
        check=True,
        env=env,
        timeout=600,
    )
    return venv / "bin" / "python"


def test_the_hosted_environment_holds_only_the_requirements(hosted_python):
    code = "import credit_core.feature_meta, credit_core.contracts, credit_frontend"
    done = subprocess.run([hosted_python, "-c", code], cwd=REPO, capture_output=True, text=True)
    # credit_frontend is not installed: Streamlit puts the entry script's folder on the path
    assert "No module named 'credit_frontend'" in done.stderr
    for absent in ("lightgbm", "credit_api", "credit_training", "credit_monitoring"):
        missing = subprocess.run([hosted_python, "-c", f"import {absent}"], capture_output=True)
        assert missing.returncode != 0, f"{absent} should not be installed"


def test_every_page_runs_and_scores_in_the_hosted_environment(hosted_python, api):
    done = subprocess.run(
        [hosted_python, "-c", PAGES_CHECK, api.url, API_KEY],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "scored ok" in done.stdout


def test_streamlit_run_starts_and_serves_the_app(hosted_python, api, tmp_path):
    port = free_port()
    env = {**os.environ, "API_URL": api.url, "API_KEY": API_KEY, "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [
            hosted_python,
            "-m",
            "streamlit",
            "run",
            "frontend/streamlit_app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert health is not None and health.text == "ok", "streamlit did not become healthy"
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and "<noscript>" in page.text
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "Traceback" not in out and "Error" not in out, out
