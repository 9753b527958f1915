"""Feast vs the plain store (credit_core.history.store): what each adds to the scoring Lambda.

Measures, side by side in one run: the size of Feast's install (``uv pip install --target DIR
feast``, done beforehand) and of the store module; the wall time of a fresh interpreter
importing each with its bytecode compiled (as the Lambda package ships it; one warm-up run,
then alternated, median of ``--repeat``); and the plain store's lookups on a SQLite
store of ``--clients`` random clients (``get`` one id, ``get_many`` of 1,000).

    .tools/bin/uv pip install --target /tmp/feast feast
    .tools/bin/uv run --locked --no-sync python bench/feature_store_choice.py --feast /tmp/feast
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from credit_core.history import store
from credit_core.history.definitions import feature_set

ROOT = Path(__file__).resolve().parents[1]


def tree_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1e6


def import_seconds(code: str, pythonpath: str | None) -> float:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled once, as `make package` ships it
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feast", type=Path, required=True, help="uv pip install --target DIR")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--clients", type=int, default=100_000)
    args = parser.parse_args()

    feast_total = tree_mb(args.feast)
    parts = {p.name: tree_mb(p) for p in args.feast.iterdir() if p.is_dir()}
    shared = sum(v for k, v in parts.items() if k.split("-")[0] in {"numpy", "numpy.libs"})
    module = Path(store.__file__).stat().st_size / 1e3
    print(f"Feast install: {feast_total:.0f} MB ({feast_total - shared:.0f} MB beyond numpy)")
    for name, mb in sorted(parts.items(), key=lambda kv: -kv[1])[:6]:
        print(f"  {name}: {mb:.0f} MB")
    print(f"store module: {module:.1f} kB, no dependency beyond numpy and boto3 (in the runtime)")

    cases = {
        "python -c pass": ("pass", None),
        "import numpy (the Lambda imports it anyway)": ("import numpy", None),
        "import credit_core.history.store": ("import credit_core.history.store", None),
        "from feast import FeatureStore": ("from feast import FeatureStore", str(args.feast)),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for code, path in cases.values():  # warm-up, not timed: writes the bytecode caches
        import_seconds(code, path)
    for _ in range(args.repeat):  # alternated, so a load spike hits all of them
        for name, (code, path) in cases.items():
            times[name].append(import_seconds(code, path))
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.3f} s (min {min(values):.3f} s)")

    rng = np.random.default_rng(0)
    names = feature_set()["names"]
    ids = np.sort(rng.choice(10_000_000, size=args.clients, replace=False)) + 100_000
    values = rng.normal(size=(args.clients, len(names)))
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{tmp}/features.sqlite"
        start = time.perf_counter()
        store.publish(uri, ids, values, feature_set(), date(2026, 12, 1))
        print(f"publish {args.clients:,} clients to SQLite: {time.perf_counter() - start:.2f} s")
        reader = store.open_store(uri)
        reader.metadata()
        one = []
        for sk_id in rng.choice(ids, size=2000):
            t = time.perf_counter()
            reader.get(int(sk_id))
            one.append(time.perf_counter() - t)
        batch = []
        for _ in range(20):
            chosen = rng.choice(ids, size=1000, replace=False).tolist()
            t = time.perf_counter()
            reader.get_many(chosen)
            batch.append(time.perf_counter() - t)
        print(f"SQLite get (1 client): p50 {statistics.median(one) * 1e6:.0f} us")
        print(f"SQLite get_many (1,000 clients): p50 {statistics.median(batch) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
