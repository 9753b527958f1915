"""The contracts between the stages: versions, upgrades of the shapes the code wrote before
``schema_version`` existed, and what a reader says about a version it cannot read."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, datetime

import msgspec
import numpy as np
import orjson
import pytest

from credit_core import contracts
from credit_core.contracts import (
    CARD_VERSION,
    DECISION_VERSION,
    SUMMARY_VERSION,
    ContractError,
    ContractVersionError,
    DecisionRecord,
    ScoreWarning,
    read_card,
    read_record,
    read_summary,
)

# --- the shapes as the code wrote them before versions (copied from the previous writers) ---


def v1_card() -> dict:
    """``credit_training.train`` before schema_version: the first card (calibration without
    row counts) and, for one field, the contract format from before field domains."""
    return {
        "model_name": "credit-scoring",
        "created_at": "2026-11-01T10:00:00+00:00",
        "data": {"source": "data/twin", "fingerprint": "ab12", "rows": 1000,
                 "target_col": "TARGET", "id_col": "SK_ID_CURR"},
        "contract": {
            "fields": {
                "DAYS_EMPLOYED": {"type": "integer",
                                  "domain": {"min": -45000, "max": 0, "sentinels": [365243]},
                                  "training": {"min": -17000, "max": 0}, "required": False,
                                  "missing_rate_in_training": 0.0},
                "AMT_CREDIT": {"type": "number", "min": 40000.0, "max": 4400000.0,
                               "required": True},
                "CODE_GENDER": {"type": "category", "domain": {"levels": ["F", "M", "XNA"]},
                                "training": {"levels": ["F", "M"]}, "required": False,
                                "missing_rate_in_training": 0.0},
            },
            "required": ["AMT_CREDIT"],
            "rules": ["employment_within_life"],
        },
        "features": {"numeric": ["DAYS_EMPLOYED", "AMT_CREDIT"],
                     "categorical": {"CODE_GENDER": ["F", "M"]}, "derived": [],
                     "names": ["DAYS_EMPLOYED", "AMT_CREDIT", "CODE_GENDER"]},
        "threshold": 0.41,
        "cost_weights": {"fn": 10.0, "fp": 1.0},
        "calibration": {"method": "platt_on_oof_raw_score", "a": 0.9, "b": -2.1},
        "strategy": "class_weight",
        "params": {"n_estimators": 200},
        "metrics": {
            "holdout": {"roc_auc": 0.76, "accuracy": 0.7, "precision": 0.2, "recall": 0.6,
                        "f_beta": 0.4, "business_cost": 0.52, "business_cost_at_0_5": 0.6,
                        "brier": 0.07, "ece": 0.01, "refusal_rate": 0.3},
            "holdout_uncalibrated": {"roc_auc": 0.76, "business_cost": 0.55},
            "cv": {"roc_auc": 0.75, "business_cost": 0.53, "oof_business_cost": 0.53},
        },
        "comparison": [{"candidate": "lightgbm", "strategy": "class_weight", "cv_cost": 0.53}],
        "library_versions": {"python": "3.12.7", "lightgbm": "4.6.0"},
        "run_id": "0123abcd",
        "model_version": "3",
        "aliases": ["champion"],
    }  # fmt: skip


def v1_log_line(warnings: list[dict] | None = None) -> bytes:
    """``credit_api.request_log.lines`` before schema_version (orjson, inputs spliced in)."""
    when = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    return orjson.dumps(
        {
            "request_id": "req-1",
            "item": 0,
            "timestamp": when.isoformat(timespec="milliseconds"),
            "model_version": "3",
            "inputs": orjson.Fragment(b'{"AMT_CREDIT":250000.0,"CODE_GENDER":"F"}'),
            "features": np.array([np.nan, 250000.0, 0.0]),
            "probability": 0.12,
            "decision": "accept",
            "warnings": warnings or [],
        },
        option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE,
    )


def v1_no_data_summary() -> dict:
    """``credit_monitoring.production`` before schema_version, a window without requests."""
    return {
        "status": "no_data", "generated_at": "2026-11-30T06:00:00+00:00",
        "window": {"since": "2026-11-23T06:00:00+00:00", "until": "2026-11-30T06:00:00+00:00"},
        "model_version": "3", "rows": 0, "malformed_lines": 2, "outside_window_lines": 0,
        "other_versions": {}, "sampling": {"objects_listed": 0, "objects_read": 0,
                                           "bytes_listed": 0, "bytes_read": 0,
                                           "fraction": 1.0, "sampled": False},
        "threshold": 0.41, "warnings_by_field": {}, "warnings_by_kind": {},
        "training": {"default_rate": 0.08, "business_cost_per_application": 0.52,
                     "refusal_rate": 0.3, "mean_probability": 0.1},
        "drift_share": 0.0, "drifted_columns": 0, "columns": [], "top_drifted": [],
        "prediction_drift": None, "refusal_rate": None, "mean_probability": None,
        "estimated": None, "report_key": "dt=2026-11-30/060000-ab/report.html",
    }  # fmt: skip


def v1_study_summary() -> dict:
    """``credit_monitoring.study`` before schema_version, with a bundle and labels."""
    column = {
        "name": "EXT_SOURCE_3",
        "method": "psi_deciles",
        "score": 0.3,
        "threshold": 0.05,
        "drifted": True,
        "missing_rate_reference": 0.2,
        "missing_rate_current": 0.2,
        "importance_share": 0.1,
        "values_psi": 0.3,
        "missing_psi": 0.0,
    }
    perf = {
        "default_rate": 0.09,
        "business_cost_per_application": 0.6,
        "refusal_rate": 0.3,
        "roc_auc": 0.75,
    }
    return {
        "status": "ok", "generated_at": "2026-11-30T06:00:00+00:00", "reference_rows": 5000,
        "rows": 1000, "model_version": "3", "drift_share": 1.0, "drifted_columns": 1,
        "columns": [column],
        "top_drifted": [{"rank": 1, "name": "EXT_SOURCE_3", "method": "psi_deciles",
                         "score": 0.3, "threshold": 0.05, "importance_share": 0.1,
                         "priority": 0.03, "rank_by_score": 1, "rank_by_importance": 1}],
        "estimated": perf, "threshold": 0.41,
        "calibration": {"method": "isotonic_on_reference", "reference_rows": 5000,
                        "reference_default_rate": 0.08, "reference_mean_probability": 0.1},
        "estimated_bundle_calibration": perf, "actual": perf,
        "actual_interval": {"roc_auc": [0.7, 0.8]},
        "reference": "a.csv", "current": "b.csv", "labels": "b_labels.csv",
    }  # fmt: skip


# --- the card -------------------------------------------------------------------------------


def test_a_version_1_card_is_upgraded_with_its_parts_typed():
    card = read_card(json.dumps(v1_card()))
    assert card.schema_version == CARD_VERSION == 2
    assert card.calibration.method == "platt_on_oof_raw_score"
    assert card.calibration.fit_rows is None and card.calibration.calibration_rows is None
    assert card.cost_weights == contracts.CostWeights(fn=10.0, fp=1.0)
    employed = card.contract.fields["DAYS_EMPLOYED"]
    assert employed.domain.sentinels == [365243] and employed.training.max == 0
    old = card.contract.fields["AMT_CREDIT"]  # the format before domains is still read
    assert old.domain is None and (old.min, old.max) == (40000.0, 4400000.0) and old.required
    assert card.metrics.holdout.business_cost == 0.52
    assert card.features.spec_dict()["categorical"] == {"CODE_GENDER": ["F", "M"]}


def test_a_card_round_trips_and_keeps_every_part():
    card = read_card(json.dumps(v1_card()))
    again = read_card(contracts.encode_pretty(card))
    assert again == card
    written = json.loads(contracts.encode(card))
    assert written["schema_version"] == CARD_VERSION
    assert set(v1_card()) <= set(written)


def test_a_card_without_cost_weights_takes_the_one_default():
    doc = v1_card()
    del doc["cost_weights"]
    weights = read_card(json.dumps(doc)).cost_weights
    assert (weights.fn, weights.fp) == (contracts.DEFAULT_FN_COST, contracts.DEFAULT_FP_COST)
    assert (weights.fn, weights.fp) == (10.0, 1.0)


def test_a_newer_card_says_which_version_it_is():
    with pytest.raises(ContractVersionError, match="ModelCard schema_version 3 is newer"):
        read_card(json.dumps(v1_card() | {"schema_version": 3}))


@pytest.mark.parametrize("version", [0, "2", True, None])
def test_a_card_with_a_bad_version_is_refused(version):
    with pytest.raises(ContractVersionError, match="schema_version"):
        read_card(json.dumps(v1_card() | {"schema_version": version}))


def test_a_card_missing_a_part_names_it():
    doc = v1_card()
    del doc["calibration"]
    with pytest.raises(ContractError, match="calibration"):
        read_card(json.dumps(doc))
    with pytest.raises(ContractError, match=r"\$\.threshold"):
        read_card(json.dumps(v1_card() | {"threshold": "high"}))


# --- the decision record ---------------------------------------------------------------------


def test_a_version_1_log_line_is_upgraded_without_threshold_or_digest():
    warning = {"field": "AMT_CREDIT", "kind": "outside_training_range", "value": 1e7,
               "message": "m", "training_min": 40000, "training_max": 4e6}  # fmt: skip
    rec = read_record(v1_log_line([warning]))
    assert rec.schema_version == DECISION_VERSION == 3
    assert rec.threshold is None and rec.bundle_sha256 is None
    assert (rec.history, rec.client_ref, rec.reasons, rec.idempotency_key, rec.caller) == (
        None, None, [], None, None
    )  # fmt: skip
    assert rec.features == [None, 250000.0, 0.0]  # NaN was written as null
    assert rec.input_values() == {"AMT_CREDIT": 250000.0, "CODE_GENDER": "F"}
    assert rec.warnings == [ScoreWarning(**warning)]


def test_a_decision_record_round_trips_through_its_line():
    rec = DecisionRecord(
        request_id="req-2", item=3, timestamp="2026-11-30T06:00:00.000+00:00",
        model_version="3", inputs=msgspec.Raw(b'{"AMT_CREDIT":1.0}'),
        features=[math.nan, 1.0], probability=0.5, decision="refuse", threshold=0.41,
        bundle_sha256="ab" * 32, client_ref="c" * 64, idempotency_key="k-1",
        history=contracts.HistoryUse(found=True, as_of="2026-12-01", feature_set="d" * 16),
        reasons=[contracts.Reason(feature="EXT_SOURCE_3", contribution=0.4, text="low score")],
        caller=contracts.Caller(kind="officer", subject="u-7", issuer="https://idp"),
    )  # fmt: skip
    (line,) = contracts.encode_lines([rec]).splitlines()
    back = read_record(line)
    assert back == read_record(contracts.encode_lines([back]).strip())
    assert (back.history, back.reasons, back.caller) == (rec.history, rec.reasons, rec.caller)
    assert back.features == [None, 1.0] and back.input_values() == {"AMT_CREDIT": 1.0}
    assert (back.threshold, back.bundle_sha256, back.item) == (0.41, "ab" * 32, 3)
    assert json.loads(line)["schema_version"] == DECISION_VERSION


@pytest.mark.parametrize(
    "change, field",
    [
        ({"probability": 1.5}, "probability"),
        ({"probability": True}, "probability"),
        ({"decision": "approve"}, "decision"),
        ({"inputs": [1, 2]}, "inputs"),
        ({"model_version": None}, "model_version"),
    ],
)
def test_a_record_off_the_contract_names_the_field(change, field):
    doc = json.loads(v1_log_line()) | change
    with pytest.raises(ContractError, match=field):
        rec = read_record(json.dumps(doc | {"schema_version": 2}).encode())
        rec.input_values()  # inputs are checked to be an object when read


def test_a_newer_record_says_which_version_it_is():
    doc = json.loads(v1_log_line()) | {"schema_version": 7}
    with pytest.raises(ContractVersionError, match="DecisionRecord schema_version 7"):
        read_record(json.dumps(doc).encode())


# --- the drift summary -----------------------------------------------------------------------


def test_a_summary_status_outside_ok_no_data_failed_is_refused_naming_it():
    doc = v1_no_data_summary() | {"schema_version": SUMMARY_VERSION}
    doc = {k: v for k, v in doc.items() if v is not None}
    assert read_summary(json.dumps(doc | {"status": "failed"})).status == "failed"
    with pytest.raises(ContractError, match="status"):
        read_summary(json.dumps(doc | {"status": "fine"}))


def test_a_version_1_no_data_summary_drops_its_nulls():
    s = read_summary(json.dumps(v1_no_data_summary()))
    assert s.schema_version == SUMMARY_VERSION == 3 and s.status == "no_data"
    assert s.estimated is None and s.prediction_drift is None and s.columns == []
    assert s.window.since.startswith("2026-11-23") and s.training.mean_probability == 0.1
    written = json.loads(contracts.encode(s))
    assert "estimated" not in written and "prediction_drift" not in written
    assert written["columns"] == [] and written["drift_share"] == 0.0


def test_a_version_2_summary_reads_without_history_and_history_is_typed():
    doc = {k: v for k, v in v1_no_data_summary().items() if v is not None}
    s = read_summary(json.dumps(doc | {"schema_version": 2}))
    assert s.schema_version == SUMMARY_VERSION and s.history is None
    history = {
        "rows": 800, "without_history": 320, "share_without": 0.4,
        "reference_share_without": 0.3, "reference_source": "model_card", "shift_pt": 10.0,
        "rule": {"max_shift_pt": 5.0, "min_rows": 500}, "warning": True,
        "message": "applicants without history: 40.0 % vs 30.0 %",
        "days": [{"day": "2026-11-29", "rows": 800, "without_history": 320,
                  "share_without": 0.4, "shift_pt": 10.0}],
    }  # fmt: skip
    s = read_summary(json.dumps(doc | {"schema_version": 3, "history": history}))
    assert s.history.warning and s.history.days[0].shift_pt == 10.0 and s.history.unknown_rows == 0
    with pytest.raises(ContractError, match="history"):
        read_summary(json.dumps(doc | {"history": history | {"warning": "yes"}}))


def test_a_version_1_study_summary_is_read_whole():
    s = read_summary(json.dumps(v1_study_summary()))
    assert s.calibration.method == "isotonic_on_reference" and s.reference_rows == 5000
    assert s.top_drifted[0].rank_by_importance == 1 and s.actual_interval == {"roc_auc": [0.7, 0.8]}
    assert s.window is None  # a study has no window
    assert contracts.to_builtins(s) | {"schema_version": 1} == v1_study_summary() | {
        "schema_version": 1
    }


def test_a_summary_built_with_numpy_scalars_is_checked_and_strict_json():
    doc = v1_study_summary()
    doc["columns"][0] |= {"drifted": np.bool_(True), "score": np.float64(0.3)}
    doc["drifted_columns"] = np.int64(1)
    doc["estimated"] = doc["estimated"] | {"roc_auc": float("nan")}
    s = contracts.summary_from(doc)
    assert s.columns[0].drifted is True and s.drifted_columns == 1
    assert s.estimated.roc_auc is None  # NaN is written as null: strict JSON readers accept it
    with pytest.raises(ContractError, match="drift_share"):
        contracts.summary_from(doc | {"drift_share": "high"})


def test_a_newer_summary_says_which_version_it_is():
    with pytest.raises(ContractVersionError, match="DriftSummary schema_version 9"):
        read_summary(json.dumps(v1_no_data_summary() | {"schema_version": 9}))


# --- the published card, the responses -------------------------------------------------------


def test_an_older_apis_model_card_is_read():
    doc = {k: v for k, v in v1_card().items() if k not in {"data", "features", "comparison"}}
    doc |= {"features": ["DAYS_EMPLOYED", "AMT_CREDIT", "CODE_GENDER"],
            "importance": [{"feature": "AMT_CREDIT", "mean_abs_shap": 0.2, "rank": 1}]}  # fmt: skip
    card = contracts.read_published_card(doc)
    assert card.importance[0].feature == "AMT_CREDIT" and card.threshold == 0.41
    with pytest.raises(ContractVersionError, match="PublishedCard schema_version 5"):
        contracts.read_published_card(doc | {"schema_version": 5})


def test_batch_items_are_tagged_scored_or_invalid():
    scored = contracts.ItemScore(
        index=0, request_id="r", sk_id_curr=1, probability=0.2, decision="accept",
        risk_grade="A", threshold=0.4, model_version="3",
    )  # fmt: skip
    problem = contracts.ProblemDetails(type="t", title="Invalid application", status=422,
                                       detail="d", errors=[], error_count=0)  # fmt: skip
    batch = contracts.BatchScore(
        request_id="r", model_version="3", scored=1, refused=1,
        results=[scored, contracts.ItemRefusal(index=1, error=problem)],
    )  # fmt: skip
    body = json.loads(contracts.encode(batch))
    assert [r["kind"] for r in body["results"]] == ["scored", "invalid"]
    assert msgspec.json.decode(contracts.encode(batch), type=contracts.BatchScore) == batch


def test_problem_details_carry_only_the_extensions_set():
    body = json.loads(contracts.encode(contracts.ProblemDetails(
        type="t", title="Model unavailable", status=503, detail="d", model_loaded=False,
        model_version=None)))  # fmt: skip
    assert body["model_version"] is None and body["model_loaded"] is False
    assert "errors" not in body and "allowed" not in body


def test_the_contracts_import_without_numpy_or_lightgbm():
    code = (
        "import sys, credit_core.contracts; "
        "print(sorted(m for m in ('numpy', 'lightgbm', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_apis_log_lines_are_decision_records():
    from credit_api import request_log

    x = np.array([[np.nan, 250000.0, 1.0], [3.0, 4.0, np.inf]])
    raw = [b'{"AMT_CREDIT":250000.0}', b'{"AMT_CREDIT":4.0,"CODE_GENDER":"M"}']
    warning = ScoreWarning(field="AMT_CREDIT", kind="unseen_level", value="x", message="m",
                           scored_as="missing")  # fmt: skip
    when = datetime(2026, 11, 30, 6, 0, 0, 123000, tzinfo=UTC)
    body = request_log.lines(
        "req-3", when, "3", raw, x, [0.1, 0.9], ["accept", "refuse"], [[], [warning]], [4, 7],
        0.41, "cd" * 32,
    )  # fmt: skip
    first, second = (read_record(line) for line in body.splitlines())
    assert first.features == [None, 250000.0, 1.0] and second.features == [3.0, 4.0, None]
    assert (first.item, second.item) == (4, 7) and second.warnings == [warning]
    assert second.input_values() == {"AMT_CREDIT": 4.0, "CODE_GENDER": "M"}
    assert first.timestamp == "2026-11-30T06:00:00.123+00:00" and second.decision == "refuse"
    assert (first.threshold, first.bundle_sha256) == (0.41, "cd" * 32)
    assert json.loads(body.splitlines()[0])["schema_version"] == DECISION_VERSION
