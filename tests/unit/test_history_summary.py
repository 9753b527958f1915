"""The officers' history summary (credit_core.history.summary) on hand-made tiny tables with
known answers, its agreement with the features on the same rows, its contract, and its
publication beside the features in both stores (SQLite and moto's DynamoDB)."""

from __future__ import annotations

from datetime import date

import msgspec
import numpy as np
import pytest

from credit_core.contracts.history import (
    BureauCredit,
    CardMonth,
    HistorySummary,
    PreviousApplication,
    PunctualityMonth,
    read_history_summary,
)
from credit_core.contracts.versions import ContractError, ContractVersionError
from credit_core.history import engine, store
from credit_core.history.summary import batch_summaries, client_summary, pack, unpack
from tests.unit.test_feature_store import FIXTURE, TABLE, _publish_cli, dynamodb  # noqa: F401
from tests.unit.test_history_features import (
    bureau_credit,
    card_month,
    instalment,
    previous,
    table,
)

AS_OF = date(2026, 11, 30)
RICH, NONE = 7, 8


def tiny_tables():
    """Client RICH: two bureau credits known at the application and one opened after it (left
    out); an approved, a refused and a later (left out) application; instalments due in three
    months (on time, late, missed) plus one due after the application and one 30 months ago;
    two cards summed per month. NONE has no record."""
    return {
        "bureau": table(
            "bureau",
            [
                bureau_credit(
                    RICH,
                    71,
                    True,
                    -200,
                    150_000.0,
                    200_000.0,
                    AMT_CREDIT_SUM_OVERDUE=500.0,
                    DAYS_CREDIT_ENDDATE=300.0,
                ),
                bureau_credit(
                    RICH,
                    72,
                    False,
                    -900,
                    0.0,
                    90_000.0,
                    DAYS_CREDIT_ENDDATE=-400.0,
                    DAYS_ENDDATE_FACT=-450.0,
                ),
                bureau_credit(RICH, 73, True, 5, 50_000.0, 50_000.0, update=5),  # after: unknown
            ],
        ),
        "previous_application": table(
            "previous_application",
            [
                previous(RICH, 701, "Approved", -400, asked=100_000.0, granted=90_000.0),
                previous(RICH, 702, "Refused", -60, asked=300_000.0, granted=300_000.0),
                previous(RICH, 703, "Approved", 3, asked=10_000.0, granted=10_000.0),  # after
            ],
        ),
        "installments_payments": table(
            "installments_payments",
            [
                instalment(RICH, 1, -70, -75),  # month -3: on time (5 days early)
                instalment(RICH, 2, -40, -31),  # month -2: 9 days late
                instalment(RICH, 3, -10, -12),  # month -1: on time
                instalment(RICH, 4, -5, np.nan, paid=np.nan),  # month -1: missed
                instalment(RICH, 5, -8, 4.0),  # month -1: paid after the application: missed
                instalment(RICH, 6, 20, 21),  # due after the application: left out
                instalment(RICH, 7, -900, -900),  # 30 months ago: before the chart's window
            ],
        ),
        "credit_card_balance": table(
            "credit_card_balance",
            [
                card_month(RICH, -2, 10_000.0, 50_000),
                card_month(RICH, -1, 20_000.0, 50_000),
                card_month(RICH, -1, 30_000.0, 50_000, SK_ID_PREV=71),  # a second card
                card_month(RICH, -1, 5_000.0, 0, SK_ID_PREV=72),  # a card without limit
                card_month(RICH, 1, 40_000.0, 50_000),  # after the application
                card_month(RICH, -30, 1_000.0, 50_000),  # outside the last 24 months
            ],
        ),
    }


@pytest.fixture(scope="module")
def summaries() -> dict[int, HistorySummary]:
    con = engine.connect_frames(tiny_tables())
    try:
        return {s.sk_id_curr: s for s in batch_summaries(con, AS_OF, [RICH, NONE])}
    finally:
        con.close()


def test_bureau_credits_known_at_the_application_newest_first_with_their_totals(summaries):
    s = summaries[RICH]
    assert s.bureau == [
        BureauCredit(status="Active", amount=200_000.0, debt=150_000.0, overdue=500.0,
                     opened_day=-200, end_day=300.0),
        BureauCredit(status="Closed", amount=90_000.0, debt=0.0, overdue=0.0, opened_day=-900,
                     end_day=-450.0),  # the actual end, not the planned one
    ]  # fmt: skip
    totals = s.bureau_totals
    assert (totals.active, totals.closed, totals.other) == (1, 1, 0)
    assert (totals.debt, totals.overdue) == (150_000.0, 500.0)


def test_previous_applications_decided_before_it_with_amounts_granted_only_when_approved(
    summaries,
):
    assert summaries[RICH].previous == [
        PreviousApplication(status="Refused", asked=300_000.0, granted=None, decided_day=-60),
        PreviousApplication(status="Approved", asked=100_000.0, granted=90_000.0, decided_day=-400),
    ]


def test_instalment_punctuality_month_by_month_over_the_last_24_months(summaries):
    assert summaries[RICH].punctuality == [
        PunctualityMonth(month=-3, on_time=1, late=0, missed=0),
        PunctualityMonth(month=-2, on_time=0, late=1, missed=0),
        PunctualityMonth(month=-1, on_time=1, late=0, missed=2),
    ]


