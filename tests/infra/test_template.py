"""template.yaml against the code it deploys: env vars, routes, metrics, IAM, buckets, alarms,
wheels for the chosen architecture. Static checks on the parsed template (no AWS)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.infra.cfn import ROOT, as_list, env_reads, load_template, walk

TEMPLATE = load_template("template.yaml")
BOOTSTRAP = load_template("infra/bootstrap.yaml")
RESOURCES = TEMPLATE["Resources"]

# read by the code but deliberately not set on Lambda, with the reason
NOT_SET_ON_LAMBDA = {
    "CREDIT_API_KEY": "plain key for local use; Lambda reads the hash from SSM",
    "STAGE_PREFIX": "the HTTP API's $default stage adds no path prefix",
    "OIDC_ISSUER": "credit serve verifies officers' tokens; in AWS the JWT authorizer does",
    "OIDC_AUDIENCE": "the same",
    "SCORE_WITHOUT_HISTORY": "local only: the deployed function always reads its feature store",
    "CLIENT_REF_KEY": "plain pseudonymisation key for local use; Lambda derives it with KMS",
}
# set by the template, read by a library rather than by the project's code
READ_BY_LIBRARIES = {
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
}
# routes agreed in BRIEF interface 1 that the api branch adds
AGREED_ROUTES = {"GET /v1/reference", "GET /officer/v1/reference"}
# actions that accept no resource narrower than "*" (AWS service authorization reference)
NO_RESOURCE_LEVEL = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ecr:GetAuthorizationToken",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:PutResourcePolicy",
    "cloudwatch:PutMetricData",
}


def function_env(name: str) -> set[str]:
    return set(RESOURCES[name]["Properties"]["Environment"]["Variables"])


def scoring_sources() -> list[Path]:
    # cli.py is the local `credit serve` command, never imported by the Lambda handler
    # credit_core's subpackages too: the handler reads the feature store (credit_core.history)
    files = [*ROOT.glob("lambda/credit_api/*.py"), *ROOT.glob("lambda/credit_core/**/*.py")]
    return [p for p in files if p.name != "cli.py"]


def drift_sources() -> list[Path]:
    files = [
        *ROOT.glob("monitoring/credit_monitoring/**/*.py"),
        *ROOT.glob("lambda/credit_core/*.py"),
    ]
    return [p for p in files if p.name != "cli.py"]


def test_scanner_finds_the_reads_written_as_env_aliases_and_skips_assignments(tmp_path):
    source = tmp_path / "s.py"
    source.write_text(
        'env = os.environ.get\nx = env("A_ONE", 1)\nos.environ["WRITTEN"] = "v"\n'
        'y = os.environ["READ"]\nos.environ.setdefault("DEFAULTED", "v")\nz = os.getenv("GOT")\n'
    )
    assert env_reads([source]) == {"A_ONE", "READ", "DEFAULTED", "GOT"}


def test_scoring_function_sets_exactly_the_variables_its_settings_read():
    from credit_api.settings import Settings

    reads = Settings.env_names()
    assert {"MODEL_URI", "LOG_URI", "API_KEY_PARAMETER", "STAGE"} <= reads
    env = function_env("ScoringFunction")
    assert reads - env - set(NOT_SET_ON_LAMBDA) == set(), "read by the settings, not set"
    assert env - reads - READ_BY_LIBRARIES == set(), "set, read by nothing"
    assert not env & set(NOT_SET_ON_LAMBDA)


def test_scoring_function_sets_the_model_pin():
    assert RESOURCES["ScoringFunction"]["Properties"]["Environment"]["Variables"][
        "MODEL_SHA256"
    ] == {"Ref": "ModelSha256"}


def test_the_deployed_scoring_settings_are_valid_for_every_stage():
    """The template's values (parameters at their defaults, placeholders for the rest) build
    settings the API accepts, in both stages it deploys."""
    from credit_api.settings import Settings

    values = resolved_env("ScoringFunction")
    for stage in TEMPLATE["Parameters"]["Stage"]["AllowedValues"]:
        settings = Settings.from_env(values | {"STAGE": stage})
        assert settings.stage == stage and settings.api_key is None


def test_drift_function_sets_the_agreed_interface_and_what_its_settings_read():
    from credit_monitoring.settings import DriftSettings

    agreed = {"MODEL_URI", "LOG_URI", "REPORTS_URI", "WINDOW_DAYS", "STAGE"}
    env = function_env("DriftFunction")
    assert agreed <= env
    reads = DriftSettings.env_names()
    assert reads - env == set(), "read by the drift settings, not set"
    assert env - reads - READ_BY_LIBRARIES == set(), "set, read by nothing"
    values = resolved_env("DriftFunction")
    for stage in TEMPLATE["Parameters"]["Stage"]["AllowedValues"]:
        assert DriftSettings.from_env(values | {"STAGE": stage}).stage == stage


def test_no_deployed_code_reads_the_environment_outside_its_settings():
    """One settings object per deployable: the scan finds no other read (Powertools' own
    variables are read by the library)."""
    settings_files = {"settings.py"}
    api = [p for p in scoring_sources() if p.name not in settings_files]
    drift = [p for p in drift_sources() if p.name not in settings_files]
    assert env_reads(api) == set()
    assert env_reads(drift) == set()
    for path in [*api, *drift]:
        assert "os.environ" not in path.read_text(), path


def resolved_env(name: str) -> dict[str, str]:
    """The function's variables with ``!Ref``/``!Sub`` replaced by parameter defaults or a
    bucket-shaped placeholder."""
    params = TEMPLATE["Parameters"]
    out = {}
    for key, value in RESOURCES[name]["Properties"]["Environment"]["Variables"].items():
        if isinstance(value, dict) and "Fn::If" in value:  # the default-parameter branch
            value = value["Fn::If"][1]
        if isinstance(value, dict) and "Ref" in value:
            value = str(params.get(value["Ref"], {}).get("Default", ""))
        elif isinstance(value, dict) and "Fn::Sub" in value:
            value = re.sub(r"\$\{[^}]+\}", "placeholder", value["Fn::Sub"])
        out[key] = str(value)
    return out


def test_the_handlers_and_the_image_named_by_the_template_exist():
    handler = RESOURCES["ScoringFunction"]["Properties"]["Handler"]
    module, func = handler.rsplit(".", 1)
    source = ROOT / "lambda" / (module.replace(".", "/") + ".py")
    assert re.search(rf"^def {func}\(", source.read_text(), re.M)
    assert (ROOT / RESOURCES["ScoringFunction"]["Properties"]["CodeUri"]).parent.name == "build"
    drift = RESOURCES["DriftFunction"]
    assert drift["Properties"]["PackageType"] == "Image"
    assert drift["Metadata"]["Dockerfile"] == "monitoring/Dockerfile"
    assert drift["Metadata"]["DockerContext"] == "."
    assert drift["Properties"]["ImageConfig"]["Command"] == ["credit_monitoring.handler.handler"]
    assert (ROOT / "monitoring/Dockerfile").is_file()
    text = (ROOT / "monitoring/credit_monitoring/handler.py").read_text()
    assert re.search(r"^def handler\(", text, re.M)


def api_routes() -> set[str]:
    routes = set()
    for event in RESOURCES["ScoringFunction"]["Properties"]["Events"].values():
        assert event["Type"] == "HttpApi"
        routes.add(f"{event['Properties']['Method']} {event['Properties']['Path']}")
    return routes


def test_every_route_the_app_serves_is_routed_and_nothing_else():
    code = set()
    for path in ROOT.glob("lambda/credit_api/*.py"):
        for method, route in re.findall(
            r'@app\.(get|post|put|delete)\(\s*"([^"]+)"', path.read_text()
        ):
            code.add(f"{method.upper()} {route}")
    assert {"GET /health", "POST /v1/score"} <= code
    asset_path = re.search(
        r'^ASSET_PATH = "([^"]+)"', (ROOT / "lambda/credit_api/app.py").read_text(), re.M
    )
    code.add(f"GET {asset_path.group(1)}/{{name}}")  # the docs' own files, served by the app
    code |= {"GET /docs", "GET /openapi.json"}  # FastAPI's defaults
    # every /v1 route also serves signed-in officers under /officer (credit_api.officers)
    code |= {r.replace(" /v1/", " /officer/v1/") for r in code if " /v1/" in r}
    routes = api_routes()
    assert code <= routes
    assert routes - code <= AGREED_ROUTES
    settings = RESOURCES["HttpApi"]["Properties"]["RouteSettings"]
    assert set(settings) <= routes


def test_alarm_metrics_are_the_ones_the_code_emits_with_its_service_dimension():
    observability = (ROOT / "lambda/credit_api/observability.py").read_text()
    service = re.search(r'^SERVICE = "([^"]+)"', observability, re.M).group(1)
    assert function_env("ScoringFunction") >= {"POWERTOOLS_SERVICE_NAME"}
    assert (
        RESOURCES["ScoringFunction"]["Properties"]["Environment"]["Variables"][
            "POWERTOOLS_SERVICE_NAME"
        ]
        == service
    )
    emitted = "".join(p.read_text() for p in scoring_sources())
    drift_emitted = (ROOT / "monitoring/credit_monitoring/handler.py").read_text()
    drift_service = RESOURCES["DriftFunction"]["Properties"]["Environment"]["Variables"][
        "POWERTOOLS_SERVICE_NAME"
    ]
    for name, alarm in RESOURCES.items():
        if (
            alarm["Type"] != "AWS::CloudWatch::Alarm"
            or alarm["Properties"].get("Namespace") != "CreditScoring"
        ):
            continue
        props = alarm["Properties"]
        dims = {d["Name"]: d["Value"] for d in props["Dimensions"]}
        if props["MetricName"] in ("DriftShare", "GroupsInAlarm", "NoHistoryShareWarning"):
            assert dims == {"service": drift_service}, name
            assert f'"{props["MetricName"]}"' in drift_emitted, f"{name}: not emitted by the job"
            continue
        assert dims == {"service": service}, name
        assert f'"{props["MetricName"]}"' in emitted, f"{name}: metric not emitted by the API"


def test_the_api_key_parameter_default_is_the_stages_one_the_key_script_writes():
    script = (ROOT / "infra/api_key.py").read_text()
    default = re.search(r'^PARAMETER = "([^"]+)"', script, re.MULTILINE).group(1)
    per_stage = default.replace("{stage}", "${Stage}")
    assert "${Stage}" in per_stage  # dev and prod never share keys by default
    assert TEMPLATE["Parameters"]["ApiKeyParameterName"]["Default"] == ""
    env = RESOURCES["ScoringFunction"]["Properties"]["Environment"]["Variables"]
    used = env["API_KEY_PARAMETER"]["Fn::If"]
    assert used[0] == "StageApiKeyParameter" and used[1] == {"Fn::Sub": per_stage}
    assert TEMPLATE["Conditions"]["StageApiKeyParameter"] == {
        "Fn::Equals": [{"Ref": "ApiKeyParameterName"}, ""]
    }


def statements(template: dict) -> list[tuple[str, dict]]:
    found = []
    for name, resource in template["Resources"].items():
        for node in walk(resource.get("Properties", {})):
            if isinstance(node, dict) and "Statement" in node and "Version" in node:
                found += [(name, s) for s in node["Statement"]]
    return found


def resource_text(resource) -> str:
    return str(resource)


@pytest.mark.parametrize("template", [TEMPLATE, BOOTSTRAP], ids=["template", "bootstrap"])
def test_iam_statements_name_resources_not_wildcards(template):
    checked = 0
    for name, st in statements(template):
        if st["Effect"] == "Deny" or "Principal" in st:
            continue  # bucket policies and trust policies
        actions = set(as_list(st["Action"]))
        assert not any(a == "*" or a.endswith(":*") for a in actions), (name, st.get("Sid"))
        for resource in as_list(st["Resource"]):
            if resource == "*":
                # or scoped by the tag the resource is created with (KMS key ids are generated)
                tagged = any(
                    k.startswith("aws:RequestTag/")
                    for pairs in st.get("Condition", {}).values()
                    for k in pairs
                )
                assert actions <= NO_RESOURCE_LEVEL or tagged, (name, st.get("Sid"))
                continue
            text = resource_text(resource)
            assert "arn:aws:" not in text, f"{name}: build ARNs with ${{AWS::Partition}}"
            assert "${AWS::Partition}" in text or "Fn::GetAtt" in text or ".Arn}" in text, (
                name,
                text,
            )
        checked += 1
    assert checked >= 5


def test_function_objects_are_reached_by_prefix_and_listing_by_prefix_condition():
    for role in ("ScoringFunctionRole", "DriftFunctionRole", "ReportsReader"):
        for st in RESOURCES[role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
            actions = set(as_list(st["Action"]))
            if actions & {"s3:GetObject", "s3:PutObject"}:
                # arn:...:s3:::${Bucket}/<non-empty prefix>/* : never a whole bucket
                arn = st["Resource"]["Fn::Sub"]
                assert re.fullmatch(
                    r"arn:\$\{AWS::Partition\}:s3:::\$\{\w+Bucket\}/[^*]+/\*", arn
                ), (role, arn)
            if "s3:ListBucket" in actions:
                assert st["Condition"]["StringLike"]["s3:prefix"], (role, st["Sid"])
            assert not actions & {
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
                "s3:PutLifecycleConfiguration",
                "s3:PutObjectAcl",
            }
    for name in ("ScoringFunction", "DriftFunction"):
        props = RESOURCES[name]["Properties"]
        assert "Policies" not in props, "SAM policy templates grant whole buckets"
        assert props["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
        for role_statement in RESOURCES[f"{name}Role"]["Properties"]["AssumeRolePolicyDocument"][
            "Statement"
        ]:
            assert role_statement["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert "ManagedPolicyArns" not in RESOURCES[f"{name}Role"]["Properties"]


def test_buckets_are_encrypted_private_tls_only_and_retained():
    buckets = [n for n, r in RESOURCES.items() if r["Type"] == "AWS::S3::Bucket"]
    assert set(buckets) == {"ModelBucket", "RequestLogBucket", "ReportsBucket", "AccessLogBucket"}
    policies = {
        r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]["Statement"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::S3::BucketPolicy"
    }
    for name in buckets:
        bucket = RESOURCES[name]
        props = bucket["Properties"]
        assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        if name == "AccessLogBucket":  # S3 log delivery writes with SSE-S3 only
            assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        else:  # the stack's customer-managed key, never the AWS-managed aws/s3
            assert rule["ServerSideEncryptionByDefault"] == {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]},
            }
            assert rule["BucketKeyEnabled"] is True
        assert all(props["PublicAccessBlockConfiguration"].values())
        assert len(props["PublicAccessBlockConfiguration"]) == 4
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policies[name]
        ), name
    for name in ("ModelBucket", "RequestLogBucket"):
        assert RESOURCES[name]["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert RESOURCES["ScoringFunctionLogs"]["DeletionPolicy"] == "Retain"


def test_request_log_expiry_cannot_be_set_before_its_transition():
    (rule,) = [
        r
        for r in RESOURCES["RequestLogBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
        if "Transitions" in r
    ]
    latest = max(t["TransitionInDays"] for t in rule["Transitions"])
    parameter = TEMPLATE["Parameters"][rule["ExpirationInDays"]["Ref"]]
    assert parameter["MinValue"] > latest


def test_every_alarm_notifies_the_topic_whose_email_is_required():
    alarms = {n: r for n, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    metrics = set()
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        for node in walk(alarm["Properties"]):
            if isinstance(node, dict) and "MetricName" in node:
                metrics.add(node["MetricName"])
    assert {
        "DriftShare",
        "GroupsInAlarm",
        "NoHistoryShareWarning",
        "5xx",
        "Latency",
        "Errors",
        "Throttles",
        "LogWriteFailures",
        "HistoryStoreUnavailable",
    } <= metrics
    assert "Default" not in TEMPLATE["Parameters"]["AlarmEmail"]
    (subscription,) = RESOURCES["AlarmTopic"]["Properties"]["Subscription"]
    assert subscription == {"Endpoint": {"Ref": "AlarmEmail"}, "Protocol": "email"}


def test_cold_start_options_are_off_by_default_and_exclusive():
    params = TEMPLATE["Parameters"]
    assert params["SnapStart"]["Default"] == "false"
    assert params["ProvisionedConcurrency"]["Default"] == 0
    assert "SnapStartExcludesProvisionedConcurrency" in TEMPLATE["Rules"]


def lambda_group_packages() -> list[dict]:
    """The packages of uv.lock's `lambda` dependency group and their dependencies (markers for
    other platforms than Linux skipped)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    by_name: dict[str, list[dict]] = {}
    for package in lock["package"]:
        by_name.setdefault(package["name"], []).append(package)
    project = next(p for p in lock["package"] if p.get("source", {}).get("editable") == ".")
    todo = [(d["name"], d.get("extra", [])) for d in project["dev-dependencies"]["lambda"]]
    seen: set[str] = set()
    found = []
    while todo:
        name, extras = todo.pop()
        for package in by_name[name]:
            key = f"{name}=={package['version']}"
            deps = list(package.get("dependencies", []))
            for extra in extras:
                deps += package.get("optional-dependencies", {}).get(extra, [])
            if key not in seen:
                seen.add(key)
                found.append(package)
            for dep in deps:
                marker = dep.get("marker", "")
                if re.search(
                    r"sys_platform == '(win32|darwin)'|platform_system == 'Windows'", marker
                ):
                    continue
                todo.append((dep["name"], dep.get("extra", [])))
    return found


