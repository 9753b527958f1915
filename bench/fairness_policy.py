"""What the protected-input policy costs: the same pipeline trained with and without CODE_GENDER
as an input, on the same twin, the same holdout, the same profile (a measurement).

Runs ``credit train`` twice (each into its own MLflow store, so neither gates the other), scores
the one holdout with both registered models and writes, side by side: holdout ROC AUC and
business cost with paired bootstrap intervals of the differences, refusal rate, and the
fairness report of each (per-group tables for gender and age bands, the ratios of every
attribute). Exports the default-policy model as a bundle (``OUT/bundle``), which
``credit model-card`` renders into docs/model_card.md.

    uv run python bench/fairness_policy.py --train-rows 100000 --test-rows 20000 --profile fast \
        --strategies class_weight --out data/fairness_policy

(``--strategies class_weight``: the strategy the fast profile picks on this twin, to keep the
two trainings short on a loaded machine; both policies get the same profile.)
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import mlflow
import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from credit_core.features import FeatureSpec
from credit_core.groups import PROTECTED_INPUTS
from credit_core.model import ScoringModel
from credit_training import candidates, fairness, registry
from credit_training.cost import CostWeights, business_cost
from credit_training.export import export_bundle
from credit_training.featurize import feature_matrix
from credit_training.train import TrainConfig, holdout_groups, load_table, run_training
from credit_training.twin.generate import write_twin

POLICIES = {"without CODE_GENDER (default)": PROTECTED_INPUTS, "with CODE_GENDER": ()}


def holdout_probabilities(summary: dict, data_dir: Path, holdout) -> tuple[np.ndarray, float]:
    mlflow.set_tracking_uri(registry.default_tracking_uri(data_dir))
    reg = registry.load_registered(summary["model_name"], summary["registered_version"])
    card = reg.card
    spec = FeatureSpec.from_dict(card.features.spec_dict())
    cal = card.calibration
    model = ScoringModel(reg.booster, spec, card.threshold, cal.a, cal.b)
    return model.probability(feature_matrix(spec, holdout)), card.threshold


def paired_bootstrap(y, p_a, t_a, p_b, t_b, w, n: int, seed: int) -> dict[str, list[float]]:
    """95% intervals of AUC(b) - AUC(a) and cost(b) - cost(a) over paired holdout resamples."""
    rng = np.random.default_rng(seed)
    d_auc, d_cost = [], []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        d_auc.append(roc_auc_score(y[i], p_b[i]) - roc_auc_score(y[i], p_a[i]))
        d_cost.append(business_cost(y[i], p_b[i], t_b, w) - business_cost(y[i], p_a[i], t_a, w))
    return {
        "auc_difference": np.percentile(d_auc, [2.5, 97.5]).tolist(),
        "cost_difference": np.percentile(d_cost, [2.5, 97.5]).tolist(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train-rows", type=int, default=100_000)
    ap.add_argument("--test-rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--profile", default="fast", choices=sorted(candidates.PROFILES))
    ap.add_argument("--resamples", type=int, default=200)
    ap.add_argument(
        "--strategies",
        default=None,
        help="comma-separated imbalance strategies (default: the profile's); fewer is faster",
    )
    ap.add_argument("--out", type=Path, default=Path("data/fairness_policy"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    start = time.perf_counter()
    twin = args.out / "twin"
    if not (twin / "application_train.csv").exists():
        write_twin(twin, args.train_rows, args.test_rows, args.seed)
    profile = candidates.PROFILES[args.profile]
    if args.strategies:
        profile = replace(profile, strategies=tuple(args.strategies.split(",")))
    w = CostWeights()

    runs = {}
    for i, (label, protected) in enumerate(POLICIES.items()):
        data_dir = args.out / f"policy{i}"
        t0 = time.perf_counter()
        cfg = TrainConfig(data=twin, profile=profile, data_dir=data_dir, protected_inputs=protected)
        summary = run_training(cfg)
        runs[label] = {
            "summary": summary,
            "data_dir": data_dir,
            "seconds": time.perf_counter() - t0,
        }

    df = load_table(twin, "TARGET", "SK_ID_CURR")
    _, hold = train_test_split(
        df, test_size=profile.holdout, stratify=df["TARGET"], random_state=profile.seed
    )
    y = hold["TARGET"].to_numpy().astype(int)
    groups = holdout_groups(hold)
    rows, scored = {}, {}
    for label, run in runs.items():
        p, t = holdout_probabilities(run["summary"], run["data_dir"], hold)
        scored[label] = (p, t)
        report = fairness.fairness_report(y, p, t, groups)
        assert report == run["summary"]["fairness"]["report"]  # the holdout training used
        rows[label] = {
            "roc_auc": float(roc_auc_score(y, p)),
            "business_cost": business_cost(y, p, t, w),
            "refusal_rate": float((p >= t).mean()),
            "threshold": t,
            "strategy": run["summary"]["strategy"],
            "train_seconds": round(run["seconds"], 1),
            "report": report,
        }
    (a, (p_a, t_a)), (b, (p_b, t_b)) = scored.items()
    ci = paired_bootstrap(y, p_a, t_a, p_b, t_b, w, args.resamples, args.seed)

    mlflow.set_tracking_uri(registry.default_tracking_uri(runs[a]["data_dir"]))
    export_bundle(str(args.out / "bundle"), version=runs[a]["summary"]["registered_version"])

    lines = [
        f"# Protected-input policy: {args.train_rows:,}-row twin (seed {args.seed}), profile "
        f"{args.profile} (strategies {', '.join(profile.strategies)}), holdout {len(y):,} rows",
        "",
        "| policy | holdout AUC | business cost | refused | threshold | strategy | "
        "worst ratio (attribute) |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for label, r in rows.items():
        rep = r["report"]
        lines.append(
            f"| {label} | {r['roc_auc']:.4f} | {r['business_cost']:.4f} | "
            f"{100 * r['refusal_rate']:.1f} % | {r['threshold']:.4f} | {r['strategy']} | "
            f"{rep['worst_ratio']:.3f} ({rep['worst_attribute']}) |"
        )
    d_auc = rows[b]["roc_auc"] - rows[a]["roc_auc"]
    d_cost = rows[b]["business_cost"] - rows[a]["business_cost"]
    lines += [
        "",
        f"Using CODE_GENDER changes AUC by {d_auc:+.4f} (95 % paired bootstrap "
        f"[{ci['auc_difference'][0]:+.4f}, {ci['auc_difference'][1]:+.4f}]) and the business cost "
        f"by {d_cost:+.4f} per application ([{ci['cost_difference'][0]:+.4f}, "
        f"{ci['cost_difference'][1]:+.4f}]); {args.resamples} resamples.",
        "",
        "| attribute | " + " | ".join(f"DI {k} | EO diff {k}" for k in rows) + " |",
        "|---|" + "---:|---:|" * len(rows),
    ]
    for name in rows[a]["report"]["attributes"]:
        cells = []
        for r in rows.values():
            at = r["report"]["attributes"][name]
            di, eo = at["disparate_impact"], at["equal_opportunity_difference"]
            cells += ["n/a" if di is None else f"{di:.3f}", "n/a" if eo is None else f"{eo:.3f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for label, r in rows.items():
        lines += ["", f"## {label}", "", fairness.to_markdown(r["report"], "###")]
    lines.append(f"Total {time.perf_counter() - start:.0f} s.")
    text = "\n".join(lines)
    (args.out / "fairness_policy.md").write_text(text)
    (args.out / "fairness_policy.json").write_text(
        json.dumps({"rows": rows, "bootstrap": ci}, indent=1, default=str)
    )
    print(text)


if __name__ == "__main__":
    main()
