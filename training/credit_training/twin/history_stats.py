"""Public full-data statistics of the six history tables (the history twin's calibration target).

A copy of ``shared/reference/home_credit_history_stats.json`` ships with the package, so the twin
works without the shared folder; a test checks the copy against the original where it exists.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from credit_training.twin.reference import Numeric

STATS_FILE = "home_credit_history_stats.json"
SENTINEL = 365243
TABLES = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
)


@cache
def load() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(STATS_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def _columns(table: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in load()["columns"][table]}


def column_dtypes(table: str) -> dict[str, str]:
    """Column name -> pandas read_csv dtype ('int64', 'float64', 'object'), in file order."""
    cols = sorted(load()["columns"][table], key=lambda c: c["position"])
    return {c["name"]: c["dtype"] for c in cols}


def column(table: str, name: str) -> dict[str, Any]:
    return _columns(table)[name]


def numeric(table: str, name: str) -> Numeric:
    return Numeric.from_column(column(table, name))


def levels(table: str, name: str) -> tuple[list, list[float]]:
    """Level values and their shares of the non-missing rows, most frequent first."""
    cats = column(table, name)["categories"]
    total = sum(c["count"] for c in cats)
    return [c["value"] for c in cats], [c["count"] / total for c in cats]


def zero_share(table: str, name: str) -> float:
    """Share of all rows equal to 0 (Sweetviz n_zeros / rows)."""
    rows = load()["meta"]["tables"][table]["rows"]
    return column(table, name)["sweetviz_extras"]["n_zeros"] / rows


def coverage(table: str, side: str) -> float:
    """Share of the ``side`` applicants ('train'/'test') with at least one row in ``table``."""
    t = load()["relations"]["applicant_coverage"]["tables"][table]
    return 1.0 - t[f"{side}_share_without"]


def rows_per_key() -> dict[str, float]:
    return load()["relations"]["rows_per_key"]["derived_means"]
