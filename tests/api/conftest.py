"""API fixtures: an exported bundle, moto S3/SSM, the real Lambda runtime built from explicit
settings, and v2 events."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pandas as pd
import pytest

from credit_api.auth import key_hash
from credit_api.runtime import Runtime
from credit_api.settings import Settings
from tests.conftest import REGION

API_KEY = "test-key-0123456789"


@pytest.fixture(scope="session")
def bundle_dir(trained, tmp_path_factory):
    """The trained tiny model exported with the real exporter to a local folder."""
    import mlflow

    from credit_training.export import export_bundle
    from credit_training.registry import default_tracking_uri

    mlflow.set_tracking_uri(default_tracking_uri(trained["root"]))
    out = tmp_path_factory.mktemp("bundle")
    export_bundle(str(out), version=trained["summary"]["registered_version"])
    return out


@pytest.fixture(scope="session")
def applications(trained) -> list[dict]:
    """Raw application_test rows as JSON objects (missing fields left out)."""
    df = pd.read_csv(trained["root"] / "twin" / "application_test.csv").head(50)
    rows = []
    for r in df.to_dict("records"):
        rows.append(
            {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items() if not pd.isna(v)}
        )
    return json.loads(json.dumps(rows))


@dataclass
class LambdaContext:
    function_name: str = "credit-scoring-api"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:credit-scoring-api"
    aws_request_id: str = "lambda-request"


def v2_event(
    method: str, path: str, body=None, headers: dict | None = None, raw_body: str | None = None
) -> dict:
    """An API Gateway HTTP API (payload format 2.0) event."""
    hdrs = {"content-type": "application/json", "host": "api.example.com"} | (headers or {})
    path, _, query = path.partition("?")
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": hdrs,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": f"req-{uuid.uuid4().hex[:12]}",
            "routeKey": "$default",
            "stage": "$default",
            "time": "28/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795860000000,
        },
        "body": text,
        "isBase64Encoded": False,
    }


@dataclass
class Api:
    module: Runtime  # what handler.py builds at init: .handler, .app, .asgi, .state
    log_bucket: str

    def call(self, method, path, body=None, key: str | None = API_KEY, headers=None, **kw):
        """Invoke the real handler; return (status, JSON body or text, headers)."""
        headers = ({"x-api-key": key} if key else {}) | (headers or {})
        out = self.module.handler(v2_event(method, path, body, headers, **kw), LambdaContext())
        text = out.get("body") or ""
        if out.get("isBase64Encoded"):
            text = base64.b64decode(text).decode()
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            payload = text
        return out["statusCode"], payload, out.get("headers", {})


def upload_bundle(bundle_dir: Path, bucket: str, prefix: str) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for path in bundle_dir.rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(bundle_dir)}")


def build_runtime(tmp_path: Path, **env: str) -> Runtime:
    """The API as the Lambda builds it, from explicit settings: ``env`` holds the variables the
    handler would read (nothing is read from, or written to, this process's environment)."""
    base = {"BUNDLE_CACHE_DIR": str(tmp_path / "cache")}
    return Runtime(Settings.from_env(base | env))


@pytest.fixture
def api(aws, bundle_dir, monkeypatch, tmp_path) -> Api:
    """Bundle in moto S3, the key's hash in moto SSM, requests logged to moto S3."""
    upload_bundle(bundle_dir, "models", "credit")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="requests", CreateBucketConfiguration={"LocationConstraint": REGION})
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/credit/api-key-hash", Value=key_hash(API_KEY), Type="SecureString"
    )
    module = build_runtime(
        tmp_path,
        MODEL_URI="s3://models/credit",
        LOG_URI="s3://requests/log",
        API_KEY_PARAMETER="/credit/api-key-hash",
    )
    return Api(module, "requests")


@pytest.fixture
def make_api(aws, bundle_dir, monkeypatch, tmp_path):
    """Build the handler with a variant environment (bundle uploaded to s3://models/credit;
    key from CREDIT_API_KEY; requests logged to a folder unless LOG_URI says otherwise)."""

    def make(upload: bool = True, **env) -> Api:
        if upload:
            upload_bundle(bundle_dir, "models", "credit")
        base = {
            "MODEL_URI": "s3://models/credit",
            "CREDIT_API_KEY": API_KEY,
            "LOG_URI": str(tmp_path / "log"),
        }
        return Api(build_runtime(tmp_path, **(base | env)), "")

    return make
