"""Fill the slide template with the pipeline's own outputs; Marp renders the result (`make slides`).

Reads the exported bundle (``current.json`` -> model card, importance, reference sample), the
MLflow store (the training run's artifacts and the registry's versions and aliases), the twin's
drift manifest and, when present, the drift monitor's ``latest.json`` summary. Writes
``<out>/slides.md``: Marp Markdown whose figures are inline PNG data URIs, so the rendered HTML
is one self-contained file. No number in the slides is typed by hand.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from credit_core import bundle as bundle_io
from credit_core import feature_meta, review_reasons
from credit_core.contracts import Calibration, ModelCard, read_card, read_summary, to_builtins
from credit_core.features import FeatureSpec

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "slides.md.j2"
STACK = HERE.parents[1] / "template.yaml"  # the SAM stack: the drift job's schedule
CALIBRATION = {  # the card's calibration.method, as the slides state it
    "platt_on_final_model_slice": (
        "a Platt map fitted on the served booster's own raw scores on a held-out calibration "
        "slice of the training part ({calibration_rows:,} rows it never learned from)"
    ),
    "platt_on_oof_raw_score": (
        "a Platt map fitted on out-of-fold raw scores of the cross-validation models"
    ),
}
RED, BLUE, GREY, GREEN = "#C44E52", "#4C72B0", "#8C8C8C", "#55A868"
NAMES = {  # short axis labels for candidates and imbalance strategies
    "lightgbm": "LightGBM",
    "logreg": "LogReg",
    "class_weight": "weights",
    "undersample": "under-\nsampling",
    "smote": "SMOTE",
}


@dataclass(frozen=True)
class Sources:
    bundle_root: Path
    tracking_uri: str
    manifest: Path | None
    drift_summary: Path | None


def png_uri(fig: plt.Figure) -> str:
    """A matplotlib figure as a PNG data URI (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def file_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def read_bundle(root: Path) -> tuple[str, ModelCard, list[dict[str, Any]], pd.DataFrame]:
    """(version, model card, importance, reference sample) of the version ``current.json`` names."""
    version = bundle_io.current_version(str(root))
    directory = root / version
    card = read_card((directory / bundle_io.CARD).read_bytes())
    importance = json.loads((directory / bundle_io.IMPORTANCE).read_text("utf-8"))
    reference = pd.read_csv(directory / bundle_io.REFERENCE, low_memory=False)
    return version, card, importance, reference


def comparison_frame(card: ModelCard) -> pd.DataFrame:
    """Stage-1 candidates x strategies from the card, best business cost first."""
    table = pd.DataFrame(card.comparison)
    return table.sort_values("cv_cost").reset_index(drop=True)


def comparison_figure(table: pd.DataFrame) -> str:
    labels = [
        f"{NAMES.get(c, c)}\n{NAMES.get(s, s)}"
        for c, s in zip(table.candidate, table.strategy, strict=True)
    ]
    colors = [RED if c == "lightgbm" else BLUE if c == "logreg" else GREY for c in table.candidate]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.4))
    ax1.bar(labels, table.cv_cost, yerr=table.cv_cost_std, color=colors)
    ax1.set_title("Business cost per application (CV, lower is better)", fontsize=13)
    ax2.bar(labels, table.cv_auc, yerr=table.cv_auc_std, color=colors)
    ax2.set_ylim(0.45, max(0.85, float(table.cv_auc.max()) + 0.03))
    ax2.set_title("ROC AUC (CV)", fontsize=13)
    for ax in (ax1, ax2):
        ax.tick_params(axis="x", labelsize=9)
        ax.tick_params(axis="y", labelsize=11)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return png_uri(fig)


def importance_figure(importance: list[dict[str, Any]], top: int = 10) -> str:
    rows = importance[:top][::-1]
    fig, ax = plt.subplots(figsize=(7, 4.6))
    ax.barh(
        [feature_meta.label(r["feature"]) for r in rows],
        [r["mean_abs_shap"] for r in rows],
        color=BLUE,
    )
    ax.set_xlabel("mean |SHAP| (log-odds of default)", fontsize=12)
    ax.tick_params(labelsize=11)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return png_uri(fig)


