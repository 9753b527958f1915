"""Calibration of the served model on the holdout, per calibration method (a measurement).

Splits the data like ``credit train`` (stratified holdout, profile's seed), fits the final model
with one fixed configuration under each method of ``credit_training.final_fit`` side by side,
and prints per method: calibration-in-the-large on the holdout (mean probability of default vs
the observed default rate, with the observed rate's 95% bootstrap interval and the ratio's paired
bootstrap interval), ECE, ROC AUC, business cost at the chosen threshold, and the threshold;
with --fresh-rows, the same on a fresh draw of the twin's law that no model saw.

    uv run python bench/calibration_bias.py --data data/twin --profile fast --fresh-rows 100000
    uv run python bench/calibration_bias.py --profile tiny --twin-seeds 5 6 7 8 --fresh-rows 100000

Defaults: the configuration the fast profile picks on the 100,000-row demo twin (class_weight,
200 trees, 15 leaves, learning rate 0.05, min_child_samples 100).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from credit_training import candidates
from credit_training.cost import CostWeights, business_cost
from credit_training.featurize import feature_matrix, spec_for_frame
from credit_training.final_fit import METHODS, fit_final
from credit_training.metrics import expected_calibration_error
from credit_training.train import load_table
from credit_training.twin.generate import write_twin

DEMO_PARAMS = {
    "model__learning_rate": 0.05,
    "model__min_child_samples": 100,
    "model__n_estimators": 200,
    "model__num_leaves": 15,
}
TINY_PARAMS = {"model__num_leaves": 7, "model__n_estimators": 40}


def bootstrap(y: np.ndarray, p: np.ndarray, n: int, seed: int) -> dict[str, list[float]]:
    """95% percentile intervals of the observed rate and of mean(p) / rate (paired resamples)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), size=(n, len(y)))
    rate, mean_p = y[idx].mean(axis=1), p[idx].mean(axis=1)
    return {
        "rate": np.percentile(rate, [2.5, 97.5]).tolist(),
        "ratio": np.percentile(mean_p / rate, [2.5, 97.5]).tolist(),
    }


def calibration_row(y: np.ndarray, p: np.ndarray, threshold: float, resamples: int, seed: int):
    ci = bootstrap(y, p, resamples, seed)
    return {
        "rows": len(y),
        "observed_rate": float(y.mean()),
        "observed_rate_95": ci["rate"],
        "mean_probability": float(p.mean()),
        "inside": bool(ci["rate"][0] <= p.mean() <= ci["rate"][1]),
        "ratio": float(p.mean() / y.mean()),
        "ratio_95": ci["ratio"],
        "ece": expected_calibration_error(y, p),
        "roc_auc": float(roc_auc_score(y, p)),
        "threshold": threshold,
        "business_cost": business_cost(y, p, threshold, CostWeights()),
    }


def measure(
    data: Path, profile, strategy: str, params: dict, resamples: int, fresh: Path | None = None
) -> list[dict]:
    """Rows per method on the holdout, and on the ``fresh`` twin's train table if given
    (applications from the same law that no model saw: a tighter reference than the holdout)."""
    w = CostWeights()
    df = load_table(data, "TARGET", "SK_ID_CURR")
    train_df, hold_df = train_test_split(
        df, test_size=profile.holdout, stratify=df["TARGET"], random_state=profile.seed
    )
    spec = spec_for_frame(train_df, ("TARGET", "SK_ID_CURR"))
    x, y = feature_matrix(spec, train_df), train_df["TARGET"].to_numpy().astype(int)
    x_hold, y_hold = feature_matrix(spec, hold_df), hold_df["TARGET"].to_numpy().astype(int)
    x_fresh = y_fresh = None
    if fresh is not None:
        fresh_df = load_table(fresh, "TARGET", "SK_ID_CURR")
        x_fresh, y_fresh = feature_matrix(spec, fresh_df), fresh_df["TARGET"].to_numpy().astype(int)
    rows = []
    for method in METHODS:
        start = time.perf_counter()
        final = fit_final(strategy, params, x, y, spec.categorical_indices, profile, w, method)
        seconds = round(time.perf_counter() - start, 1)
        common = {
            "method": method,
            "fit_rows": final.fit_rows,
            "calibration_rows": final.calibration_rows,
            "platt": [final.platt.a, final.platt.b],
            "seconds": seconds,
        }
        p = final.probability(x_hold)
        rows.append(
            common
            | {"on": "holdout"}
            | calibration_row(y_hold, p, final.threshold, resamples, profile.seed)
        )
        if x_fresh is not None:
            p = final.probability(x_fresh)
            rows.append(
                common
                | {"on": "fresh"}
                | calibration_row(y_fresh, p, final.threshold, resamples, profile.seed)
            )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| data | on (rows) | method | mean PD | observed [95%] | inside | ratio [95%] | ECE | AUC | "
        "cost | threshold |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lo, hi = r["observed_rate_95"]
        rlo, rhi = r["ratio_95"]
        lines.append(
            f"| {r['data']} | {r['on']} ({r['rows']:,}) | {r['method']} | {r['mean_probability']:.4f} | "
            f"{r['observed_rate']:.4f} [{lo:.4f}, {hi:.4f}] | {'yes' if r['inside'] else 'no'} | "
            f"{r['ratio']:.3f} [{rlo:.3f}, {rhi:.3f}] | {r['ece']:.4f} | {r['roc_auc']:.4f} | "
            f"{r['business_cost']:.4f} | {r['threshold']:.4f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="a twin directory (else --twin-rows builds some)")
    ap.add_argument("--profile", default="fast", help="fast, full, smoke or tiny (the tests')")
    ap.add_argument("--strategy", default="class_weight")
    ap.add_argument("--params", type=json.loads, help="JSON of pipeline params")
    ap.add_argument("--twin-rows", type=int, default=8000)
    ap.add_argument("--twin-seeds", type=int, nargs="*", default=[5])
    ap.add_argument("--fresh-rows", type=int, default=0, help="also score a fresh draw")
    ap.add_argument("--fresh-seed", type=int, default=10_000, help="(plus the twin seed)")
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--json", type=Path, help="also write the rows here")
    args = ap.parse_args()

    profile = candidates.PROFILES[args.profile]
    rows = []
    if args.data:
        params = args.params or DEMO_PARAMS
        with tempfile.TemporaryDirectory() as tmp:
            fresh = None
            if args.fresh_rows:
                fresh = Path(tmp) / "fresh"
                write_twin(fresh, args.fresh_rows, 200, seed=args.fresh_seed, tables="application")
            for r in measure(args.data, profile, args.strategy, params, args.resamples, fresh):
                rows.append({"data": args.data.name} | r)
    else:
        params = args.params or TINY_PARAMS
        with tempfile.TemporaryDirectory() as tmp:
            for seed in args.twin_seeds:
                twin = Path(tmp) / f"twin-{seed}"
                write_twin(twin, args.twin_rows, 200, seed=seed, tables="application")
                fresh = None
                if args.fresh_rows:
                    fresh = Path(tmp) / f"fresh-{seed}"
                    write_twin(
                        fresh,
                        args.fresh_rows,
                        200,
                        seed=args.fresh_seed + seed,
                        tables="application",
                    )
                for r in measure(twin, profile, args.strategy, params, args.resamples, fresh):
                    rows.append({"data": f"{args.twin_rows} rows seed {seed}"} | r)
    print(f"profile {profile.name} ({profile.folds} folds), {args.strategy}, {params}")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
