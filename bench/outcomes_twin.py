"""An outcomes report on the twin: test applicants scored by an exported bundle and logged as the
API logs them (``credit_api.request_log.lines``), spread over a few months; the production drift
job run on the first month; the twin's test labels turned into an outcomes file and ingested.

    uv run python bench/outcomes_twin.py --bundle data/bundles --rows 12000 --months 3 \\
        --out data/bench/outcomes

Prints the commands it runs and the report's Markdown.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from credit_api.request_log import key_for, lines
from credit_core import storage
from credit_core.bundle import load_bundle
from credit_core.features import columns_from_records, transform
from credit_monitoring.production import JobConfig, run_job
from credit_monitoring.traffic import applications
from credit_training.twin.generate import write_twin

BATCH = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--rows", type=int, default=12_000)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="data/bench/outcomes")
    args = parser.parse_args()
    out = Path(args.out)
    twin, logs, reports = out / "twin", str(out / "log"), str(out / "reports")
    write_twin(twin, 1000, args.rows, seed=args.seed)
    bundle = load_bundle(args.bundle, cache_dir=out / "cache")
    spec, model = bundle.model.spec, bundle.model
    records = applications(twin / "application_test.csv", args.rows)
    per_month = -(-len(records) // args.months)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    for m in range(args.months):
        month = records[m * per_month : (m + 1) * per_month]
        first = (start + timedelta(days=31 * m)).replace(day=1)
        for b in range(0, len(month), BATCH):
            part = month[b : b + BATCH]
            when = first + timedelta(days=(b // BATCH) % 27, hours=9)
            x = transform(spec, columns_from_records(spec, part))
            p = model.probability(x)
            decisions = ["refuse" if v >= model.threshold else "approve" for v in p]
            rid = uuid.uuid4().hex
            body = lines(
                rid, when, bundle.version, [orjson.dumps(r) for r in part], x, p, decisions
            )
            storage.write_bytes(key_for(logs, rid, when), body, "application/x-ndjson")
    job = run_job(
        JobConfig(args.bundle, logs, reports, start, (start + timedelta(days=31)).replace(day=1))
    )
    print(f"drift job on the first month: {job['rows']} rows, estimated {job['estimated']}")
    credit = str(Path(sys.executable).with_name("credit"))
    commands = [
        [credit, "outcomes", "from-labels", str(twin / "application_test_labels.csv"),
         "--out", str(out / "outcomes.csv"), "--observed-on", "2027-12-31"],
        [credit, "outcomes", "ingest", str(out / "outcomes.csv"), "--logs", logs,
         "--out", str(out / "report"), "--reports", reports, "--bundle", args.bundle],
    ]  # fmt: skip
    for cmd in commands:
        print("$", " ".join(cmd[1:]))
        subprocess.run(cmd, check=True)
    print((out / "report" / "outcomes.md").read_text())


if __name__ == "__main__":
    main()
