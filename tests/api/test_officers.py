"""Officers sign in: a bearer JWT on /officer/v1/... (verified by `credit serve` against a
loopback issuer, by the JWT authorizer's claims in Lambda), machine clients keep the API key on
/v1/...; the caller reaches the decision record, and a refused token is a 401 problem+json."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey

from credit_api import auth
from credit_core import pseudonym
from credit_core.contracts import Caller, read_record
from tests.api.conftest import API_KEY, LambdaContext, build_runtime, upload_bundle, v2_event
from tests.conftest import REGION

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "infra"))
from local_oidc import LoopbackIssuer

AUDIENCE = "credit-ui"


@pytest.fixture
def issuer():
    with LoopbackIssuer() as it:
        yield it


@pytest.fixture
def local(aws, bundle_dir, issuer, tmp_path):
    """`credit serve`'s app: the plain key for machines, the loopback issuer for officers."""
    runtime = build_runtime(
        tmp_path,
        MODEL_URI=str(bundle_dir),
        CREDIT_API_KEY=API_KEY,
        LOG_URI=str(tmp_path / "log"),
        OIDC_ISSUER=issuer.url,
        OIDC_AUDIENCE=AUDIENCE,
    )
    return TestClient(runtime.app)


def records(folder: Path):
    return [
        read_record(line)
        for f in sorted(folder.rglob("*.jsonl"))
        for line in f.read_bytes().splitlines()
    ]


def test_an_officer_token_scores_and_the_record_carries_the_subject(
    local, issuer, applications, tmp_path
):
    token = issuer.token("officer-42", AUDIENCE)
    r = local.post(
        "/officer/v1/score", json=applications[0], headers={"authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    (record,) = records(tmp_path / "log")
    assert record.caller == Caller(kind="officer", subject="officer-42", issuer=issuer.url)
    assert r.json()["request_id"] == record.request_id


def test_a_machine_key_is_logged_by_its_name_never_the_key(local, applications, tmp_path):
    r = local.post(
        "/v1/score/batch", json={"applications": applications[:2]}, headers={"x-api-key": API_KEY}
    )
    assert r.status_code == 200, r.text
    got = records(tmp_path / "log")
    assert [rec.caller for rec in got] == [
        Caller(kind="machine", subject="key:" + auth.key_hash(API_KEY)[:12])
    ] * 2
    assert API_KEY not in "".join(f.read_text() for f in (tmp_path / "log").rglob("*.jsonl"))


def test_officers_read_the_model_card_and_reference_too(local, issuer):
    bearer = {"authorization": f"Bearer {issuer.token('officer-1', AUDIENCE)}"}
    assert local.get("/officer/v1/model", headers=bearer).status_code == 200
    assert local.get("/v1/model", headers=bearer).status_code == 401  # a token is not a key


def _other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "attacker"})


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda i: i.token("o", AUDIENCE, expires_in=-120), "expired"),
        (lambda i: i.token("o", "another-app"), "audience"),
        (lambda i: i.token("o", AUDIENCE, issuer="https://evil.example"), "issuer"),
        (lambda i: i.token("o", AUDIENCE, key=_other_key()), "key the issuer does not publish"),
        # the issuer's key id, another key's signature
        (
            lambda i: i.token(
                "o", AUDIENCE, key=RSAKey.generate_key(2048, parameters={"kid": i.key.kid})
            ),
            "signature",
        ),
        (lambda i: "not-a-jwt", "not a valid JWT"),
        (lambda i: None, "no Authorization"),
    ],
    ids=["expired", "audience", "issuer", "unknown-key", "bad-signature", "garbage", "missing"],
)
def test_a_refused_token_is_a_401_problem_saying_why(
    local, issuer, applications, tmp_path, make, why
):
    token = make(issuer)
    headers = {"x-api-key": API_KEY} | ({"authorization": f"Bearer {token}"} if token else {})
    r = local.post("/officer/v1/score", json=applications[0], headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert why in r.json()["detail"]
    assert not records(tmp_path / "log")  # nothing scored, nothing logged


def test_without_an_issuer_configured_officer_paths_are_closed(
    aws, bundle_dir, issuer, applications, tmp_path
):
    runtime = build_runtime(
        tmp_path, MODEL_URI=str(bundle_dir), CREDIT_API_KEY=API_KEY, LOG_URI=str(tmp_path / "log")
    )
    r = TestClient(runtime.app).post(
        "/officer/v1/score",
        json=applications[0],
        headers={"authorization": f"Bearer {issuer.token('o', AUDIENCE)}"},
    )
    assert r.status_code == 401 and "OIDC_ISSUER" in r.json()["detail"]


# --- in Lambda: API Gateway's JWT authorizer verified the token; its claims are in the event


@pytest.fixture
def lambda_api(aws, bundle_dir, tmp_path):
    upload_bundle(bundle_dir, "models", "credit")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="requests", CreateBucketConfiguration={"LocationConstraint": REGION})
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/credit/dev/api-key-sha256", Value=auth.key_hash(API_KEY), Type="SecureString"
    )
    kms = boto3.client("kms", region_name=REGION)
    hmac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    runtime = build_runtime(
        tmp_path,
        STAGE="dev",
        MODEL_URI="s3://models/credit",
        LOG_URI="s3://requests/log",
        API_KEY_PARAMETER="/credit/dev/api-key-sha256",
        CLIENT_REF_KMS_KEY=hmac_key["Arn"],
    )
    runtime.client_ref_key = kms.generate_mac(
        KeyId=hmac_key["Arn"], MacAlgorithm="HMAC_SHA_256", Message=pseudonym.LABEL
    )["Mac"]
    return runtime


