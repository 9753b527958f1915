"""Monitoring fixtures: an exported bundle, request-log lines written as the API writes them
(README, "The scoring API"), moto S3."""

from __future__ import annotations

import json
import math
import uuid
from datetime import datetime
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pytest

from credit_core import contracts, storage
from credit_core.bundle import load_bundle
from credit_core.features import columns_from_records, transform
from tests.conftest import REGION


@pytest.fixture(scope="session")
def drift_bundle(trained, tmp_path_factory) -> Path:
    """The tiny trained model exported with the real exporter to a local folder."""
    import mlflow

    from credit_training.export import export_bundle
    from credit_training.registry import default_tracking_uri

    mlflow.set_tracking_uri(default_tracking_uri(trained["root"]))
    out = tmp_path_factory.mktemp("drift-bundle")
    export_bundle(str(out), version=trained["summary"]["registered_version"])
    return out


@pytest.fixture(scope="session")
def test_applications(trained) -> pd.DataFrame:
    """application_test rows of the tiny twin (the current population)."""
    return pd.read_csv(trained["root"] / "twin" / "application_test.csv")


def as_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as the API receives them: missing fields left out, numbers as JSON numbers."""
    out = []
    for rec in frame.to_dict("records"):
        out.append(
            {
                k: (v.item() if hasattr(v, "item") else v)
                for k, v in rec.items()
                if not (isinstance(v, float) and math.isnan(v)) and k != "TARGET"
            }
        )
    return json.loads(json.dumps(out))


def log_lines(
    bundle_dir: Path,
    records: list[dict],
    when: datetime,
    version: str | None = None,
    warnings: list[list[contracts.ScoreWarning]] | None = None,
) -> bytes:
    """The request-log lines the API writes for one call (one line per application)."""
    bundle = load_bundle(str(bundle_dir), cache_dir=bundle_dir.parent / "cache")
    spec = bundle.model.spec
    x = transform(spec, columns_from_records(spec, records))
    p = bundle.model.probability(x)
    request_id = uuid.uuid4().hex
    return contracts.encode_lines(
        [
            contracts.DecisionRecord(
                request_id=request_id,
                item=i,
                timestamp=when.isoformat(timespec="milliseconds"),
                model_version=version or bundle.version,
                inputs=msgspec.Raw(msgspec.json.encode(rec)),
                features=[None if np.isnan(v) else float(v) for v in x[i]],
                probability=float(p[i]),
                decision="refuse" if p[i] >= bundle.model.threshold else "accept",
                warnings=warnings[i] if warnings else [],
                threshold=bundle.model.threshold,
                bundle_sha256=bundle.sha256,
            )
            for i, rec in enumerate(records)
        ]
    )


def write_call(log_uri: str, when: datetime, body: bytes) -> str:
    uri = storage.join(log_uri, f"dt={when:%Y-%m-%d}", f"{when:%H%M%S}-{uuid.uuid4().hex}.jsonl")
    storage.write_bytes(uri, body, "application/x-ndjson")
    return uri


def make_bucket(s3, name: str) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


def upload_dir(s3, folder: Path, bucket: str, prefix: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(folder)}")