def test_every_lambda_wheel_exists_for_the_deployed_architecture():
    (arch,) = RESOURCES["ScoringFunction"]["Properties"]["Architectures"]
    cpu = {"arm64": "aarch64", "x86_64": "x86_64"}[arch]
    packages = lambda_group_packages()
    names = {p["name"] for p in packages}
    assert {"lightgbm", "numpy", "orjson", "msgspec", "pydantic-core"} <= names
    missing = []
    for package in packages:
        wheels = [w["url"].rsplit("/", 1)[1] for w in package.get("wheels", [])]
        if any(w.endswith("-none-any.whl") for w in wheels):
            continue
        fits = [
            w
            for w in wheels
            if re.search(rf"manylinux[0-9_]*{cpu}", w)
            and re.search(r"-(cp312-cp312|cp3\d+-abi3|py3-none)-", w)
        ]
        if not fits:
            missing.append(f"{package['name']}=={package['version']}")
    assert missing == []


def test_the_deploy_workflow_packages_for_the_template_architecture():
    (arch,) = RESOURCES["ScoringFunction"]["Properties"]["Architectures"]
    deploy = (ROOT / ".github/workflows/deploy.yml").read_text()
    assert re.findall(r"make package LAMBDA_ARCH=(\w+)", deploy) == [arch]