def test_card_use_sums_every_card_of_a_month(summaries):
    assert summaries[RICH].cards == [
        CardMonth(month=-2, balance=10_000.0, limit=50_000.0, utilisation=0.2),
        CardMonth(month=-1, balance=55_000.0, limit=100_000.0, utilisation=0.55),
    ]


def test_a_client_without_any_record_has_an_empty_summary(summaries):
    s = summaries[NONE]
    assert s.empty and s.as_of == AS_OF.isoformat()
    assert (s.bureau_totals.active, s.bureau_totals.debt) == (0, 0.0)
    assert not summaries[RICH].empty


def test_the_summary_agrees_with_the_features_on_the_same_rows():
    """Same point-in-time stages: the counts a screen shows are the model's counts."""
    con = engine.connect_folder(FIXTURE)
    try:
        features = engine.batch_features(con)
        for sk_id, row in features.iterrows():
            s = client_summary(con, int(sk_id), AS_OF)
            assert s.bureau_totals.active == row["BUREAU_ACTIVE_COUNT"]
            assert s.bureau_totals.closed == row["BUREAU_CLOSED_COUNT"]
            assert s.bureau_totals.debt == row["BUREAU_ACTIVE_DEBT_SUM"]
            assert s.bureau_totals.overdue == row["BUREAU_OVERDUE_SUM"]
            assert len(s.previous) == row["PREV_APPLICATION_COUNT"]
            refused = sum(p.status == "Refused" for p in s.previous)
            assert refused == row["PREV_REFUSED_COUNT"]
            assert sum(m.late for m in s.punctuality) == row["INST_LATE_COUNT"]
            assert sum(m.missed for m in s.punctuality) == row["INST_MISSED_COUNT"]
            months = sum(m.on_time + m.late + m.missed for m in s.punctuality)
            assert months == row["INST_COUNT"]
    finally:
        con.close()


def test_the_stored_form_reads_back_and_foreign_or_newer_records_are_refused(summaries):
    s = summaries[RICH]
    assert unpack(pack(s)) == s
    assert len(pack(s)) < len(msgspec.json.encode(s))
    with pytest.raises(ContractError):
        unpack(b"\xc1 not msgpack")
    newer = msgspec.msgpack.encode(msgspec.to_builtins(s) | {"schema_version": 99})
    with pytest.raises(ContractVersionError, match="99"):
        unpack(newer)


def test_the_contract_refuses_an_unknown_bureau_status_naming_the_field(summaries):
    doc = msgspec.to_builtins(summaries[RICH])
    doc["bureau"][0]["status"] = "Lost"
    with pytest.raises(ContractError, match=r"bureau\[0\]\.status"):
        read_history_summary(doc)


# --- publication beside the features, through `credit features publish` ----------------------


def test_the_template_names_the_history_table_after_the_feature_table():
    from tests.infra.cfn import load_template

    props = load_template("template.yaml")["Resources"]["FeatureHistoryTable"]["Properties"]
    assert props["TableName"] == {"Fn::Sub": "${AWS::StackName}-features-history"}
    assert store.summary_table("stack-features") == "stack-features-history"


@pytest.fixture(params=["sqlite", "dynamodb"])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path}/store/features.sqlite"
    else:
        request.getfixturevalue("dynamodb")
        uri = f"dynamodb://{TABLE}"
    return uri


def test_publish_writes_every_clients_summary_beside_the_features(target, capsys):
    published = target
    assert _publish_cli(published, "--as-of", AS_OF.isoformat()) == 0
    assert "published 3 clients' history summaries" in capsys.readouterr().out
    reader = store.open_summaries(published)
    con = engine.connect_folder(FIXTURE)
    try:
        for sk_id in store.open_store(published).get_many(range(200_000, 200_010)):
            assert unpack(reader.get_summary(sk_id)) == client_summary(con, sk_id, AS_OF)
    finally:
        con.close()
    assert reader.get_summary(999_999) is None


def test_summaries_never_published_are_not_ready_and_a_missing_file_is_unavailable(tmp_path):
    path = tmp_path / "features.sqlite"
    store.publish(
        f"sqlite:///{path}", [1], np.zeros((1, 1)), {"names": ["X"], "digest": "d"}, AS_OF
    )
    with pytest.raises(store.StoreNotReady, match="no history summaries"):
        store.open_summaries(f"sqlite:///{path}").get_summary(1)
    with pytest.raises(store.StoreUnavailable):
        store.open_summaries(f"sqlite:///{tmp_path}/absent.sqlite").get_summary(1)
    with pytest.raises(FileNotFoundError, match="publish the features first"):
        store.publish_summaries(f"sqlite:///{tmp_path}/absent.sqlite", [])


def test_a_missing_dynamodb_history_table_is_not_ready(dynamodb):  # noqa: F811
    dynamodb.delete_table(TableName=store.summary_table(TABLE))
    with pytest.raises(store.StoreNotReady, match="no such table"):
        store.open_summaries(f"dynamodb://{TABLE}").get_summary(1)


def test_republishing_sqlite_replaces_the_summaries_with_the_features(tmp_path):
    uri = f"sqlite:///{tmp_path}/features.sqlite"
    assert _publish_cli(uri, "--as-of", "2026-01-01") == 0
    assert _publish_cli(uri, "--as-of", AS_OF.isoformat()) == 0
    blob = store.open_summaries(uri).get_summary(200_001)
    assert unpack(blob).as_of == AS_OF.isoformat()
