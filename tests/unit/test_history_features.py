"""History features on hand-made tiny tables with known answers, the "no history" values, the
point-in-time rule, batch vs per-client parity and the definitions' digest."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_core.history import definitions, engine
from credit_core.history.tables import TABLES

LATE, REFUSED, CARD, BUREAU, POS, NONE = 1, 2, 3, 5, 6, 4  # SK_ID_CURR of the tiny clients


def table(name: str, rows: list[dict]) -> pd.DataFrame:
    """A frame with every Kaggle column of ``name`` (absent fields missing)."""
    return pd.DataFrame([{col: row.get(col, np.nan) for col, _ in TABLES[name]} for row in rows])


def instalment(client, number, due_day, paid_day, due=1000.0, paid=None, prev=None):
    return {
        "SK_ID_PREV": prev or 10 * client,
        "SK_ID_CURR": client,
        "NUM_INSTALMENT_VERSION": 1.0,
        "NUM_INSTALMENT_NUMBER": number,
        "DAYS_INSTALMENT": due_day,
        "DAYS_ENTRY_PAYMENT": paid_day,
        "AMT_INSTALMENT": due,
        "AMT_PAYMENT": due if paid is None else paid,
    }


def previous(client, prev, status, decision, asked=100_000.0, granted=90_000.0, **days):
    row = {
        "SK_ID_PREV": prev,
        "SK_ID_CURR": client,
        "NAME_CONTRACT_STATUS": status,
        "DAYS_DECISION": decision,
        "AMT_APPLICATION": asked,
        "AMT_CREDIT": granted,
        "AMT_ANNUITY": granted / 10,
        "CNT_PAYMENT": 12.0,
    }
    return row | days


def card_month(client, month, balance, limit=50_000, **extra):
    row = {
        "SK_ID_PREV": 10 * client,
        "SK_ID_CURR": client,
        "MONTHS_BALANCE": month,
        "AMT_BALANCE": balance,
        "AMT_CREDIT_LIMIT_ACTUAL": limit,
        "AMT_DRAWINGS_CURRENT": 0.0,
        "CNT_DRAWINGS_CURRENT": 0,
        "SK_DPD": 0,
        "SK_DPD_DEF": 0,
    }
    return row | extra


def bureau_credit(client, bureau_id, active, days_credit, debt, credit, update=-10, **extra):
    row = {
        "SK_ID_CURR": client,
        "SK_ID_BUREAU": bureau_id,
        "CREDIT_ACTIVE": "Active" if active else "Closed",
        "CREDIT_CURRENCY": "currency 1",
        "DAYS_CREDIT": days_credit,
        "CREDIT_DAY_OVERDUE": 0,
        "CNT_CREDIT_PROLONG": 0,
        "AMT_CREDIT_SUM": credit,
        "AMT_CREDIT_SUM_DEBT": debt,
        "AMT_CREDIT_SUM_OVERDUE": 0.0,
        "CREDIT_TYPE": "Consumer credit",
        "DAYS_CREDIT_UPDATE": update,
    }
    return row | extra


def pos_month(client, month, dpd, status="Active", future=5.0):
    return {
        "SK_ID_PREV": 10 * client,
        "SK_ID_CURR": client,
        "MONTHS_BALANCE": month,
        "CNT_INSTALMENT": 12.0,
        "CNT_INSTALMENT_FUTURE": future,
        "NAME_CONTRACT_STATUS": status,
        "SK_DPD": dpd,
        "SK_DPD_DEF": 0,
    }


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Known answers: client LATE paid two of four instalments late (one due 400 days ago) and
    missed none; REFUSED has one refused and one approved application; CARD used its card up to
    its limit; BUREAU has an active and a closed bureau credit; POS one loan, 3 days past due in
    one month; NONE has no record anywhere."""
    return {
        "installments_payments": table(
            "installments_payments",
            [
                instalment(LATE, 1, -400, -390),  # 10 days late, outside the last 12 months
                instalment(LATE, 2, -100, -103),  # 3 days early
                instalment(LATE, 3, -70, -66),  # 4 days late
                instalment(LATE, 4, -40, -40),  # on the day
            ],
        ),
        "previous_application": table(
            "previous_application",
            [
                previous(REFUSED, 21, "Refused", -30, asked=200_000.0, granted=0.0),
                previous(
                    REFUSED,
                    22,
                    "Approved",
                    -500,
                    asked=100_000.0,
                    granted=80_000.0,
                    DAYS_FIRST_DUE=-470.0,
                    DAYS_TERMINATION=365243.0,  # not terminated: still being repaid
                ),
            ],
        ),
        "credit_card_balance": table(
            "credit_card_balance",
            [
                card_month(CARD, -2, 25_000.0, CNT_DRAWINGS_ATM_CURRENT=2.0),
                card_month(CARD, -1, 50_000.0, CNT_DRAWINGS_ATM_CURRENT=4.0),
            ],
        ),
        "bureau": table(
            "bureau",
            [
                bureau_credit(BUREAU, 501, True, -200, 60_000.0, 100_000.0),
                bureau_credit(BUREAU, 502, False, -800, 0.0, 50_000.0),
            ],
        ),
        "bureau_balance": table(
            "bureau_balance",
            [
                {"SK_ID_BUREAU": 501, "MONTHS_BALANCE": m, "STATUS": s}
                for m, s in ((-3, "0"), (-2, "1"), (-1, "0"), (0, "X"))
            ]
            + [{"SK_ID_BUREAU": 502, "MONTHS_BALANCE": -20, "STATUS": "C"}],
        ),
        "POS_CASH_balance": table(
            "POS_CASH_balance",
            [
                pos_month(POS, -3, 0, future=2.0),
                pos_month(POS, -2, 3, future=1.0),
                pos_month(POS, -1, 0, status="Completed", future=0.0),
            ],
        ),
    }


