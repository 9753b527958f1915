"""A with-history model served with its online feature store, through the real Lambda handler,
on the embedded SQLite store and on moto's DynamoDB (the table made from template.yaml): found,
not found, a store of another feature set, a store unreachable, batch lookups, and parity of
each served row with the row training built for the same client."""

from __future__ import annotations

import io
import json
import logging
import math
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest

from credit_core.contracts import read_record
from credit_core.history import store
from credit_core.history.definitions import feature_names, feature_set, no_history_values
from tests.api.conftest import API_KEY, REGION, Api, build_runtime
from tests.infra.cfn import load_template

pytestmark = pytest.mark.slow

TABLE = "credit-scoring-features"
AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def history(trained_with_history):
    """The history folder, the features of every client it holds a record of (what is
    published) and the training table."""
    from credit_core.history.engine import batch_features, connect_folder

    folder = trained_with_history["root"] / "twin"
    con = connect_folder(folder)
    try:
        published = batch_features(con)
    finally:
        con.close()
    return {"folder": folder, "published": published, "train": trained_with_history["train"]}


@pytest.fixture(scope="module")
def training_rows(history, history_bundle_dir, tmp_path_factory):
    """(client id -> the model row training built for that client, the model's spec): the
    training path, a batch query over the folder with the applicants as its spine."""
    from credit_core.bundle import load_bundle
    from credit_training.featurize import feature_matrix
    from credit_training.history import load_history

    bundle = load_bundle(str(history_bundle_dir), None, tmp_path_factory.mktemp("cache"))
    spec = bundle.model.spec
    train = history["train"]
    x = feature_matrix(spec, train, load_history(history["folder"], train, "SK_ID_CURR").frame)
    return dict(zip(train["SK_ID_CURR"].tolist(), x, strict=True)), spec


def _table() -> dict:
    props = load_template("template.yaml")["Resources"]["FeatureTable"]["Properties"]
    return {k: props[k] for k in ("KeySchema", "AttributeDefinitions", "BillingMode")}


@pytest.fixture(params=["sqlite", "dynamodb"])
def features_uri(request, aws, tmp_path) -> str:
    """An empty store of each backend (moto for DynamoDB, the table as the template makes it)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/features.sqlite"
    boto3.client("dynamodb", region_name=REGION).create_table(TableName=TABLE, **_table())
    return f"dynamodb://{TABLE}"


def publish(uri: str, frame: pd.DataFrame, digest: str | None = None) -> None:
    fs = feature_set() | ({"digest": digest} if digest else {})
    store.publish(uri, frame.index.to_numpy(), frame.to_numpy(), fs, AS_OF)


@pytest.fixture
def serve(history_bundle_dir, tmp_path):
    def make(**env: str) -> Api:
        base = {
            "MODEL_URI": str(history_bundle_dir),
            "CREDIT_API_KEY": API_KEY,
            "LOG_URI": str(tmp_path / "log"),
        }
        return Api(build_runtime(tmp_path, **(base | env)), "")

    return make


@pytest.fixture
def log(capsys):
    """The structured log and EMF lines written from now on, as parsed JSON objects."""
    from credit_api.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    capsys.readouterr()

    def read() -> list[dict]:
        text = stream.getvalue() + capsys.readouterr().out
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    yield read
    logger.removeHandler(handler)


def application(train: pd.DataFrame, sk_id: int) -> dict:
    """A training row as the client sends it (no label, missing fields left out)."""
    row = train.loc[train["SK_ID_CURR"] == sk_id].drop(columns="TARGET").iloc[0]
    return json.loads(
        json.dumps(
            {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if not pd.isna(v)}
        )
    )


def clients(history, n_found: int, n_absent: int) -> list[int]:
    """Training clients with a record in the store and clients without one, interleaved."""
    ids = history["train"]["SK_ID_CURR"].tolist()
    known = set(history["published"].index.tolist())
    found = [i for i in ids if i in known][:n_found]
    absent = [i for i in ids if i not in known][:n_absent]
    assert len(found) == n_found and len(absent) == n_absent
    mixed = []
    for k in range(max(n_found, n_absent)):
        mixed += found[k : k + 1] + absent[k : k + 1]
    return mixed


def logged(tmp_path: Path) -> list:
    return [
        read_record(line)
        for path in sorted((tmp_path / "log").rglob("*.jsonl"))
        for line in path.read_bytes().splitlines()
    ]


def same_row(served: list, expected: np.ndarray) -> None:
    """A logged feature row (null = NaN) equals training's row, bit for bit."""
    got = np.array([np.nan if v is None else v for v in served], dtype=np.float64)
    np.testing.assert_array_equal(got, expected)