def _with_claims(event: dict, claims: dict | None) -> dict:
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event


def _logged() -> list:
    s3 = boto3.client("s3", region_name=REGION)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="requests").get("Contents", [])]
    return [
        read_record(line)
        for k in keys
        for line in s3.get_object(Bucket="requests", Key=k)["Body"].read().splitlines()
    ]


CLAIMS = {
    "sub": "3f1c-officer",
    "iss": "https://cognito-idp.eu-west-3.amazonaws.com/pool",
    "aud": "ui",
}


def test_lambda_officer_route_takes_the_authorizers_claims(lambda_api, applications):
    event = _with_claims(v2_event("POST", "/officer/v1/score", applications[0]), CLAIMS)
    out = lambda_api.handler(event, LambdaContext())
    assert out["statusCode"] == 200, out["body"]
    (record,) = _logged()
    assert record.caller == Caller(kind="officer", subject=CLAIMS["sub"], issuer=CLAIMS["iss"])
    # in AWS the client is logged by its pseudonym under the KMS-derived key, never its id
    sk_id = applications[0]["SK_ID_CURR"]
    assert record.client_ref == pseudonym.client_ref(lambda_api.client_ref_key, sk_id)
    assert record.client_ref != pseudonym.client_ref(pseudonym.DEV_KEY, sk_id)
    assert "SK_ID_CURR" not in record.input_values()
    card = lambda_api.handler(
        _with_claims(v2_event("GET", "/officer/v1/model"), CLAIMS), LambdaContext()
    )
    assert card["statusCode"] == 200


def test_lambda_each_path_takes_only_its_own_credential(lambda_api, applications):
    # an officer path without the authorizer's claims: a key does not open it
    event = v2_event("POST", "/officer/v1/score", applications[0], {"x-api-key": API_KEY})
    out = lambda_api.handler(event, LambdaContext())
    assert out["statusCode"] == 401 and out["headers"]["content-type"] == "application/problem+json"
    # claims on a machine path (no authorizer there in the template) authenticate nothing
    event = _with_claims(v2_event("POST", "/v1/score", applications[0]), CLAIMS)
    assert lambda_api.handler(event, LambdaContext())["statusCode"] == 401
    model = lambda_api.handler(
        v2_event("GET", "/officer/v1/model", headers={"x-api-key": API_KEY}), LambdaContext()
    )
    assert model["statusCode"] == 401
    assert not _logged()
