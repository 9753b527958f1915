"""The History section in Debian's Chromium (Playwright, never `playwright install`) against
`streamlit run` and the real API with the sample clients' history store: a client with a long
history and one without, in English and French. Screenshots go to build/history_screenshots/
(copied to docs/screenshots/ when they change: they are read, not compared)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ui.conftest import API_KEY, APP, NO_HISTORY_CLIENT, REPO, RICH_CLIENT, free_port
from tests.ui.test_browser import CHROMIUM, FLAGS, TIMEOUT_MS, pick, settle

pytestmark = pytest.mark.slow

SHOTS = REPO / "build" / "history_screenshots"
SECTION = ".st-key-history"


@pytest.fixture(scope="module")
def history_app_url(history_api, tmp_path_factory):
    yield from run_app(history_api.url, tmp_path_factory)


def run_app(api_url: str, tmp_path_factory):
    """`streamlit run` against ``api_url``; yields the app's URL, stops it on close."""
    port = free_port()
    env = os.environ | {
        "API_URL": api_url,
        "API_KEY": API_KEY,
        "HOME": str(tmp_path_factory.mktemp("home")),
    }
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("streamlit did not start: " + log.read_text())
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def history_page(history_app_url):
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    yield from open_page(history_app_url)


def open_page(url: str):
    """Debian's Chromium on the app at ``url``, the client page loaded; yields the page."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium is required (apt-get install -y chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_context(viewport={"width": 1440, "height": 2200}).new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(url)
        pg.get_by_text("Find a client").wait_for()
        yield pg
        browser.close()


def shot(pg, name: str, folder: Path = SHOTS) -> Path:
    path = folder / f"{name}.png"
    settle(pg)
    pg.locator(SECTION).first.screenshot(path=str(path))
    return path


def test_history_with_and_without_in_english_and_french(history_page):
    pg = history_page
    pick(pg, RICH_CLIENT)
    section = pg.locator(SECTION)
    section.get_by_text("Credits at other lenders (credit bureau)").wait_for()
    section.locator(".js-plotly-plot .barlayer").first.wait_for()
    assert section.locator(".js-plotly-plot").count() == 2  # punctuality and card use
    assert section.get_by_text("Instalments due over the last 24 months: 65;").count() == 1
    shot(pg, "history_rich_en")

    pg.get_by_role("radio", name="Français").click()
    section.get_by_text("Crédits chez d'autres prêteurs (bureau de crédit)").wait_for()
    section.locator(".js-plotly-plot .barlayer").first.wait_for()
    shot(pg, "history_rich_fr")

    box = pg.locator('[data-testid="stSelectbox"]').filter(has_text="Numéro client")
    box.locator("input").click()
    box.locator("input").fill(str(NO_HISTORY_CLIENT))
    pg.keyboard.press("Enter")
    section.get_by_text(f"Aucun historique de crédit : le client {NO_HISTORY_CLIENT}").wait_for()
    assert section.locator(".js-plotly-plot").count() == 0
    shot(pg, "history_none_fr")

    pg.get_by_role("radio", name="English").click()
    section.get_by_text(f"No credit history: client {NO_HISTORY_CLIENT}").wait_for()
    shot(pg, "history_none_en")
