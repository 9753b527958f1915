"""The six history tables of the twin: files, keys, coverage, volume, marginals, sentinels.

One small twin (in memory, plus one tiny twin written to CSV) is shared by the module; the
tolerances are those of :mod:`credit_training.twin.history_fidelity` (stated there).
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from credit_core.history.layout import check_history_folder
from credit_training.twin import history_fidelity as hf
from credit_training.twin import history_stats as hs
from credit_training.twin.generate import applicants, generate_twin, write_twin
from credit_training.twin.history import FILES, build_history, dtypes
from tests.conftest import shared_stats_path

TRAIN_ROWS, TEST_ROWS, SEED = 12_000, 3_000, 7
QUARTILE_TEST_TOL = 0.6  # of the public p25-p75 spread: the twin's known quartile gaps (README)


@pytest.fixture(scope="module")
def small():
    twin = generate_twin(TRAIN_ROWS, TEST_ROWS, SEED)
    a = applicants(twin, SEED)
    tables = build_history(a, SEED)
    frames = {t: pd.DataFrame(cols) for t, cols in tables.items()}
    return twin, a, tables, frames


@pytest.fixture(scope="module")
def report(small):
    twin, _, _, frames = small
    return hf.full_report(frames, twin.train["SK_ID_CURR"], twin.test["SK_ID_CURR"])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("history")
    paths = write_twin(out, 1500, 400, seed=3)
    return out, paths


def test_packaged_statistics_are_the_shared_reference():
    shared = shared_stats_path().with_name(hs.STATS_FILE)
    if not shared.exists():
        pytest.skip("no ../shared beside the repository (the package carries its own copy)")
    assert hs.load() == json.loads(shared.read_text("utf-8"))


def test_shared_schema_agrees_with_the_public_statistics():
    for table in hs.TABLES:
        assert dtypes(table) == hs.column_dtypes(table), table


def test_files_have_the_kaggle_names_columns_and_dtypes(written):
    out, paths = written
    for table in hs.TABLES:
        assert paths[table] == out / f"{table}.csv"
        df = pd.read_csv(paths[table])
        want = hs.column_dtypes(table)
        assert list(df.columns) == list(want), table
        got = {c: str(t) for c, t in df.dtypes.items()}
        assert got == want, table
        assert Counter(want.values()) == Counter(
            {k: v for k, v in hs.load()["meta"]["tables"][table]["dtype_counts_raw"].items()}
        )


def test_the_folder_passes_the_real_layout_check(written):
    out, _ = written
    layout = check_history_folder(out)
    assert layout.complete, layout.problems
    assert (out / "bureau.csv").read_text().startswith("SK_ID_CURR,SK_ID_BUREAU,CREDIT_ACTIVE")


def test_manifest_lists_history_files_and_drift(written):
    out, _ = written
    manifest = json.loads((out / "drift_manifest.json").read_text("utf-8"))
    assert manifest["history_files"] == FILES
    assert set(manifest["history_tables"]) >= {"credit_card_balance", "bureau_balance", "bureau"}


def test_application_only_twin_writes_no_history(tmp_path):
    paths = write_twin(tmp_path, 500, 100, seed=1, tables="application")
    assert set(paths) == {"train", "test", "labels", "manifest"}
    assert not any((tmp_path / f).exists() for f in FILES.values())
    assert "history_tables" not in json.loads(paths["manifest"].read_text("utf-8"))


def test_every_client_is_an_applicant_and_keys_are_unique(small):
    twin, _, _, f = small
    applicants_ = np.r_[twin.train["SK_ID_CURR"], twin.test["SK_ID_CURR"]]
    for table, df in f.items():
        if "SK_ID_CURR" in df:
            assert np.isin(df["SK_ID_CURR"], applicants_).all(), table
    assert f["bureau"]["SK_ID_BUREAU"].is_unique
    assert f["previous_application"]["SK_ID_PREV"].is_unique
    assert not f["bureau_balance"].duplicated(["SK_ID_BUREAU", "MONTHS_BALANCE"]).any()
    for table in ("POS_CASH_balance", "credit_card_balance"):
        assert not f[table].duplicated(["SK_ID_PREV", "MONTHS_BALANCE"]).any(), table
    # several payment rows may settle one instalment: they share its due day and amount
    inst = f["installments_payments"]
    due = inst[["SK_ID_PREV", "NUM_INSTALMENT_NUMBER", "DAYS_INSTALMENT", "AMT_INSTALMENT"]]
    assert not due.drop_duplicates()[["SK_ID_PREV", "NUM_INSTALMENT_NUMBER"]].duplicated().any()
    pos, cc = set(f["POS_CASH_balance"]["SK_ID_PREV"]), set(f["credit_card_balance"]["SK_ID_PREV"])
    assert not pos & cc  # POS and card loans never share an id


def test_monthly_rows_belong_to_the_client_of_their_loan(small):
    _, _, tables, f = small
    owner = pd.Series(
        tables["previous_application"]["SK_ID_CURR"],
        index=tables["previous_application"]["SK_ID_PREV"],
    )
    for table in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
        df = f[table]
        known = df["SK_ID_PREV"].isin(owner.index)
        assert (
            owner.reindex(df.loc[known, "SK_ID_PREV"]).to_numpy() == df.loc[known, "SK_ID_CURR"]
        ).all()


@pytest.mark.parametrize(
    "check",
    [
        "no_row_share_train",
        "no_row_share_test",
        "rows_per_key",
        "orphan_share",
        "share_without_balance",
        "sentinel_share",
        "missing_rate",
        "share",
    ],
)
def test_structure_within_tolerance_of_public(report, check):
    rows = report[report["check"] == check]
    assert len(rows)
    worst = rows.loc[rows["ratio"].idxmax()]
    assert worst["ratio"] <= 1.0, worst.to_dict()


def test_quartiles_within_stated_tolerance(report):
    q = report[report["check"].isin(["p25", "p50", "p75"])]
    spread = q["tolerance"] / hf.QUANTILE_TOL
    ratio = q["error"] / np.maximum(QUARTILE_TEST_TOL * spread, q["tolerance"])
    worst = q.assign(r=ratio).sort_values("r").iloc[-1]
    assert worst["r"] <= 1.0, worst.to_dict()
    assert (q["ratio"] <= 1.0).mean() >= 0.85  # most quartiles within the report's own 0.15


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("previous_application", "SELLERPLACE_AREA"),  # -1 at 45.7% of all rows with the cash loans
        ("credit_card_balance", "AMT_PAYMENT_CURRENT"),  # small amounts outside billed months
        ("bureau", "DAYS_CREDIT_UPDATE"),  # closed credits before today, stale open ones
        ("bureau", "DAYS_ENDDATE_FACT"),  # early repayments spread over the credit's life
        ("installments_payments", "AMT_PAYMENT"),  # larger loans run longer (narrower annuities)
    ],
)
def test_former_worst_quartiles_within_the_reports_tolerance(report, table, column):
    q = report[(report["table"] == table) & (report["column"] == column)]
    q = q[q["check"].isin(["p25", "p50", "p75"])]
    assert len(q) == 3 and (q["ratio"] <= 1.0).all(), q.to_dict("records")


def test_interest_rates_on_the_published_frequent_values(small):
    # RATE_INTEREST_PRIMARY: 93% of the real known values are its 15 printed frequent rates
    rate = pd.Series(small[2]["previous_application"]["RATE_INTEREST_PRIMARY"]).dropna()
    printed = [
        v["value"]
        for v in hs.column("previous_application", "RATE_INTEREST_PRIMARY")["sweetviz_extras"][
            "most_frequent_values"
        ]
    ]
    assert len(rate) > 100
    assert rate.isin(np.round(printed, 9)).mean() == pytest.approx(0.93, abs=0.05)


def test_every_column_is_checked(report):
    for table in hs.TABLES:
        checked = set(report.loc[report["table"] == table, "column"].str.split("=").str[0])
        assert checked >= set(hs.column_dtypes(table)), table


def test_sentinels_only_where_the_real_table_has_them(small):
    _, _, _, f = small
    prev = f["previous_application"]
    sentinel_cols = set(hs.load()["relations"]["sentinel_365243_previous_application"]["columns"])
    for table, df in f.items():
        for col in df.select_dtypes("number").columns:
            if col.startswith("SK_ID"):
                continue
            has = (df[col] == hs.SENTINEL).any()
            assert has == (table == "previous_application" and col in sentinel_cols), (table, col)
    block = [*sentinel_cols, "NFLAG_INSURED_ON_APPROVAL"]
    nulls = prev[block].isna()
    assert (nulls.all(axis=1) | ~nulls.any(axis=1)).all()  # the DAYS_* block is known together
