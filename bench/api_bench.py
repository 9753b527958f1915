"""Scoring API benchmark (not a test): handler paths vs bare LightGBM, vs the common public
design, and cold init vs an mlflow.pyfunc load. All figures come from one run, side by side.

A with-history bundle is served with its embedded feature store (``--features``, published by
``make bench-api`` from the twin's history tables) and, side by side, the same bundle on the
application-only path (``SCORE_WITHOUT_HISTORY``: no store lookup, every applicant with the
no-history values), so the difference is the history lookup and nothing else.

    make bench-api       # needs `make demo` first (data/bundles, data/mlflow, data/twin)
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
from events import Context, v2_event
from lambda_smoke import runtime_provided


def timings(fn, n: int, warmup: int = 20) -> np.ndarray:
    for _ in range(warmup):
        fn()
    out = np.empty(n)
    for i in range(n):
        t = time.perf_counter_ns()
        fn()
        out[i] = time.perf_counter_ns() - t
    return out / 1e6  # ms


def summary(ms: np.ndarray) -> str:
    return f"p50 {np.median(ms):.3f} ms  p99 {np.percentile(ms, 99):.3f} ms"


def records(df: pd.DataFrame) -> list[dict]:
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items() if not pd.isna(v)}
        for r in df.to_dict("records")
    ]


INIT_HANDLER = """
import os, sys, time
t = time.perf_counter()
sys.path[:0] = [sys.argv[1]]
sys.path.append(sys.argv[2])
import credit_api.handler as h
assert h.runtime.state.bundle is not None, h.runtime.state.cause
print(time.perf_counter() - t)
"""
INIT_PYFUNC = """
import sys, time
t = time.perf_counter()
import mlflow
mlflow.set_tracking_uri(sys.argv[1])
m = mlflow.pyfunc.load_model("models:/credit-scoring@champion")
print(time.perf_counter() - t)
"""


def cold(cmd: list[str], env: dict, repeats: int) -> list[float]:
    """Seconds to import and load, each in a fresh process."""
    out = []
    for _ in range(repeats):
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data")
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--cold-repeats", type=int, default=5)
    parser.add_argument("--package", default="build/lambda")
    parser.add_argument("--python312", default=sys.executable)
    parser.add_argument(
        "--features", default=None, help="the feature store of a with-history bundle (sqlite:///)"
    )
    args = parser.parse_args()
    data = Path(args.data).resolve()
    log_dir = tempfile.mkdtemp(prefix="bench-requests-")
    os.environ.update(
        MODEL_URI=str(data / "bundles"),
        LOG_URI=log_dir,
        CREDIT_API_KEY="bench",
        BUNDLE_CACHE_DIR=tempfile.mkdtemp(prefix="bench-cache-"),
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    if args.features:
        os.environ["FEATURES_URI"] = args.features
    import credit_api.handler as h
    from credit_api import request_log
    from credit_api.runtime import Runtime
    from credit_api.settings import Settings
    from credit_training.data import load_application
    from credit_training.featurize import feature_matrix

    bundle = h.runtime.state.bundle
    assert bundle is not None, h.runtime.state.cause
    model, booster = bundle.model, bundle.model.booster
    source = h.runtime.service.history
    assert source is None or source.ready, f"history store not ready: {source.cause}"
    test = load_application(data / "twin", "test").head(1000)
    recs = records(test)
    x = feature_matrix(model.spec, test)
    one = x[:1]
    print(f"bundle v{bundle.version}: {booster.num_trees()} trees, {x.shape[1]} features")
    # the same bundle without the history lookup: the application-only path
    plain = None
    if source is not None:
        env = {k: v for k, v in os.environ.items() if k != "FEATURES_URI"}
        plain = Runtime(Settings.from_env(env | {"SCORE_WITHOUT_HISTORY": "1"}))
        assert source.store is not None
        client_ids = test["SK_ID_CURR"].astype(int).tolist()
        found = source.store.lookup(client_ids).found
        print(
            f"history: {len(model.spec.history)} features from {args.features}; "
            f"{len(found):,} of the {len(client_ids):,} benchmark clients have a record"
        )
        # the single-row requests are for a client with a record (the store's full path)
        with_record = [i for i, sk_id in enumerate(client_ids) if sk_id in found]
        if with_record:
            recs.insert(0, recs.pop(with_record[0]))

    # the common public design: pickled sklearn Pipeline(imputer, scaler, LGBMClassifier) on a
    # one-row pandas DataFrame
    import lightgbm as lgb
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    train = load_application(data / "twin", "train", nrows=20000)
    xt = pd.DataFrame(feature_matrix(model.spec, train), columns=model.spec.names)
    peer = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", lgb.LGBMClassifier(n_estimators=booster.num_trees(), verbose=-1)),
        ]
    )
    peer.fit(xt, train["TARGET"])
    peer = pickle.loads(pickle.dumps(peer))
    row_df = pd.DataFrame(one, columns=model.spec.names)

    score_event = v2_event("/v1/score", recs[0], "bench")
    explain_event = v2_event("/v1/explain", recs[0], "bench")
    batch_event = v2_event("/v1/score/batch", {"applications": recs}, "bench")
    ids = itertools.count()

    def invoke(event: dict, entry=h.handler) -> dict:
        """A fresh API Gateway request id per call, as in Lambda (each log object is new)."""
        event["requestContext"]["requestId"] = f"bench-{next(ids)}"
        return entry(event, Context())

    for event in (score_event, explain_event, batch_event):
        assert invoke(event)["statusCode"] == 200
    if plain is not None:
        for event in (score_event, batch_event):
            assert invoke(event, plain.handler)["statusCode"] == 200

    n, n_batch = args.n, max(20, args.n // 40)
    batch_body = batch_event["body"].encode()
    probabilities = model.probability(x).tolist()
    decisions = model.decide(np.asarray(probabilities)).tolist()
    raw_items = [orjson.dumps(r) for r in recs]
    when = datetime.now(UTC)
    floor_log = request_log.open_log(str(log_dir))

    def log_batch() -> None:
        rid = f"floor-{next(ids)}"
        body = request_log.lines(rid, when, "1", raw_items, x, probabilities, decisions)
        floor_log.write(rid, when, body)

    rows = {  # key: (label, function, repetitions)
        "predict1": ("bare booster.predict (1 row)", lambda: booster.predict(one), n),
        "score": ("handler /v1/score (v2 event, direct path)", lambda: invoke(score_event), n),
        "mangum": (
            "same event via Mangum + FastAPI",
            lambda: invoke(score_event, h.runtime.asgi),
            n,
        ),
        "peer": ("peer: sklearn Pipeline, 1-row DataFrame", lambda: peer.predict_proba(row_df), n),
        "contrib": (
            "bare pred_contrib (1 row)",
            lambda: booster.predict(one, pred_contrib=True),
            n,
        ),
        "explain": ("handler /v1/explain", lambda: invoke(explain_event), n),
        "predict1000": ("bare booster.predict (1,000 rows)", lambda: booster.predict(x), n_batch),
        "batch": ("handler /v1/score/batch (1,000 rows)", lambda: invoke(batch_event), n_batch),
        "parse": (
            f"floor: orjson.loads of that body ({len(batch_body) / 1e6:.1f} MB)",
            lambda: orjson.loads(batch_body),
            n_batch,
        ),
        "log": ("floor: request log lines + write, 1,000 rows", log_batch, n_batch),
    }
    if plain is not None and source is not None and source.store is not None:
        reader, client_ids = source.store, test["SK_ID_CURR"].astype(int).tolist()
        first = recs[0]["SK_ID_CURR"]
        rows |= {
            "score_plain": (
                "application-only path: /v1/score, no lookup",
                lambda: invoke(score_event, plain.handler),
                n,
            ),
            "lookup1": ("store lookup, 1 client (SQLite)", lambda: reader.lookup([first]), n),
            "batch_plain": (
                "application-only path: batch, no lookup",
                lambda: invoke(batch_event, plain.handler),
                n_batch,
            ),
            "lookup1000": (
                "store lookup, 1,000 clients (SQLite)",
                lambda: reader.lookup(client_ids),
                n_batch,
            ),
        }
    # metrics stay on (an EMF flush per call, as in Lambda); their lines go to /dev/null
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        res = {key: timings(fn, reps) for key, (_, fn, reps) in rows.items()}
    for key, ms in res.items():
        print(f"  {rows[key][0]:52s} {summary(ms)}")
    med = {k: float(np.median(v)) for k, v in res.items()}
    print("ratios (medians):")
    print(f"  /v1/score vs peer baseline: {med['peer'] / med['score']:.2f}x faster")
    print(f"  /v1/explain / bare pred_contrib: {med['explain'] / med['contrib']:.2f}")
    print(
        f"    (the whole /v1/score path / bare pred_contrib: {med['score'] / med['contrib']:.2f})"
    )
    print(f"  batch throughput / bare batch: {med['predict1000'] / med['batch']:.2%}")
    if "score_plain" in med:
        print(
            f"  history lookup: /v1/score p50 {med['score'] - med['score_plain']:+.3f} ms over the "
            f"application-only path (target <= +0.15 ms); 1,000-row batch "
            f"{med['batch'] / med['batch_plain']:.2f}x (target <= 1.3x)"
        )
    floor = med["parse"] + med["log"] + med["predict1000"]
    print(
        f"    (bare batch / (parse + log + bare batch), no validation: {med['predict1000'] / floor:.2%})"
    )

    if args.cold_repeats < 1:
        return
    env = dict(os.environ)
    # the handler as Lambda runs it: the built package in a bare python3.12 (no site-packages),
    # boto3 from the "runtime"; the peer path needs the full training environment (MLflow)
    package = str(Path(args.package).resolve())
    site = str(Path(sys.prefix, "lib", "python3.12", "site-packages"))
    env["LD_LIBRARY_PATH"] = str(Path(package, "lib"))
    handler_cmd = [args.python312, "-I", "-S", "-c", INIT_HANDLER, package, runtime_provided(site)]
    pyfunc_cmd = [sys.executable, "-c", INIT_PYFUNC, f"sqlite:///{data / 'mlflow' / 'mlflow.db'}"]
    handler_init = cold(handler_cmd, env, args.cold_repeats)
    pyfunc_init = cold(pyfunc_cmd, env, args.cold_repeats)
    hi, pi = statistics.median(handler_init), statistics.median(pyfunc_init)
    print(
        f"cold init, fresh python {sys.version.split()[0]} process, median of {args.cold_repeats}:"
    )
    print(
        f"  Lambda package: import handler + load bundle (local folder): {hi:.3f} s {[round(t, 3) for t in handler_init]}"
    )
    print(
        f"  mlflow.pyfunc.load_model (registry alias):    {pi:.3f} s {[round(t, 3) for t in pyfunc_init]}"
    )
    print(f"  ratio handler / pyfunc: {hi / pi:.2f}")


if __name__ == "__main__":
    main()
