"""Shared fixtures: the public statistics file and twins generated once per test session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from credit_training.twin.generate import Twin, generate_twin

REPO = Path(__file__).resolve().parents[1]
FIDELITY_TRAIN_ROWS = 120_000
FIDELITY_TEST_ROWS = 40_000
SEED = 20261128


def shared_stats_path() -> Path:
    """The read-only public statistics beside the repository (CI lays out ../shared too)."""
    override = os.environ.get("CREDIT_REFERENCE_STATS")
    return Path(override) if override else REPO.parent / "shared/reference/home_credit_stats.json"


@pytest.fixture(scope="session")
def shared_stats() -> dict:
    path = shared_stats_path()
    assert path.exists(), f"public statistics not found at {path} (set CREDIT_REFERENCE_STATS)"
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="session")
def twin() -> Twin:
    """A twin large enough for the fidelity tolerances (generated in a few seconds)."""
    return generate_twin(FIDELITY_TRAIN_ROWS, FIDELITY_TEST_ROWS, SEED)
