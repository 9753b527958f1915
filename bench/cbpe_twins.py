"""CBPE estimate vs truth over several reduced twins (a measurement, not a test).

Trains the test suite's tiny model (the `tiny` profile of tests/conftest.py on an 8,000-row twin,
seed 5), then for each twin runs the study's ``performance`` (scores calibrated on the twin's
labelled train table) and prints estimate, actual, 95% bootstrap interval and the estimate with
the bundle's own calibration, for default rate, cost and ROC AUC.

    uv run python bench/cbpe_twins.py [WORKDIR [TRAINxTESTxSEED ...]]

e.g. ``bench/cbpe_twins.py /tmp/cbpe 100000x20000x42`` for the issue's 100,000 / 20,000-row twin.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

METRICS = ("default_rate", "business_cost_per_application", "roc_auc")
TWINS = [(120_000, 40_000, 20261128), *((120_000, 40_000, s) for s in range(1, 9))]
TWINS += [(40_000, 10_000, s) for s in (11, 12, 13)]


def tiny_bundle(root: Path) -> Path:
    import mlflow

    from credit_training.candidates import PROFILES
    from credit_training.export import export_bundle
    from credit_training.registry import default_tracking_uri
    from credit_training.train import TrainConfig, run_training
    from credit_training.twin.generate import write_twin

    if (root / "bundle" / "current.json").exists():
        return root / "bundle"
    profile = PROFILES["tiny"]  # the test suite's model
    write_twin(root / "twin", 8000, 1000, seed=5)
    summary = run_training(TrainConfig(data=root / "twin", profile=profile, data_dir=root))
    mlflow.set_tracking_uri(default_tracking_uri(root))
    export_bundle(str(root / "bundle"), version=summary["registered_version"])
    return root / "bundle"


def main() -> None:
    from credit_core.bundle import load_bundle
    from credit_monitoring.production import read_reference
    from credit_monitoring.study import performance
    from credit_training.twin.generate import generate_twin

    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    uri = str(tiny_bundle(root))
    bundle = load_bundle(uri, cache_dir=root / "cache")
    sample = read_reference(uri, bundle)
    twins = [tuple(int(n) for n in arg.split("x")) for arg in sys.argv[2:]] or TWINS
    inside = {k: 0 for k in METRICS}
    for train_rows, test_rows, seed in twins:
        twin = generate_twin(train_rows, test_rows, seed)
        out = performance(bundle, twin.test, twin.test_labels, twin.train, sample)
        print(f"{train_rows:,} + {test_rows:,} rows, seed {seed} ({out['calibration']['method']})")
        for k in METRICS:
            lo, hi = out["actual_interval"][k]
            est, raw = out["estimated"][k], out["estimated_bundle_calibration"][k]
            inside[k] += lo <= est <= hi
            print(
                f"  {k:30s} estimate {est:.4f} actual {out['actual'][k]:.4f} "
                f"[{lo:.4f}, {hi:.4f}] {'in' if lo <= est <= hi else 'OUT'}; "
                f"bundle calibration {raw:.4f} {'in' if lo <= raw <= hi else 'out'}"
            )
    print({k: f"{v}/{len(twins)} inside" for k, v in inside.items()})


if __name__ == "__main__":
    main()
