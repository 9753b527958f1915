"""Data files are generated, never committed: the tracked tree holds code, docs and tiny fixtures."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = {"frontend/data/sample_clients.csv"}  # 25 rows of the twin's test table
# the six history files with their real headers and a few invented rows (layout check)
FIXTURES |= {
    f"tests/data/history_fixture/{name}.csv"
    for name in (
        "bureau",
        "bureau_balance",
        "previous_application",
        "POS_CASH_balance",
        "installments_payments",
        "credit_card_balance",
    )
}
# the twin's history of 20 of the 25 sample clients (the other five have none), for the UI
FIXTURES |= {
    f"frontend/data/sample_history/{name}.csv"
    for name in (
        "bureau",
        "bureau_balance",
        "previous_application",
        "POS_CASH_balance",
        "installments_payments",
        "credit_card_balance",
    )
}
DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".lgb", ".db", ".sqlite", ".pkl", ".joblib")
MAX_BYTES = 1_000_000  # uv.lock, the largest legitimate file, is about half of it


def tracked() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    return [p for p in out.split("\0") if p]


def test_no_generated_data_or_model_file_is_tracked():
    files = tracked()
    assert "README.md" in files  # a real listing, not an empty one
    data = [p for p in files if p.endswith(DATA_SUFFIXES) and p not in FIXTURES]
    assert not data, f"generated data committed: {data[:10]}"
    large = [p for p in files if (REPO / p).is_file() and (REPO / p).stat().st_size > MAX_BYTES]
    assert not large, f"files over {MAX_BYTES:,} bytes: {large}"