def test_found_and_absent_clients_are_scored_as_training_built_their_rows(
    features_uri, history, training_rows, serve, tmp_path
):
    publish(features_uri, history["published"])
    api = serve(FEATURES_URI=features_uri)
    rows, spec = training_rows
    digest = spec.history_digest
    found_id, absent_id = clients(history, 1, 1)
    status, health, _ = api.call("GET", "/health", key=None)
    assert status == 200 and health["history_store"] == "ready", health
    model = api.module.state.bundle.model
    request_ids = []
    for sk_id, found in ((found_id, True), (absent_id, False)):
        status, body, _ = api.call("POST", "/v1/score", application(history["train"], sk_id))
        assert status == 200, body
        assert body["history"] == {"found": found, "as_of": "2026-11-30", "feature_set": digest}
        expected = rows[sk_id]
        assert body["probability"] == pytest.approx(float(model.probability(expected[None, :])[0]))
        request_ids.append(body["request_id"])
    by_request = {r.request_id: r for r in logged(tmp_path)}
    records = [by_request[r] for r in request_ids]
    assert [r.history.found for r in records] == [True, False]
    for record, sk_id in zip(records, (found_id, absent_id), strict=True):
        same_row(record.features, rows[sk_id])  # parity: served row == training's batch row
        assert record.history.as_of == "2026-11-30" and record.history.feature_set == digest
    # the history block of the found client is the store's; of the absent one, "no history"
    k = len(spec.names) - len(spec.history)
    stored = history["published"].loc[found_id][list(spec.history)].to_numpy()
    same_row(records[0].features[k:], stored)
    empty = no_history_values()
    same_row(records[1].features[k:], np.array([empty[n] for n in spec.history]))


def test_explain_uses_the_store_and_says_so(features_uri, history, training_rows, serve):
    publish(features_uri, history["published"])
    api = serve(FEATURES_URI=features_uri)
    (found_id,) = clients(history, 1, 0)
    status, body, _ = api.call("POST", "/v1/explain", application(history["train"], found_id))
    assert status == 200, body
    assert body["history"]["found"] is True
    shown = {c["feature"]: c["value"] for c in body["contributions"]}
    stored = history["published"].loc[found_id]
    for name in feature_names():
        value = stored[name]
        assert (shown[name] is None and math.isnan(value)) or shown[name] == value, name


def test_a_batch_reads_its_clients_in_as_few_calls_as_the_store_allows(
    features_uri, history, training_rows, serve, tmp_path
):
    publish(features_uri, history["published"])
    api = serve(FEATURES_URI=features_uri)
    ids = clients(history, 160, 90)  # 250 clients: 3 BatchGetItem calls of <= 100 keys
    source = api.module.service.history
    calls: list[int] = []
    if features_uri.startswith("dynamodb"):
        source.store.client.meta.events.register(
            "before-parameter-build.dynamodb.BatchGetItem",
            lambda params, **_: calls.append(len(params["RequestItems"][TABLE]["Keys"])),
        )
        source.store.client.meta.events.register(
            "before-parameter-build.dynamodb.GetItem", lambda **_: calls.append(-1)
        )
    else:
        con, _ = source.store._connection()
        con.set_trace_callback(lambda sql: calls.append(1) if "features" in sql else None)
    apps = [application(history["train"], i) for i in ids]
    status, body, _ = api.call("POST", "/v1/score/batch", {"applications": apps})
    assert status == 200, body
    if features_uri.startswith("dynamodb"):
        assert calls == [100, 100, 50]  # ceil(250 / 100) calls, no GetItem
    else:
        assert calls == [1]  # one query
    known = set(history["published"].index.tolist())
    assert [r["history"]["found"] for r in body["results"]] == [i in known for i in ids]
    rows, _ = training_rows
    records = sorted(logged(tmp_path), key=lambda r: r.item)
    assert len(records) == 250
    for record, sk_id in zip(records, ids, strict=True):
        same_row(record.features, rows[sk_id])


def test_a_client_id_is_required_by_a_with_history_model(history, serve, tmp_path):
    uri = f"sqlite:///{tmp_path}/features.sqlite"
    publish(uri, history["published"])
    api = serve(FEATURES_URI=uri)
    found_id, absent_id = clients(history, 1, 1)
    anonymous = application(history["train"], found_id)
    del anonymous["SK_ID_CURR"]
    for path in ("/v1/score", "/v1/explain"):
        status, body, _ = api.call("POST", path, anonymous)
        assert status == 422 and [e["field"] for e in body["errors"]] == ["SK_ID_CURR"], body
    batch = [application(history["train"], absent_id), anonymous]
    status, body, _ = api.call("POST", "/v1/score/batch", {"applications": batch})
    assert status == 200 and (body["scored"], body["refused"]) == (1, 1), body
    assert body["results"][0]["history"]["found"] is False
    assert body["results"][1]["kind"] == "invalid"
    assert body["results"][1]["error"]["errors"][0]["field"] == "SK_ID_CURR"


