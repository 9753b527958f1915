"""UI fixtures: the real scoring API served on loopback (uvicorn in a thread) with the tiny
trained bundle, the app under AppTest, and summaries in the monitoring job's shape."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from credit_core.contracts import (
    ColumnDrift,
    DriftSummary,
    Performance,
    PredictionDrift,
    RankedColumn,
    Window,
    encode_pretty,
)

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "frontend" / "streamlit_app.py"
SAMPLE = REPO / "frontend" / "data" / "sample_clients.csv"
API_KEY = "ui-test-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    url: str
    key: str
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app) -> Served:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a daemon thread until ``stop``."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    return Served(f"http://127.0.0.1:{port}", API_KEY, server, thread)


def build_app(model_uri: str, tmp: Path, features_uri: str | None = None):
    """The API exactly as ``credit serve`` builds it (settings, state, key provider)."""
    from credit_api import auth
    from credit_api.app import create_app
    from credit_api.settings import Settings
    from credit_api.state import load_state

    settings = Settings(
        model_uri=model_uri,
        log_uri=str(tmp / "requests"),
        cache_dir=str(tmp / "cache"),
        api_key=API_KEY,
        features_uri=features_uri,
        decisions_uri=f"sqlite:///{tmp / 'decisions.sqlite'}",
    )
    return create_app(settings, load_state(settings), auth.static_hash_provider(API_KEY))


@pytest.fixture(scope="session")
def ui_bundle(request, tmp_path_factory) -> Path:
    """The session's tiny trained model, exported with the real exporter (or, to iterate on the
    UI without retraining, an exported bundle folder named by CREDIT_UI_BUNDLE)."""
    import os

    if os.environ.get("CREDIT_UI_BUNDLE"):
        return Path(os.environ["CREDIT_UI_BUNDLE"])
    trained = request.getfixturevalue("trained")
    import mlflow

    from credit_training.export import export_bundle
    from credit_training.registry import default_tracking_uri

    mlflow.set_tracking_uri(default_tracking_uri(trained["root"]))
    out = tmp_path_factory.mktemp("ui-bundle")
    export_bundle(str(out), version=trained["summary"]["registered_version"])
    return out


@pytest.fixture(scope="session")
def api(ui_bundle, tmp_path_factory) -> Iterator[Served]:
    served = serve(build_app(str(ui_bundle), tmp_path_factory.mktemp("api")))
    yield served
    served.stop()


SAMPLE_HISTORY = REPO / "frontend" / "data" / "sample_history"
RICH_CLIENT, NO_HISTORY_CLIENT = 100009, 100008  # a sample client with a long history, one without


@pytest.fixture(scope="session")
def history_store(tmp_path_factory) -> str:
    """The sample clients' history published with the real command into an embedded store."""
    from credit_core.cli import main

    uri = f"sqlite:///{tmp_path_factory.mktemp('store')}/features.sqlite"
    args = ["features", "publish", "--history", str(SAMPLE_HISTORY), "--to", uri]
    assert main([*args, "--as-of", "2026-11-30", "--memory-limit", "1GB"]) == 0
    return uri


@pytest.fixture(scope="session")
def history_api(ui_bundle, history_store, tmp_path_factory) -> Iterator[Served]:
    """The API with the tiny model and the sample clients' history store."""
    served = serve(build_app(str(ui_bundle), tmp_path_factory.mktemp("api-h"), history_store))
    yield served
    served.stop()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> dict:
    """What ``make demo`` publishes, on a 2,000-row twin (seed 42, the demo's): the demo's own
    steps (infra/local_demo.py: the twin's history, then the sample clients' laid over it)
    run with the real CLI. ``{"uri", "twin"}``."""
    import sys

    from credit_core.cli import main

    sys.path.insert(0, str(REPO / "infra"))
    import local_demo

    data = tmp_path_factory.mktemp("demo")
    twin = ["twin", "--out", str(data / "twin"), "--train-rows", "1600", "--test-rows", "400"]
    assert main(twin) == 0
    steps = local_demo.features_steps(data)
    assert [name for name, _ in steps] == ["features", "sample-history"]
    for _, cmd in steps:
        assert cmd[0] == str(local_demo.BIN / "credit")
        assert main([*cmd[1:], "--memory-limit", "1GB"]) == 0
    return {"uri": local_demo.store_uri(data), "twin": data / "twin"}


