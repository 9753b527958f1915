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
    write_twin(root / "twin", TINY_TRAIN_ROWS, 1000, seed=5)
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
