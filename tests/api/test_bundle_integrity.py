"""Issue 21 §8: every bundle file is checked against what was loaded at start-up. The reference
sample and checksums.json swapped together (consistent with each other) are refused after the
load (the API answers 503, never the swapped population) and at the load when pinned."""

from __future__ import annotations

import gzip
import hashlib
import io
import json

import boto3
import pandas as pd

from tests.api.conftest import REGION

REFERENCE = "credit/1/reference_sample.csv.gz"
CHECKSUMS = "credit/1/checksums.json"


def _swap_reference(s3) -> None:
    """Replace the sample by a forged one and re-list it in checksums.json."""
    data = s3.get_object(Bucket="models", Key=REFERENCE)["Body"].read()
    frame = pd.read_csv(io.BytesIO(data), compression="gzip")
    forged = gzip.compress(frame.head(50).to_csv(index=False).encode())
    sums = json.loads(s3.get_object(Bucket="models", Key=CHECKSUMS)["Body"].read())
    sums["reference_sample.csv.gz"] = hashlib.sha256(forged).hexdigest()
    s3.put_object(Bucket="models", Key=REFERENCE, Body=forged)
    s3.put_object(Bucket="models", Key=CHECKSUMS, Body=json.dumps(sums).encode())


def test_a_reference_swapped_after_start_up_is_never_served(make_api):
    api = make_api()  # loaded: the serving files and their checksums
    s3 = boto3.client("s3", region_name=REGION)
    _swap_reference(s3)
    status, body, headers = api.call("GET", "/v1/reference?fields=AMT_CREDIT")
    assert status == 503 and headers["content-type"] == "application/problem+json"
    assert "reference" in body["detail"] and "checksum" not in body["detail"]


def test_the_original_reference_is_served(make_api):
    api = make_api()
    status, body, _ = api.call("GET", "/v1/reference?fields=AMT_CREDIT")
    assert status == 200 and body["fields"]


def test_a_pinned_bundle_with_a_swapped_reference_is_not_loaded(
    make_api, bundle_dir, applications, tmp_path
):
    pin = hashlib.sha256((bundle_dir / "1" / "checksums.json").read_bytes()).hexdigest()
    api = make_api(upload=True, MODEL_SHA256=pin)
    assert api.call("POST", "/v1/score", applications[0])[0] == 200
    _swap_reference(boto3.client("s3", region_name=REGION))
    # a new instance (cold start) with the same pin refuses the changed bundle outright
    cold = make_api(upload=False, MODEL_SHA256=pin, BUNDLE_CACHE_DIR=str(tmp_path / "cold"))
    assert cold.call("POST", "/v1/score", applications[0])[0] == 503
