"""Training with and without the client history on one folder: wall time and the holdout
comparison the run logs (application-only vs with-history champions, same holdout rows).

    uv run --locked --no-sync python bench/history_training_bench.py --data DIR [--profile fast]

``DIR`` holds application_train.csv and the six history tables (the twin written with
``credit twin --tables all``, or the real Kaggle folder). The MLflow store goes to a temporary
folder. Prints one JSON object: seconds for the history features and for the whole run, and
AUC, business cost and ECE of both champions on the holdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

from credit_training.candidates import PROFILES
from credit_training.train import TrainConfig, run_training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--profile", default="fast", choices=sorted(PROFILES))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = run_training(
            TrainConfig(data=args.data, profile=PROFILES[args.profile], data_dir=Path(tmp))
        )
        seconds = time.perf_counter() - start
    history = summary["history"]
    out = {"profile": args.profile, "seconds": round(seconds, 1), "history": history["status"]}
    if history.get("comparison"):
        keys = ("roc_auc", "business_cost", "ece")
        plain, rich = (
            history["comparison"]["application_only"],
            history["comparison"]["with_history"],
        )
        out |= {
            "application_only": {k: round(plain[k], 4) for k in keys},
            "with_history": {k: round(rich[k], 4) for k in keys},
            "auc_gain": round(rich["roc_auc"] - plain["roc_auc"], 4),
            "clients_with_history_share": round(history["clients_with_history_share"], 3),
            "top_history_features": [t["feature"] for t in history["top_features"]],
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