ALL = (LATE, REFUSED, CARD, NONE, BUREAU, POS)


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    return engine.batch_features(engine.connect_frames(tiny_tables()), ids=ALL)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_two_late_instalments(features):
    row = features.loc[LATE]
    assert row["INST_COUNT"] == 4
    assert row["INST_LATE_COUNT"] == 2
    assert row["INST_LATE_SHARE"] == 0.5
    assert row["INST_MISSED_COUNT"] == 0
    assert row["INST_DAYS_LATE_MAX"] == 10
    assert row["INST_DAYS_LATE_MEAN"] == pytest.approx((10 + 4) / 4)
    assert row["INST_DAYS_EARLY_MEAN"] == pytest.approx(3 / 4)
    assert row["INST_PAID_DUE_RATIO"] == 1.0
    assert (row["INST_COUNT_12M"], row["INST_LATE_COUNT_12M"]) == (3, 1)  # 400 days ago is out
    assert row["INST_DAYS_SINCE_LAST_PAYMENT"] == 40
    assert definitions.feature("INST_LATE_COUNT_12M").of == "INST_COUNT_12M"  # "1 of 3"


def test_part_payments_make_one_instalment_and_a_short_one_counts_as_underpaid():
    rows = [
        instalment(LATE, 1, -60, -61, due=1000.0, paid=400.0),
        instalment(LATE, 1, -60, -55, due=1000.0, paid=600.0),  # completes it 5 days late
        instalment(LATE, 2, -30, -30, due=1000.0, paid=500.0),  # half paid
        instalment(LATE, 3, -10, np.nan, due=1000.0, paid=np.nan),  # nothing paid
    ]
    con = engine.connect_frames({"installments_payments": table("installments_payments", rows)})
    row = engine.client_features(con, LATE)
    assert row["INST_COUNT"] == 3
    assert row["INST_LATE_COUNT"] == 1 and row["INST_DAYS_LATE_MAX"] == 5
    assert row["INST_UNDERPAID_COUNT"] == 1
    assert row["INST_MISSED_COUNT"] == 1 and row["INST_MISSED_COUNT_12M"] == 1
    assert row["INST_PAID_DUE_RATIO"] == pytest.approx(1500 / 3000)


def test_a_refused_application(features):
    row = features.loc[REFUSED]
    assert (row["PREV_APPLICATION_COUNT"], row["PREV_REFUSED_COUNT"]) == (2, 1)
    assert row["PREV_REFUSED_SHARE"] == 0.5 and row["PREV_APPROVED_SHARE"] == 0.5
    assert (row["PREV_APPLICATION_COUNT_12M"], row["PREV_REFUSED_COUNT_12M"]) == (1, 1)
    assert row["PREV_DAYS_SINCE_LAST_DECISION"] == 30
    assert row["PREV_DAYS_SINCE_LAST_REFUSAL"] == 30
    # asked vs granted on the approved one only; the refused one's 0 granted is not a ratio
    assert row["PREV_GRANTED_ASKED_RATIO_MEAN"] == pytest.approx(0.8)
    assert row["PREV_APPROVED_CREDIT_SUM"] == 80_000
    assert row["PREV_ACTIVE_LOAN_COUNT"] == 1  # 365243 termination: not happened


