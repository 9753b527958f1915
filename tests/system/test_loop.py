"""The whole MLOps loop on one machine, S3 and DynamoDB served by moto's threaded server on
127.0.0.1.

twin with history -> train -> register -> export to S3 -> every client's history features
published to DynamoDB -> the Lambda handler loads the bundle from S3 and reads the store of
FEATURES_URI -> test-set applications as API Gateway v2 events -> request logs in S3, each with
the history features used -> no skew: those are the features training computes for the same
client -> the drift handler -> report and summary in S3 -> retrain on the drifted population ->
challenger promoted or not by the rule, and the bundle pointer moves only when it is. The CLI
steps run as subprocesses of the real `credit` command; boto3 reaches the server through
AWS_ENDPOINT_URL, nothing inside the project is patched.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest

from credit_core import storage
from credit_core.contracts import ModelCard, card_from
from credit_core.features import FeatureSpec
from credit_core.history import store, tables
from credit_core.pseudonym import DEV_KEY, client_ref
from credit_training.featurize import feature_matrix
from credit_training.history import load_history
from tests.api.conftest import LambdaContext, v2_event
from tests.infra.cfn import load_template

pytestmark = pytest.mark.slow

REGION = "eu-west-3"
KEY = "system-test-key"
MODELS = "s3://models/credit"
LOGS = "s3://requests/log"
REPORTS = "s3://reports/drift"
FEATURE_TABLE = "credit-scoring-features"
FEATURES = f"dynamodb://{FEATURE_TABLE}"
AS_OF = "2026-11-30"
N_APPLICATIONS = 300
RTOL = 1e-12  # served vs trained history features: the same float64, up to summation order


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    storage.s3_client.cache_clear()
    s3 = boto3.client("s3", region_name=REGION)
    for bucket in ("models", "requests", "reports"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    # the online feature store's tables, as template.yaml declares them (the stack makes them)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for name, resource in (
        (FEATURE_TABLE, "FeatureTable"),
        (store.summary_table(FEATURE_TABLE), "FeatureHistoryTable"),
    ):
        dynamodb.create_table(TableName=name, **template_table(resource))
    yield s3
    storage.s3_client.cache_clear()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    server.stop()


def template_table(resource: str) -> dict:
    props = load_template("template.yaml")["Resources"][resource]["Properties"]
    return {k: props[k] for k in ("KeySchema", "AttributeDefinitions", "BillingMode")}


def credit(*args: str, cwd: Path) -> str:
    """Run the real `credit` command; fail with its output if it does not exit 0."""
    # in-process MLflow calls of other tests export their store as MLFLOW_TRACKING_URI: not ours
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    proc = subprocess.run(
        [sys.executable, "-m", "credit_core.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"credit {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def read_json(s3, uri: str) -> dict:
    bucket, key = storage.split_s3(uri)
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def keys(s3, bucket: str, prefix: str = "") -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def fresh_module(name: str, env: dict[str, str], monkeypatch):
    """Import a Lambda handler afresh: its init phase reads the environment."""
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def applications(path: Path, n: int) -> list[dict]:
    df = pd.read_csv(path).head(n)
    rows = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items() if not pd.isna(v)}
        for r in df.to_dict("records")
    ]
    return json.loads(json.dumps(rows))


def history_skew(
    records: list[dict], card: ModelCard, apps: pd.DataFrame, history: Path
) -> list[str]:
    """Where a logged record's history features (served) differ from the training feature
    matrix of the same client (``load_history`` + ``feature_matrix``, as ``credit train``
    computes them): one line per client and feature, NaN equal to NaN."""
    assert card.features.history is not None
    names = card.features.names
    spec = FeatureSpec.from_dict(card.features.spec_dict())
    trained = feature_matrix(spec, apps, load_history(history, apps, "SK_ID_CURR").frame)
    row_of = {client_ref(DEV_KEY, int(i)): n for n, i in enumerate(apps["SK_ID_CURR"])}
    columns = [names.index(h) for h in card.features.history.names]
    skew = []
    for r in records:
        n = row_of[r["client_ref"]]
        served = np.array([r["features"][c] for c in columns], dtype=np.float64)  # null: NaN
        expected = trained[n, columns]
        same = np.isclose(served, expected, rtol=RTOL, atol=0.0, equal_nan=True)
        skew += [
            f"client {apps['SK_ID_CURR'].iloc[n]} ({'found' if r['history']['found'] else 'absent'}"
            f") {names[c]}: served {s!r}, trained {t!r}"
            for c, s, t, ok in zip(columns, served, expected, same, strict=True)
            if not ok
        ]
    return skew


def test_train_serve_log_detect_drift_retrain(s3_endpoint, tmp_path, monkeypatch):
    s3 = s3_endpoint
    # Given a small twin, a model trained, registered and exported to S3
    credit("twin", "--out", "twin", "--train-rows", "6000", "--test-rows", "1500", cwd=tmp_path)
    first = json.loads(
        credit("train", "--data", "twin", "--profile", "smoke", "--data-dir", ".", cwd=tmp_path)
        .strip()
        .splitlines()[-1]
    )
    assert first["aliases"] == ["challenger", "champion"]  # no champion before: promoted
    credit("export", "--to", MODELS, "--data-dir", ".", cwd=tmp_path)
    pointer = read_json(s3, f"{MODELS}/current.json")
    version = first["registered_version"]
    assert pointer["version"] == version
    card = card_from(read_json(s3, f"{MODELS}/{version}/model_card.json"))
    checksums = read_json(s3, f"{MODELS}/{version}/checksums.json")
    assert set(checksums) >= {"model.txt", "model_card.json", "reference_sample.csv.gz"}
    assert card.features.history is not None  # the twin has history: a with-history model

    # And every client's history features published to DynamoDB, as production publishes them
    published = credit(
        "features", "publish", "--history", "twin", "--to", FEATURES, "--as-of", AS_OF,
        cwd=tmp_path,
    )  # fmt: skip
    assert card.features.history.digest[:19] in published

    # When the Lambda handler loads that bundle from S3 and scores test-set applications
    api = fresh_module(
        "credit_api.handler",
        {
            "MODEL_URI": MODELS,
            "LOG_URI": LOGS,
            "FEATURES_URI": FEATURES,
            "LOG_TIMEOUT_SECONDS": "8",  # a loaded test machine: no record to the fallback log
            "CREDIT_API_KEY": KEY,
            "BUNDLE_CACHE_DIR": str(tmp_path / "cache"),
        },
        monkeypatch,
    )
    apps = applications(tmp_path / "twin" / "application_test.csv", N_APPLICATIONS)
    headers = {"x-api-key": KEY}
    for app in apps[:50]:
        out = api.handler(v2_event("POST", "/v1/score", app, headers), LambdaContext())
        assert out["statusCode"] == 200, out["body"]
        assert json.loads(out["body"])["model_version"] == version
    batch = {"applications": apps[50:]}
    out = api.handler(v2_event("POST", "/v1/score/batch", batch, headers), LambdaContext())
    assert out["statusCode"] == 200, out["body"]
    assert len(json.loads(out["body"])["results"]) == N_APPLICATIONS - 50

    # Then every scored application is in the request log, with the features the model saw
    records = [
        json.loads(line)
        for key in keys(s3, "requests", "log/")
        for line in s3.get_object(Bucket="requests", Key=key)["Body"].read().splitlines()
    ]
    assert len(records) == N_APPLICATIONS
    assert sorted(r["client_ref"] for r in records) == sorted(
        client_ref(DEV_KEY, a["SK_ID_CURR"]) for a in apps
    )
    assert not any("SK_ID_CURR" in r["inputs"] for r in records)
    assert {r["model_version"] for r in records} == {version}
    assert all(len(r["features"]) == len(card.features.names) for r in records)
    assert all(0 < r["probability"] < 1 for r in records)

    # And each client's history features, as read from the store at scoring time, are the ones
    # training computes for that client: clients with a history and clients without
    uses = [r["history"] for r in records]
    assert {(u["as_of"], u["feature_set"]) for u in uses} == {(AS_OF, card.features.history.digest)}
    found = sum(u["found"] for u in uses)
    assert 0 < found < N_APPLICATIONS, f"{found} of {N_APPLICATIONS} scored clients have history"
    test_apps = pd.read_csv(tmp_path / "twin" / "application_test.csv").head(N_APPLICATIONS)
    skew = history_skew(records, card, test_apps, tmp_path / "twin")
    assert not skew, f"{len(skew)} training/serving differences:\n" + "\n".join(skew[:20])

    # When the scheduled drift job runs over that window
    drift = fresh_module(
        "credit_monitoring.handler",
        {"MODEL_URI": MODELS, "LOG_URI": LOGS, "REPORTS_URI": REPORTS, "WINDOW_DAYS": "7"},
        monkeypatch,
    )
    drift.handler({}, LambdaContext())

    # Then the report and the summary are in S3 and name the drifted columns
    latest = read_json(s3, f"{REPORTS}/latest.json")
    summary = read_json(s3, f"{REPORTS}/{latest['report_key'].rsplit('/', 1)[0]}/summary.json")
    assert summary["status"] == "ok" and summary["rows"] == N_APPLICATIONS
    assert summary["model_version"] == version
    flagged = {c["name"] for c in summary["columns"] if c["drifted"]}
    manifest = json.loads((tmp_path / "twin" / "drift_manifest.json").read_text())
    material = {n for n, d in manifest["drifted_columns"].items() if d.get("material")}
    assert flagged & material, f"no material drift found among {sorted(flagged)}"
    assert summary["estimated"]["business_cost_per_application"] > 0
    html = s3.get_object(Bucket="reports", Key=f"drift/{latest['report_key']}")["Body"].read()
    assert b"<html" in html[:2000].lower()

    # When the model is retrained on the drifted population (the test clients, now labelled)
    test = pd.read_csv(tmp_path / "twin" / "application_test.csv")
    labels = pd.read_csv(tmp_path / "twin" / "application_test_labels.csv")
    train = pd.read_csv(tmp_path / "twin" / "application_train.csv").sample(3000, random_state=1)
    drifted = pd.concat([train, test.merge(labels, on="SK_ID_CURR")])[train.columns]
    (tmp_path / "drifted").mkdir()
    drifted.to_csv(tmp_path / "drifted" / "application_train.csv", index=False)
    for table in tables.TABLES:  # the same clients' history: the champion is compared on it
        shutil.copy(tmp_path / "twin" / tables.file_name(table), tmp_path / "drifted")
    second = json.loads(
        credit("train", "--data", "drifted", "--profile", "smoke", "--data-dir", ".", cwd=tmp_path)
        .strip()
        .splitlines()[-1]
    )
    credit("export", "--to", MODELS, "--data-dir", ".", cwd=tmp_path)

    # Then it is the challenger; it is champion, and the pointer moves, only if the rule says so
    new = second["registered_version"]
    assert new != version and "challenger" in second["aliases"]
    promoted = second["holdout"]["business_cost"] <= second["champion_holdout_cost_before"]
    assert ("champion" in second["aliases"]) == promoted
    assert read_json(s3, f"{MODELS}/current.json")["version"] == (new if promoted else version)
