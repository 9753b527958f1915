"""The drift Lambda handler in-process against moto S3: request-log lines in, report, summary and
EMF metrics out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from credit_core.contracts import ScoreWarning
from tests.monitoring.conftest import as_records, log_lines, make_bucket, upload_dir, write_call

pytestmark = pytest.mark.slow  # trains the tiny model once per session

DAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WINDOW = {"since": "2026-11-19T00:00:00+00:00", "until": "2026-11-21T00:00:00+00:00"}


@dataclass
class LambdaContext:
    function_name: str = "credit-drift-monitor"
    memory_limit_in_mb: int = 3008
    invoked_function_arn: str = "arn:aws:lambda:eu-west-3:123456789012:function:credit-drift"
    aws_request_id: str = "drift-request"


@dataclass
class Job:
    handler: object


@pytest.fixture
def job(aws, drift_bundle):
    """Buckets, the bundle in S3, the handler built from the settings the template gives."""
    from credit_monitoring import handler
    from credit_monitoring.settings import DriftSettings

    for bucket in ("models", "request-logs", "reports"):
        make_bucket(aws, bucket)
    upload_dir(aws, drift_bundle, "models", "credit")
    settings = DriftSettings.from_env(
        {
            "STAGE": "dev",
            "MODEL_URI": "s3://models/credit",
            "LOG_URI": "s3://request-logs/requests",
            "REPORTS_URI": "s3://reports/drift",
            "WINDOW_DAYS": "7",
        }
    )
    return Job(handler.build(settings))


def _emf(out: str) -> list[dict]:
    docs = []
    for line in out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            docs.append(json.loads(line))
    return docs


def _metric_values(docs: list[dict], name: str) -> list[tuple[float, dict]]:
    found = []
    for doc in docs:
        names = [m["Name"] for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
        if name in names:
            dims = {
                k: doc[k]
                for d in doc["_aws"]["CloudWatchMetrics"]
                for s in d["Dimensions"]
                for k in s
            }
            value = doc[name]  # Powertools writes each value as a list
            found.append((sum(value) if isinstance(value, list) else value, dims))
    return found


def _read_json(s3, bucket: str, key: str) -> dict:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_drifted_window_gives_report_summary_and_metrics(
    job, aws, drift_bundle, test_applications, capsys
):
    # Given 600 applications whose AMT_CREDIT tripled and whose EXT_SOURCE_2 went missing,
    # some API warnings, one malformed line, one line of another model version
    frame = test_applications.head(600).copy()
    frame["AMT_CREDIT"] = frame["AMT_CREDIT"] * 3
    frame["EXT_SOURCE_2"] = float("nan")
    records = as_records(frame)
    warning = ScoreWarning(
        field="AMT_CREDIT", kind="outside_training_range", value=1e7, message="m"
    )
    for i in range(3):
        part = records[i * 200 : (i + 1) * 200]
        warns = [[warning] if j < 5 else [] for j in range(len(part))]
        body = log_lines(drift_bundle, part, DAY + timedelta(minutes=i), warnings=warns)
        if i == 0:
            body += b'{"request_id": "broken", "probability": \n'
        write_call("s3://request-logs/requests", DAY + timedelta(minutes=i), body)
    write_call(
        "s3://request-logs/requests",
        DAY,
        log_lines(drift_bundle, as_records(test_applications.tail(40)), DAY, version="0"),
    )
    capsys.readouterr()

    # When the scheduled job runs on the window
    result = job.handler(dict(WINDOW), LambdaContext())

    # Then the summary names the drifted columns, keeps the other version apart, estimates cost
    assert result["status"] == "ok"
    summary = _read_json(
        aws, "reports", "drift/" + result["report_key"].replace("report.html", "summary.json")
    )
    assert summary == _read_json(aws, "reports", "drift/latest.json")
    assert summary["rows"] == 600
    assert summary["malformed_lines"] == 1
    assert summary["other_versions"]["0"]["rows"] == 40
    drifted = {c["name"] for c in summary["columns"] if c["drifted"]}
    assert {"AMT_CREDIT", "EXT_SOURCE_2"} <= drifted
    by_name = {c["name"]: c for c in summary["columns"]}
    assert by_name["EXT_SOURCE_2"]["method"] == "psi_missing_rate"
    assert by_name["EXT_SOURCE_2"]["missing_rate_current"] == 1.0
    assert summary["top_drifted"][0]["name"] in drifted
    est = summary["estimated"]
    assert 0 < est["default_rate"] < 1 and est["business_cost_per_application"] > 0
    assert 0.5 < est["roc_auc"] < 1
    assert summary["untrusted_estimates"] == ["roc_auc"]  # the bundle's own calibration
    assert summary["warnings_by_field"] == {"AMT_CREDIT": {"outside_training_range": 15}}
    pred = summary["prediction_drift"]
    assert pred["method"] == "psi_deciles" and pred["score"] > 0 and pred["threshold"] > 0
    assert pred["mean_current"] == pytest.approx(summary["mean_probability"])
    page = aws.get_object(Bucket="reports", Key="drift/" + result["report_key"])["Body"].read()
    assert b"Production drift" in page and b"AMT_CREDIT" in page and b"CBPE" in page
    assert f"{est['roc_auc']:.4g} (not trusted)".encode() in page

    # and the EMF metrics carry the figures
    docs = _emf(capsys.readouterr().out)
    assert _metric_values(docs, "RowsAnalysed")[0][0] == 600
    assert _metric_values(docs, "MalformedLines")[0][0] == 1
    assert _metric_values(docs, "DriftedColumns")[0][0] == summary["drifted_columns"]
    assert _metric_values(docs, "DriftShare")[0][0] == pytest.approx(summary["drift_share"])
    assert _metric_values(docs, "EstimatedBusinessCost")[0][0] == pytest.approx(
        est["business_cost_per_application"]
    )
    warnings = _metric_values(docs, "ScoringWarnings")
    assert warnings and warnings[0][0] == 15 and warnings[0][1]["kind"] == "outside_training_range"


def test_empty_window_is_no_data(job, aws, drift_bundle, test_applications, capsys):
    # Given logs only outside the window
    old = DAY - timedelta(days=30)
    write_call(
        "s3://request-logs/requests",
        old,
        log_lines(drift_bundle, as_records(test_applications.head(5)), old),
    )
    capsys.readouterr()

    result = job.handler(dict(WINDOW), LambdaContext())

    assert result["status"] == "no_data" and result["rows"] == 0
    latest = _read_json(aws, "reports", "drift/latest.json")
    assert latest["status"] == "no_data" and latest["rows"] == 0 and latest["columns"] == []
    assert latest["window"] == {"since": WINDOW["since"], "until": WINDOW["until"]}
    docs = _emf(capsys.readouterr().out)
    assert _metric_values(docs, "RowsAnalysed")[0][0] == 0
    assert _metric_values(docs, "DriftShare") == []


def test_lines_of_another_feature_contract_are_set_apart(job, aws, drift_bundle, test_applications):
    # Given lines claiming the served version but with a feature list of another length
    body = log_lines(drift_bundle, as_records(test_applications.head(30)), DAY)
    bent = [json.loads(line) for line in body.splitlines()]
    for rec in bent[:10]:
        rec["features"] = rec["features"][:-1]
    write_call("s3://request-logs/requests", DAY, "\n".join(json.dumps(r) for r in bent).encode())

    result = job.handler(dict(WINDOW), LambdaContext())

    latest = _read_json(aws, "reports", "drift/latest.json")
    assert result["rows"] == 20
    (key,) = latest["other_versions"]
    assert "other feature contract" in key and latest["other_versions"][key]["rows"] == 10


def test_missing_environment_is_an_error():
    from credit_monitoring.settings import DriftSettings, SettingsError

    with pytest.raises(SettingsError, match="MODEL_URI") as err:
        DriftSettings.from_env({"LOG_URI": "s3://l/r", "REPORTS_URI": "s3://r/d"})
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"STAGE": "prod", "REPORTS_URI": "/tmp/reports"}, "REPORTS_URI"),
        ({"STAGE": "dev", "LOG_URI": "data/requests"}, "LOG_URI"),
        ({"WINDOW_DAYS": "0"}, "WINDOW_DAYS"),
        ({"MAX_LOG_BYTES": "-1"}, "MAX_LOG_BYTES"),
        ({"STAGE": "staging"}, "STAGE"),
        ({"AWS_LAMBDA_FUNCTION_NAME": "drift", "STAGE": ""}, "STAGE"),
    ],
)
def test_unsafe_or_unusable_drift_settings_are_refused(env, named):
    from credit_monitoring.settings import DriftSettings, SettingsError

    base = {"MODEL_URI": "s3://m/c", "LOG_URI": "s3://l/r", "REPORTS_URI": "s3://r/d"}
    with pytest.raises(SettingsError, match=named):
        DriftSettings.from_env(base | env)


def test_local_folders_are_fine_in_the_local_stage():
    from credit_monitoring.settings import DriftSettings

    s = DriftSettings.from_env({"MODEL_URI": "b", "LOG_URI": "l", "REPORTS_URI": "r"})
    assert (s.stage, s.window_days) == ("local", 7.0)


def test_the_module_reads_no_environment_at_import_and_writes_none():
    import importlib
    import os
    import sys

    before = dict(os.environ)
    sys.modules.pop("credit_monitoring.handler", None)
    importlib.import_module("credit_monitoring.handler")
    assert {k: v for k, v in os.environ.items() if k.startswith("POWERTOOLS")} == {
        k: v for k, v in before.items() if k.startswith("POWERTOOLS")
    }


def test_a_group_refused_far_more_often_than_in_the_reference_alarms(
    job, aws, drift_bundle, test_applications, capsys
):
    # Given a window where every woman is refused (the reference refuses far fewer of them)
    records = as_records(test_applications.head(600))
    body = log_lines(drift_bundle, records, DAY)
    lines = [json.loads(line) for line in body.splitlines()]
    for rec in lines:
        if rec["inputs"].get("CODE_GENDER") == "F":
            rec["decision"] = "refuse"
    women = sum(r["inputs"].get("CODE_GENDER") == "F" for r in lines)
    assert women >= 100  # enough decisions for the group to alarm
    write_call("s3://request-logs/requests", DAY, "\n".join(json.dumps(r) for r in lines).encode())
    capsys.readouterr()

    result = job.handler(dict(WINDOW), LambdaContext())

    # Then the summary's fairness part names the group, against the bundle's reference sample
    fairness = _read_json(aws, "reports", "drift/latest.json")["fairness"]
    assert fairness["reference_source"]["gender"] == "reference_sample"
    (f,) = [g for g in fairness["attributes"]["gender"]["groups"] if g["group"] == "F"]
    assert f["count"] == women and f["refusal_rate"] == 1.0
    assert f["shift_pt"] == pytest.approx(100 * (1 - f["reference_refusal_rate"]))
    assert "shift" in f["alarm"] and fairness["groups_in_alarm"] >= 1
    page = aws.get_object(Bucket="reports", Key="drift/" + result["report_key"])["Body"].read()
    assert b"Refusal rate per group" in page

    # and the metrics the alarm watches are emitted
    docs = _emf(capsys.readouterr().out)
    assert _metric_values(docs, "GroupsInAlarm")[0][0] == fairness["groups_in_alarm"]
    shifts = {d["attribute"]: v for v, d in _metric_values(docs, "GroupRefusalShift")}
    assert shifts["gender"] == pytest.approx(f["shift_pt"])  # the largest of the genders'
    assert all(
        d["service"] == "credit-scoring-drift" for _, d in _metric_values(docs, "GroupsInAlarm")
    )