@pytest.fixture(scope="session")
def demo_api(ui_bundle, demo_store, tmp_path_factory) -> Iterator[Served]:
    """The API with the tiny model and the demo's store (twin + sample clients)."""
    served = serve(build_app(str(ui_bundle), tmp_path_factory.mktemp("api-d"), demo_store["uri"]))
    yield served
    served.stop()


@pytest.fixture(scope="session")
def api_without_model(tmp_path_factory) -> Iterator[Served]:
    """The same API started on an empty bundle location: every model route answers 503."""
    tmp = tmp_path_factory.mktemp("api-503")
    served = serve(build_app(str(tmp / "no-bundle"), tmp))
    yield served
    served.stop()


def summary(generated_at: str, drift_share: float, default_rate: float, run: str) -> DriftSummary:
    """A production drift summary as the monitoring job writes it (the contract's own struct)."""
    columns = [
        ColumnDrift(
            name="EXT_SOURCE_3",
            method="psi_missing_rate",
            score=0.31,
            threshold=0.1,
            drifted=True,
            missing_rate_reference=0.19,
            missing_rate_current=0.35,
            importance_share=0.12,
            values_psi=0.02,
            missing_psi=0.31,
        ),
        ColumnDrift(
            name="AMT_INCOME_TOTAL",
            method="psi_deciles",
            score=0.14,
            threshold=0.1,
            drifted=True,
            missing_rate_reference=0.0,
            missing_rate_current=0.0,
            importance_share=0.03,
            values_psi=0.14,
            missing_psi=0.0,
        ),
        ColumnDrift(
            name="DAYS_BIRTH",
            method="psi_deciles",
            score=0.02,
            threshold=0.1,
            drifted=False,
            missing_rate_reference=0.0,
            missing_rate_current=0.0,
            importance_share=0.05,
            values_psi=0.02,
            missing_psi=0.0,
        ),
    ]
    drifted = [c for c in columns if c.drifted]
    day = generated_at[:10]
    return DriftSummary(
        status="ok",
        generated_at=generated_at,
        window=Window(since=f"{day}T00:00:00Z", until=generated_at),
        model_version="1",
        rows=1200,
        malformed_lines=0,
        outside_window_lines=0,
        drift_share=drift_share,
        drifted_columns=len(drifted),
        columns=columns,
        top_drifted=[
            RankedColumn(
                rank=r,
                name=c.name,
                method=c.method,
                score=c.score,
                threshold=c.threshold,
                importance_share=c.importance_share,
                priority=c.score * (c.importance_share or 0.0),
                rank_by_score=r,
                rank_by_importance=r,
            )
            for r, c in enumerate(drifted, 1)
        ],
        prediction_drift=PredictionDrift(
            method="psi_deciles", score=0.08, threshold=0.1, drifted=False
        ),
        refusal_rate=0.27,
        mean_probability=0.11,
        threshold=0.42,
        estimated=Performance(
            default_rate=default_rate,
            business_cost_per_application=0.61,
            refusal_rate=0.27,
            roc_auc=0.74,
        ),
        training=Performance(
            default_rate=0.081,
            business_cost_per_application=0.52,
            refusal_rate=0.25,
            mean_probability=0.1,
        ),
        warnings_by_field={"AMT_INCOME_TOTAL": {"outside_training_range": 4}},
        warnings_by_kind={"outside_training_range": 4},
        report_key=f"dt={day}/{run}/report.html",
    )


RUNS = [
    ("2026-11-28T06:00:00Z", 0.05, 0.082, "r1"),
    ("2026-11-29T06:00:00Z", 0.12, 0.090, "r2"),
    ("2026-11-30T06:00:00Z", 0.25, 0.104, "r3"),
]


def write_reports(root: Path) -> Path:
    """A reports root laid out like the monitoring job's output: three runs and latest.json."""
    for at, share, rate, run in RUNS:
        s = summary(at, share, rate, run)
        folder = root / f"dt={at[:10]}" / run
        folder.mkdir(parents=True)
        (folder / "summary.json").write_bytes(encode_pretty(s))
        (folder / "report.html").write_text(
            f"<html><body><h1>Drift report {run}</h1></body></html>"
        )
    (root / "latest.json").write_bytes(encode_pretty(s))
    return root


@pytest.fixture
def reports_dir(tmp_path) -> Path:
    return write_reports(tmp_path)
