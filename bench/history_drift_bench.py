"""The drift study on the client-history features of a twin (not a test): the twin's history
drift manifest against what the study flags, and the ranking by drift x importance.

Writes (or reuses) a twin with its six history tables, runs the study (with a with-history
bundle when given: importance shares, ranking), and prints, one JSON document:

- recall of the manifest's material history drifts (an entry is detected when a feature that
  carries it, per ``credit_core.history.lineage``, is flagged) and precision over the
  flagged history features (each must carry some manifest entry);
- per entry, the features carrying it and which of them were flagged (feature-level view);
- the history features among the most drifted (drift x importance), the share of applicants
  without history, the study's wall and CPU time.

    uv run python bench/history_drift_bench.py --out data/bench/history_drift \
        [--train-rows 100000 --test-rows 30000 --seed 42] [--twin DIR] [--bundle DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--twin", type=Path, help="an existing twin folder with history tables")
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--test-rows", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bundle", default="", help="a with-history bundle (folder or S3)")
    args = parser.parse_args()

    from credit_core.history.definitions import feature_names
    from credit_core.history.lineage import carriers
    from credit_monitoring.history_lineage import score_against
    from credit_monitoring.study import run_study

    twin = args.twin or args.out / f"twin-{args.train_rows}-{args.test_rows}-{args.seed}"
    t = time.perf_counter()
    if not (twin / "drift_manifest.json").exists():
        from credit_training.twin.generate import write_twin

        write_twin(twin, args.train_rows, args.test_rows, seed=args.seed, tables="all")
    twin_seconds = time.perf_counter() - t

    use0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    summary, table, _ = run_study(
        twin / "application_train.csv", twin / "application_test.csv", args.bundle or None
    )
    study_seconds = time.perf_counter() - t
    use = resource.getrusage(resource.RUSAGE_SELF)

    names = set(feature_names())
    flagged = sorted(c.name for c in table if c.drifted and c.name in names)
    manifest = json.loads((twin / "drift_manifest.json").read_text())["history_tables"]
    score = score_against(manifest, flagged)
    entries = {
        f"{table_name}.{column}": {
            "material": entry["material"],
            "effect_size": entry["effect_size"],
            "effect_measure": entry["effect_measure"],
            "carried_by": len(carriers(table_name, column)),
            "flagged": sorted(carriers(table_name, column) & set(flagged)),
        }
        for table_name, columns in manifest.items()
        for column, entry in columns.items()
    }
    top = summary["top_drifted"]
    figures = {
        "twin": str(twin),
        "train_rows": summary["reference_rows"],
        "test_rows": summary["rows"],
        "twin_seconds": round(twin_seconds, 1),
        "study_seconds": round(study_seconds, 1),
        "study_cpu_seconds": round(use.ru_utime + use.ru_stime - use0.ru_utime - use0.ru_stime, 1),
        "history_features": len(names),
        "history_flagged": len(flagged),
        **score.as_dict(),
        "entries": entries,
        "share_without_history": summary.get("history"),
        "top_drifted": [
            {k: r[k] for k in ("rank", "name", "score", "importance_share", "priority")}
            for r in top[:10]
        ],
        "history_in_top10": [r["name"] for r in top[:10] if r["name"] in names],
        "model_version": summary.get("model_version"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "figures.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
