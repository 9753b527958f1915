"""Smoke test of a deployed scoring API: GET /health, then one authenticated POST /v1/score.

Usage: SMOKE_API_KEY=... python3 infra/smoke.py https://API-ID.execute-api.REGION.amazonaws.com
The application is built from the served model's own contract (GET /v1/model), so the test fits
any bundle. Standard library only (it runs before the project is installed). Exit 1 on failure.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

# credit_core.contracts.Decision (this script runs on a bare python3: a test keeps them equal)
DECISIONS = ("accept", "refuse")


def sample_application(contract: dict[str, Any]) -> dict[str, Any]:
    """One valid application: every required field at a value seen in training (the lower end
    of its training range, or its first level). Raises KeyError on a contract without fields."""
    application: dict[str, Any] = {}
    for name, spec in contract["fields"].items():
        if not spec.get("required"):
            continue
        training = spec.get("training") or {}
        domain = spec.get("domain") or {}
        if spec["type"] == "category":
            application[name] = (training.get("levels") or domain["levels"])[0]
        else:
            low = training.get("min", domain.get("min"))
            application[name] = int(low) if spec["type"] == "integer" else float(low)
    return application


def call(url: str, key: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("X-API-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main(base: str, key: str) -> int:
    base = base.rstrip("/")
    status, health = call(f"{base}/health")
    sys.stdout.write(f"GET /health -> {status} {health}\n")
    if status != 200:
        return 1
    status, card = call(f"{base}/v1/model", key)
    if status != 200:
        sys.stdout.write(f"GET /v1/model -> {status} {card}\n")
        return 1
    status, score = call(f"{base}/v1/score", key, sample_application(card["contract"]))
    sys.stdout.write(f"POST /v1/score -> {status} {score}\n")
    ok = status == 200 and 0.0 <= score.get("probability", -1) <= 1.0
    return 0 if ok and score.get("decision") in DECISIONS else 1


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.environ.get("SMOKE_API_KEY"):
        sys.stderr.write("usage: SMOKE_API_KEY=... python3 infra/smoke.py API_URL\n")
        sys.exit(2)
    sys.exit(main(sys.argv[1], os.environ["SMOKE_API_KEY"]))
