"""Demo traffic: replay applications from a CSV against the scoring API, one POST /v1/score
per application, at most ``rate`` per second, bounded in count and in time."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from credit_core.schema import application_schema


def applications(path: Path, rows: int) -> list[dict[str, Any]]:
    """The first ``rows`` applications as JSON objects (missing values left out; the target, if
    any, dropped; integer columns as integers)."""
    schema = application_schema()
    frame = pd.read_csv(path, nrows=rows)
    frame = frame.drop(columns=[schema.target_column], errors="ignore")
    ints = {c.name for c in schema.columns if c.dtype == "int64"}
    out = []
    for rec in frame.to_dict("records"):
        row = {}
        for k, v in rec.items():
            if pd.isna(v):
                continue
            row[k] = int(v) if k in ints else (v.item() if hasattr(v, "item") else v)
        out.append(row)
    return out


@dataclass
class TrafficResult:
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    elapsed: float = 0.0
    stopped_by_time: bool = False

    @property
    def scored(self) -> int:
        return self.statuses.get(200, 0)


def _post(url: str, key: str, body: bytes, timeout: float) -> int:
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"content-type": "application/json", "x-api-key": key},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return 0  # no answer: counted as status 0


def _progress(items: Sequence[Any], enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, unit="req", desc="traffic")


def replay(
    api: str,
    key: str,
    records: Sequence[dict[str, Any]],
    rate: float = 20.0,
    max_seconds: float = 300.0,
    timeout: float = 10.0,
    progress: bool = True,
) -> TrafficResult:
    """POST each record to ``{api}/v1/score``; stops after ``max_seconds`` whatever is left."""
    url = api.rstrip("/") + "/v1/score"
    result = TrafficResult()
    start = time.monotonic()
    interval = 1.0 / rate if rate > 0 else 0.0
    for i, rec in enumerate(_progress(records, progress)):
        now = time.monotonic() - start
        if now >= max_seconds:
            result.stopped_by_time = True
            break
        wait = i * interval - now
        if wait > 0:
            time.sleep(min(wait, max_seconds - now))
        result.statuses[_post(url, key, json.dumps(rec).encode(), timeout)] += 1
        result.sent += 1
    result.elapsed = time.monotonic() - start
    return result
