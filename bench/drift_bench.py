"""Drift benchmarks (not tests), each run in its own fresh process (time and peak memory do not
mix), side by side in one run:

1. the drift study as built (CSV read + PSI table + ranking + Evidently widgets + HTML), 3 runs;
2. Evidently's ``DataDriftPreset()`` with its defaults on the same tables (CSV read + report +
   HTML), 1 run (it is the slow one);
3. the study's verdicts against the twin's manifest (recall of material changes, precision over
   flagged columns; application columns against ``drifted_columns``, history features against
   ``history_tables`` when the twin has them), the five most drifted features, CBPE estimate (scores calibrated on the
   labelled reference, and with the bundle's own calibration) vs the truth and its interval;
4. the production job in the in-process Lambda handler on 100,000 logged requests (moto S3).

    make bench-drift   # or: uv run python bench/drift_bench.py --twin DIR --bundle DIR --out DIR
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

STUDY = """
import json, resource, sys, time, warnings
warnings.filterwarnings("ignore")
import evidently.presets, credit_monitoring.report  # imports are not the study's time
from pathlib import Path
from credit_monitoring.study import run_study
use0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = use0.ru_utime + use0.ru_stime
t = time.perf_counter()
summary, table, page = run_study(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] or None)
Path(sys.argv[4]).mkdir(parents=True, exist_ok=True)
Path(sys.argv[4], "report.html").write_text(page)
elapsed = time.perf_counter() - t
Path(sys.argv[4], "summary.json").write_text(json.dumps(summary, indent=1))
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": elapsed, "cpu_seconds": use.ru_utime + use.ru_stime - cpu0,
                  "peak_mb": use.ru_maxrss / 1024,
                  "drifted": sorted(c.name for c in table if c.drifted)}))
"""

DEFAULT = """
import json, resource, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
use0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = use0.ru_utime + use0.ru_stime
t = time.perf_counter()
ref = pd.read_csv(sys.argv[1]).drop(columns=["SK_ID_CURR", "TARGET"])
cur = pd.read_csv(sys.argv[2]).drop(columns=["SK_ID_CURR"])
snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
snapshot.save_html(sys.argv[3])
elapsed = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_SELF)
drifted = []
for m in snapshot.dict()["metrics"]:
    cfg = m["config"]
    if cfg.get("type", "").endswith("ValueDrift") and m["value"] >= cfg["threshold"]:
        drifted.append(cfg["column"])
print(json.dumps({"seconds": elapsed, "cpu_seconds": use.ru_utime + use.ru_stime - cpu0,
                  "peak_mb": use.ru_maxrss / 1024, "drifted": sorted(drifted)}))
"""

PRODUCTION = """
import json, os, resource, sys, time, uuid, warnings
warnings.filterwarnings("ignore")
from datetime import UTC, datetime, timedelta
from pathlib import Path
import boto3, numpy as np, orjson, pandas as pd
from moto import mock_aws
from credit_core import storage
from credit_core.bundle import load_bundle
from credit_core.features import transform
from credit_monitoring.scoring import model_columns