def test_the_group_refusal_alarm_states_the_rule_the_job_applies():
    from credit_monitoring import group_monitor

    text = " ".join(RESOURCES["GroupRefusalShiftAlarm"]["Properties"]["AlarmDescription"].split())
    assert f"{group_monitor.MAX_SHIFT_PT:g} percentage points" in text
    assert f"at least {group_monitor.MIN_DECISIONS} decisions" in text
    assert group_monitor.FOUR_FIFTHS == 0.8 and "four-fifths rule" in text


def test_officer_routes_and_only_they_take_the_cognito_jwt_authorizer():
    api = RESOURCES["HttpApi"]["Properties"]
    jwt = api["Auth"]["Authorizers"]["OfficerJwt"]
    assert jwt["IdentitySource"] == "$request.header.Authorization"
    assert jwt["JwtConfiguration"]["audience"] == [{"Ref": "OfficerUiClient"}]
    assert "${OfficerPool}" in jwt["JwtConfiguration"]["issuer"]["Fn::Sub"]
    assert "DefaultAuthorizer" not in api["Auth"]  # machine routes: no authorizer, the key
    for event in RESOURCES["ScoringFunction"]["Properties"]["Events"].values():
        props = event["Properties"]
        officer = props["Path"].startswith("/officer/")
        assert (props.get("Auth") == {"Authorizer": "OfficerJwt"}) == officer, props["Path"]
    pool = RESOURCES["OfficerPool"]["Properties"]
    assert pool["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}  # no self sign-up
    assert pool["MfaConfiguration"] == "ON"
    client = RESOURCES["OfficerUiClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"] and client["GenerateSecret"] is True
    # officers' routes are throttled like the machines' (their own buckets: separate routes)
    settings = api["RouteSettings"]
    for route in ("POST /v1/score/batch", "GET /v1/reference"):
        officer = route.replace(" /v1/", " /officer/v1/")
        assert settings[officer] == settings[route]


def test_the_no_history_alarm_states_the_rule_the_job_applies():
    from credit_monitoring import history_monitor

    text = " ".join(RESOURCES["NoHistoryShareAlarm"]["Properties"]["AlarmDescription"].split())
    assert f"{history_monitor.MAX_SHIFT_PT:g} percentage points" in text
    assert f"at least {history_monitor.MIN_ROWS} applicants" in text
