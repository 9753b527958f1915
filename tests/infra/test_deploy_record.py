"""infra/deploy_record.py: the deployment record (bundle, digest, approvers) on moto's S3."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from tests.infra.cfn import ROOT

spec = importlib.util.spec_from_file_location("deploy_record", ROOT / "infra/deploy_record.py")
deploy_record = importlib.util.module_from_spec(spec)
spec.loader.exec_module(deploy_record)

DIGEST = "a" * 64
ENV = {
    "GITHUB_ACTOR": "carol",
    "GITHUB_SHA": "1" * 40,
    "GITHUB_REPOSITORY": "owner/repo",
    "GITHUB_RUN_ID": "42",
    "GITHUB_EVENT_NAME": "workflow_run",
}


def test_approvers_are_github_logins_and_someone_must_have_approved():
    assert deploy_record.approvers("alice, bob,alice") == ["alice", "bob"]
    for text in ("", "none", " , "):
        with pytest.raises(ValueError, match="nobody approved"):
            deploy_record.approvers(text)
    with pytest.raises(ValueError, match="not a GitHub login"):
        deploy_record.approvers("alice;rm -rf /")


def test_the_record_names_bundle_digest_commit_and_people():
    record = deploy_record.build_record(
        stack="credit-scoring-prod",
        version="7",
        sha256=DIGEST,
        approved_by=["alice"],
        env=ENV,
        now=datetime(2026, 12, 6, 2, 30, tzinfo=UTC),
    )
    assert record["model_version"] == "7" and record["model_sha256"] == DIGEST
    assert record["approved_by"] == ["alice"] and record["triggered_by"] == "carol"
    assert record["commit"] == "1" * 40 and record["run_id"] == "42"
    assert deploy_record.record_key(record) == (
        "deployments/credit-scoring-prod/2026-12-06T023000Z-42.json"
    )
    with pytest.raises(ValueError, match="sha256"):
        deploy_record.build_record(
            stack="s", version="7", sha256="xyz", approved_by=["a"], env=ENV, now=datetime.now(UTC)
        )


@mock_aws
def test_main_writes_the_record_to_the_model_bucket(monkeypatch, capsys):
    s3 = boto3.client("s3", region_name="eu-west-3")
    s3.create_bucket(Bucket="models", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    args = ["--bucket", "models", "--stack", "credit-scoring-prod", "--version", "7"]
    assert deploy_record.main([*args, "--sha256", DIGEST, "--approved-by", "alice,bob"]) == 0
    (obj,) = s3.list_objects_v2(Bucket="models", Prefix="deployments/")["Contents"]
    record = json.loads(s3.get_object(Bucket="models", Key=obj["Key"])["Body"].read())
    assert record["approved_by"] == ["alice", "bob"] and record["model_sha256"] == DIGEST
    # nobody approved: one line on stderr, exit 2, nothing written
    assert deploy_record.main([*args, "--sha256", DIGEST, "--approved-by", "none"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert len(s3.list_objects_v2(Bucket="models", Prefix="deployments/")["Contents"]) == 1