def test_a_store_of_another_feature_set_is_never_scored(
    features_uri, history, serve, monkeypatch, log
):
    publish(features_uri, history["published"], digest="sha256:" + "0" * 64)
    api = serve(FEATURES_URI=features_uri, MODEL_RELOAD_SECONDS="0")
    (found_id,) = clients(history, 1, 0)
    status, body, headers = api.call("GET", "/health", key=None)
    assert status == 503 and body["title"] == "History store not ready", body
    assert body["model_loaded"] is True
    status, body, headers = api.call("POST", "/v1/score", application(history["train"], found_id))
    assert status == 503 and headers["content-type"] == "application/problem+json"
    assert body["detail"] == "the client-history store is not ready; please retry later"
    assert TABLE not in json.dumps(body) and "sqlite" not in json.dumps(body)
    records = log()
    causes = [r for r in records if r.get("message") == "client-history store unavailable"]
    assert causes and "0000000000" in causes[-1]["cause"]
    assert causes[-1]["request_id"].startswith("req-")
    assert any("HistoryStoreUnavailable" in r for r in records if "_aws" in r)
    # republished with the model's definitions: ready again, without a restart
    monkeypatch.setattr(store, "SQLITE_RECHECK", 0.0)
    monkeypatch.setattr(store, "METADATA_TTL", 0.0)
    publish(features_uri, history["published"])
    status, body, _ = api.call("POST", "/v1/score", application(history["train"], found_id))
    assert status == 200 and body["history"]["found"] is True, body
    assert api.call("GET", "/health", key=None)[0] == 200


def test_a_store_republished_with_other_definitions_stops_scoring(
    history, serve, tmp_path, monkeypatch
):
    """Ready at start, then another feature set published: the next request is refused."""
    uri = f"sqlite:///{tmp_path}/features.sqlite"
    publish(uri, history["published"])
    api = serve(FEATURES_URI=uri, MODEL_RELOAD_SECONDS="3600")
    (found_id,) = clients(history, 1, 0)
    app = application(history["train"], found_id)
    assert api.call("POST", "/v1/score", app)[0] == 200
    monkeypatch.setattr(store, "SQLITE_RECHECK", 0.0)
    publish(uri, history["published"], digest="sha256:" + "1" * 64)
    status, body, _ = api.call("POST", "/v1/score", app)
    assert status == 503 and body["title"] == "History store not ready", body
    assert api.call("GET", "/health", key=None)[0] == 503
    assert len(logged(tmp_path)) == 1  # only the request scored before


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_store_is_a_503_with_a_metric_never_no_history(
    features_uri, history, serve, tmp_path, log
):
    publish(features_uri, history["published"])
    api = serve(FEATURES_URI=features_uri)
    (found_id,) = clients(history, 1, 0)
    source = api.module.service.history
    assert source.ready
    if features_uri.startswith("dynamodb"):
        from botocore.config import Config

        source.store._client = boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=f"http://127.0.0.1:{_closed_port()}",
            config=Config(connect_timeout=0.5, retries={"total_max_attempts": 1}),
        )
        source.store._meta = None  # the metadata is read again: through the dead endpoint
    else:
        os.remove(features_uri.removeprefix("sqlite:///"))
        source.store._checked = -1e9  # the file is looked at again on the next read
    for path, body in (
        ("/v1/score", application(history["train"], found_id)),
        ("/v1/score/batch", {"applications": [application(history["train"], found_id)] * 2}),
        ("/v1/explain", application(history["train"], found_id)),
    ):
        status, answer, headers = api.call("POST", path, body)
        assert status == 503, answer
        assert headers["content-type"] == "application/problem+json"
        assert answer["detail"] == "the client-history store cannot be read; please retry later"
    assert not list((tmp_path / "log").rglob("*.jsonl"))  # nothing scored, nothing logged
    records = log()
    causes = [r for r in records if r.get("message") == "client-history store unavailable"]
    assert len(causes) == 3 and all(c["reason"] == "unavailable" for c in causes)
    assert all(c["request_id"].startswith("req-") for c in causes)
    emf = [r for r in records if "_aws" in r]
    counts = [m["HistoryStoreUnavailable"] for m in emf if "HistoryStoreUnavailable" in m]
    assert len(counts) == 3, emf


def test_a_with_history_model_without_a_store_is_not_ready_unless_opted_in(
    history, serve, history_bundle_dir, tmp_path
):
    api = serve()
    (found_id,) = clients(history, 1, 0)
    status, body, _ = api.call("GET", "/health", key=None)
    assert status == 503 and body["title"] == "History store not ready"
    status, body, _ = api.call("POST", "/v1/score", application(history["train"], found_id))
    assert status == 503, body
    # opted in (local only): every applicant scored as history-free, and each answer says so
    api = serve(SCORE_WITHOUT_HISTORY="1")
    status, health, _ = api.call("GET", "/health", key=None)
    assert status == 200 and health["history_store"] == "without_history"
    status, body, _ = api.call("POST", "/v1/score", application(history["train"], found_id))
    assert status == 200 and body["history"]["found"] is False and body["history"]["as_of"] is None
    # credit serve refuses to start what would only answer 503: one line, exit 2
    env = os.environ | {"CREDIT_API_KEY": API_KEY, "BUNDLE_CACHE_DIR": str(tmp_path / "c")}
    env.pop("FEATURES_URI", None)
    credit = str(Path(sys.executable).parent / "credit")  # -m would load the cli module twice
    cmd = [credit, "serve", "--bundle", str(history_bundle_dir)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert "client history not ready" in line and "--features" in line
