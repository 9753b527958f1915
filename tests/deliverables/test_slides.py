"""The presentation: its numbers and figures come from the pipeline's outputs."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from credit_core.contracts import (
    ColumnDrift,
    DriftSummary,
    Performance,
    RankedColumn,
    Window,
    encode_pretty,
    read_card,
)

PRESENTATION = Path(__file__).resolve().parents[2] / "docs" / "presentation"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, PRESENTATION / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_check_html_flags_every_kind_of_external_load():
    check = _module("check_html")
    # Given a page that loads a script, a stylesheet, a font and an image from the network
    html = (
        '<script src="https://cdn.example/x.js"></script><link href="//fonts.example/css">'
        "<style>@import 'https://fonts.example/a.css'; b { background: url(http://img.example/b.png) }</style>"
        '<img src="data:image/png;base64,AAAA"><a href="#3">next</a>'
    )
    # Then each network load is reported, and inline data or in-page anchors are not
    assert check.external_references(html) == [
        "//fonts.example/css",
        "http://img.example/b.png",
        "https://cdn.example/x.js",
        "https://fonts.example/a.css",
    ]
    assert check.external_references('<img src="data:image/png;base64,AAAA">') == []


@pytest.fixture
def exported(trained_store, tmp_path):
    from credit_training.export import export_bundle

    root = tmp_path / "bundles"
    export_bundle(str(root))
    return root


def _slides(exported, trained, tmp_path, drift_summary=None) -> str:
    from credit_training.registry import default_tracking_uri

    build = _module("build_slides")
    args = [
        "--bundle",
        str(exported),
        "--tracking-uri",
        default_tracking_uri(trained["root"]),
        "--manifest",
        str(trained["cfg"].data / "drift_manifest.json"),
        "--out",
        str(tmp_path / "out"),
    ]
    if drift_summary is not None:
        args += ["--drift-summary", str(drift_summary)]
    assert build.main(args) == 0
    return (tmp_path / "out" / "slides.md").read_text("utf-8")


@pytest.mark.slow
def test_slides_carry_the_model_card_figures(exported, trained, tmp_path):
    # Given the exported champion of a small training run
    card = read_card(
        (exported / trained["summary"]["registered_version"] / "model_card.json").read_bytes()
    )
    manifest = json.loads((trained["cfg"].data / "drift_manifest.json").read_text())

    # When the slides are filled without a drift summary
    md = _slides(exported, trained, tmp_path)

    # Then the numbers are the card's, the figures are inline PNGs, nothing is loaded from outside
    holdout = card.metrics.holdout
    assert f"holdout ROC AUC **{holdout.roc_auc:.3f}**" in md
    assert f"**{holdout.business_cost:.3f}**" in md
    assert (
        f"chosen on **out-of-fold** predictions of the training part: **{card.threshold:.3f}**"
        in md.replace("Chosen", "chosen")
    )
    assert f"| columns changed in production | {len(manifest['drifted_columns'])} |" in md
    assert f"model v{card.model_version}" in md
    images = re.findall(r"!\[[^\]]*\]\(([^)]*)\)", md)
    assert len(images) == 5 and all(i.startswith("data:image/png;base64,") for i in images)
    assert "http://" not in md and "https://" not in md
    assert md.count("\n---\n") == 14  # front matter close + thirteen slide breaks
    # the fairness slide: the card's ratios and gate; the oversight slide: the fixed codes
    report = card.fairness.report
    gender = report.attributes["gender"]
    assert f"approval ratio **{gender.disparate_impact:.2f}**" in md
    assert f"**{report.worst_ratio:.2f}**" in md
    assert f"more than {card.fairness.gate.tolerance:.2f} is **not promoted**" in md
    from credit_core import review_reasons

    for code in review_reasons.codes_for("override"):
        assert review_reasons.BY_CODE[code].en in md
    assert "No drift summary was found for this build" in md
    # an application-only model: the history slide says so, the limits still name the gap
    assert "trained on the application alone (history: **absent**)" in md
    assert "bureau and previous-application histories are left out" in md


def test_the_history_slide_compares_both_champions_from_the_card(exported, trained):
    import msgspec

    card = read_card(
        (exported / trained["summary"]["registered_version"] / "model_card.json").read_bytes()
    )
    build = _module("build_slides")
    assert build.history_facts(card) == {"used": False, "status": "absent"}
    section = {
        "status": "used",
        "feature_set": {"names": ["INST_LATE_SHARE", "BB_LATE_SHARE"], "digest": "sha256:x"},
        "clients_with_history_share": 0.7,
        "top_features": [
            {"feature": "INST_LATE_SHARE", "rank": 2, "mean_abs_shap": 0.2},
            {"feature": "BB_LATE_SHARE", "rank": 9, "mean_abs_shap": 0.05},
        ],
        "comparison": {
            "application_only": {"roc_auc": 0.70, "business_cost": 0.55, "ece": 0.02,
                                 "refusal_rate": 0.30},
            "with_history": {"roc_auc": 0.76, "business_cost": 0.50, "ece": 0.03,
                             "refusal_rate": 0.28},
        },
    }  # fmt: skip
    facts = build.history_facts(msgspec.structs.replace(card, history=section))
    assert facts["used"] and facts["with_history_share"] == 0.7 and facts["n_history"] == 2
    assert facts["auc_gain"] == pytest.approx(0.06) and facts["cost_gain"] == pytest.approx(-0.05)
    rows = {r["label"]: r for r in facts["rows"]}
    assert rows["ROC AUC"]["better"] and rows["business cost / application"]["better"]
    assert rows["expected calibration error"]["better"] is False  # worse calibration is shown
    assert rows["refusal rate"]["better"] is None  # neither better nor worse
    assert [t["feature"] for t in facts["top"]] == ["INST_LATE_SHARE", "BB_LATE_SHARE"]
    assert facts["top"][0]["meaning"] == "share of instalments paid after their due date"


@pytest.mark.slow
def test_monitoring_slide_reads_the_drift_summary(exported, trained, tmp_path):
    # Given a drift summary that flags one column the twin changed and one it did not
    manifest = json.loads((trained["cfg"].data / "drift_manifest.json").read_text())
    material = sorted(n for n, e in manifest["drifted_columns"].items() if e["material"])
    changed = material[0]

    def column(name: str, method: str, score: float, drifted: bool) -> ColumnDrift:
        return ColumnDrift(
            name=name, method=method, score=score, threshold=0.1, drifted=drifted,
            missing_rate_reference=0.0, missing_rate_current=0.0, importance_share=0.05,
            values_psi=score, missing_psi=0.0,
        )  # fmt: skip

    columns = [
        column(changed, "psi_deciles", 0.4, True),
        column("FLAG_MOBIL", "psi_levels", 0.2, True),
        column("CNT_CHILDREN", "psi_levels", 0.01, False),
    ]
    summary = DriftSummary(
        status="ok",
        generated_at="2026-11-30T06:00:00+00:00",
        window=Window(since="2026-11-23T00:00:00+00:00", until="2026-11-30T00:00:00+00:00"),
        model_version="1",
        rows=812,
        drift_share=0.25,
        drifted_columns=2,
        columns=columns,
        top_drifted=[
            RankedColumn(rank=r, name=c.name, method=c.method, score=c.score, threshold=0.1)
            for r, c in enumerate(columns[:2], 1)
        ],
        refusal_rate=0.31,
        estimated=Performance(default_rate=0.097, business_cost_per_application=0.61, roc_auc=0.74),
        training=Performance(default_rate=0.081, business_cost_per_application=0.55),
        actual=Performance(default_rate=0.102, business_cost_per_application=0.64),
        actual_interval={"business_cost_per_application": [0.58, 0.70]},
    )
    path = tmp_path / "latest.json"
    path.write_bytes(encode_pretty(summary))

    # When the slides are filled
    md = _slides(exported, trained, tmp_path, path)

    # Then the monitoring slide reports the window, the counts against the twin's ground truth
    # and the label-free estimates
    assert "Production window 2026-11-23 → 2026-11-30: 812 scored applications." in md
    assert "**2** drifted columns (25.0% of those monitored)" in md
    assert f"1 material changes found, 1 false alarm(s), {len(material) - 1} missed" in md
    assert "Estimated **without labels**: default rate 9.7%, cost\n  0.610 per application" in md
    assert (
        "Once the labels arrive: cost 0.640 (95% interval 0.580–0.700), default rate 10.2%." in md
    )
    assert "No drift summary" not in md
    images = re.findall(r"!\[[^\]]*\]\(([^)]*)\)", md)
    assert len(images) == 6  # the drift chart joins the model and fairness figures
