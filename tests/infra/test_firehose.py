"""The request log's delivery stream (issue 21, finding 6): the API puts decision records to a
Data Firehose stream, which writes JSON lines to the request bucket under the day partitions the
drift job reads; least privilege on both sides, the boundary, the data key."""

from __future__ import annotations

from datetime import date

from credit_api.settings import Settings
from credit_monitoring import logs
from tests.infra.cfn import load_template
from tests.infra.iam import ACCOUNT, REGION, Principal, Resolver, allowed
from tests.infra.test_data_protection import STACK, resolver

TEMPLATE = load_template("template.yaml")
BOOTSTRAP = load_template("infra/bootstrap.yaml")
RESOURCES = TEMPLATE["Resources"]
R = resolver(publisher=False)
STREAM = RESOURCES["RequestLogStream"]["Properties"]
S3 = STREAM["ExtendedS3DestinationConfiguration"]
BUCKET = R.ref("RequestLogBucket")


def _principal(role: str, boundary: bool = True) -> Principal:
    resolved = R.resolve(RESOURCES[role])
    documents = [p["PolicyDocument"] for p in resolved["Properties"]["Policies"]]
    if not boundary:
        return Principal(role, documents)
    boot = Resolver(
        BOOTSTRAP, "credit-scoring-bootstrap", parameters={"StackPrefix": "credit-scoring"}
    )
    limit = boot.resolve(BOOTSTRAP["Resources"]["ApplicationPermissionsBoundary"]["Properties"])
    return Principal(role, documents, boundary=limit["PolicyDocument"])


def _env(function: str) -> dict[str, str]:
    variables = RESOURCES[function]["Properties"]["Environment"]["Variables"]
    return {k: R.resolve(v) for k, v in variables.items()}


