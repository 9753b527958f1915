"""Who can read and write the application's data, and for how long it is kept: the key policy,
bucket policies, access logs, lifecycle rules and Object Lock of template.yaml, evaluated for
the stack's real role ARNs (their IAM paths) with tests/infra/iam.py."""

from __future__ import annotations

import hashlib
import re
import subprocess
import tomllib

import pytest

from tests.infra.cfn import ROOT, as_list, load_template, walk
from tests.infra.iam import ACCOUNT, Principal, Resolver, allowed, decide

TEMPLATE = load_template("template.yaml")
BOOTSTRAP = load_template("infra/bootstrap.yaml")
RESOURCES = TEMPLATE["Resources"]
STACK = "credit-scoring-prod"
PUBLISHER = f"arn:aws:iam::{ACCOUNT}:role/credit-scoring-bootstrap/credit-scoring-bootstrap-GitHubDeployRole-X"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/Administrator"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/credit-scoring-prod-SomethingElse"
DATA_BUCKETS = ("ModelBucket", "RequestLogBucket", "ReportsBucket")


def resolver(publisher: bool = True) -> Resolver:
    return Resolver(
        TEMPLATE,
        STACK,
        parameters={"PublisherRoleArn": PUBLISHER if publisher else ""},
        conditions={
            "HasPublisher": publisher,
            "HasReportsReader": True,
            "HasCors": False,
            "HasReservedConcurrency": True,
            "HasProvisionedConcurrency": False,
            "UseSnapStart": False,
            "StageApiKeyParameter": True,
        },
    )


def principals(r: Resolver) -> dict[str, str]:
    return {
        "scoring": r.get_att("ScoringFunctionRole", "Arn"),
        "drift": r.get_att("DriftFunctionRole", "Arn"),
        "reader": r.get_att("ReportsReader", "Arn"),
        "publisher": PUBLISHER,
        "delivery": r.get_att("RequestLogDeliveryRole", "Arn"),  # Data Firehose's
        "admin": ADMIN,
        "other": OTHER,
    }