def local_explanation(
    card: ModelCard, root: Path, version: str, reference: pd.DataFrame
) -> tuple[str, dict[str, Any]]:
    """Contributions for the riskiest applicant of the reference sample, scored by the bundle."""
    from credit_training.featurize import feature_matrix

    with tempfile.TemporaryDirectory() as cache:
        loaded = bundle_io.load_bundle(str(root), version, cache)
        model = loaded.model
        spec: FeatureSpec = model.spec
        row = reference.loc[[reference["score"].idxmax()]]
        # a with-history model: the sample carries the rows' history features (as trained)
        history = (
            row[list(spec.history)] if spec.history and set(spec.history) <= set(row) else None
        )
        x = feature_matrix(spec, row, history)
        contrib, base = model.contributions(x)
        probability = float(model.probability(x)[0])
    order = np.argsort(-np.abs(contrib[0]))[:8][::-1]
    fig, ax = plt.subplots(figsize=(7, 4.6))
    values = contrib[0][order]
    ax.barh(
        [feature_meta.label(spec.names[i]) for i in order],
        values,
        color=[RED if v > 0 else BLUE for v in values],
    )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("contribution to the log-odds of default", fontsize=12)
    ax.tick_params(labelsize=11)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    id_col = card.data.id_col
    facts = {
        "id": int(row[id_col].iloc[0]) if id_col in row else None,
        "probability": probability,
        "base": float(base[0]),
        "decision": str(model.decide(np.array([probability]))[0]),
    }
    return png_uri(fig), facts


def mlflow_facts(tracking_uri: str, card: ModelCard) -> dict[str, Any]:
    """The training run's cost-curve artifact and the registry's versions with their aliases."""
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient()
    run = client.get_run(card.run_id)
    parent_id = run.data.tags.get("mlflow.parentRunId")
    parent = client.get_run(parent_id) if parent_id else run
    with tempfile.TemporaryDirectory() as tmp:
        curve = Path(
            mlflow.artifacts.download_artifacts(
                run_id=card.run_id, artifact_path="plots/threshold_curve.png", dst_path=tmp
            )
        )
        curve_uri = file_uri(curve)
    versions = []
    for found in client.search_model_versions(f"name='{card.model_name}'"):
        mv = client.get_model_version(found.name, found.version)  # search omits the aliases
        metrics = client.get_run(mv.run_id).data.metrics
        versions.append(
            {
                "version": int(mv.version),
                "aliases": ", ".join(sorted(mv.aliases)) or "-",
                "holdout_cost": metrics.get("holdout_business_cost"),
                "holdout_auc": metrics.get("holdout_roc_auc"),
                "created": datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            }
        )
    versions.sort(key=lambda v: -v["version"])
    seconds = (parent.info.end_time - parent.info.start_time) / 1000 if parent.info.end_time else 0
    return {
        "curve": curve_uri,
        "versions": versions[:6],
        "version_count": len(versions),
        "profile": parent.data.params.get("profile"),
        "folds": parent.data.params.get("folds"),
        "training_minutes": seconds / 60,
        "holdout_rows": int(parent.data.params.get("holdout_rows", 0)),
        "holdout_share": int(parent.data.params.get("holdout_rows", 0))
        / max(int(parent.data.params.get("rows", 1)), 1),
    }


def manifest_facts(path: Path | None) -> dict[str, Any] | None:
    """What the twin's generator changed between train and test; ``truth`` is the set a drift
    monitor should flag (the material changes when the manifest grades them, else all)."""
    if path is None or not path.exists():
        return None
    manifest = json.loads(path.read_text("utf-8"))
    changed = manifest["drifted_columns"]
    kinds: dict[str, int] = {}
    for entry in changed.values():
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    graded = all("material" in e for e in changed.values())
    truth = {n for n, e in changed.items() if e["material"]} if graded else set(changed)
    return {
        "train_rows": manifest["train_rows"],
        "test_rows": manifest["test_rows"],
        "drifted": len(changed),
        "kinds": ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items())),
        "material": len(truth) if graded else None,
        "truth": truth,
        "history_tables": manifest.get("history_tables"),
    }


def drift_figure(summary: dict[str, Any], truth: set[str] | None, top: int = 10) -> str:
    """The most drifted columns by score; a star marks those the twin really changed."""
    columns = sorted(summary["columns"], key=lambda c: -float(c.get("score") or 0))[:top][::-1]
    names = [c["name"] + (" *" if truth and c["name"] in truth else "") for c in columns]
    fig, ax = plt.subplots(figsize=(7, 4.6))
    colors = [RED if c["drifted"] else GREY for c in columns]
    ax.barh(names, [c["score"] for c in columns], color=colors)
    label = "drift score (PSI; red = drift detected)"
    ax.set_xlabel(
        label + ("\n* = in the twin's ground truth (drift_manifest.json)" if truth else ""),
        fontsize=12,
    )
    ax.tick_params(labelsize=11)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return png_uri(fig)