def test_the_stream_delivers_encrypted_json_lines_under_day_partitions():
    assert STREAM["DeliveryStreamType"] == "DirectPut"
    sse = R.resolve(STREAM["DeliveryStreamEncryptionConfigurationInput"])
    assert sse == {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": R.get_att("DataKey", "Arn")}
    dest = R.resolve(S3)
    assert dest["BucketARN"] == f"arn:aws:s3:::{BUCKET}"
    assert dest["EncryptionConfiguration"]["KMSEncryptionConfig"]["AWSKMSKeyARN"] == R.get_att(
        "DataKey", "Arn"
    )
    assert (dest["CompressionFormat"], dest["FileExtension"]) == ("UNCOMPRESSED", ".jsonl")
    assert "DataFormatConversionConfiguration" not in dest  # JSON lines, not Parquet
    # the prefix Firehose evaluates is the partition the drift job lists, under its LOG_URI
    evaluated = (
        dest["Prefix"]
        .replace("!{timestamp:yyyy}", "2026")
        .replace("!{timestamp:MM}", "11")
        .replace("!{timestamp:dd}", "20")
    )
    drift_root = _env("DriftFunction")["LOG_URI"]
    assert f"s3://{BUCKET}/{evaluated}".rstrip("/") == logs.day_partition(
        drift_root, date(2026, 11, 20), firehose=True
    )
    # failed deliveries go elsewhere: never read as records
    assert dest["ErrorOutputPrefix"].startswith("delivery-errors/!{firehose:error-output-type}/")
    # buffered at most as long as the drift job waits for late records
    assert dest["BufferingHints"]["IntervalInSeconds"] <= logs.LATE.total_seconds()
    assert dest["BufferingHints"]["SizeInMBs"] <= 128


def test_the_api_puts_to_the_stream_with_a_short_budget_and_a_breaker():
    env = _env("ScoringFunction")
    assert env["LOG_URI"] == f"firehose://{R.ref('RequestLogStream')}"
    s = Settings.from_env(env | {"MODEL_SHA256": "0" * 64})
    assert s.log_timeout_seconds <= 0.5 and s.log_breaker_failures >= 1
    assert s.log_breaker_cooldown_seconds > 0


def test_the_scoring_role_may_put_records_to_its_stream_only_and_no_longer_writes_s3():
    scoring = _principal("ScoringFunctionRole")
    stream = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{R.ref('RequestLogStream')}"
    other = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{STACK}-Other-X"
    for action in ("firehose:PutRecord", "firehose:PutRecordBatch"):
        assert allowed(scoring, action, stream, {}), action
        assert not allowed(scoring, action, other, {}), action
    for action in ("firehose:DeleteDeliveryStream", "firehose:UpdateDestination"):
        assert not allowed(scoring, action, stream, {}), action
    key = f"arn:aws:s3:::{BUCKET}/requests/dt=2026-11-20/120000-r.jsonl"
    assert not allowed(scoring, "s3:PutObject", key, {})


def test_the_delivery_role_writes_the_log_prefixes_only_and_reads_nothing():
    props = RESOURCES["RequestLogDeliveryRole"]["Properties"]
    assert props["PermissionsBoundary"] == {"Ref": "PermissionsBoundaryArn"}
    assert R.resolve(props["Path"]) == f"/{STACK}/log-delivery/"  # named by key and bucket policies
    (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert R.resolve(trust["Condition"]) == {"StringEquals": {"sts:ExternalId": ACCOUNT}}
    assert R.resolve(STREAM["ExtendedS3DestinationConfiguration"]["RoleARN"]) == R.get_att(
        "RequestLogDeliveryRole", "Arn"
    )
    delivery = _principal("RequestLogDeliveryRole")  # what it may do inside the boundary
    for key in ("requests/year=2026/month=11/day=20/s-1.jsonl", "delivery-errors/x/y"):
        assert allowed(delivery, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/{key}", {}), key
        assert allowed(delivery, "s3:AbortMultipartUpload", f"arn:aws:s3:::{BUCKET}/{key}", {})
    assert allowed(delivery, "s3:GetBucketLocation", f"arn:aws:s3:::{BUCKET}", {})
    for action, resource in (
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}/other/x"),
        ("s3:PutObject", f"arn:aws:s3:::{R.ref('ModelBucket')}/credit-scoring/current.json"),
        ("s3:GetObject", f"arn:aws:s3:::{BUCKET}/requests/year=2026/month=11/day=20/s-1.jsonl"),
        ("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/requests/x"),
    ):
        assert not allowed(delivery, action, resource, {}), (action, resource)
    key_arn = R.get_att("DataKey", "Arn")
    via_s3 = {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    assert allowed(delivery, "kms:GenerateDataKey", key_arn, via_s3)
    assert not allowed(delivery, "kms:Decrypt", key_arn, {"kms:ViaService": "sqs.x"})


def test_the_execution_role_may_create_the_stream_and_pass_only_delivery_roles_to_firehose():
    boot = Resolver(
        BOOTSTRAP, "credit-scoring-bootstrap", parameters={"StackPrefix": "credit-scoring"}
    )
    role = boot.resolve(BOOTSTRAP["Resources"]["CloudFormationExecutionRole"])
    documents = [
        p["PolicyDocument"] for p in role["Properties"]["Policies"] if "PolicyDocument" in p
    ]
    execution = Principal("execution", documents)
    stream = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{STACK}-RequestLogStream-X"
    assert allowed(execution, "firehose:CreateDeliveryStream", stream, {})
    delivery = f"arn:aws:iam::{ACCOUNT}:role/{STACK}/log-delivery/{STACK}-RequestLogDeliveryRole-X"
    scoring = f"arn:aws:iam::{ACCOUNT}:role/{STACK}/scoring/{STACK}-ScoringFunctionRole-X"
    to_firehose = {"iam:PassedToService": "firehose.amazonaws.com"}
    assert allowed(execution, "iam:PassRole", delivery, to_firehose)
    assert not allowed(execution, "iam:PassRole", scoring, to_firehose)
    foreign = f"arn:aws:iam::{ACCOUNT}:role/credit-scoring-admin"
    assert not allowed(execution, "iam:PassRole", foreign, to_firehose)


def test_a_stale_delivery_alarms():
    alarm = RESOURCES["RequestLogDeliveryFreshnessAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/Firehose",
        "DeliveryToS3.DataFreshness",
    )
    assert alarm["Dimensions"] == [
        {"Name": "DeliveryStreamName", "Value": {"Ref": "RequestLogStream"}}
    ]
    assert alarm["Threshold"] <= logs.LATE.total_seconds()