def test_a_card_at_its_limit(features):
    row = features.loc[CARD]
    assert row["CC_UTILISATION_LAST"] == 1.0
    assert row["CC_UTILISATION_MAX"] == 1.0
    assert row["CC_UTILISATION_MEAN"] == pytest.approx(0.75)
    assert row["CC_ATM_DRAWINGS_COUNT_MEAN"] == 3.0
    assert (row["CC_CARD_COUNT"], row["CC_MONTH_COUNT"], row["CC_DPD_MONTH_COUNT"]) == (1, 2, 0)


def test_bureau_credits_and_their_months(features):
    row = features.loc[BUREAU]
    assert (row["BUREAU_CREDIT_COUNT"], row["BUREAU_ACTIVE_COUNT"]) == (2, 1)
    assert row["BUREAU_ACTIVE_SHARE"] == 0.5
    assert row["BUREAU_ACTIVE_DEBT_CREDIT_RATIO"] == pytest.approx(0.6)
    assert row["BUREAU_DAYS_SINCE_LATEST_CREDIT"] == 200
    assert row["BUREAU_CREDIT_COUNT_12M"] == 1
    assert (row["BB_LATE_MONTH_COUNT"], row["BB_OPEN_MONTH_COUNT"]) == (1, 3)  # X is not open
    assert row["BB_LATE_SHARE"] == pytest.approx(1 / 3)
    assert row["BB_WORST_STATUS"] == 1
    assert row["BB_MONTH_COUNT"] == 5 and row["BB_MONTHS_PER_CREDIT_MEAN"] == 2.5


def test_pos_loan_past_due_and_completed(features):
    row = features.loc[POS]
    assert (row["POS_LOAN_COUNT"], row["POS_MONTH_COUNT"]) == (1, 3)
    assert (row["POS_DPD_MAX"], row["POS_DPD_MONTH_COUNT"]) == (3, 1)
    assert row["POS_COMPLETED_SHARE"] == 1.0
    assert row["POS_REMAINING_INSTALMENTS_SUM"] == 0  # at its latest month


def test_no_history_is_the_documented_representation(features):
    expected = definitions.no_history_values()
    for path_row in (
        features.loc[NONE].to_dict(),
        engine.client_features(engine.connect_frames(tiny_tables()), NONE),
    ):
        assert path_row.keys() == expected.keys()
        assert all(same(path_row[n], expected[n]) for n in expected)
    assert expected["INST_COUNT"] == 0.0 and math.isnan(expected["INST_LATE_SHARE"])
    # a client with history in one table has the no-history values of the others
    assert features.loc[CARD, "PREV_APPLICATION_COUNT"] == 0
    assert math.isnan(features.loc[CARD, "PREV_REFUSED_SHARE"])


def test_every_feature_has_a_meaning_a_unit_and_a_no_history_value():
    assert 40 <= len(definitions.FEATURES) <= 80
    assert definitions.MEANINGS_FR.keys() == set(definitions.feature_names())
    assert definitions.meaning("INST_LATE_COUNT", "fr") == "échéances payées après leur date"
    for f in definitions.FEATURES:
        assert f.meaning and f.unit in (
            "count",
            "amount",
            "days",
            "months",
            "share",
            "ratio",
            "status",
        )
        if f.empty == "zero":  # only counts and sums are 0 without history
            assert f.unit in ("count", "amount") and f.sql.startswith(("COUNT", "SUM")), f.name
        else:
            assert not f.sql.startswith("COUNT"), f.name


def test_batch_and_per_client_paths_give_identical_values(features):
    con = engine.connect_frames(tiny_tables())
    for client in ALL:
        one = engine.client_features(con, client)
        batch = features.loc[client].to_dict()
        assert all(same(one[n], batch[n]) for n in definitions.feature_names()), client


def test_batch_without_ids_returns_every_client_found():
    got = engine.batch_features(engine.connect_frames(tiny_tables()))
    assert list(got.index) == sorted(set(ALL) - {NONE})
    assert list(got.columns) == definitions.feature_names()
    assert (got.dtypes == "float64").all()


