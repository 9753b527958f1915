"""The docs pages render from the app's own files: in headless Chromium with every request
off the loopback blocked, directly and behind an API Gateway stage prefix (the real Lambda
handler behind a small HTTP-to-event bridge, as API Gateway calls it)."""

from __future__ import annotations

import asyncio
import base64
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import API_KEY, LambdaContext, build_runtime

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OPERATIONS = {
    ("POST", "/v1/score"),
    ("POST", "/v1/score/batch"),
    ("POST", "/v1/explain"),
    ("GET", "/v1/model"),
    ("GET", "/health"),
}


def _bridge(module) -> HTTPServer:
    """127.0.0.1 HTTP server turning each request into an API Gateway v2 event."""

    class Bridge(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            event = {
                "version": "2.0",
                "routeKey": "$default",
                "rawPath": url.path,
                "rawQueryString": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "requestContext": {
                    "http": {"method": self.command, "path": url.path, "sourceIp": "127.0.0.1"},
                    "requestId": f"req-{uuid.uuid4().hex[:12]}",
                    "stage": "$default",
                },
                "body": base64.b64encode(body).decode(),
                "isBase64Encoded": True,
            }
            out = module.handler(event, LambdaContext())
            payload = out.get("body") or ""
            data = base64.b64decode(payload) if out.get("isBase64Encoded") else payload.encode()
            self.send_response(out["statusCode"])
            for name, value in (out.get("headers") or {}).items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _serve

        def log_message(self, *args) -> None:  # quiet
            pass

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())  # Mangum runs the app on it, as in Lambda
        server.serve_forever()

    server = HTTPServer(("127.0.0.1", 0), Bridge)
    threading.Thread(target=run, daemon=True).start()
    return server


def _render(url: str, shot: Path) -> tuple[set[tuple[str, str]], list[str], str]:
    """Open the docs; return the listed operations, the blocked off-loopback requests and
    the page title. A screenshot is saved to ``shot``."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def only_loopback(route) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.route("**/*", only_loopback)
            page.goto(url)
            page.wait_for_selector(".opblock-summary", timeout=30_000)
            ops = {
                (
                    block.locator(".opblock-summary-method").inner_text().strip(),
                    block.locator(".opblock-summary-path").get_attribute("data-path"),
                )
                for block in page.locator(".opblock").all()
            }
            page.screenshot(path=str(shot), full_page=True)
            title = page.locator(".information-container .title").inner_text()
        finally:
            browser.close()
    return ops, blocked, title


@pytest.fixture
def chromium() -> str:
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it"
    return CHROMIUM


def _screenshot_dir(tmp_path: Path) -> Path:
    """The test's tmp folder, or CREDIT_SCREENSHOTS to keep the pictures somewhere known."""
    out = Path(os.environ.get("CREDIT_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.mark.parametrize("stage", ["", "/prod"])
def test_docs_render_offline_with_every_operation(
    chromium, bundle_dir, monkeypatch, tmp_path, stage
):
    module = build_runtime(
        tmp_path,
        MODEL_URI=str(bundle_dir),
        LOG_URI=str(tmp_path / "log"),
        CREDIT_API_KEY=API_KEY,
        STAGE_PREFIX=stage,
    )
    server = _bridge(module)
    shot = _screenshot_dir(tmp_path) / f"docs{stage.replace('/', '-') or '-root'}.png"
    try:
        url = f"http://127.0.0.1:{server.server_port}{stage}/docs"
        ops, blocked, title = _render(url, shot)
    finally:
        server.shutdown()
    assert blocked == []  # no CDN, no validator badge, no fonts
    assert ops >= OPERATIONS, ops
    assert "Prêt à Dépenser credit scoring" in title
    assert shot.stat().st_size > 20_000


def test_docs_pages_point_at_the_apps_own_files(bundle_dir, monkeypatch, tmp_path):
    module = build_runtime(
        tmp_path,
        MODEL_URI=str(bundle_dir),
        LOG_URI=str(tmp_path / "log"),
        CREDIT_API_KEY=API_KEY,
        STAGE_PREFIX="/prod",
    )
    from tests.api.conftest import Api

    api = Api(module, "")
    for page in ("/prod/docs", "/prod/redoc"):
        status, html, _ = api.call("GET", page, key=None)
        assert status == 200 and "/prod/static/docs/" in html
        assert "cdn." not in html and "fonts.googleapis" not in html
    for name, media in (("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "css")):
        status, text, headers = api.call("GET", f"/prod/static/docs/{name}", key=None)
        assert status == 200 and media in headers["content-type"] and len(text) > 10_000
    for name in ("../app.py", "index.html", "..%2Fapp.py"):
        assert api.call("GET", f"/prod/static/docs/{name}", key=None)[0] == 404


def test_try_it_out_on_post_score_sends_the_docs_example_and_gets_200(
    chromium, bundle_dir, tmp_path
):
    """Issue 17: the docs' own "Try it out" on POST /v1/score got a 422 (the id's maximum was
    published as a float and no example was given): now it scores the example."""
    from playwright.sync_api import sync_playwright

    module = build_runtime(
        tmp_path, MODEL_URI=str(bundle_dir), LOG_URI=str(tmp_path / "log"), CREDIT_API_KEY=API_KEY
    )
    server = _bridge(module)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1400})
                page.goto(f"http://127.0.0.1:{server.server_port}/docs")
                page.wait_for_selector(".opblock-summary", timeout=30_000)
                page.locator(".auth-wrapper button.authorize").click()
                page.locator(".auth-container input").first.fill(API_KEY)
                page.locator(".auth-btn-wrapper button.authorize").click()
                page.locator(".auth-btn-wrapper button.btn-done").click()
                block = page.locator(
                    '.opblock-post:has(.opblock-summary-path[data-path="/v1/score"])'
                )
                block.locator(".opblock-summary").click()
                block.locator("button.try-out__btn").click()
                block.locator("button.execute").click()
                status = block.locator(
                    ".live-responses-table tr.response .response-col_status"
                ).first
                status.wait_for(timeout=30_000)
                code = status.inner_text().strip()
                answer = block.locator(".live-responses-table .microlight").first.inner_text()
            finally:
                browser.close()
    finally:
        server.shutdown()
    assert code.split()[0] == "200", (code, answer[:500])
    assert '"probability"' in answer and '"sk_id_curr": 100001' in answer
