"""Training on all tables: history features joined by id, the card's feature set and digest,
both champions side by side in MLflow, and a with-history bundle served without a store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from credit_api.call import Call
from credit_core.history.definitions import definitions_digest, feature_names

pytestmark = pytest.mark.slow


@pytest.fixture
def history_run(trained_with_history):
    """The session's with-history training run (tests/conftest.py)."""
    return trained_with_history


@pytest.fixture
def history_store(history_run):
    import mlflow

    from credit_training.registry import default_tracking_uri

    mlflow.set_tracking_uri(default_tracking_uri(history_run["root"]))
    return history_run


def test_the_run_says_it_uses_history_and_the_card_records_the_feature_set(history_store):
    from credit_training import registry

    s = history_store["summary"]
    assert any(
        line.startswith("history: the six history tables, 78 features per client (")
        for line in history_store["lines"]
    )
    model = registry.load_registered("credit-scoring", s["registered_version"])
    card = model.card
    assert card.features.history is not None
    assert card.features.history.names == feature_names()
    assert card.features.history.digest == definitions_digest()
    assert card.features.names[-78:] == feature_names()
    assert model.booster.num_feature() == len(card.features.names)
    # the request contract never asks a client for a history feature
    assert not set(card.contract.fields) & set(feature_names())
    section = card.history
    assert section is not None
    assert section["status"] == "used"
    assert section["feature_set"]["digest"] == definitions_digest()
    assert 0.6 < section["clients_with_history_share"] < 0.8  # the tables cover 70%
    tops = [t["feature"] for t in section["top_features"]]
    assert len(tops) == 10 and set(tops) <= set(feature_names())
    # SHAP global importance ranks application and history features together
    import mlflow

    path = mlflow.artifacts.download_artifacts(
        run_id=s["run_id"], artifact_path="bundle/importance.json"
    )
    ranked = [r["feature"] for r in json.loads(Path(path).read_text())]
    assert set(ranked) == set(card.features.names)
    assert ranked.index(tops[0]) == section["top_features"][0]["rank"] - 1


def test_both_champions_are_compared_on_the_same_holdout_in_mlflow(history_store):
    s = history_store["summary"]
    comparison = s["history"]["comparison"]
    plain, rich = comparison["application_only"], comparison["with_history"]
    assert rich == {k: v for k, v in s["holdout"].items()}
    for metrics in (plain, rich):
        assert {"roc_auc", "business_cost", "ece", "brier"} <= set(metrics)
    # the tables carry the label's signal (late instalments, refusals): history must help
    assert rich["roc_auc"] > plain["roc_auc"] + 0.05
    client = MlflowClient()
    parent = client.get_run(s["parent_run_id"])
    m = parent.data.metrics
    assert m["application_only_holdout_roc_auc"] == pytest.approx(plain["roc_auc"])
    assert m["history_gain_roc_auc"] == pytest.approx(rich["roc_auc"] - plain["roc_auc"])
    assert m["history_gain_ece"] == pytest.approx(rich["ece"] - plain["ece"])
    assert parent.data.params["history"] == "used"
    assert parent.data.params["history_digest"] == definitions_digest()
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{s['parent_run_id']}'",
    )
    by_name = {r.info.run_name: r for r in children}
    assert by_name["champion-application-only"].data.tags["features"] == "application"
    assert by_name["champion-candidate"].data.tags["features"] == "application+history"
    assert by_name["champion-application-only"].data.metrics["holdout_roc_auc"] == pytest.approx(
        plain["roc_auc"]
    )


def test_a_with_history_bundle_served_without_a_store_scores_as_no_history(history_store, tmp_path):
    """Opted in (SCORE_WITHOUT_HISTORY, local only): the API asks for application fields only,
    scores with the no-history values and says so in each result; the reasons name history
    features in words. (Without the opt-in or a store it is not ready: tests/api.)"""
    from credit_api import auth
    from credit_api.service import ScoringService
    from credit_api.settings import Settings
    from credit_api.state import load_state
    from credit_core.features import transform_raw
    from credit_training.export import export_bundle
    from tests.api.conftest import API_KEY

    s = history_store["summary"]
    export_bundle(str(tmp_path / "bundle"), version=s["registered_version"])
    settings = Settings(
        model_uri=str(tmp_path / "bundle"),
        log_uri=str(tmp_path / "log"),
        cache_dir=str(tmp_path / "cache"),
        without_history=True,
    )
    state = load_state(settings)
    assert state.bundle is not None
    service = ScoringService(settings, state, auth.static_hash_provider(API_KEY))
    test = pd.read_csv(history_store["root"] / "twin" / "application_test.csv").head(1)
    record = {k: (v.item() if hasattr(v, "item") else v) for k, v in test.iloc[0].items()}
    record = json.loads(json.dumps({k: v for k, v in record.items() if not pd.isna(v)}))
    reply = service.handle("explain", json.dumps(record).encode(), Call("req-1", API_KEY))
    assert reply.status == 200, reply.body
    body = json.loads(reply.body)
    assert body["history"] == {"found": False, "as_of": None, "feature_set": definitions_digest()}
    model = state.bundle.model
    raw = service.decoder.one(json.dumps(record).encode()).matrix
    assert body["probability"] == pytest.approx(
        float(model.probability(transform_raw(model.spec, raw))[0])
    )
    shown = {c["feature"]: c for c in body["contributions"]}
    assert shown["INST_COUNT"]["value"] == 0.0  # a count: 0 without history
    assert shown["INST_LATE_SHARE"]["value"] is None or np.isnan(shown["INST_LATE_SHARE"]["value"])
    assert shown["PREV_REFUSED_COUNT"]["label"] == "Previous applications refused"


def test_an_application_only_folder_trains_as_before(trained, trained_store):
    """The session's tiny model: no history tables in its folder, no history part anywhere."""
    from credit_training import registry

    s = trained["summary"]
    assert s["history"] == {"status": "absent"}
    card = registry.load_registered("credit-scoring", s["registered_version"]).card
    assert card.features.history is None
    assert not set(card.features.names) & set(feature_names())