def bucket_policy(r: Resolver, bucket: str) -> dict:
    (policy,) = [
        res
        for res in RESOURCES.values()
        if res["Type"] == "AWS::S3::BucketPolicy" and res["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    return r.resolve(policy["Properties"]["PolicyDocument"])


# who the bucket policies let read / write objects (every other principal is denied)
EXPECTED = {
    "ModelBucket": ({"scoring", "drift", "publisher"}, {"publisher"}),
    "RequestLogBucket": ({"drift"}, {"delivery"}),  # the API puts to the delivery stream
    "ReportsBucket": ({"drift", "reader"}, {"drift"}),
}


@pytest.mark.parametrize("bucket", DATA_BUCKETS)
def test_bucket_policies_deny_object_access_to_all_but_the_roles_named(bucket):
    r = resolver()
    document = bucket_policy(r, bucket)
    obj = f"arn:aws:s3:::{r.ref(bucket)}/credit-scoring/1/model.txt"
    readers, writers = set(), set()
    for who, arn in principals(r).items():
        context = {"aws:PrincipalArn": arn, "aws:SecureTransport": "true"}
        if decide([document], "s3:GetObject", obj, context) != "deny":
            readers.add(who)
        if decide([document], "s3:PutObject", obj, context) != "deny":
            writers.add(who)
        # plain HTTP is refused to everyone
        plain = {**context, "aws:SecureTransport": "false"}
        assert decide([document], "s3:GetObject", obj, plain) == "deny"
    assert (readers, writers) == EXPECTED[bucket]


def test_without_a_publisher_nobody_writes_bundles():
    r = resolver(publisher=False)
    document = bucket_policy(r, "ModelBucket")
    obj = f"arn:aws:s3:::{r.ref('ModelBucket')}/credit-scoring/current.json"
    for arn in principals(r).values():
        context = {"aws:PrincipalArn": arn, "aws:SecureTransport": "true"}
        assert decide([document], "s3:PutObject", obj, context) == "deny"


def key_policy(r: Resolver, key: str) -> dict:
    return r.resolve(RESOURCES[key]["Properties"]["KeyPolicy"])


def key_users(r: Resolver, key: str, action: str) -> set[str]:
    document = key_policy(r, key)
    root = f"arn:aws:iam::{ACCOUNT}:root"
    users = set()
    for who, arn in principals(r).items():
        # key policies name the account; conditions name the principal
        statements = [
            s for s in document["Statement"] if s["Principal"] in ({"AWS": root}, {"AWS": arn}, "*")
        ]
        if decide([{"Statement": statements}], action, "*", {"aws:PrincipalArn": arn}) == "allow":
            users.add(who)
    return users


def test_the_data_key_is_used_only_by_the_roles_that_read_or_write_its_buckets():
    r = resolver()
    users = {"scoring", "drift", "publisher", "delivery"}
    assert key_users(r, "DataKey", "kms:Decrypt") == users | {"reader"}
    assert key_users(r, "DataKey", "kms:GenerateDataKey") == users
    # administrators manage it but cannot decrypt, encrypt or re-encrypt with it
    for action in ("kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey"):
        assert "admin" not in key_users(r, "DataKey", action), action
    assert "admin" in key_users(r, "DataKey", "kms:PutKeyPolicy")
    assert RESOURCES["DataKey"]["Properties"]["EnableKeyRotation"] is True
    # each role that reads or writes a bucket has the key in its own policy too (key policies
    # that name the account delegate to IAM)
    for role in ("ScoringFunctionRole", "DriftFunctionRole", "ReportsReader"):
        resolved = r.resolve(RESOURCES[role])  # (the delivery role: tests/infra/test_firehose.py)
        documents = [p["PolicyDocument"] for p in resolved["Properties"]["Policies"]]
        key_arn = r.get_att("DataKey", "Arn")
        assert allowed(Principal(role, documents), "kms:Decrypt", key_arn, {}), role


def test_the_pseudonymisation_key_is_an_hmac_key_only_the_scoring_and_drift_roles_use():
    props = RESOURCES["ClientIdKey"]["Properties"]
    assert (props["KeySpec"], props["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    r = resolver()
    assert key_users(r, "ClientIdKey", "kms:GenerateMac") == {"scoring", "drift"}
    assert "ClientIdKeyArn" in TEMPLATE["Outputs"]


def test_the_keys_carry_the_tag_the_execution_role_may_create_them_with():
    prefix = BOOTSTRAP["Parameters"]["StackPrefix"]["Default"]
    for key in ("DataKey", "ClientIdKey"):
        assert {"Key": "application", "Value": prefix} in RESOURCES[key]["Properties"]["Tags"]


def test_the_request_and_model_buckets_write_s3_access_logs_to_a_bucket_that_accepts_them():
    r = resolver()
    for bucket in ("ModelBucket", "RequestLogBucket"):
        logging = RESOURCES[bucket]["Properties"]["LoggingConfiguration"]
        assert logging["DestinationBucketName"] == {"Ref": "AccessLogBucket"}
        assert logging["LogFilePrefix"].endswith("/")
    document = bucket_policy(r, "AccessLogBucket")
    target = f"arn:aws:s3:::{r.ref('AccessLogBucket')}/request-log-bucket/2026-01-01"
    delivery = {"aws:SourceAccount": ACCOUNT, "aws:SecureTransport": "true"}
    for source in ("ModelBucket", "RequestLogBucket"):
        context = {**delivery, "aws:SourceArn": r.get_att(source, "Arn")}
        assert decide([document], "s3:PutObject", target, context) == "allow", source
    stranger = {**delivery, "aws:SourceArn": "arn:aws:s3:::someone-elses-bucket"}
    assert decide([document], "s3:PutObject", target, stranger) != "allow"


def rules(bucket: str) -> list[dict]:
    return RESOURCES[bucket]["Properties"]["LifecycleConfiguration"]["Rules"]


def test_request_log_retention_is_one_parameter_that_deletes_every_version():
    parameter = "RequestLogRetentionDays"
    (expiry,) = [r for r in rules("RequestLogBucket") if "ExpirationInDays" in r]
    assert expiry["ExpirationInDays"] == {"Ref": parameter}
    assert expiry["Status"] == "Enabled"
    assert "Prefix" not in expiry and "Filter" not in expiry  # the whole bucket
    # a version made non-current (by the expiry's delete marker or an overwrite) goes a day later
    assert expiry["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 1
    (markers,) = [r for r in rules("RequestLogBucket") if r.get("ExpiredObjectDeleteMarker")]
    assert markers["Status"] == "Enabled" and "Prefix" not in markers
    # no other rule keeps anything longer
    for rule in rules("RequestLogBucket"):
        assert "NoncurrentDays" not in str(rule) or rule is expiry
    # and the settings of both stages are valid values of that parameter
    minimum = TEMPLATE["Parameters"][parameter]["MinValue"]
    samconfig = tomllib.loads((ROOT / "infra/samconfig.toml").read_text())
    for env in ("dev", "prod"):
        overrides = samconfig[env]["deploy"]["parameters"]["parameter_overrides"]
        found = re.search(rf"{parameter}=(\d+)", overrides)
        days = int(found.group(1)) if found else TEMPLATE["Parameters"][parameter]["Default"]
        assert days >= minimum, env


def test_the_retention_doc_states_the_template_defaults():
    doc = (ROOT / "docs/data_retention.md").read_text()
    for parameter in (
        "RequestLogRetentionDays",
        "ReportRetentionDays",
        "LogRetentionDays",
        "ModelVersionRetentionDays",
    ):
        default = TEMPLATE["Parameters"][parameter]["Default"]
        assert re.search(rf"`{parameter}`[^\n]*\b{default}\b", doc), parameter


def test_bundles_are_locked_in_governance_mode_and_nobody_may_bypass_it():
    props = RESOURCES["ModelBucket"]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["ObjectLockEnabled"] is True
    lock = props["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert lock["Rule"]["DefaultRetention"] == {
        "Mode": "GOVERNANCE",
        "Days": {"Ref": "ModelVersionRetentionDays"},
    }
    # (the execution role sets the bucket's default retention: it creates the bucket; changing it
    # never shortens the lock of a version already written)
    risky = {"s3:BypassGovernanceRetention", "s3:PutObjectRetention", "s3:PutObjectLegalHold"}
    for template in (TEMPLATE, BOOTSTRAP):
        for node in walk(template["Resources"]):
            if isinstance(node, dict) and node.get("Effect") == "Allow" and "Action" in node:
                for action in as_list(node["Action"]):
                    assert not any(re.fullmatch(action.replace("*", ".*"), r) for r in risky), (
                        action
                    )


def test_the_deploy_pins_the_digest_of_the_checksums_file_it_promotes(tmp_path):
    """deploy.sh's bundle_digest, run with a stand-in `aws` that reads a local bundle."""
    checksums = b'{"model.txt": "ab12"}\n'
    (tmp_path / "7").mkdir()
    (tmp_path / "7" / "checksums.json").write_bytes(checksums)
    fake_aws = tmp_path / "aws"
    fake_aws.write_text('#!/usr/bin/env bash\n[[ "$1 $2" == "s3 cp" ]] && cat "${3#s3://}"\n')
    fake_aws.chmod(0o755)
    script = (ROOT / "infra/deploy.sh").read_text()
    function = re.search(r"^bundle_digest\(\) \{.*?^\}", script, re.S | re.M).group(0)
    program = (
        f'set -euo pipefail\noutput() {{ echo "s3://{tmp_path}"; }}\n{function}\nbundle_digest 7\n'
    )
    run = subprocess.run(
        ["bash", "-c", program],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == hashlib.sha256(checksums).hexdigest()
    # a version whose checksums cannot be read fails instead of deploying unpinned
    missing = subprocess.run(
        ["bash", "-c", program.replace("bundle_digest 7", 'd="$(bundle_digest 8)"; echo "$d"')],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0
    assert '"ModelSha256=$digest"' in script
    assert RESOURCES["ScoringFunction"]["Properties"]["Environment"]["Variables"][
        "MODEL_SHA256"
    ] == {"Ref": "ModelSha256"}


def _bounded_role(r: Resolver, name: str) -> Principal:
    """A role of the stack with its identity policies and the bootstrap's boundary."""
    boot = Resolver(BOOTSTRAP, "credit-scoring-bootstrap", parameters={"GitHubRepository": "o/r"})
    boundary = boot.resolve(
        BOOTSTRAP["Resources"]["ApplicationPermissionsBoundary"]["Properties"]["PolicyDocument"]
    )
    resolved = r.resolve(RESOURCES[name])
    documents = [p["PolicyDocument"] for p in resolved["Properties"]["Policies"]]
    return Principal(name, documents, boundary)


TABLE_READS = ["dynamodb:GetItem", "dynamodb:BatchGetItem"]
TABLE_WRITES = ["dynamodb:PutItem", "dynamodb:BatchWriteItem"]
TABLE_OTHERS = [
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:DeleteItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "dynamodb:ExportTableToPointInTime",
]


def test_the_feature_table_is_encrypted_with_the_data_key_recoverable_and_retained():
    from credit_core.history.store import ID

    table = RESOURCES["FeatureTable"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Fn::GetAtt": ["DataKey", "Arn"]},
    }
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["KeySchema"] == [{"AttributeName": ID, "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": ID, "AttributeType": "N"}]
    # the scoring function finds it through one setting
    env = RESOURCES["ScoringFunction"]["Properties"]["Environment"]["Variables"]
    assert env["FEATURES_URI"] == {"Fn::Sub": "dynamodb://${FeatureTable}"}


def test_only_the_scoring_role_reads_the_feature_table_and_only_the_publisher_writes_it():
    r = resolver()
    arn = r.get_att("FeatureTable", "Arn")
    roles = [
        n for n, res in RESOURCES.items() if res["Type"] in ("AWS::IAM::Role", "AWS::IAM::User")
    ]
    readers, writers = set(), set()
    for name in roles:
        principal = _bounded_role(r, name)
        if all(allowed(principal, a, arn, {}) for a in TABLE_READS):
            readers.add(name)
        if any(allowed(principal, a, arn, {}) for a in TABLE_WRITES):
            writers.add(name)
        assert not any(allowed(principal, a, arn, {}) for a in TABLE_OTHERS), name
    assert (readers, writers) == ({"ScoringFunctionRole"}, {"FeaturePublisherRole"})
    publisher = _bounded_role(r, "FeaturePublisherRole")
    assert all(allowed(publisher, a, arn, {}) for a in TABLE_WRITES)  # the boundary lets it
    assert not any(allowed(publisher, a, arn, {}) for a in TABLE_READS)
    scoring = _bounded_role(r, "ScoringFunctionRole")
    assert not any(allowed(scoring, a, arn, {}) for a in TABLE_WRITES)
    # the publisher uses the data key through DynamoDB only; the key policy names its path
    key = r.get_att("DataKey", "Arn")
    via = {"kms:ViaService": "dynamodb.eu-west-3.amazonaws.com"}
    assert allowed(publisher, "kms:GenerateDataKey", key, via)
    assert not allowed(
        publisher, "kms:Decrypt", key, {"kms:ViaService": "s3.eu-west-3.amazonaws.com"}
    )
    role_arn = r.get_att("FeaturePublisherRole", "Arn")
    document = key_policy(r, "DataKey")
    assert decide([document], "kms:GenerateDataKey", "*", {"aws:PrincipalArn": role_arn}) == "allow"


def test_the_publisher_role_assumes_the_feature_publisher_and_nobody_else_does():
    r = resolver()
    trust = r.resolve(RESOURCES["FeaturePublisherRole"]["Properties"]["AssumeRolePolicyDocument"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"AWS": PUBLISHER}
    without = resolver(publisher=False).resolve(
        RESOURCES["FeaturePublisherRole"]["Properties"]["AssumeRolePolicyDocument"]
    )
    assert without["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    # the bootstrap's deploy role may assume the feature publishers of the two stacks only
    boot = Resolver(
        BOOTSTRAP,
        "credit-scoring-bootstrap",
        parameters={"GitHubRepository": "o/r"},
        conditions={"CreateOidcProvider": True, "HasTrainingData": False},
    )
    deploy = boot.resolve(BOOTSTRAP["Resources"]["GitHubDeployRole"])
    documents = [p["PolicyDocument"] for p in deploy["Properties"]["Policies"] if p]
    principal = Principal("deploy", documents)
    assert allowed(principal, "sts:AssumeRole", r.get_att("FeaturePublisherRole", "Arn"), {})
    for other in ("ScoringFunctionRole", "DriftFunctionRole"):
        assert not allowed(principal, "sts:AssumeRole", r.get_att(other, "Arn"), {}), other


def test_the_history_summary_table_is_protected_like_the_feature_table_and_read_one_by_one():
    table = RESOURCES["FeatureHistoryTable"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    features = RESOURCES["FeatureTable"]["Properties"]
    props = table["Properties"]
    for name in ("BillingMode", "SSESpecification", "PointInTimeRecoverySpecification"):
        assert props[name] == features[name], name
    assert (props["KeySchema"], props["AttributeDefinitions"]) == (
        features["KeySchema"],
        features["AttributeDefinitions"],
    )
    r = resolver()
    arn = r.get_att("FeatureHistoryTable", "Arn")
    roles = [
        n for n, res in RESOURCES.items() if res["Type"] in ("AWS::IAM::Role", "AWS::IAM::User")
    ]
    readers, writers = set(), set()
    for name in roles:
        principal = _bounded_role(r, name)
        if allowed(principal, "dynamodb:GetItem", arn, {}):
            readers.add(name)
        if any(allowed(principal, a, arn, {}) for a in TABLE_WRITES):
            writers.add(name)
        # the officers' screen reads one client at a time: never a batch of clients' histories
        assert not allowed(principal, "dynamodb:BatchGetItem", arn, {}), name
        assert not any(allowed(principal, a, arn, {}) for a in TABLE_OTHERS), name
    assert (readers, writers) == ({"ScoringFunctionRole"}, {"FeaturePublisherRole"})


def test_the_request_log_is_locked_in_governance_mode_for_its_retention():
    props = RESOURCES["RequestLogBucket"]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["ObjectLockEnabled"] is True
    lock = props["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    # one parameter: the lock ends when the lifecycle expires the record (then it really goes)
    assert lock["Rule"]["DefaultRetention"] == {
        "Mode": "GOVERNANCE",
        "Days": {"Ref": "RequestLogRetentionDays"},
    }


def test_the_decision_table_is_encrypted_recoverable_retained_and_expires_its_items():
    from credit_core import decision_store

    table = RESOURCES["DecisionTable"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Fn::GetAtt": ["DataKey", "Arn"]},
    }
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]
    # the attribute the store writes is the table's TTL; its retention is the request log's
    source = (ROOT / "lambda/credit_core/decision_store.py").read_text()
    assert '"expires_at": {"N"' in source and decision_store.DAY == 86_400
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    env = RESOURCES["ScoringFunction"]["Properties"]["Environment"]["Variables"]
    assert env["DECISIONS_URI"] == {"Fn::Sub": "dynamodb://${DecisionTable}"}
    assert env["DECISIONS_RETENTION_DAYS"] == {"Ref": "RequestLogRetentionDays"}
    # the deploy role can switch the TTL on
    assert "dynamodb:UpdateTimeToLive" in str(BOOTSTRAP["Resources"])


DECISION_USES = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
DECISION_CHANGES = [
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
]


def test_only_the_scoring_role_uses_the_decision_table_and_nobody_changes_a_record():
    r = resolver()
    arn = r.get_att("DecisionTable", "Arn")
    roles = [
        n for n, res in RESOURCES.items() if res["Type"] in ("AWS::IAM::Role", "AWS::IAM::User")
    ]
    users = set()
    for name in roles:
        principal = _bounded_role(r, name)
        if any(allowed(principal, a, arn, {}) for a in [*DECISION_USES, "dynamodb:Scan"]):
            users.add(name)
        assert not any(allowed(principal, a, arn, {}) for a in DECISION_CHANGES), name
    assert users == {"ScoringFunctionRole"}
    scoring = _bounded_role(r, "ScoringFunctionRole")
    assert all(allowed(scoring, a, arn, {}) for a in DECISION_USES)  # the boundary lets it
    assert not allowed(scoring, "dynamodb:Scan", arn, {})
    # an explicit deny, so no later Allow (a wildcard added by mistake) can make it editable
    (deny,) = [
        s
        for p in r.resolve(RESOURCES["ScoringFunctionRole"])["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
    ]
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= set(deny["Action"])
    assert deny["Resource"] == arn
