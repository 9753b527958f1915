"""What grouping logged records by sensitive attribute costs the drift job's log reader (not a
test): ``logs.collect`` on the same synthetic lines with and without the attributes, side by
side, a few rounds.

    uv run python bench/group_labels_overhead.py --rows 50000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime

from credit_core.schema import application_schema
from credit_monitoring import logs

WHEN = datetime(2026, 11, 20, 12, tzinfo=UTC)


def lines(rows: int, n_columns: int) -> tuple[bytes, list]:
    rng = random.Random(0)
    columns = application_schema().columns[:n_columns]
    out = []
    for i in range(rows):
        inputs = {c.name: c.levels[0] if c.levels else rng.random() for c in columns}
        inputs |= {
            "CODE_GENDER": rng.choice("FM"),
            "DAYS_BIRTH": -rng.randint(7000, 25000),
            "CNT_CHILDREN": rng.randint(0, 4),
            "NAME_FAMILY_STATUS": "Married",
        }
        rec = {
            "request_id": "r",
            "item": i,
            "timestamp": WHEN.isoformat(),
            "model_version": "v1",
            "inputs": inputs,
            "features": [0.0],
            "probability": 0.2,
            "decision": "approve",
            "warnings": [],
        }
        out.append(json.dumps(rec))
    return "\n".join(out).encode(), list(columns)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--columns", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    blob, columns = lines(args.rows, args.columns)
    attributes = logs.ATTRIBUTES

    def timed() -> float:
        start = time.perf_counter()
        logs.collect([blob], "v1", 1, columns, WHEN.replace(hour=0), WHEN.replace(hour=23))
        return time.perf_counter() - start

    for _ in range(args.rounds):
        logs.ATTRIBUTES = attributes
        with_groups = timed()
        logs.ATTRIBUTES = ()
        without = timed()
        print(
            f"{args.rows:,} lines: with groups {with_groups:.2f} s, without {without:.2f} s, "
            f"ratio {with_groups / without:.2f}"
        )


if __name__ == "__main__":
    main()
