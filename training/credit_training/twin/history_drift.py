"""How the history of test applicants differs from that of train applicants: the ground truth.

The history tables hold train and test applicants together; a drift is a difference between
the two groups' rows, per table and column. Public evidence: the drift report on the
"LightGBM with simple features" aggregates flags the card ATM drawings
(CC_CNT_DRAWINGS_ATM_CURRENT_MEAN) and the bureau status-1 share (BURO_STATUS_1_MEAN_MEAN), and
the applicant coverage of every table differs between train and test (e.g. 71.7% of train
applicants have no credit card, 65.8% of test applicants).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_training.twin import history_stats as hs
from credit_training.twin.effect import Measure, effect_size, is_material


@dataclass(frozen=True, slots=True)
class HistoryDrift:
    how: str
    measure: Measure
    per_client: bool = False  # measured on the per-applicant mean (like the public report)
    level: str | None = None  # per-client share of this level (categorical column)


HISTORY_DRIFTS: dict[str, dict[str, HistoryDrift]] = {
    "credit_card_balance": {
        "CNT_DRAWINGS_ATM_CURRENT": HistoryDrift(
            "test card holders draw at ATMs a third less often (public: CC_CNT_DRAWINGS_ATM_CURRENT_MEAN"
            " drifted, Wasserstein 0.14)",
            "wasserstein_iqr",
            per_client=True,
        ),
        "AMT_DRAWINGS_ATM_CURRENT": HistoryDrift(
            "follows the ATM drawing counts (public: CC_AMT_DRAWINGS_ATM_CURRENT_MEAN 0.08)",
            "wasserstein_iqr",
            per_client=True,
        ),
    },
    "bureau_balance": {
        "STATUS": HistoryDrift(
            "status 1 (1-30 days late) a quarter less frequent for test applicants (public:"
            " BURO_STATUS_1_MEAN_MEAN drifted, Wasserstein 0.11)",
            "wasserstein_iqr",
            per_client=True,
            level="1",
        ),
    },
}
COVERED = (
    "bureau",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
)
COVERAGE_HOW = "share of applicants without a row: public {train:.1%} train -> {test:.1%} test"


def _client_ids(
    table: str, cols: dict[str, np.ndarray], bureau: dict[str, np.ndarray]
) -> np.ndarray:
    if table == "bureau_balance":
        lookup = pd.Series(bureau["SK_ID_CURR"], index=bureau["SK_ID_BUREAU"])
        return lookup.reindex(cols["SK_ID_BUREAU"]).to_numpy()  # orphans: NaN
    return cols["SK_ID_CURR"]


def split_by_side(
    values: pd.Series, clients: np.ndarray, test_ids: np.ndarray, per_client: bool
) -> tuple[pd.Series, pd.Series]:
    """(train applicants' values, test applicants' values), per row or per-applicant mean."""
    frame = pd.DataFrame({"v": values.to_numpy(), "c": clients}).dropna(subset=["c"])
    if per_client:
        frame = frame.groupby("c", sort=False)["v"].mean().reset_index()
    test = np.isin(frame["c"].to_numpy(), test_ids)
    return frame.loc[~test, "v"], frame.loc[test, "v"]


def history_manifest(
    tables: dict[str, dict[str, np.ndarray]], train_ids: np.ndarray, test_ids: np.ndarray
) -> dict[str, dict[str, dict]]:
    """Per table and column: what changes for test applicants, and its measured effect size.

    ``SK_ID_CURR`` entries are the coverage change (share of the side's applicants without a
    row: ``missing_rate_change`` between sides). Effect sizes are measured on ``tables``.
    """
    out: dict[str, dict[str, dict]] = {}
    for table, drifts in HISTORY_DRIFTS.items():
        cols = tables[table]
        clients = _client_ids(table, cols, tables["bureau"])
        out[table] = {}
        for name, d in drifts.items():
            values = pd.Series(cols[name])
            if d.level is not None:
                values = (values == d.level).astype(float)
            train, test = split_by_side(values, clients, test_ids, d.per_client)
            size = effect_size(name, d.measure, train, test)
            out[table][name] = {
                "kind": "distribution",
                "how": d.how,
                "measured_on": "per-applicant mean"
                + (f" of STATUS == {d.level!r}" if d.level else ""),
                "effect_size": round(size, 6),
                "effect_measure": d.measure,
                "material": is_material(d.measure, size),
            }
    for table, entry in coverage_entries(tables, train_ids, test_ids).items():
        out.setdefault(table, {})["SK_ID_CURR"] = entry
    return out


def share_without(ids: np.ndarray, present: np.ndarray) -> float:
    return float(1.0 - np.isin(ids, present).mean()) if len(ids) else 0.0


def coverage_entries(
    tables: dict[str, dict[str, np.ndarray]], train_ids: np.ndarray, test_ids: np.ndarray
) -> dict[str, dict]:
    """Per table: the share of train/test applicants without a row (missing_rate_change)."""
    entries = {}
    for table in COVERED:
        pub = hs.load()["relations"]["applicant_coverage"]["tables"][table]
        present = np.unique(tables[table]["SK_ID_CURR"])
        train, test = share_without(train_ids, present), share_without(test_ids, present)
        size = abs(test - train)
        entries[table] = {
            "kind": "coverage",
            "how": COVERAGE_HOW.format(
                train=pub["train_share_without"], test=pub["test_share_without"]
            ),
            "measured_on": "share of the side's applicants without a row in the table",
            "train_share_without": round(train, 6),
            "test_share_without": round(test, 6),
            "effect_size": round(size, 6),
            "effect_measure": "missing_rate_change",
            "material": is_material("missing_rate_change", size),
        }
    return entries
