"""Label-free default-rate estimate minus the truth over several twin seeds, split into the
estimator's bias and the labels' sampling noise (a measurement, not a test).

Trains the test suite's tiny model exactly as ``tests/conftest.py``'s ``trained`` fixture does
(``tiny`` profile, 8,000 + 1,000-row application-only twin, seed 5), then for each seed
generates a twin and runs the study's ``performance`` (scores calibrated isotonically on the
labelled train table). Per seed it prints, for the default rate:

- ``est - act``: what the test checks (estimate against the test labels' rate);
- ``est - p``: the estimate against the test rows' hidden mean probability of default (the
  labels' expectation), i.e. without the test labels' Bernoulli noise;
- ``oracle - p``: the same isotonic calibration fitted on the train rows' hidden probabilities
  instead of their labels: the structural bias of the covariate-shift estimate, free of both
  label noises (what no sample size removes);
- ``act - p``: the test labels' own noise; and whether the estimate lies in the interval.

    uv run python bench/cbpe_bias.py --rows 120000 40000 --seeds 20261128 1 2 3 4 5 6 7
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np


def tiny_bundle(root: Path, seed: int = 5) -> Path:
    """The tests' tiny model, exported (reused when ``root`` already holds it)."""
    import mlflow

    from credit_training.candidates import PROFILES
    from credit_training.export import export_bundle
    from credit_training.registry import default_tracking_uri
    from credit_training.train import TrainConfig, run_training
    from credit_training.twin.generate import write_twin

    if (root / "bundle" / "current.json").exists():
        return root / "bundle"
    write_twin(root / "twin", 8000, 1000, seed=seed, tables="application")
    summary = run_training(TrainConfig(data=root / "twin", profile=PROFILES["tiny"], data_dir=root))
    mlflow.set_tracking_uri(default_tracking_uri(root))
    export_bundle(str(root / "bundle"), version=summary["registered_version"])
    return root / "bundle"


def main() -> None:
    from credit_core.bundle import load_bundle
    from credit_monitoring import estimate
    from credit_monitoring.production import read_reference
    from credit_monitoring.study import performance, scores
    from credit_training.twin.generate import generate_twin

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--rows", type=int, nargs=2, default=(120_000, 40_000), metavar=("TRAIN", "TEST")
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=[20261128, *range(1, 8)])
    ap.add_argument("--train-seed", type=int, default=5, help="the tiny model's twin (tests: 5)")
    ap.add_argument("--workdir", type=Path, default=None, help="reuses a bundle trained there")
    args = ap.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp())
    root.mkdir(parents=True, exist_ok=True)
    uri = str(tiny_bundle(root, args.train_seed))
    bundle = load_bundle(uri, cache_dir=root / "cache")
    sample = read_reference(uri, bundle)
    rows = []
    for seed in args.seeds:
        twin = generate_twin(*args.rows, seed)
        assert twin.probability is not None
        p_train, p_test = twin.probability
        out = performance(bundle, twin.test, twin.test_labels, twin.train, sample)
        est, act = out["estimated"]["default_rate"], out["actual"]["default_rate"]
        lo, hi = out["actual_interval"]["default_rate"]
        oracle = estimate.fit_calibration(scores(bundle, twin.train), p_train)
        oracle_rate = float(oracle(scores(bundle, twin.test)).mean())
        truth = float(p_test.mean())
        row = (est - act, est - truth, oracle_rate - truth, act - truth)
        rows.append(row)
        print(
            f"seed {seed:>9}: est {est:.4f} act {act:.4f} [{lo:.4f}, {hi:.4f}] "
            f"{'in ' if lo <= est <= hi else 'OUT'} p {truth:.4f} | est-act {row[0]:+.4f} "
            f"est-p {row[1]:+.4f} oracle-p {row[2]:+.4f} act-p {row[3]:+.4f}",
            flush=True,
        )
    a = np.array(rows)
    names = ("est-act", "est-p", "oracle-p", "act-p")
    print(
        f"{args.rows[0]:,} + {args.rows[1]:,} rows, {len(a)} seeds, mean (sd): "
        + ", ".join(
            f"{n} {m:+.4f} ({s:.4f})"
            for n, m, s in zip(names, a.mean(0), a.std(0, ddof=1), strict=True)
        )
    )


if __name__ == "__main__":
    main()
