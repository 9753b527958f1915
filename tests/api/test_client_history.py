"""GET /v1/clients/{sk_id_curr}/history through the real Lambda handler: the summary published
beside the features (SQLite and moto's DynamoDB), 404 for a client without history, 401 without
the key, 422 for an id that is not one, 503 when the store cannot say. No model is needed."""

from __future__ import annotations

import boto3
import pytest

from credit_core.contracts.history import read_history_summary
from credit_core.history import store
from credit_core.history.engine import connect_folder
from credit_core.history.summary import client_summary
from tests.api.conftest import API_KEY, Api, build_runtime
from tests.conftest import REGION
from tests.unit.test_feature_store import FIXTURE, TABLE, _publish_cli, _template_table

AS_OF = "2026-11-30"
PATH = "/v1/clients/{}/history"


def history_api(tmp_path, features_uri: str | None) -> Api:
    env = {
        "MODEL_URI": str(tmp_path / "no-bundle"),  # the route needs no model
        "CREDIT_API_KEY": API_KEY,
        "LOG_URI": str(tmp_path / "log"),
    }
    if features_uri:
        env["FEATURES_URI"] = features_uri
    return Api(build_runtime(tmp_path, **env), "")


@pytest.fixture(params=["sqlite", "dynamodb"])
def api(request, aws, tmp_path) -> Api:
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path}/features.sqlite"
    else:
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(TableName=TABLE, **_template_table())
        client.create_table(
            TableName=store.summary_table(TABLE), **_template_table("FeatureHistoryTable")
        )
        uri = f"dynamodb://{TABLE}"
    assert _publish_cli(uri, "--as-of", AS_OF) == 0
    return history_api(tmp_path, uri)


def test_a_client_with_history_gets_the_published_summary(api):
    status, body, headers = api.call("GET", PATH.format(200001))
    assert status == 200 and headers["content-type"] == "application/json"
    summary = read_history_summary(body)
    con = connect_folder(FIXTURE)
    try:
        from datetime import date

        assert summary == client_summary(con, 200001, date.fromisoformat(AS_OF))
    finally:
        con.close()
    assert summary.bureau_totals.active == 1 and summary.previous[0].status == "Approved"


def test_a_client_without_history_is_404_problem(api):
    status, body, headers = api.call("GET", PATH.format(999999))
    assert status == 404
    assert headers["content-type"] == "application/problem+json"
    assert body["title"] == "No history" and "999999" in body["detail"]


@pytest.mark.parametrize("key", [None, "wrong-key-0123456789"])
def test_the_route_needs_the_api_key(api, key):
    status, body, _ = api.call("GET", PATH.format(200001), key=key)
    assert status == 401 and body["title"] == "Unauthorized"


@pytest.mark.parametrize("bad", ["abc", "-5", "1.5", str(2**63)])
def test_an_id_that_is_not_a_client_number_is_422_naming_it(api, bad):
    status, body, headers = api.call("GET", PATH.format(bad))
    assert status == 422, body
    assert headers["content-type"] == "application/problem+json"
    assert any(e["field"].endswith("sk_id_curr") for e in body["errors"])


def test_no_store_or_an_unreadable_one_is_503_never_no_history(aws, tmp_path):
    for uri in (None, f"sqlite:///{tmp_path}/absent.sqlite", "dynamodb://absent-table"):
        status, body, _ = history_api(tmp_path, uri).call("GET", PATH.format(200001))
        assert status == 503, uri
        assert body["title"] == "History unavailable"
        assert "absent" not in body["detail"]  # the cause goes to the log only


def test_the_route_is_in_the_openapi_document_with_its_contract(api):
    status, doc, _ = api.call("GET", "/openapi.json")
    assert status == 200
    route = doc["paths"]["/v1/clients/{sk_id_curr}/history"]["get"]
    assert set(route["responses"]) >= {"200", "401", "404", "422", "503"}
    assert "HistorySummary" in doc["components"]["schemas"]


def test_the_officers_path_serves_the_history_to_a_bearer_token_only(aws, tmp_path):
    # /officer/v1/... takes the officer's JWT (API Gateway's authorizer in AWS, `credit serve`
    # against the issuer locally); an API key alone is not an officer's sign-in
    import sys
    from pathlib import Path

    from fastapi.testclient import TestClient

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "infra"))
    from local_oidc import LoopbackIssuer

    uri = f"sqlite:///{tmp_path}/features.sqlite"
    assert _publish_cli(uri, "--as-of", AS_OF) == 0
    with LoopbackIssuer() as issuer:
        runtime = build_runtime(
            tmp_path,
            MODEL_URI=str(tmp_path / "no-bundle"),
            CREDIT_API_KEY=API_KEY,
            LOG_URI=str(tmp_path / "log"),
            FEATURES_URI=uri,
            OIDC_ISSUER=issuer.url,
            OIDC_AUDIENCE="credit-ui",
        )
        http = TestClient(runtime.app)
        path = "/officer" + PATH.format(200001)
        bearer = {"authorization": f"Bearer {issuer.token('officer-42', 'credit-ui')}"}
        r = http.get(path, headers=bearer)
        assert r.status_code == 200, r.text
        assert read_history_summary(r.content).sk_id_curr == 200001
        r = http.get(path, headers={"x-api-key": API_KEY})
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def _metric_lines(text: str) -> list[dict]:
    import json

    lines = [json.loads(x) for x in text.splitlines() if x.startswith("{") and '"_aws"' in x]
    return [m for m in lines if "HistoryStoreUnavailable" in m]


def test_an_unreadable_store_on_the_history_route_is_counted_like_scoring(api, capsys):
    # the scoring routes' metric, with the same dimensions: HistoryStoreUnavailableAlarm covers it
    capsys.readouterr()
    assert api.call("GET", PATH.format(200001))[0] == 200
    assert _metric_lines(capsys.readouterr().out) == []
    uri = api.module.settings.features_uri
    if uri.startswith("sqlite"):
        import os

        os.remove(uri.removeprefix("sqlite:///"))
    else:
        boto3.client("dynamodb", region_name=REGION).delete_table(
            TableName=store.summary_table(TABLE)
        )
    status, body, _ = api.call("GET", PATH.format(200001))
    assert status == 503 and body["title"] == "History unavailable"
    (line,) = _metric_lines(capsys.readouterr().out)
    assert line["HistoryStoreUnavailable"] == [1.0] and line["service"] == "credit-scoring-api"
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "CreditScoring" and directive["Dimensions"] == [["service"]]


def test_no_store_configured_is_503_but_not_counted(aws, tmp_path, capsys):
    capsys.readouterr()
    assert history_api(tmp_path, None).call("GET", PATH.format(200001))[0] == 503
    assert _metric_lines(capsys.readouterr().out) == []
