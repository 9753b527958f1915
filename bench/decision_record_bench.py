"""Decision record encoding (not a test): the request-log lines built with msgspec from the
``DecisionRecord`` contract against the previous orjson build, side by side in one process, and
the handler's ``/v1/score`` p50 on a given bundle.

    .venv/bin/python bench/decision_record_bench.py --bundle DIR [-n 3000]

Run it twice, once with ``PYTHONPATH`` pointing at another checkout's ``lambda/`` folder, to
compare ``/v1/score`` between two versions of the API (the encoding comparison is in-process).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I drops the script's folder
from api_bench import records, summary, timings
from events import Context, v2_event


def orjson_lines(request_id, when, model_version, inputs, features, probabilities, decisions):
    """``credit_api.request_log.lines`` as it was before the DecisionRecord contract."""
    stamp = when.isoformat(timespec="milliseconds")
    return b"".join(
        orjson.dumps(
            {
                "request_id": request_id,
                "item": i,
                "timestamp": stamp,
                "model_version": model_version,
                "inputs": orjson.Fragment(inputs[i]),
                "features": features[i],
                "probability": probabilities[i],
                "decision": decisions[i],
                "warnings": [],
            },
            option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE,
        )
        for i in range(len(inputs))
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", required=True, help="a bundle root (with current.json)")
    parser.add_argument("-n", type=int, default=3000)
    args = parser.parse_args()
    os.environ.update(
        MODEL_URI=str(Path(args.bundle).resolve()),
        LOG_URI=tempfile.mkdtemp(prefix="bench-requests-"),
        CREDIT_API_KEY="bench",
        BUNDLE_CACHE_DIR=tempfile.mkdtemp(prefix="bench-cache-"),
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    import credit_api.handler as h
    from credit_api import request_log
    from credit_core.features import columns_from_records, transform

    bundle = h.state.bundle
    assert bundle is not None, h.state.cause
    print(f"credit_api from {Path(h.__file__).parent}; bundle v{bundle.version}")
    sample = Path(args.bundle) / bundle.version / "reference_sample.csv.gz"
    frame = pd.read_csv(sample).drop(columns=["TARGET", "score"], errors="ignore").head(1000)
    recs = records(frame)
    spec = bundle.model.spec
    x = transform(spec, columns_from_records(spec, recs))
    p = bundle.model.probability(x)
    probabilities, decisions = p.tolist(), bundle.model.decide(p).tolist()
    raw = [orjson.dumps(r) for r in recs]
    when = datetime.now(UTC)
    threshold, digest = bundle.model.threshold, bundle.sha256 if hasattr(bundle, "sha256") else None

    def new(k: int) -> bytes:
        if digest is None:  # an API without the contract: its own lines
            return request_log.lines(
                "r", when, "1", raw[:k], x[:k], probabilities[:k], decisions[:k]
            )
        return request_log.lines(
            "r",
            when,
            "1",
            raw[:k],
            x[:k],
            probabilities[:k],
            decisions[:k],
            None,
            None,
            threshold,
            digest,
        )

    def old(k: int) -> bytes:
        return orjson_lines("r", when, "1", raw[:k], x[:k], probabilities[:k], decisions[:k])

    event = v2_event("/v1/score", recs[0], "bench")
    ids = itertools.count()

    def score() -> None:
        event["requestContext"]["requestId"] = f"bench-{next(ids)}"
        h.handler(event, Context())

    n, n_batch = args.n, max(50, args.n // 20)
    rows = {
        "old1": ("orjson lines (before), 1 row", lambda: old(1), n),
        "new1": ("DecisionRecord msgspec lines, 1 row", lambda: new(1), n),
        "old1000": ("orjson lines (before), 1,000 rows", lambda: old(1000), n_batch),
        "new1000": ("DecisionRecord msgspec lines, 1,000 rows", lambda: new(1000), n_batch),
        "score": ("handler /v1/score (v2 event, direct path)", score, n),
    }
    res: dict[str, list[np.ndarray]] = {}
    with contextlib.redirect_stdout(open(os.devnull, "w")):  # the handler's EMF lines
        for _ in range(3):  # interleaved: the machine is shared
            for key, (_, fn, reps) in rows.items():
                res.setdefault(key, []).append(timings(fn, reps))
    for key, parts in res.items():
        print(f"  {rows[key][0]:45s} {summary(np.concatenate(parts))}")
    med = {k: float(np.median(np.concatenate(v))) for k, v in res.items()}
    print(
        f"  ratio new / old, 1 row: {med['new1'] / med['old1']:.2f}; "
        f"1,000 rows: {med['new1000'] / med['old1000']:.2f}"
    )
    print(f"  /v1/score p50: {med['score']:.3f} ms")


if __name__ == "__main__":
    main()
