"""How far the twin's history tables are from the public statistics of the real ones.

Each check returns one row per column/statistic with the measured value, the public value, the
error and the tolerance (error / tolerance <= 1 passes), like the application report. Tables
are frames as read from the CSV (or built in memory); the applicant ids give the coverage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_training.twin import history_stats as hs

MISSING_TOL = 0.03
SHARE_TOL = 0.03
QUANTILE_TOL = 0.15  # of the public p25-p75 spread (or of |value| when the spread is 0)
COVERAGE_TOL = 0.03
ROWS_PER_KEY_REL_TOL = 0.2
SENTINEL_TOL = 0.03
ID_COLUMNS = ("SK_ID_CURR", "SK_ID_BUREAU", "SK_ID_PREV")
COLUMNS = ["table", "check", "column", "value", "public", "error", "tolerance"]


def _row(table, check, column, got, want, tol) -> tuple:
    return (table, check, column, float(got), float(want), abs(float(got) - float(want)), tol)


def column_report(table: str, df: pd.DataFrame) -> list[tuple]:
    """Missing rate, level shares (of non-missing rows) and quartiles of every column."""
    rows = []
    for c in hs.load()["columns"][table]:
        name = c["name"]
        values = df[name]
        rows.append(
            _row(table, "missing_rate", name, values.isna().mean(), c["missing_rate"], MISSING_TOL)
        )
        if name in ID_COLUMNS:
            continue
        if c["dtype"] == "object" or ("categories" in c and c.get("n_unique", 99) <= 12):
            shares = values.dropna().value_counts(normalize=True)
            for level in c["categories"]:
                got = shares.get(level["value"], 0.0)
                rows.append(
                    _row(
                        table,
                        "share",
                        f"{name}={level['value']}",
                        got,
                        level["share_of_non_missing"],
                        SHARE_TOL,
                    )
                )
        if c["dtype"] != "object" and "numeric_summary" in c:
            s = c["numeric_summary"]
            finite = values.dropna().to_numpy(dtype=float)
            finite = finite[finite != hs.SENTINEL] if table == "previous_application" else finite
            if not len(finite):
                continue
            q = np.quantile(finite, [0.25, 0.5, 0.75])
            spread = s["p75"] - s["p25"]
            for label, got in zip(("p25", "p50", "p75"), q, strict=True):
                want = s[label]
                if table == "previous_application" and want == hs.SENTINEL:
                    continue  # quartiles of the sentinel-inflated columns: see sentinel_report
                tol = QUANTILE_TOL * (spread if spread > 0 else max(abs(want), 1.0))
                rows.append(
                    _row(
                        table,
                        label,
                        name,
                        got,
                        want,
                        max(tol, 1.0 if c["dtype"] == "int64" else 0.0),
                    )
                )
    return rows


def coverage_report(tables: dict[str, pd.DataFrame], train_ids, test_ids) -> list[tuple]:
    """Share of each side's applicants without a row, per table."""
    rows = []
    for table, pub in hs.load()["relations"]["applicant_coverage"]["tables"].items():
        present = tables[table]["SK_ID_CURR"].unique()
        for side, ids in (("train", train_ids), ("test", test_ids)):
            got = 1.0 - np.isin(ids, present).mean()
            rows.append(
                _row(
                    table,
                    f"no_row_share_{side}",
                    "SK_ID_CURR",
                    got,
                    pub[f"{side}_share_without"],
                    COVERAGE_TOL,
                )
            )
    return rows


def volume_report(tables: dict[str, pd.DataFrame]) -> list[tuple]:
    """Rows per client and per loan, against the public means (relative tolerance)."""
    want = hs.rows_per_key()
    got = {
        "bureau_rows_per_client": _per(tables["bureau"], "SK_ID_CURR"),
        "previous_rows_per_client": _per(tables["previous_application"], "SK_ID_CURR"),
        "POS_rows_per_client": _per(tables["POS_CASH_balance"], "SK_ID_CURR"),
        "installments_rows_per_client": _per(tables["installments_payments"], "SK_ID_CURR"),
        "cc_rows_per_client": _per(tables["credit_card_balance"], "SK_ID_CURR"),
        "bureau_balance_rows_per_SK_ID_BUREAU": _per(tables["bureau_balance"], "SK_ID_BUREAU"),
        "POS_rows_per_SK_ID_PREV": _per(tables["POS_CASH_balance"], "SK_ID_PREV"),
        "installments_rows_per_SK_ID_PREV": _per(tables["installments_payments"], "SK_ID_PREV"),
        "cc_rows_per_SK_ID_PREV": _per(tables["credit_card_balance"], "SK_ID_PREV"),
    }
    return [
        _row("keys", "rows_per_key", k, v, want[k], ROWS_PER_KEY_REL_TOL * want[k])
        for k, v in got.items()
    ]


