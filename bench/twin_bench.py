"""Twin benchmarks (not tests): full-size generation time and peak memory, fidelity summary and
the plain-LightGBM CV AUC, each measured in its own fresh process so figures do not mix.

    make bench            # or: uv run python bench/twin_bench.py --out data/bench
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
from pathlib import Path

GENERATE = """
import sys, time
from pathlib import Path
from credit_training.twin.generate import write_twin
t, c = time.perf_counter(), time.process_time()
write_twin(Path(sys.argv[1]), 307_511, 48_744, 42)
print(time.perf_counter() - t, time.process_time() - c)
"""

FIDELITY = """
import json, sys
import pandas as pd
from credit_training.data import load_application
from credit_training.twin import fidelity
train = load_application(sys.argv[1], "train")
worst = fidelity.worst_by_check(fidelity.full_report(train))
cols = ["check", "column", "value", "public", "error", "tolerance", "ratio"]
print(worst[cols].to_json(orient="records"))
"""

AUC = """
import sys, time
import lightgbm as lgb
from sklearn.model_selection import StratifiedKFold, cross_val_score
from credit_training.data import load_application
train = load_application(sys.argv[1], "train")
x = train.drop(columns=["TARGET", "SK_ID_CURR"])
model = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, verbose=-1, n_jobs=2)
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
t = time.perf_counter()
auc = cross_val_score(model, x, train["TARGET"], cv=cv, scoring="roc_auc")
print(f"{auc.mean():.4f} {auc.std():.4f} {time.perf_counter() - t:.1f}")
"""


def run(code: str, *args: str) -> tuple[str, float]:
    """Run ``code`` in a fresh interpreter; return its stdout and its peak RSS in MiB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    ).stdout.strip()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return out, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="data/bench")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    out = Path(args.out)

    times, cpus, peaks = [], [], []
    for _ in range(args.repeats):
        seconds, peak = run(GENERATE, str(out / "twin"))
        wall, cpu = (float(x) for x in seconds.split())
        times.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    print(
        "full-size twin (307,511 + 48,744 rows, CSV written): "
        f"median {statistics.median(times):.1f} s wall, {statistics.median(cpus):.1f} s CPU "
        f"over {args.repeats} runs {[round(t, 1) for t in times]}, peak RSS {max(peaks):.0f} MiB "
        "(CPU time: the machine is shared, wall time includes waiting for a core)"
    )

    worst, _ = run(FIDELITY, str(out / "twin"))
    print(
        "fidelity on the full-size train table, worst column per check (ratio = error / tolerance):"
    )
    for row in json.loads(worst):
        print(
            f"  {row['check']:24s} {row['column']:38s} value {row['value']:.6g} public "
            f"{row['public']:.6g} error {row['error']:.4g} tol {row['tolerance']:.4g} "
            f"ratio {row['ratio']:.2f}"
        )

    auc, _ = run(AUC, str(out / "twin"))
    mean, std, seconds = auc.split()
    print(
        f"plain LightGBM (200 trees, lr 0.05) 5-fold CV ROC AUC on the full twin: {mean} ± {std} "
        f"({seconds} s)"
    )


if __name__ == "__main__":
    main()
