"""Every ``credit`` subcommand reports a user error as one line on stderr, exit status 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credit_core.cli import main


def _user_error(capsys, argv: list[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith(f"credit {argv[0]}: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_twin_refuses_zero_rows(capsys, tmp_path):
    _user_error(capsys, ["twin", "--out", str(tmp_path), "--train-rows", "0"], "--train-rows")


def test_twin_reports_an_output_it_cannot_write(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    argv = ["twin", "--out", str(blocker / "twin"), "--train-rows", "200", "--test-rows", "10"]
    _user_error(capsys, argv, "cannot write the twin")


def test_validate_reports_a_missing_data_folder(capsys, tmp_path):
    _user_error(capsys, ["validate", "--data", str(tmp_path / "nowhere")], "no data folder")


def test_train_reports_a_missing_data_folder(capsys, tmp_path):
    argv = ["train", "--data", str(tmp_path / "nowhere"), "--data-dir", str(tmp_path)]
    _user_error(capsys, argv, "no data folder or CSV file")


@pytest.mark.parametrize("content", ["", "SK_ID_CURR,AMT_CREDIT\n"])
def test_traffic_refuses_a_file_without_applications(capsys, tmp_path, content):
    data = tmp_path / "traffic.csv"
    data.write_text(content)
    argv = ["traffic", "--api", "http://127.0.0.1:9", "--key", "k", "--data", str(data)]
    _user_error(capsys, argv, str(data))


def test_train_reports_a_csv_without_the_target(capsys, tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("SK_ID_CURR,AMT_CREDIT\n1,1000\n")
    argv = ["train", "--data", str(table), "--data-dir", str(tmp_path)]
    _user_error(capsys, argv, "no target column 'TARGET'")


def test_train_reports_a_folder_without_the_files(capsys, tmp_path):
    argv = ["train", "--data", str(tmp_path), "--data-dir", str(tmp_path / "store")]
    _user_error(capsys, argv, "application_train.csv")


@pytest.mark.parametrize("rows", ["1", "2", "50"])
def test_twin_refuses_a_size_too_small_to_build(capsys, tmp_path, rows):
    # 1 row crashed in the target model's solve, 2 on a singular matrix, 50 divided by zero
    argv = ["twin", "--out", str(tmp_path), "--train-rows", rows, "--test-rows", "5"]
    _user_error(capsys, argv, "--train-rows must be at least 200")
    assert not any(tmp_path.iterdir())


def test_twin_of_the_smallest_size_builds(tmp_path):
    from credit_training.twin.generate import MIN_TRAIN_ROWS, generate_twin

    twin = generate_twin(MIN_TRAIN_ROWS, 1, seed=0)
    assert len(twin.train) == MIN_TRAIN_ROWS and twin.train["TARGET"].isin([0, 1]).all()
    with pytest.raises(ValueError, match="at least 200 train rows"):
        generate_twin(MIN_TRAIN_ROWS - 1, 1)


def test_train_refuses_an_unknown_target_column_of_the_home_credit_files(capsys, tmp_path):
    argv = ["train", "--data", str(tmp_path), "--data-dir", str(tmp_path), "--target-col", "NOPE"]
    _user_error(capsys, argv, "--target-col 'NOPE'", "'TARGET'")


@pytest.mark.parametrize("option", ["--fn-cost", "--fp-cost"])
@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_train_refuses_a_cost_that_is_not_positive(capsys, tmp_path, option, value):
    table = tmp_path / "table.csv"
    table.write_text("SK_ID_CURR,TARGET\n1,0\n")
    argv = ["train", "--data", str(table), "--data-dir", str(tmp_path), option, value]
    _user_error(capsys, argv, option.removeprefix("--").split("-")[0], "positive number")
    assert not (tmp_path / "mlflow").exists()  # refused before anything was created


def _train_with_store(tmp_path, uri: str) -> list[str]:
    table = tmp_path / "table.csv"
    table.write_text("SK_ID_CURR,TARGET\n1,0\n")
    return ["train", "--data", str(table), "--data-dir", str(tmp_path), "--tracking-uri", uri]


@pytest.mark.parametrize("uri", ["foo://bar", "s3://bucket/mlflow", "ftp://host/db"])
def test_train_refuses_an_unsupported_tracking_scheme(capsys, tmp_path, uri):
    _user_error(capsys, _train_with_store(tmp_path, uri), "unsupported tracking URI", "sqlite")


def test_train_refuses_an_unreachable_tracking_server_within_seconds(capsys, tmp_path):
    import socket
    import time

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    _user_error(capsys, _train_with_store(tmp_path, f"http://127.0.0.1:{port}"), "unreachable")
    assert time.monotonic() - start < 10


def test_a_silent_tracking_server_is_given_up_after_the_probe_timeout(tmp_path):
    import socket
    import time

    from credit_training import registry

    with socket.socket() as s:  # accepts connections (backlog), never answers
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        start = time.monotonic()
        with pytest.raises(registry.TrackingError, match=r"unreachable within 0\.5 s"):
            registry.check_tracking_uri(f"http://127.0.0.1:{s.getsockname()[1]}", timeout=0.5)
        assert time.monotonic() - start < 3


def test_train_refuses_an_unwritable_sqlite_store_before_training(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")  # a file where the store's folder should be: unwritable even as root
    uri = f"sqlite:///{blocker / 'mlflow.db'}"
    _user_error(capsys, _train_with_store(tmp_path, uri), "cannot write the MLflow store")


@pytest.mark.parametrize("to", ["ftp://host/bundles", "s3://", "s3:///prefix", ""])
def test_export_refuses_a_bad_destination_before_anything_else(capsys, tmp_path, to):
    _user_error(capsys, ["export", "--to", to, "--data-dir", str(tmp_path)])
    assert not (tmp_path / "mlflow").exists()


@pytest.mark.slow
def test_export_without_a_champion_says_so(capsys, tmp_path):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"  # an empty store, whatever MLflow's env says
    argv = ["export", "--to", str(tmp_path / "b"), "--tracking-uri", store]
    _user_error(capsys, argv, "no version with alias 'champion'", "credit train --promote")


@pytest.mark.slow
def test_export_of_an_unknown_version_says_so(capsys, trained_store, tmp_path):
    from credit_training.registry import default_tracking_uri

    store = default_tracking_uri(trained_store["root"])
    argv = ["export", "--to", str(tmp_path / "b"), "--tracking-uri", store, "--version", "99"]
    _user_error(capsys, argv, "no version '99'")


@pytest.fixture
def serve_env(monkeypatch, tmp_path):
    """``credit serve`` reads its settings from the environment: a clean one per test."""
    for name in (
        "MODEL_URI",
        "LOG_URI",
        "CREDIT_API_KEY",
        "API_KEY_PARAMETER",
        "STAGE",
        "POWERTOOLS_METRICS_DISABLED",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BUNDLE_CACHE_DIR", str(tmp_path / "cache"))
    from credit_api.observability import logger

    for handler in logger.handlers:  # bound to whichever capture was open at its creation
        monkeypatch.setattr(handler, "stream", io.StringIO())
    yield
    wired = {"MODEL_URI", "LOG_URI", "CREDIT_API_KEY", "POWERTOOLS_METRICS_DISABLED"}
    assert not wired & set(os.environ), "serve wired the app through the environment"


def test_serve_reports_a_missing_bundle(capsys, tmp_path, serve_env):
    _user_error(capsys, ["serve", "--bundle", str(tmp_path / "none")], "no model to serve")


def test_serve_reports_a_bad_bundle(capsys, tmp_path, serve_env):
    (tmp_path / "current.json").write_text(json.dumps({"version": "../../etc"}))
    _user_error(capsys, ["serve", "--bundle", str(tmp_path)], "not a plain version name")


def test_serve_refuses_an_unsupported_uri(capsys, serve_env):
    _user_error(capsys, ["serve", "--bundle", "http://example.com/b"], "unsupported location")


@pytest.mark.parametrize("port", ["99999", "0", "-1", "65536"])
def test_serve_refuses_a_port_it_cannot_listen_on(capsys, tmp_path, serve_env, port):
    """Issue 17: `--port 99999` announced 99999 and listened elsewhere."""
    line = _user_error(capsys, ["serve", "--bundle", str(tmp_path), "--port", port], "--port")
    assert port in line and "65535" in line


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAX_BATCH", "0"), ("MAX_BODY_BYTES", "-5"), ("MODEL_SHA256", "abc"), ("STAGE_PREFIX", "x/")],
)
def test_serve_names_an_unusable_setting(capsys, tmp_path, serve_env, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    _user_error(capsys, ["serve", "--bundle", str(tmp_path)], name)


def test_the_installed_command_prints_one_line_and_exits_2(tmp_path):
    out = subprocess.run(
        [Path(sys.executable).parent / "credit", "validate", "--data", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


@pytest.mark.slow  # creates an MLflow SQLite store (migrations: seconds)
def test_the_experiment_opens_as_model_training_in_mlflow_3(tmp_path):
    from mlflow import MlflowClient

    from credit_training import registry

    uri = registry.default_tracking_uri(tmp_path)
    first = registry.setup(uri, "kind-check", tmp_path)
    client = MlflowClient(uri)
    tags = client.get_experiment(first).tags
    assert tags[registry.EXPERIMENT_KIND_TAG] == "custom_model_development"
    # an experiment created before the tag existed gets it on the next run
    older = client.create_experiment("older", artifact_location=(tmp_path / "a").as_uri())
    assert registry.EXPERIMENT_KIND_TAG not in client.get_experiment(older).tags
    assert registry.setup(uri, "older", tmp_path) == older
    assert client.get_experiment(older).tags[registry.EXPERIMENT_KIND_TAG] == (
        "custom_model_development"
    )