def _per(df: pd.DataFrame, key: str) -> float:
    return len(df) / max(df[key].nunique(), 1)


def linkage_report(tables: dict[str, pd.DataFrame]) -> list[tuple]:
    """Orphan shares: monthly ids absent from their parent table (public, of the child's ids)."""
    rel = hs.load()["relations"]["key_linkage"]
    bb = rel["SK_ID_BUREAU_bureau_to_bureau_balance"]
    prev_ids = tables["previous_application"]["SK_ID_PREV"].unique()
    rows = [
        _row(
            "bureau_balance",
            "orphan_share",
            "SK_ID_BUREAU",
            _orphans(tables["bureau_balance"]["SK_ID_BUREAU"], tables["bureau"]["SK_ID_BUREAU"]),
            bb["balance_ids_not_in_bureau_share_of_balance_ids"],
            0.02,
        ),
        _row(
            "bureau",
            "share_without_balance",
            "SK_ID_BUREAU",
            _orphans(tables["bureau"]["SK_ID_BUREAU"], tables["bureau_balance"]["SK_ID_BUREAU"]),
            bb["bureau_ids_without_balance_rows_share"],
            0.05,
        ),
    ]
    for table, key in (
        ("POS_CASH_balance", "SK_ID_PREV_previous_to_POS"),
        ("credit_card_balance", "SK_ID_PREV_previous_to_credit_card"),
        ("installments_payments", "SK_ID_PREV_previous_to_installments"),
    ):
        r = rel[key]
        child = next(v for k, v in r.items() if k.endswith("_not_in_previous"))
        ids = next(v for k, v in r.items() if k.endswith("_ids") and k != "previous_ids")
        got = _orphans(tables[table]["SK_ID_PREV"], prev_ids)
        rows.append(_row(table, "orphan_share", "SK_ID_PREV", got, child / ids, 0.02))
    return rows


def _orphans(child: pd.Series, parent) -> float:
    ids = child.unique()
    return float(1.0 - np.isin(ids, np.asarray(parent)).mean()) if len(ids) else 0.0


def sentinel_report(prev: pd.DataFrame) -> list[tuple]:
    """Share of the non-missing DAYS_* values equal to 365243, per column."""
    rows = []
    for name, s in hs.load()["relations"]["sentinel_365243_previous_application"][
        "columns"
    ].items():
        known = prev[name].dropna()
        got = (known == hs.SENTINEL).mean() if len(known) else 0.0
        rows.append(
            _row(
                "previous_application",
                "sentinel_share",
                name,
                got,
                s["share_of_non_null"],
                SENTINEL_TOL,
            )
        )
    return rows


def full_report(tables: dict[str, pd.DataFrame], train_ids, test_ids) -> pd.DataFrame:
    rows = []
    for table in hs.TABLES:
        rows += column_report(table, tables[table])
    rows += coverage_report(tables, train_ids, test_ids)
    rows += (
        volume_report(tables)
        + linkage_report(tables)
        + sentinel_report(tables["previous_application"])
    )
    report = pd.DataFrame(rows, columns=COLUMNS)
    return report.assign(ratio=report["error"] / report["tolerance"].where(report["tolerance"] > 0))


def worst_per_table(report: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` worst rows (error / tolerance) of each table."""
    return (
        report.sort_values("ratio", ascending=False)
        .groupby("table", sort=False)
        .head(n)
        .sort_values(["table", "ratio"], ascending=[True, False])
        .reset_index(drop=True)
    )
