"""Twin benchmarks (not tests): full-size generation time and peak memory (application and the
six history tables), fidelity summary of the application and of each history table, the
plain-LightGBM CV AUC and the history gain (application-only vs + simple history aggregates,
same folds), each measured in its own fresh process so figures do not mix.

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

HISTORY_FIDELITY = """
import sys
from pathlib import Path
import pandas as pd
from credit_training.twin import history_fidelity as hf, history_stats as hs
d = Path(sys.argv[1])
tables = {t: pd.read_csv(d / f"{t}.csv") for t in hs.TABLES}
ids = {s: pd.read_csv(d / f"application_{s}.csv", usecols=["SK_ID_CURR"])["SK_ID_CURR"]
       for s in ("train", "test")}
report = hf.full_report(tables, ids["train"], ids["test"])
print(hf.worst_per_table(report, 3).to_json(orient="records"))
"""

HISTORY_GAIN = """
import json, sys
sys.path.insert(0, sys.argv[2])
from history_gain import aggregates, correlation_table, cv_gain
from pathlib import Path
import pandas as pd
from credit_training.data import load_application
from credit_training.twin import history_stats as hs
train = load_application(sys.argv[1], "train")
tables = {t: pd.read_csv(Path(sys.argv[1]) / f"{t}.csv") for t in hs.TABLES}
agg = aggregates(tables)
print(json.dumps({"cv": cv_gain(train, agg),
                  "corr": correlation_table(train, agg).to_dict(orient="records")}))
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
    parser.add_argument("--repeats", type=int, default=1)
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
        "full-size twin (307,511 + 48,744 applicants + six history tables, CSV written): "
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

    worst, _ = run(HISTORY_FIDELITY, str(out / "twin"))
    print("history tables: three worst checks per table (ratio = error / tolerance, <= 1 passes):")
    for row in json.loads(worst):
        print(
            f"  {row['table']:22s} {row['check']:20s} {row['column']:36s} value {row['value']:.6g}"
            f" public {row['public']:.6g} ratio {row['ratio']:.2f}"
        )

    gain, _ = run(HISTORY_GAIN, str(out / "twin"), str(Path(__file__).parent))
    g = json.loads(gain)
    cv = g["cv"]
    print(
        "history gain, plain LightGBM 5-fold CV (same folds): application-only "
        f"{cv['application']:.4f} ± {cv['application_std']:.4f}, with history aggregates "
        f"{cv['with_history']:.4f} ± {cv['with_history_std']:.4f}: gain {cv['gain']:+.4f} "
        "(target +0.015 … +0.035; public +0.016)"
    )
    print("named aggregates' correlation with TARGET, twin vs public (ratio within 1/1.5 … 1.5):")
    for row in g["corr"]:
        print(
            f"  {row['aggregate'][:62]:62s} {row['twin']:+.4f} {row['public']:+.4f} {row['ratio']:.2f}"
        )


if __name__ == "__main__":
    main()