def drift_facts(
    path: Path | None, truth: set[str] | None, history_truth: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The drift summary's figures; against the twin's manifest, the application columns are
    scored against ``truth`` and the client-history features against ``history_truth`` (the
    manifest's ``history_tables``, through the features carrying each change)."""
    if path is None or not path.exists():
        return None
    # the template tells parts apart with ``is defined``: absent parts stay absent
    summary = to_builtins(read_summary(path.read_bytes()))
    if summary["status"] != "ok":
        return {"status": summary["status"], "path": str(path)}
    from credit_core.history.definitions import feature_names

    history = set(feature_names())
    detected = {c["name"] for c in summary["columns"] if c["drifted"]}
    marked = set(truth or ())  # starred in the figure: what the twin really changed
    facts = dict(summary) | {"path": str(path)}
    if truth is not None:
        facts["true_positive"] = len((detected - history) & truth)
        facts["false_positive"] = len(detected - history - truth)
        facts["missed"] = len(truth - detected)
    if history_truth and detected & history:
        from credit_monitoring.history_lineage import score_against

        score = score_against(history_truth, detected & history)
        facts["history_score"] = score.as_dict() | {
            "detected": len(score.detected),
            "material_count": len(score.material),
            "flagged_count": len(score.flagged),
        }
        marked |= set(score.explained)
    facts["figure"] = drift_figure(summary, marked if truth is not None or marked else None)
    return facts


HISTORY_METRICS = (  # (label, key in the card's comparison, format, lower is better)
    ("ROC AUC", "roc_auc", "num", False),
    ("business cost / application", "business_cost", "num", True),
    ("expected calibration error", "ece", "num", True),
    ("refusal rate", "refusal_rate", "pct", None),
)


def history_facts(card: ModelCard, top: int = 5) -> dict[str, Any]:
    """What client history adds, from the card's ``history`` section (training fits the chosen
    configuration a second time on the application alone, on the same holdout): the two
    champions' metrics side by side and the most important history features (mean |SHAP|).
    ``used`` is False for an application-only model (``status`` says why)."""
    section = card.history or {}
    status = section.get("status", "absent")
    comparison = section.get("comparison") or {}
    if status != "used" or not {"application_only", "with_history"} <= set(comparison):
        return {"used": False, "status": status}
    plain, rich = comparison["application_only"], comparison["with_history"]
    rows = []
    for label, key, kind, lower_better in HISTORY_METRICS:
        if plain.get(key) is None or rich.get(key) is None:
            continue
        gain = float(rich[key]) - float(plain[key])
        better = None if lower_better is None else (gain < 0) == lower_better and gain != 0
        rows.append(
            {
                "label": label,
                "application_only": plain[key],
                "with_history": rich[key],
                "gain": gain,
                "kind": kind,
                "better": better,
            }
        )
    from credit_core.history.definitions import meaning

    return {
        "used": True,
        "status": status,
        "rows": rows,
        "auc_gain": float(rich["roc_auc"]) - float(plain["roc_auc"]),
        "cost_gain": float(rich["business_cost"]) - float(plain["business_cost"]),
        "with_history_share": section.get("clients_with_history_share"),
        "n_history": len((section.get("feature_set") or {}).get("names") or ()),
        "top": [
            {
                "feature": t["feature"],
                "meaning": meaning(t["feature"]),
                "rank": t["rank"],
                "mean_abs_shap": t["mean_abs_shap"],
            }
            for t in (section.get("top_features") or [])[:top]
        ],
    }


def calibration_statement(calibration: Calibration) -> str:
    """How the served probabilities were calibrated, from the model card (KeyError for a
    method the slides cannot describe: the build fails rather than state something false)."""
    return CALIBRATION[calibration.method].format(**to_builtins(calibration))


def drift_cadence(stack: Path = STACK) -> str:
    """The drift job's schedule as words ("daily", "weekly", "every 3 days"), from the default
    of the SAM template's ``DriftSchedule`` parameter (ValueError if it cannot be read)."""
    text = stack.read_text("utf-8")
    found = re.search(r"^  DriftSchedule:\n(?:    .*\n)*?    Default: *(\S.*)$", text, re.M)
    if not found:
        raise ValueError(f"{stack}: no DriftSchedule parameter with a default")
    return cadence(found.group(1).strip())


def cadence(expression: str) -> str:
    """An EventBridge ``rate(...)`` expression as words; a ``cron(...)`` one as itself."""
    rate = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    if not rate:
        return f"on the schedule `{expression}`"
    n, unit = int(rate.group(1)), rate.group(2)
    named = {(1, "hour"): "hourly", (1, "day"): "daily", (7, "day"): "weekly"}
    return named.get((n, unit), f"every {n} {unit}s" if n > 1 else f"every {unit}")


FAIRNESS_SHOWN = ("gender", "age_band")  # the attributes drawn on the fairness slide


def fairness_facts(card: ModelCard) -> dict[str, Any] | None:
    """The card's fairness section for the slide: a figure of the refusal and false refusal
    rates per group of gender and age band, the ratios, the policy and the gate (None: a card
    from before the fairness work)."""
    fairness = card.fairness
    if fairness is None:
        return None
    attributes = {
        a: fairness.report.attributes[a] for a in FAIRNESS_SHOWN if a in fairness.report.attributes
    }
    rows = [
        (f"{name}: {g.group}", g.refusal_rate, g.false_refusal_rate or 0.0)
        for name, attr in attributes.items()
        for g in attr.groups
        if g.group != "unknown"
    ]
    fig, ax = plt.subplots(figsize=(6.2, 0.36 * len(rows) + 1.0))
    y = np.arange(len(rows))
    ax.barh(y - 0.2, [r[1] for r in rows], height=0.4, color=RED, label="refused")
    ax.barh(y + 0.2, [r[2] for r in rows], height=0.4, color=BLUE, label="good clients refused")
    ax.set_yticks(y, [r[0] for r in rows])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(loc="lower right", frameon=False)
    ax.set_title("Holdout, per group", loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return {
        "figure": png_uri(fig),
        "attributes": {
            name: {
                "disparate_impact": attr.disparate_impact,
                "lowest": attr.lowest_group,
                "highest": attr.highest_group,
                "four_fifths": attr.four_fifths,
                "eod": attr.equal_opportunity_difference,
            }
            for name, attr in attributes.items()
        },
        "protected_inputs": fairness.policy.protected_inputs,
        "worst_attribute": fairness.report.worst_attribute,
        "worst_ratio": fairness.report.worst_ratio,
        "tolerance": fairness.gate.tolerance,
    }


def oversight_facts() -> dict[str, Any]:
    """The review procedure's fixed reason codes (credit_core.review_reasons), by outcome."""
    return {
        outcome: [review_reasons.BY_CODE[c].en for c in review_reasons.codes_for(outcome)]
        for outcome in ("confirm", "override")
    }


def context(src: Sources) -> dict[str, Any]:
    version, card, importance, reference = read_bundle(src.bundle_root)
    table = comparison_frame(card)
    manifest = manifest_facts(src.manifest)
    local_uri, local = local_explanation(card, src.bundle_root, version, reference)
    holdout = card.metrics.holdout
    default_rate = float(reference[card.data.target_col].mean())
    weights = card.cost_weights
    return {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": version,
        "card": card,
        "holdout": holdout,
        "uncalibrated": card.metrics.holdout_uncalibrated,
        "calibration_statement": calibration_statement(card.calibration),
        "drift_cadence": drift_cadence(),
        "cv": card.metrics.cv,
        "weights": weights,
        "default_rate": default_rate,
        "accept_all_cost": weights.fn * default_rate,
        "n_features": len(card.features.names),
        "n_derived": len(card.features.derived),
        "n_contract": len(card.contract.fields),
        "n_required": len(card.contract.required),
        "comparison": table.to_dict("records"),
        "best_logreg": table[table.candidate == "logreg"].iloc[0].to_dict(),
        "dummy": table[table.candidate == "dummy"].iloc[0].to_dict(),
        "comparison_figure": comparison_figure(table),
        "importance": importance[:5],
        "importance_figure": importance_figure(importance),
        "local_figure": local_uri,
        "local": local,
        "mlflow": mlflow_facts(src.tracking_uri, card),
        "history": history_facts(card),
        "manifest": manifest,
        "drift": drift_facts(
            src.drift_summary,
            manifest["truth"] if manifest else None,
            manifest["history_tables"] if manifest else None,
        ),
        "fairness": fairness_facts(card),
        "oversight": oversight_facts(),
    }


def render(ctx: dict[str, Any], template: Path = TEMPLATE) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        undefined=jinja2.StrictUndefined,  # a missing figure fails the build, never blanks a slide
        keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda v, d=1: f"{100 * float(v):.{d}f}%"
    env.filters["num"] = lambda v, d=3: f"{float(v):,.{d}f}"
    env.filters["signed"] = lambda v, d=3: f"{float(v):+.{d}f}"
    return env.get_template(template.name).render(**ctx)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, required=True, help="bundle root (holds current.json)")
    p.add_argument("--tracking-uri", required=True, help="the MLflow store the model came from")
    p.add_argument("--manifest", type=Path, default=None, help="the twin's drift_manifest.json")
    p.add_argument("--drift-summary", type=Path, default=None, help="the monitor's latest.json")
    p.add_argument("--out", type=Path, required=True, help="directory for slides.md")
    args = p.parse_args(argv)
    if not (args.bundle / bundle_io.POINTER).exists():
        sys.stderr.write(f"no {bundle_io.POINTER} under {args.bundle}: run `make export` first\n")
        return 2
    src = Sources(args.bundle, args.tracking_uri, args.manifest, args.drift_summary)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "slides.md").write_text(render(context(src)), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
