"""Shared fixtures: the public statistics file and twins generated once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from credit_training.twin import reference
from credit_training.twin.generate import Twin, generate_twin

REPO = Path(__file__).resolve().parents[1]
FIDELITY_TRAIN_ROWS = 120_000
FIDELITY_TEST_ROWS = 40_000
SEED = 20261128


REGION = "eu-west-3"


@pytest.fixture
def aws(monkeypatch):
    """moto S3/SSM in-process; yields an S3 client in REGION (the project's cached client is reset)."""
    import boto3
    from moto import mock_aws

    from credit_core import storage

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        storage.s3_client.cache_clear()
        yield boto3.client("s3", region_name=REGION)
    storage.s3_client.cache_clear()


def shared_stats_path() -> Path:
    """The read-only public statistics beside the repository, where a checkout has them (the
    maintainers' layout; a clone from GitHub has no ``../shared``)."""
    override = os.environ.get("CREDIT_REFERENCE_STATS")
    return Path(override) if override else REPO.parent / "shared/reference/home_credit_stats.json"


@pytest.fixture(scope="session")
def shared_stats() -> dict:
    """The public statistics as the package ships them (a copy of ``../shared``'s file, checked
    against it by ``tests/data/test_schema.py`` where that folder exists)."""
    return reference.load_stats()


@pytest.fixture(scope="session")
def twin() -> Twin:
    """A twin large enough for the fidelity tolerances (generated in a few seconds)."""
    return generate_twin(FIDELITY_TRAIN_ROWS, FIDELITY_TEST_ROWS, SEED)


# --- a small trained model, shared by the training, export and explanation tests -------------

TINY_TRAIN_ROWS = 8000


@pytest.fixture(scope="session")
def tiny_profile():
    from credit_training.candidates import PROFILES

    return PROFILES["tiny"]


@pytest.fixture(scope="session")
def trained(tmp_path_factory, tiny_profile):
    """One training run on an 8,000-row twin into a throw-away MLflow store."""
    from credit_training.train import TrainConfig, run_training
    from credit_training.twin.generate import write_twin

    root = tmp_path_factory.mktemp("trained")
    # application only: the shared tiny model stays as fast and as served as before; training
    # with history has its own run (tests/model/test_training_history.py)
    write_twin(root / "twin", TINY_TRAIN_ROWS, 1000, seed=5, tables="application")
    cfg = TrainConfig(data=root / "twin", profile=tiny_profile, data_dir=root)
    summary = run_training(cfg)
    return {"root": root, "cfg": cfg, "summary": summary}


@pytest.fixture
def trained_store(trained):
    """Point MLflow at the shared run's store (another test may have moved the global URI)."""
    import mlflow

    from credit_training.registry import default_tracking_uri

    mlflow.set_tracking_uri(default_tracking_uri(trained["root"]))
    return trained


HISTORY_TRAIN_ROWS = 2000


@pytest.fixture(scope="session")
def trained_with_history(tmp_path_factory, tiny_profile):
    """One training run on a 2,000-row twin with six small history tables covering 70% of its
    applicants (one imbalance strategy: the pipeline is the same, the runtime a third); the
    run's log lines are kept. ``root / "twin"`` is the folder of all seven tables."""
    import logging
    from dataclasses import replace

    import mlflow

    from credit_training.data import load_application
    from credit_training.registry import default_tracking_uri
    from credit_training.train import TrainConfig, run_training
    from credit_training.twin.generate import write_twin
    from tests.model.history_tables import write_history_tables

    root = tmp_path_factory.mktemp("history_run")
    # application tables from the twin, history tables of our own (a label-tied signal)
    write_twin(root / "twin", HISTORY_TRAIN_ROWS, 100, seed=11, tables="application")
    train = load_application(root / "twin")
    write_history_tables(root / "twin", train["SK_ID_CURR"].to_numpy(), train["TARGET"].to_numpy())
    profile = replace(tiny_profile, strategies=("none",))
    cfg = TrainConfig(data=root / "twin", profile=profile, data_dir=root)
    logger = logging.getLogger("credit.train")
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        summary = run_training(cfg)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    mlflow.set_tracking_uri(default_tracking_uri(root))
    return {"root": root, "summary": summary, "lines": lines, "train": train}


@pytest.fixture(scope="session")
def history_bundle_dir(trained_with_history, tmp_path_factory) -> Path:
    """The with-history champion exported with the real exporter to a local folder."""
    import mlflow

    from credit_training.export import export_bundle
    from credit_training.registry import default_tracking_uri

    mlflow.set_tracking_uri(default_tracking_uri(trained_with_history["root"]))
    out = tmp_path_factory.mktemp("history-bundle")
    export_bundle(str(out), version=trained_with_history["summary"]["registered_version"])
    return out
