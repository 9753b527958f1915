"""Monitoring the client-history features, piece by piece: the share of applicants without
history and its warning, the history features read from decision records, their importance
in the ranking, and the lineage that ties a drifted feature to the table column that moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import numpy as np
import pytest

from credit_core.contracts import DecisionRecord, HistoryUse, encode_lines, summary_from
from credit_core.features import FeatureSpec
from credit_core.history import lineage
from credit_core.history.definitions import definitions_digest, feature_names
from credit_core.schema import Column
from credit_monitoring import history_lineage, history_monitor, logs
from credit_monitoring.drift import drift_table, importance_shares, ranked

WHEN = datetime(2026, 11, 20, 12, tzinfo=UTC)


# --- the share of applicants without history ------------------------------------------------


def _found(rows: int, without: int) -> np.ndarray:
    return np.r_[np.zeros(without), np.ones(rows - without)]


def test_a_shift_of_five_points_over_enough_applicants_warns():
    out = history_monitor.coverage(_found(1000, 360), 0.30, "model_card")
    assert out["share_without"] == 0.36 and out["shift_pt"] == pytest.approx(6.0)
    assert out["warning"] and "36.0 % vs 30.0 %" in out["message"] and "+6.0 pt" in out["message"]
    summary_from({"status": "no_data", **_EMPTY, "history": out})  # the contract takes it


def test_a_small_shift_or_a_small_window_does_not_warn():
    assert not history_monitor.coverage(_found(1000, 340), 0.30, "model_card")["warning"]
    few = history_monitor.coverage(_found(100, 60), 0.30, "model_card")
    assert few["shift_pt"] == pytest.approx(30.0) and not few["warning"]  # 100 < MIN_ROWS


def test_a_fall_warns_too_and_no_reference_never_warns():
    assert history_monitor.coverage(_found(1000, 200), 0.30, "model_card")["warning"]
    alone = history_monitor.coverage(_found(1000, 900), None, "model_card")
    assert alone["shift_pt"] is None and not alone["warning"] and alone["reference_source"] is None


def test_records_without_history_use_are_counted_apart_and_days_are_tracked():
    found = np.array([0.0, 1.0, np.nan, 0.0, 0.0, 1.0])
    days = np.array(["2026-11-20", "2026-11-20", "2026-11-20", "2026-11-21", "2026-11-21", "x"])
    out = history_monitor.coverage(found, 0.5, "model_card", days)
    assert out["rows"] == 5 and out["unknown_rows"] == 1 and out["without_history"] == 3
    assert out["days"] == [
        {"day": "2026-11-20", "rows": 2, "without_history": 1, "share_without": 0.5,
         "shift_pt": 0.0},
        {"day": "2026-11-21", "rows": 2, "without_history": 2, "share_without": 1.0,
         "shift_pt": 50.0},
        {"day": "x", "rows": 1, "without_history": 0, "share_without": 0.0, "shift_pt": -50.0},
    ]  # fmt: skip


def test_the_no_history_row_is_recognised():
    import pandas as pd

    from credit_core.history.definitions import no_history_values

    empty = no_history_values()
    frame = pd.DataFrame([empty, empty | {"INST_COUNT": 3.0}, empty | {"INST_LATE_SHARE": 0.2}])
    assert history_monitor.without_history(frame).tolist() == [True, False, False]


_EMPTY = {
    "generated_at": "2026-11-20T00:00:00+00:00",
    "rows": 0,
    "drift_share": 0.0,
    "drifted_columns": 0,
    "columns": [],
    "top_drifted": [],
}


# --- history features read from decision records ---------------------------------------------


def _record(features: list[float | None], found: bool | None, when: datetime) -> bytes:
    rec = DecisionRecord(
        request_id="r",
        item=0,
        timestamp=when.isoformat(),
        model_version="v1",
        inputs=msgspec.Raw(b'{"AMT_CREDIT": 1.0}'),
        features=features,
        probability=0.1,
        decision="accept",
        history=None
        if found is None
        else HistoryUse(found=found, as_of="2026-11-01", feature_set="sha256:x"),
    )
    return encode_lines([rec])


def test_the_window_reads_history_features_as_scored_and_whether_history_was_found():
    blob = b"".join(
        [
            _record([1.0, 3.0, 0.5], True, WHEN),
            _record([2.0, 0.0, None], False, WHEN),
            _record([3.0, 7.0, 0.25], None, WHEN + timedelta(days=1)),  # an upgraded v2 record
        ]
    )
    window = logs.collect(
        [blob],
        "v1",
        3,
        [Column("AMT_CREDIT", "float64", True)],
        WHEN - timedelta(days=1),
        WHEN + timedelta(days=2),
        {"INST_COUNT": 1, "INST_LATE_SHARE": 2},
    )
    assert window.rows == 3
    assert window.feature("INST_COUNT").tolist() == [3.0, 0.0, 7.0]
    late = window.feature("INST_LATE_SHARE")
    assert late[0] == 0.5 and np.isnan(late[1]) and late[2] == 0.25
    found = window.found()
    assert found[:2].tolist() == [1.0, 0.0] and np.isnan(found[2])
    assert window.row_days().tolist() == ["2026-11-20", "2026-11-20", "2026-11-21"]


# --- the ranking weighs history features by their importance ---------------------------------


def test_history_features_share_the_importance_and_rank_by_drift_times_importance():
    history = tuple(feature_names()[:2])  # BUREAU_CREDIT_COUNT, BUREAU_ACTIVE_COUNT
    spec = FeatureSpec(("AMT_CREDIT",), (), (), history, definitions_digest())
    importance = [
        {"feature": "AMT_CREDIT", "mean_abs_shap": 1.0},
        {"feature": history[0], "mean_abs_shap": 3.0},
        {"feature": history[1], "mean_abs_shap": 0.0},
    ]
    shares = importance_shares(importance, spec)
    assert shares == {"AMT_CREDIT": 0.25, history[0]: 0.75, history[1]: 0.0}
    rng = np.random.default_rng(0)
    ref = {n: rng.poisson(3, 20_000).astype(float) for n in ["AMT_CREDIT", *history]}
    cur = {n: rng.poisson(5, 20_000).astype(float) for n in ["AMT_CREDIT", *history]}
    columns = [Column(n, "float64", True) for n in ["AMT_CREDIT", *history]]
    top = ranked(drift_table(ref, cur, columns, shares))
    assert [r["name"] for r in top] == [history[0], "AMT_CREDIT", history[1]]
    assert top[0]["importance_share"] == 0.75 and top[0]["rank_by_importance"] == 1


# --- lineage: which features carry a change of a history table -------------------------------


def test_a_column_reaches_the_features_computed_from_it():
    c = lineage.carriers
    assert c("credit_card_balance", "CNT_DRAWINGS_ATM_CURRENT") == {
        "CC_ATM_DRAWINGS_COUNT_MEAN",
        "CC_DRAWINGS_COUNT_MAX",  # the month's drawings include those at ATMs
    }
    assert c("credit_card_balance", "AMT_DRAWINGS_ATM_CURRENT") == {"CC_DRAWINGS_MEAN"}
    assert {"BB_LATE_SHARE", "BB_WORST_STATUS"} <= c("bureau_balance", "STATUS")
    assert not c("bureau_balance", "STATUS") & c("credit_card_balance", "SK_ID_CURR")
    # coverage: every feature of the tables' groups; bureau credits carry their monthly rows
    assert "BB_LATE_SHARE" in c("bureau", "SK_ID_CURR")
    assert c("POS_CASH_balance", "SK_ID_CURR") == {
        n for n in feature_names() if n.startswith("POS_")
    }


def test_every_feature_reads_only_the_tables_of_its_group():
    from credit_core.history.definitions import FEATURES

    sources = lineage.feature_sources()
    for f in FEATURES:
        tables = {t for t, _ in sources[f.name]}
        assert tables <= set(lineage.GROUP_TABLES[f.group]), f.name


def test_scoring_against_a_manifest_counts_missed_and_unexplained_drifts():
    manifest = {
        "credit_card_balance": {
            "CNT_DRAWINGS_ATM_CURRENT": {"material": True},
            "SK_ID_CURR": {"material": False},
        },
        "bureau_balance": {"STATUS": {"material": True}},
    }
    score = history_lineage.score_against(manifest, ["CC_ATM_DRAWINGS_COUNT_MEAN", "CC_DPD_MAX"])
    assert score.recall == 0.5 and score.precision == 1.0  # STATUS missed; CC_DPD_MAX: coverage
    assert score.as_dict()["missed"] == ["bureau_balance.STATUS"]
    score = history_lineage.score_against(manifest, ["BB_LATE_SHARE", "INST_COUNT"])
    assert score.recall == 0.5 and score.precision == 0.5
    assert score.as_dict()["unexplained"] == ["INST_COUNT"]


def test_a_feature_missing_in_every_reference_row_is_scored_on_its_missing_rate():
    # a history table absent from the reference sample: its shares are missing for every row
    ref = {"CC_UTILISATION_MEAN": np.full(1000, np.nan)}
    cur = {"CC_UTILISATION_MEAN": np.r_[np.full(500, np.nan), np.full(500, 0.4)]}
    (col,) = drift_table(ref, cur, [Column("CC_UTILISATION_MEAN", "float64", True)])
    entry = col.entry()
    assert entry["method"] == "psi_missing_rate" and np.isfinite(entry["threshold"])
    assert entry["drifted"] and ranked([col])[0]["threshold"] == entry["threshold"]
