"""The pipeline's champion against one plain LightGBM on the same stratified splits (a measurement).

Per data size and seed: a twin of that many application rows (``generate_twin``, written and read
back through ``credit train``'s loader), one stratified 80/20 holdout, then on the same training
part (a) the pipeline's selection as ``credit train`` runs it without MLflow (stage 1 candidates
x strategies, ``selection.choose_champion``, ``fit_final``) and (b) a plain LightGBM with one
sensible fixed configuration (``candidates.PLAIN``, issue 19 §3). Both are scored on the holdout: AUC,
ECE, and business cost at a threshold chosen on each model's own out-of-fold training
probabilities (plain: uncalibrated, as a new user would ship it). Prints a JSON line per run and
a table of means per size; the target is a mean AUC difference (pipeline - plain) >= 0 at every
size.

    uv run python bench/plain_vs_pipeline.py --sizes 4000 20000 100000 --seeds 1 2 3 --profile full
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split

from credit_training import candidates
from credit_training.candidates import PLAIN
from credit_training.cost import CostWeights, best_threshold, business_cost
from credit_training.featurize import feature_matrix, spec_for_frame
from credit_training.final_fit import METHODS, calibration_method, fit_final
from credit_training.metrics import expected_calibration_error
from credit_training.selection import choose_champion, compare
from credit_training.train import load_table
from credit_training.twin.generate import write_twin


def pipeline_champion(x, y, categorical, profile, w, method=None):
    """Stage 1, stage 2 and the final fit exactly as ``train.run_training`` chains them
    (``method``: the calibration method, ``calibration_method``'s choice when None)."""
    results = compare(x, y, categorical, profile, w)
    tuned = choose_champion(results, x, y, categorical, profile, w)
    method = method or calibration_method(profile.folds)
    return tuned, fit_final(
        tuned.strategy,
        tuned.best_params,
        x,
        y,
        categorical,
        profile,
        w,
        method,
        size_trees=not tuned.trees_sized,
    )


def plain_model(x, y, categorical, seed, folds, w):
    model = lgb.LGBMClassifier(**PLAIN, random_state=seed, n_jobs=2, verbose=-1)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    fit = {"categorical_feature": categorical}
    oof = cross_val_predict(model, x, y, cv=cv, method="predict_proba", params=fit)[:, 1]
    threshold, _ = best_threshold(y, oof, w)
    return model.fit(x, y, **fit), threshold


def one_run(
    rows: int,
    seed: int,
    profile: candidates.Profile,
    w: CostWeights,
    recorded: tuple[str, dict] | None = None,
    method: str | None = None,
) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        write_twin(Path(tmp), rows, 100, seed=seed, tables="application")
        df = load_table(Path(tmp), "TARGET", "SK_ID_CURR")
    train_df, hold_df = train_test_split(
        df, test_size=0.2, stratify=df["TARGET"], random_state=seed
    )
    spec = spec_for_frame(train_df, ("TARGET", "SK_ID_CURR"))
    x, y = feature_matrix(spec, train_df), train_df["TARGET"].to_numpy().astype(int)
    xh, yh = feature_matrix(spec, hold_df), hold_df["TARGET"].to_numpy().astype(int)
    cat = spec.categorical_indices

    start = time.perf_counter()
    if recorded is None:
        tuned, final = pipeline_champion(x, y, cat, profile, w, method)
        strategy = tuned.strategy
        selected = tuned.best_params
    else:  # the champion configuration an earlier run of this size and seed selected
        strategy, selected = recorded
        final = fit_final(
            strategy,
            selected,
            x,
            y,
            cat,
            profile,
            w,
            method or calibration_method(profile.folds),
            size_trees=False,
        )
    pipe_s = time.perf_counter() - start
    p_pipe = final.probability(xh)
    start = time.perf_counter()
    plain, plain_t = plain_model(x, y, cat, seed, profile.folds, w)
    plain_s = time.perf_counter() - start
    p_plain = plain.predict_proba(xh)[:, 1]
    return {
        "rows": rows,
        "seed": seed,
        "train_rows": len(y),
        "pipeline_auc": float(roc_auc_score(yh, p_pipe)),
        "plain_auc": float(roc_auc_score(yh, p_plain)),
        "pipeline_ece": expected_calibration_error(yh, p_pipe),
        "plain_ece": expected_calibration_error(yh, p_plain),
        "pipeline_cost": business_cost(yh, p_pipe, final.threshold, w),
        # calibration-in-the-large: mean probability of default / observed holdout default rate
        "pipeline_mean_pd_ratio": float(p_pipe.mean() / yh.mean()),
        "plain_mean_pd_ratio": float(p_plain.mean() / yh.mean()),
        "plain_cost": business_cost(yh, p_plain, plain_t, w),
        "pipeline_strategy": strategy,
        "selected_params": {k: str(v) for k, v in selected.items()},
        "pipeline_params": {k: str(v) for k, v in final.params.items()},
        "plain_chosen": selected.get("model__learning_rate") == PLAIN["learning_rate"]
        and strategy == "none",
        "selection": "run" if recorded is None else "recorded",
        "load_1min": os.getloadavg()[0],
        "calibration": final.method,
        "final_fit_rows": final.fit_rows,
        "pipeline_seconds": round(pipe_s, 1),
        "plain_seconds": round(plain_s, 1),
    }


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def recorded_selections(path: Path) -> dict[tuple[int, int], tuple[str, dict]]:
    """(rows, seed) -> (strategy, stage-2 parameters) from an earlier run's JSON lines."""
    out = {}
    for line in path.read_text().splitlines():
        r = json.loads(line)
        params = r.get("selected_params", r["pipeline_params"])
        out[r["rows"], r["seed"]] = (
            r["pipeline_strategy"],
            {k: _value(v) for k, v in params.items()},
        )
    return out


def table(runs: list[dict]) -> str:
    head = (
        "| rows | seeds | pipeline AUC | plain AUC | diff mean (min) | ECE pipe / plain "
        "| cost pipe / plain | mean PD / rate pipe / plain | seconds pipe / plain |"
        "\n|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for rows in sorted({r["rows"] for r in runs}):
        rs = [r for r in runs if r["rows"] == rows]

        def m(k, rs=rs):
            return float(np.mean([r[k] for r in rs]))

        diffs = [r["pipeline_auc"] - r["plain_auc"] for r in rs]
        lines.append(
            f"| {rows:,} | {len(rs)} | {m('pipeline_auc'):.4f} | {m('plain_auc'):.4f} "
            f"| {np.mean(diffs):+.4f} ({min(diffs):+.4f}) "
            f"| {m('pipeline_ece'):.4f} / {m('plain_ece'):.4f} "
            f"| {m('pipeline_cost'):.4f} / {m('plain_cost'):.4f} "
            f"| {m('pipeline_mean_pd_ratio'):.3f} / {m('plain_mean_pd_ratio'):.3f} "
            f"| {m('pipeline_seconds'):.0f} / {m('plain_seconds'):.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 20000, 100000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--profile", default="full", choices=sorted(candidates.PROFILES))
    ap.add_argument("--out", type=Path, help="JSON lines of every run")
    ap.add_argument(
        "--selections",
        type=Path,
        help="JSON lines of an earlier run: its champion configuration per size and seed is "
        "fitted again instead of selected again (the final fit changed, not the selection)",
    )
    ap.add_argument(
        "--calibration",
        choices=METHODS,
        help="the final fit's calibration method (default: credit train's size-based choice)",
    )
    args = ap.parse_args()
    profile, w = candidates.PROFILES[args.profile], CostWeights()
    recorded = recorded_selections(args.selections) if args.selections else {}
    runs = []
    for rows in args.sizes:
        for seed in args.seeds:
            run = one_run(rows, seed, profile, w, recorded.get((rows, seed)), args.calibration)
            print(json.dumps(run), flush=True)
            runs.append(run)
            if args.out:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text("\n".join(json.dumps(r) for r in runs) + "\n")
    print(f"profile {profile.name}, {profile.folds}-fold CV; holdout 20 %, stratified per seed")
    print(table(runs))


if __name__ == "__main__":
    main()
