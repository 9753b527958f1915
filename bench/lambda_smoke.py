"""Run the built Lambda package in a bare python3.12 (no site-packages): import, init, score.

    python3.12 -I -S bench/lambda_smoke.py build/lambda data/bundles .venv/lib/python3.12/site-packages \
        [sqlite:///.../features.sqlite]
Proves the package holds everything scoring needs; prints which scipy modules were loaded.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import TYPE_CHECKING

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I drops the script's folder
from events import Context, v2_event

if TYPE_CHECKING:  # the package under test is imported from its own folder, in main()
    from credit_core.contracts import FieldContract

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")  # in the Lambda python3.12 runtime


def runtime_provided(site_packages: str) -> str:
    """A folder exposing only what the Lambda runtime provides (boto3), like /var/runtime."""
    folder = tempfile.mkdtemp(prefix="lambda-runtime-")
    for name in RUNTIME_PROVIDED:
        os.symlink(os.path.abspath(os.path.join(site_packages, name)), os.path.join(folder, name))
    return folder


def _inside(field: FieldContract) -> float | int:
    """The middle of what training saw (inside the domain too)."""
    seen = field.training
    mid = (seen.min + seen.max) / 2
    return round(mid) if field.type == "integer" else mid


def main(package: str, bundle: str, site_packages: str, features: str | None = None) -> int:
    sys.path.insert(0, os.path.abspath(package))
    sys.path.append(runtime_provided(site_packages))
    os.environ.update(
        MODEL_URI=os.path.abspath(bundle),
        LOG_URI=tempfile.mkdtemp(prefix="lambda-smoke-"),
        CREDIT_API_KEY="smoke",
        BUNDLE_CACHE_DIR=tempfile.mkdtemp(prefix="lambda-cache-"),
    )
    if features:  # a with-history model reads its client history from this store
        os.environ["FEATURES_URI"] = features
    start = time.perf_counter()
    import credit_api.handler as h

    init = time.perf_counter() - start
    if h.runtime.state.bundle is None:
        print(f"model not loaded: {h.runtime.state.cause}")
        return 1
    fields = h.runtime.state.bundle.card.contract.fields
    app = {
        n: f.training.levels[0] if f.type == "category" and f.training.levels else _inside(f)
        for n, f in fields.items()
        if f.required
    }
    app["SK_ID_CURR"] = 100002  # a with-history model looks the client's history up by id
    event = v2_event("/v1/score", app, "smoke")
    out = h.handler(event, Context())
    scipy_mods = sorted({m.split(".")[1] for m in sys.modules if m.startswith("scipy.")})
    print(f"init {init * 1000:.0f} ms; /v1/score -> {out['statusCode']} {out['body'][:120]}")
    print(f"scipy subpackages loaded: {scipy_mods}")
    with open("/proc/self/maps") as maps:
        gomp = sorted({line.split()[-1] for line in maps if "libgomp" in line})
    print(f"libgomp loaded from: {gomp}")
    return 0 if out["statusCode"] == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:5]))
