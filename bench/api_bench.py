"""Scoring API benchmark (not a test): handler paths vs bare LightGBM, vs the common public
design, and cold init vs an mlflow.pyfunc load. All figures come from one run, side by side.

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
from pathlib import Path

import numpy as np
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
assert h.state.bundle is not None, h.state.error
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
    import credit_api.handler as h
    from credit_training.data import load_application
    from credit_training.featurize import feature_matrix

    bundle = h.state.bundle
    model, booster = bundle.model, bundle.model.booster
    test = load_application(data / "twin", "test").head(1000)
    recs = records(test)
    x = feature_matrix(model.spec, test)
    one = x[:1]
    print(f"bundle v{bundle.version}: {booster.num_trees()} trees, {x.shape[1]} features")

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

    n = args.n
    # metrics stay on (an EMF flush per call, as in Lambda); their lines go to /dev/null
    quiet = contextlib.redirect_stdout(open(os.devnull, "w"))  # noqa: SIM115
    quiet.__enter__()
    res = {
        "bare booster.predict (1 row)": timings(lambda: booster.predict(one), n),
        "handler /v1/score (v2 event, direct path, log write)": timings(
            lambda: invoke(score_event), n
        ),
        "same event through Mangum + FastAPI": timings(lambda: invoke(score_event, h.asgi), n),
        "peer: pickled sklearn Pipeline, 1-row DataFrame": timings(
            lambda: peer.predict_proba(row_df), n
        ),
        "bare pred_contrib (1 row)": timings(lambda: booster.predict(one, pred_contrib=True), n),
        "handler /v1/explain": timings(lambda: invoke(explain_event), n),
        "bare booster.predict (1,000 rows)": timings(lambda: booster.predict(x), max(20, n // 40)),
        "handler /v1/score/batch (1,000 rows)": timings(
            lambda: invoke(batch_event), max(20, n // 40)
        ),
    }
    quiet.__exit__(None, None, None)
    for name, ms in res.items():
        print(f"  {name:52s} {summary(ms)}")
    med = {k: float(np.median(v)) for k, v in res.items()}
    print("ratios (medians):")
    print(
        f"  /v1/score vs peer baseline: {med['peer: pickled sklearn Pipeline, 1-row DataFrame'] / med['handler /v1/score (v2 event, direct path, log write)']:.2f}x faster"
    )
    print(
        f"  /v1/explain / bare pred_contrib: {med['handler /v1/explain'] / med['bare pred_contrib (1 row)']:.2f}"
    )
    print(
        f"  batch throughput / bare batch throughput: {med['bare booster.predict (1,000 rows)'] / med['handler /v1/score/batch (1,000 rows)']:.2%}"
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
