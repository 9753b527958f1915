"""Fairness in a real training run (MLflow, the card) and the model card for people."""

import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from credit_core.cli import main
from credit_training.export import export_bundle
from credit_training.model_card import render, skeleton

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "model_card.md"


@pytest.fixture(scope="module")
def tiny_bundle(trained, tmp_path_factory):
    import mlflow

    from credit_training.registry import default_tracking_uri

    mlflow.set_tracking_uri(default_tracking_uri(trained["root"]))
    out = tmp_path_factory.mktemp("card-bundle")
    export_bundle(str(out), version=trained["summary"]["registered_version"])
    return out


def test_training_reports_fairness_per_group_on_the_holdout(trained, trained_store):
    s = trained["summary"]
    section = s["fairness"]
    assert section["policy"]["protected_inputs"] == ["CODE_GENDER"]
    assert section["evaluated_on"] == "holdout"
    report = section["report"]
    assert set(report["attributes"]) == {"gender", "age_band", "family_status", "children"}
    holdout_rows = sum(g["count"] for g in report["attributes"]["age_band"]["groups"])
    assert holdout_rows == round(8000 * 0.2)
    refused = sum(g["refusal_rate"] * g["count"] for g in report["attributes"]["gender"]["groups"])
    assert refused / holdout_rows == pytest.approx(s["holdout"]["refusal_rate"])
    assert next(r["feature"] for r in section["age_effect"]) in {"DAYS_BIRTH", "EMPLOYED_AGE_RATIO"}
    run = MlflowClient().get_run(s["run_id"])
    assert run.data.metrics["fairness_worst_ratio"] == pytest.approx(report["worst_ratio"])
    parent = MlflowClient().get_run(s["parent_run_id"])
    assert parent.data.params["protected_inputs"] == "CODE_GENDER"
    assert parent.data.metrics["fairness_worst_ratio"] == pytest.approx(report["worst_ratio"])
    artifacts = {a.path for a in MlflowClient().list_artifacts(s["run_id"], "fairness")}
    assert artifacts == {"fairness/fairness.md", "fairness/fairness.html"}


def test_docs_model_card_is_in_sync_with_a_freshly_trained_bundle(tiny_bundle, tmp_path):
    out = tmp_path / "model_card.md"
    assert main(["model-card", "--bundle", str(tiny_bundle), "--out", str(out)]) == 0
    fresh = out.read_text("utf-8")
    for section in (
        "## Owner and version",
        "## Intended use and users",
        "## Uses it must not serve",
        "## Training data",
        "## Performance overall",
        "## Performance per group",
        "## Limitations",
        "## Human oversight",
        "## Monitoring plan",
    ):
        assert section in fresh
    assert "synthetic data twin (seed 5" in fresh
    assert "| <25 |" in fresh and "### gender" in fresh
    # the committed card is this generator's output for the demo bundle: same text once the
    # figures are taken out (regenerate it with `credit model-card` when this fails)
    assert skeleton(DOC.read_text("utf-8")) == skeleton(fresh)


def test_check_mode_tells_a_stale_card(tiny_bundle, tmp_path, capsys):
    out = tmp_path / "card.md"
    assert main(["model-card", "--bundle", str(tiny_bundle), "--out", str(out), "--check"]) == 1
    assert main(["model-card", "--bundle", str(tiny_bundle), "--out", str(out)]) == 0
    assert main(["model-card", "--bundle", str(tiny_bundle), "--out", str(out), "--check"]) == 0
    out.write_text(out.read_text().replace("0.", "1.", 1))
    assert main(["model-card", "--bundle", str(tiny_bundle), "--out", str(out), "--check"]) == 1
    assert "regenerate it" in capsys.readouterr().err


def test_a_folder_without_a_bundle_is_a_usage_error(tmp_path, capsys):
    assert main(["model-card", "--bundle", str(tmp_path), "--out", str(tmp_path / "c.md")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("credit model-card: error: no readable model card")


def test_skeleton_sees_prose_changes_but_not_figures(tiny_bundle):
    card = json.loads((tiny_bundle / "1" / "model_card.json").read_text())
    text = render(card)
    other = json.loads(json.dumps(card))
    other["metrics"]["holdout"]["roc_auc"] = 0.5
    other["fairness"]["report"]["attributes"]["gender"]["groups"][0]["count"] += 7
    assert skeleton(render(other)) == skeleton(text)
    assert skeleton(text.replace("credit officers", "loan officers")) != skeleton(text)


def _lost(raw, typed, path="$"):
    """Paths of ``raw`` (the JSON written) that ``typed`` (the struct read back, as builtins)
    dropped or changed; a key left out only because it holds its default (false, empty, null)
    is no loss."""
    if isinstance(raw, dict):
        if not isinstance(typed, dict):
            return [path]
        return [
            p
            for k, v in raw.items()
            for p in (
                _lost(v, typed[k], f"{path}.{k}")
                if k in typed
                else ([] if not v else [f"{path}.{k}"])
            )
        ]
    if isinstance(raw, list):
        if not isinstance(typed, list) or len(raw) != len(typed):
            return [path]
        return [
            p
            for i, (a, b) in enumerate(zip(raw, typed, strict=True))
            for p in _lost(a, b, f"{path}[{i}]")
        ]
    return [] if raw == typed else [path]


def test_a_freshly_trained_cards_every_section_survives_the_typed_reader(tiny_bundle):
    from credit_core import bundle, contracts

    version = bundle.current_version(str(tiny_bundle))
    raw = (tiny_bundle / version / bundle.CARD).read_bytes()
    card = contracts.read_card(raw)
    written = json.loads(raw)
    assert _lost(written, contracts.to_builtins(card)) == []
    # the parts the fairness work added are typed, not carried as loose mappings
    assert card.fairness is not None and card.fairness.report.attributes["gender"].groups
    assert card.data.synthetic_twin is not None and card.data.synthetic_twin.seed == 5
    assert set(card.contract.unscored) == {"CODE_GENDER"}
    assert card.contract.unscored["CODE_GENDER"].domain.levels
    assert contracts.read_card(contracts.encode(card)) == card
