"""Drift of the client-history features: the study on a twin with its six history tables,
scored against the twin's history drift manifest, and the production job on decision records
of a with-history model (features as scored, ``history.found``) through the drift Lambda."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pytest

from credit_core import contracts, storage
from credit_core.bundle import load_bundle
from credit_core.features import columns_from_records, history_columns, transform
from credit_core.history.definitions import definitions_digest, feature_names
from credit_monitoring import history_lineage, history_monitor
from tests.monitoring.conftest import as_records, make_bucket, upload_dir

pytestmark = pytest.mark.slow  # a twin with history tables; the session's with-history model

HISTORY = set(feature_names())


@pytest.fixture(scope="module")
def history_twin(tmp_path_factory) -> Path:
    """A moderate twin with the six history tables and its drift manifest."""
    from credit_training.twin.generate import write_twin

    out = tmp_path_factory.mktemp("history_twin") / "twin"
    write_twin(out, 20_000, 8_000, seed=3, tables="all")
    return out


@pytest.fixture(scope="module")
def history_study(history_twin):
    from credit_monitoring.study import run_study

    summary, table, page = run_study(
        history_twin / "application_train.csv", history_twin / "application_test.csv"
    )
    manifest = json.loads((history_twin / "drift_manifest.json").read_text())
    return summary, table, page, manifest["history_tables"]


def test_the_twins_material_history_drifts_are_found_and_flags_are_explained(history_study):
    _, table, _, truth = history_study
    flagged = [c.name for c in table if c.drifted and c.name in HISTORY]
    score = history_lineage.score_against(truth, flagged)
    assert len(score.material) >= 3  # the card drawings, the bureau late status, card coverage
    assert score.recall >= 0.9, score.as_dict()["missed"]
    assert score.precision >= 0.9, score.as_dict()["unexplained"]
    # each distribution drift is seen on the very feature that aggregates the moved column
    drifted = {c.name: c for c in table if c.drifted}
    assert drifted["CC_ATM_DRAWINGS_COUNT_MEAN"].method.startswith("psi_deciles")
    assert "BB_LATE_SHARE" in drifted


def test_the_study_scores_every_history_feature_and_the_share_without_history(history_study):
    summary, table, page, _ = history_study
    assert {c["name"] for c in summary["columns"]} >= HISTORY
    assert summary["drifted_columns"] == sum(c.drifted for c in table)
    coverage = summary["history"]
    assert coverage["reference_source"] == "reference" and coverage["rows"] == 8_000
    assert 0 <= coverage["share_without"] < 0.05  # nearly every twin applicant has a record
    assert not coverage["warning"]
    contracts.summary_from(summary)  # the typed summary takes it
    assert "CC_ATM_DRAWINGS_COUNT_MEAN" in page  # Evidently's widgets cover history features


# --- the production job on a with-history model ----------------------------------------------


def _applicants(folder: Path) -> tuple[list[dict], pd.DataFrame]:
    """The applicants of the session's with-history run as the API receives them (the history
    tables cover them; its test file has none), and their history features."""
    from credit_core.history.engine import batch_features, connect_folder

    frame = pd.read_csv(folder / "application_train.csv")
    con = connect_folder(folder)
    try:
        features = batch_features(con, frame["SK_ID_CURR"].to_numpy())
    finally:
        con.close()
    return as_records(frame), features.reindex(frame["SK_ID_CURR"].to_numpy())[feature_names()]


def _lines(bundle_dir: Path, records: list[dict], history: list[dict | None], when: datetime):
    """Decision records as the API writes them for a with-history model: ``None`` history is
    an applicant the store does not hold (scored with the no-history values)."""
    bundle = load_bundle(str(bundle_dir), cache_dir=bundle_dir.parent / "cache")
    spec = bundle.model.spec
    x = transform(spec, columns_from_records(spec, records), history_columns(spec, history))
    p = bundle.model.probability(x)
    return contracts.encode_lines(
        [
            contracts.DecisionRecord(
                request_id=uuid.uuid4().hex,
                item=i,
                timestamp=(when + timedelta(seconds=i)).isoformat(timespec="milliseconds"),
                model_version=bundle.version,
                inputs=msgspec.Raw(msgspec.json.encode(rec)),
                features=[None if np.isnan(v) else float(v) for v in x[i]],
                probability=float(p[i]),
                decision="refuse" if p[i] >= bundle.model.threshold else "accept",
                threshold=bundle.model.threshold,
                bundle_sha256=bundle.sha256,
                history=contracts.HistoryUse(
                    found=history[i] is not None,
                    as_of="2026-11-01",
                    feature_set=definitions_digest(),
                ),
            )
            for i, rec in enumerate(records)
        ]
    )


def test_the_job_follows_history_features_and_warns_when_history_goes_missing(
    aws, trained_with_history, history_bundle_dir, capsys
):
    from credit_monitoring import handler
    from credit_monitoring.settings import DriftSettings
    from tests.monitoring.test_handler import LambdaContext, _emf, _metric_values

    bundle_dir = history_bundle_dir
    card = load_bundle(str(bundle_dir), cache_dir=bundle_dir.parent / "cache").card
    assert card.features.history is not None
    records, features = _applicants(trained_with_history["root"] / "twin")
    no_history = history_monitor.without_history(features)
    rows = [
        None if empty else r
        for empty, r in zip(no_history, features.to_dict("records"), strict=True)
    ]
    day1, day2 = datetime(2026, 11, 19, 9, tzinfo=UTC), datetime(2026, 11, 20, 9, tzinfo=UTC)
    # day 2: the store misses most clients (a failed publication): 80% scored without history
    lost = [None if i % 5 else r for i, r in enumerate(rows)]
    for bucket in ("models", "request-logs", "reports"):
        make_bucket(aws, bucket)
    upload_dir(aws, bundle_dir, "models", "credit")
    for when, hist in ((day1, rows), (day2, lost)):
        key = f"requests/dt={when:%Y-%m-%d}/{when:%H%M%S}-{uuid.uuid4().hex}.jsonl"
        storage.write_bytes(
            f"s3://request-logs/{key}", _lines(bundle_dir, records, hist, when), "x-ndjson"
        )
    settings = DriftSettings.from_env(
        {
            "STAGE": "dev",
            "MODEL_URI": "s3://models/credit",
            "LOG_URI": "s3://request-logs/requests",
            "REPORTS_URI": "s3://reports/drift",
        }
    )
    event = {"since": "2026-11-19T00:00:00+00:00", "until": "2026-11-21T00:00:00+00:00"}
    handler.build(settings)(event, LambdaContext())
    raw = aws.get_object(Bucket="reports", Key="drift/latest.json")["Body"].read()
    summary, typed = json.loads(raw), contracts.read_summary(raw)
    assert contracts.SUMMARY_VERSION == 3 and typed.history is not None and typed.history.warning

    coverage = summary["history"]
    n = len(records)
    reference = round(1 - card.history["clients_with_history_share"], 6)
    assert coverage["reference_source"] == "model_card"
    assert coverage["reference_share_without"] == reference
    assert coverage["rows"] == 2 * n and typed.history.unknown_rows == 0  # 0 is left out
    first, second = coverage["days"]
    assert first["day"] == "2026-11-19" and first["without_history"] == int(no_history.sum())
    assert abs(first["shift_pt"]) < history_monitor.MAX_SHIFT_PT  # as in training
    assert second["share_without"] >= 0.8 and second["shift_pt"] > 40
    assert coverage["warning"] and "applicants without history" in coverage["message"]
    page = aws.get_object(Bucket="reports", Key=f"drift/{summary['report_key']}")["Body"].read()
    assert b"Applicants without history" in page and b"2026-11-20" in page

    # the history features the API used are scored against the reference sample's, and the
    # ones that moved (scored as no history: zeros and missing values) rank by importance
    columns = {c["name"]: c for c in summary["columns"]}
    assert set(card.features.history.names) <= set(columns)
    moved = [r for r in summary["top_drifted"] if r["name"] in HISTORY]
    assert moved and all(r["importance_share"] is not None for r in moved)
    assert moved[0]["importance_share"] > 0
    shares = [c["importance_share"] for c in summary["columns"]]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)

    docs = _emf(capsys.readouterr().out)
    assert _metric_values(docs, "NoHistoryShareWarning")[0][0] == 1
    share = _metric_values(docs, "NoHistoryShare")[0][0]
    assert share == pytest.approx(coverage["share_without"])
    assert _metric_values(docs, "NoHistoryShareShift")[0][0] == pytest.approx(coverage["shift_pt"])