def after_application(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tiny tables plus records dated after each client's application."""
    extra = {
        "installments_payments": [
            instalment(LATE, 9, 20, 25),  # falls due after the application
            instalment(CARD, 1, 30, 31),
        ],
        "previous_application": [
            previous(REFUSED, 29, "Refused", 5),
            previous(NONE, 30, "Refused", 1),
        ],
        "credit_card_balance": [card_month(CARD, 1, 0.0), card_month(CARD, 2, 90_000.0)],
        "bureau": [
            bureau_credit(BUREAU, 503, True, 10, 5_000.0, 5_000.0, update=10),  # opened after
            bureau_credit(BUREAU, 504, True, -900, 1.0, 9.0, update=15),  # updated after
        ],
        "bureau_balance": [
            {"SK_ID_BUREAU": 501, "MONTHS_BALANCE": 1, "STATUS": "5"},
            {"SK_ID_BUREAU": 504, "MONTHS_BALANCE": -3, "STATUS": "5"},
        ],
        "POS_CASH_balance": [pos_month(POS, 1, 40, future=7.0)],
    }
    return {
        name: pd.concat([frame, table(name, extra[name])], ignore_index=True)
        for name, frame in tables.items()
    }


def test_records_dated_after_the_application_change_nothing(features):
    later = engine.batch_features(engine.connect_frames(after_application(tiny_tables())), ALL)
    pd.testing.assert_frame_equal(later, features)


def test_a_payment_after_the_application_leaves_the_instalment_unpaid():
    rows = [instalment(LATE, 1, -20, -25), instalment(LATE, 2, -5, 3)]  # paid 3 days after
    con = engine.connect_frames({"installments_payments": table("installments_payments", rows)})
    row = engine.client_features(con, LATE)
    assert (row["INST_COUNT"], row["INST_MISSED_COUNT"], row["INST_LATE_COUNT"]) == (2, 1, 0)
    assert row["INST_PAID_DUE_RATIO"] == 0.5


def test_previous_dates_after_the_application_read_as_not_happened():
    rows = [
        previous(REFUSED, 1, "Approved", -100, DAYS_FIRST_DUE=-70.0, DAYS_TERMINATION=-10.0),
        previous(REFUSED, 2, "Approved", -100, DAYS_FIRST_DUE=-70.0, DAYS_TERMINATION=30.0),
        previous(REFUSED, 3, "Approved", -10, DAYS_FIRST_DUE=20.0, DAYS_TERMINATION=365243.0),
    ]
    con = engine.connect_frames({"previous_application": table("previous_application", rows)})
    # terminated before: not active; terminates after: active; first due after: not started
    assert engine.client_features(con, REFUSED)["PREV_ACTIVE_LOAN_COUNT"] == 1


def test_digest_follows_the_sql_not_the_words(monkeypatch):
    digest = definitions.definitions_digest()
    assert digest.startswith("sha256:") and len(digest) == 7 + 64
    assert digest == definitions.definitions_digest()
    assert definitions.feature_set() == {"names": definitions.feature_names(), "digest": digest}
    reworded = tuple(
        f
        if f.name != "INST_LATE_COUNT"
        else definitions.HistoryFeature(
            f.name, f.group, f.sql, "other words", f.unit, f.empty, f.of
        )
        for f in definitions.FEATURES
    )
    monkeypatch.setattr(definitions, "FEATURES", reworded)
    assert definitions.definitions_digest() == digest
    changed = tuple(
        f
        if f.name != "INST_LATE_COUNT"
        else definitions.HistoryFeature(
            f.name, f.group, "SUM(missed)", f.meaning, f.unit, f.empty, f.of
        )
        for f in definitions.FEATURES
    )
    monkeypatch.setattr(definitions, "FEATURES", changed)
    assert definitions.definitions_digest() != digest


ENGINES = ("duckdb", "sqlglot", "credit_core.history.engine", "credit_core.history.dialects")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


# the batch side: what computes features or summaries from the tables, never what scores
BATCH_MODULES = ("engine", "dialects", "lineage", "summary")


def test_the_scoring_package_never_imports_an_engine():
    """Only the batch modules import DuckDB/sqlglot/the engine (inside functions): the API and
    the rest of credit_core read names, digest, no-history values and summaries without them."""
    lambda_dir = Path(definitions.__file__).parents[2]
    for path in lambda_dir.rglob("*.py"):
        if path.stem in BATCH_MODULES and path.parent.name == "history":
            continue
        hits = [m for m in imported_modules(path) if m.startswith(ENGINES)]
        assert not hits, f"{path} imports {hits}"
    code = (
        "import sys, credit_core.history.engine, credit_core.history.dialects, "
        "credit_core.history.summary as s, credit_core.history.layout as l, "
        "credit_core.history.definitions as d;"
        "d.definitions_digest(); d.no_history_values(); s.unpack;"
        "print([m for m in ('duckdb', 'sqlglot', 'pandas') if m in sys.modules]);"
        "import credit_api.app, credit_api.client_history;"  # the API itself uses pandas
        "print([m for m in ('duckdb', 'sqlglot') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "[]"]