LINES, PER_OBJECT = 100_000, 100
os.environ.update(AWS_DEFAULT_REGION="eu-west-3", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")
bundle_dir, test_csv = Path(sys.argv[1]), sys.argv[2]
with mock_aws():
    storage.s3_client.cache_clear()
    s3 = boto3.client("s3", region_name="eu-west-3")
    for b in ("models", "request-logs", "reports"):
        s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    for path in bundle_dir.rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), "models", f"credit/{path.relative_to(bundle_dir)}")
    bundle = load_bundle(str(bundle_dir), cache_dir="/tmp/drift-bench-cache")
    frame = pd.read_csv(test_csv).drop(columns=["TARGET"], errors="ignore")
    frame = frame.sample(LINES, replace=True, random_state=0).reset_index(drop=True)
    x = transform(bundle.model.spec, model_columns(frame, bundle.model.spec))
    p = bundle.model.probability(x)
    records = [{k: v for k, v in r.items() if v == v} for r in frame.to_dict("records")]
    when = datetime(2026, 11, 20, 8, tzinfo=UTC)
    for start in range(0, LINES, PER_OBJECT):
        body = b"".join(
            orjson.dumps({"request_id": "r", "item": i - start,
                          "timestamp": (when + timedelta(seconds=i * 0.5)).isoformat(),
                          "model_version": bundle.version, "inputs": records[i],
                          "features": x[i], "probability": float(p[i]),
                          "decision": "refuse" if p[i] >= bundle.model.threshold else "approve",
                          "warnings": []},
                         option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE)
            for i in range(start, min(start + PER_OBJECT, LINES)))
        s3.put_object(Bucket="request-logs", Key=f"requests/dt=2026-11-20/{start:06d}-{uuid.uuid4().hex}.jsonl", Body=body)
    os.environ.update(MODEL_URI="s3://models/credit", LOG_URI="s3://request-logs/requests",
                      REPORTS_URI="s3://reports/drift", POWERTOOLS_METRICS_DISABLED="true")
    from credit_monitoring import handler

    class Context:
        function_name, memory_limit_in_mb, aws_request_id = "drift", 3008, "bench"
        invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:drift"

    event = {"since": "2026-11-20T00:00:00+00:00", "until": "2026-11-21T00:00:00+00:00"}
    use0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    result = handler.handler(event, Context())
    elapsed = time.perf_counter() - t
    use = resource.getrusage(resource.RUSAGE_SELF)
    cpu = use.ru_utime + use.ru_stime - use0.ru_utime - use0.ru_stime
    latest = json.loads(s3.get_object(Bucket="reports", Key="drift/latest.json")["Body"].read())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_mb_process": peak,
                  "rows": result["rows"],
                  "objects": LINES // PER_OBJECT, "status": result["status"],
                  "drifted_columns": result["drifted_columns"], "sampling": latest["sampling"]}))
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--twin", required=True, type=Path)
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--study-runs", type=int, default=3)
    parser.add_argument(
        "--parts", default="study,production", help="comma-separated: study, production"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    bundle = args.bundle if Path(args.bundle, "current.json").exists() else ""
    if not bundle:
        print(f"no bundle at {args.bundle}: no importance, estimate or production job")
    args.out.mkdir(parents=True, exist_ok=True)
    train, test = args.twin / "application_train.csv", args.twin / "application_test.csv"

    figures: dict = {}
    if "study" in parts:
        figures |= study_figures(args, train, test, bundle)
    if "production" in parts and bundle:
        figures["production"] = run(PRODUCTION, bundle, str(test))  # a local bundle folder
    (args.out / f"figures-{'-'.join(sorted(parts))}.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))


def study_figures(args: argparse.Namespace, train: Path, test: Path, bundle: str) -> dict:
    studies = []
    default = None
    for i in range(args.study_runs):  # interleaved: the default runs between the study runs
        studies.append(run(STUDY, str(train), str(test), bundle, str(args.out / "study")))
        print(
            f"study run {i + 1}: {studies[-1]['seconds']:.1f} s "
            f"(CPU {studies[-1]['cpu_seconds']:.1f} s), {studies[-1]['peak_mb']:.0f} MB"
        )
        if default is None:
            default = run(DEFAULT, str(train), str(test), str(args.out / "evidently_default.html"))
            print(
                f"Evidently DataDriftPreset() defaults: {default['seconds']:.1f} s, "
                f"{default['peak_mb']:.0f} MB"
            )
    study_s = statistics.median(s["seconds"] for s in studies)
    study_mb = max(s["peak_mb"] for s in studies)

    summary = json.loads((args.out / "study" / "summary.json").read_text())
    from credit_core.history.definitions import feature_names
    from credit_monitoring.history_lineage import score_against

    manifest = json.loads((args.twin / "drift_manifest.json").read_text())
    truth = manifest["drifted_columns"]
    assert all(set(s["drifted"]) == set(studies[0]["drifted"]) for s in studies)
    history_flagged = set(studies[0]["drifted"]) & set(feature_names())
    flagged = set(studies[0]["drifted"]) - history_flagged  # application columns
    material = {n for n, e in truth.items() if e["material"]}
    subtle = set(truth) - material
    default_flagged = set(default["drifted"])

    return {
        "study_seconds_median": round(study_s, 2),
        "study_runs_seconds": [round(s["seconds"], 2) for s in studies],
        "study_cpu_seconds_median": round(statistics.median(s["cpu_seconds"] for s in studies), 2),
        "study_peak_mb": round(study_mb),
        "evidently_default_cpu_seconds": round(default["cpu_seconds"], 2),
        "evidently_default_seconds": round(default["seconds"], 2),
        "evidently_default_peak_mb": round(default["peak_mb"]),
        "study_over_default_time": round(study_s / default["seconds"], 3),
        "study_over_default_cpu": round(
            statistics.median(s["cpu_seconds"] for s in studies) / default["cpu_seconds"], 3
        ),
        "reference_sampled": False,  # the study reads every row: its set is the unsampled one
        "drifted_study": sorted(flagged),
        "drifted_evidently_default": sorted(default_flagged),
        "material_recall": round(len(flagged & material) / len(material), 3),
        "precision_over_flagged": round(len(flagged & set(truth)) / len(flagged), 3),
        "material_missed": sorted(material - flagged),
        "subtle_found": sorted(flagged & subtle),
        "subtle_missed": sorted(subtle - flagged),
        "untouched_flagged": sorted(flagged - set(truth)),
        "default_material_recall": round(len(default_flagged & material) / len(material), 3),
        "default_precision": round(
            len(default_flagged & set(truth)) / max(len(default_flagged), 1), 3
        ),
        "top5": [
            {k: r[k] for k in ("name", "method", "score", "importance_share", "rank_by_score")}
            for r in summary["top_drifted"][:5]
        ],
        "calibration": summary.get("calibration"),
        "estimated": summary.get("estimated"),
        "estimated_bundle_calibration": summary.get("estimated_bundle_calibration"),
        "actual": summary.get("actual"),
        "actual_interval": summary.get("actual_interval"),
        "history": score_against(manifest["history_tables"], history_flagged).as_dict()
        | {"share_without_history": summary.get("history")}
        if "history_tables" in manifest and "history" in summary
        else None,
    }


if __name__ == "__main__":
    main()
