"""Every ``credit`` subcommand reports a user error as one line on stderr, exit status 2."""

from __future__ import annotations

import io
import json
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
    argv = ["twin", "--out", str(blocker / "twin"), "--train-rows", "50", "--test-rows", "10"]
    _user_error(capsys, argv, "cannot write the twin")


def test_validate_reports_a_missing_data_folder(capsys, tmp_path):
    _user_error(capsys, ["validate", "--data", str(tmp_path / "nowhere")], "no data folder")


def test_train_reports_a_missing_data_folder(capsys, tmp_path):
    argv = ["train", "--data", str(tmp_path / "nowhere"), "--data-dir", str(tmp_path)]
    _user_error(capsys, argv, "no data folder or CSV file")


def test_train_reports_a_csv_without_the_target(capsys, tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("SK_ID_CURR,AMT_CREDIT\n1,1000\n")
    argv = ["train", "--data", str(table), "--data-dir", str(tmp_path)]
    _user_error(capsys, argv, "no target column 'TARGET'")


def test_train_reports_a_folder_without_the_files(capsys, tmp_path):
    argv = ["train", "--data", str(tmp_path), "--data-dir", str(tmp_path / "store")]
    _user_error(capsys, argv, "application_train.csv")


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
    """``credit serve`` sets these for the handler it imports: restored after the test."""
    for name in ("MODEL_URI", "LOG_URI", "CREDIT_API_KEY", "POWERTOOLS_METRICS_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BUNDLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delitem(sys.modules, "credit_api.handler", raising=False)
    from credit_api.observability import logger

    for handler in logger.handlers:  # bound to whichever capture was open at its creation
        monkeypatch.setattr(handler, "stream", io.StringIO())
    yield
    sys.modules.pop("credit_api.handler", None)  # its init read this test's environment


def test_serve_reports_a_missing_bundle(capsys, tmp_path, serve_env):
    _user_error(capsys, ["serve", "--bundle", str(tmp_path / "none")], "no model to serve")


def test_serve_reports_a_bad_bundle(capsys, tmp_path, serve_env):
    (tmp_path / "current.json").write_text(json.dumps({"version": "../../etc"}))
    _user_error(capsys, ["serve", "--bundle", str(tmp_path)], "not a plain version name")


def test_serve_refuses_an_unsupported_uri(capsys, serve_env):
    _user_error(capsys, ["serve", "--bundle", "http://example.com/b"], "unsupported location")


def test_the_installed_command_prints_one_line_and_exits_2(tmp_path):
    out = subprocess.run(
        [Path(sys.executable).parent / "credit", "validate", "--data", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
