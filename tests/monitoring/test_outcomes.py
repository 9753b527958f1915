"""Outcomes: the join of observed outcomes to decision records, the per-cohort realised metrics
against hand-computed values, refused decisions excluded and counted, and `credit outcomes`
errors as one line and exit 2."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_core.cli import main
from credit_monitoring.outcomes import (
    OutcomesError,
    cohorts,
    decision_frame,
    join,
    outcomes_from_labels,
    read_outcomes,
    realised_and_estimated,
)
from credit_monitoring.outcomes_report import matching_summary, to_markdown


def _record(rid, sk_id, p, when, decision=None, item=0, threshold=0.5):
    return {
        "request_id": rid,
        "item": item,
        "timestamp": when,
        "model_version": "3",
        "inputs": {"SK_ID_CURR": sk_id, "AMT_CREDIT": 1000.0},
        "features": [1.0, None],
        "probability": p,
        "decision": decision or ("refuse" if p >= threshold else "accept"),
        "warnings": [],
    }


def _csv(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode()


# Six approved decisions in September with known outcomes, two refused; two in October.
SEPT = "2026-09-10T12:00:00.000+00:00"
OCT = "2026-10-02T08:30:00.000+00:00"
PROBS = [0.05, 0.10, 0.20, 0.30, 0.40, 0.45]
DEFAULTED = [0, 0, 1, 0, 1, 1]


def _decisions() -> pd.DataFrame:
    recs = [_record(f"r{i}", 100 + i, p, SEPT) for i, p in enumerate(PROBS)]
    recs += [_record("r6", 106, 0.7, SEPT), _record("r7", 107, 0.9, SEPT)]  # refused
    recs += [_record("r8", 108, 0.1, OCT), _record("r9", 109, 0.3, OCT)]
    return decision_frame(recs)


def _outcomes() -> pd.DataFrame:
    rows = [
        {"SK_ID_CURR": 100 + i, "defaulted": "yes" if y else "no", "observation_date": "2027-09-01"}
        for i, y in enumerate(DEFAULTED)
    ]
    rows += [
        {"SK_ID_CURR": 106, "defaulted": "no", "observation_date": "2027-09-01"},  # refused
        {"SK_ID_CURR": 108, "defaulted": "1", "observation_date": "2027-10-01"},
        {"SK_ID_CURR": 109, "defaulted": "0", "observation_date": "2027-10-01"},
        {"SK_ID_CURR": 999, "defaulted": "0", "observation_date": "2027-10-01"},  # unknown
    ]
    return read_outcomes(_csv(rows))


def test_realised_rate_auc_cost_and_calibration_match_hand_computed_values():
    joined = join(_decisions(), _outcomes())

    assert joined.counts == {
        "outcomes": 10,
        "matched": 8,
        "unmatched": 1,
        "ambiguous_request_id": 0,
        "observed_before_decision": 0,
        "duplicate_outcomes": 0,
        "refused_outcomes_dropped": 1,
    }
    sept, octo = cohorts(joined.decisions, fn_cost=10, fp_cost=1, resamples=200)
    assert (sept["cohort"], octo["cohort"]) == ("2026-09", "2026-10")
    assert (sept["decisions"], sept["approved"], sept["refused"]) == (8, 6, 2)
    assert sept["outcomes_matched"] == 6 and octo["outcomes_matched"] == 2
    real = sept["realised"]
    assert real["default_rate"] == pytest.approx(0.5)
    # positives 0.20, 0.40, 0.45 vs negatives 0.05, 0.10, 0.30: 8 of 9 pairs ordered
    assert real["roc_auc"] == pytest.approx(8 / 9, abs=1e-6)
    assert real["roc_auc"] == pytest.approx(roc_auc_score(DEFAULTED, PROBS), abs=1e-6)
    assert real["business_cost_per_application"] == pytest.approx(10 * 3 / 6)
    assert real["mean_probability"] == pytest.approx(np.mean(PROBS), abs=1e-6)
    assert real["calibration_gap"] == pytest.approx(0.5 - np.mean(PROBS), abs=1e-6)
    lo, hi = sept["realised_interval"]["default_rate"]
    assert 0 <= lo < 0.5 < hi <= 1
    assert sept["estimated"]["default_rate"] == pytest.approx(np.mean(PROBS), abs=1e-6)
    # the whole cohort's label-free estimate counts the refused applicants' expected cost
    whole = sept["cohort_estimate"]
    probs = [*PROBS, 0.7, 0.9]
    assert whole["refusal_rate"] == pytest.approx(2 / 8)
    assert whole["default_rate"] == pytest.approx(np.mean(probs), abs=1e-6)
    expected_cost = (10 * sum(PROBS) + (1 - 0.7) + (1 - 0.9)) / 8
    assert whole["business_cost_per_application"] == pytest.approx(expected_cost, abs=1e-6)


def test_outcome_of_a_refused_decision_is_dropped_and_counted_never_measured():
    recs = [_record("a", 1, 0.2, SEPT), _record("b", 2, 0.8, SEPT)]
    outcomes = read_outcomes(
        _csv(
            [
                {"request_id": "a", "defaulted": 0, "observation_date": "2027-01-01"},
                {"request_id": "b", "defaulted": 1, "observation_date": "2027-01-01"},
            ]
        )
    )
    joined = join(decision_frame(recs), outcomes)
    assert joined.counts["refused_outcomes_dropped"] == 1 and joined.counts["matched"] == 1
    (cohort,) = cohorts(joined.decisions, 10, 1, resamples=50)
    assert cohort["refused"] == 1 and cohort["outcomes_matched"] == 1
    assert cohort["realised"]["default_rate"] == 0.0  # b's default is not counted


def test_client_id_takes_the_latest_decision_before_the_observation():
    recs = [
        _record("old", 7, 0.1, "2026-08-01T00:00:00+00:00"),
        _record("new", 7, 0.2, "2026-09-01T00:00:00+00:00"),
        _record("later", 7, 0.3, "2026-12-01T00:00:00+00:00"),  # after the observation
        _record("x", 8, 0.1, "2026-12-01T00:00:00+00:00"),
    ]
    outcomes = read_outcomes(
        _csv(
            [
                {"SK_ID_CURR": 7, "defaulted": 1, "observation_date": "2026-10-15"},
                {"SK_ID_CURR": 8, "defaulted": 1, "observation_date": "2026-10-15"},
            ]
        )
    )
    joined = join(decision_frame(recs), outcomes)
    got = joined.decisions.set_index("request_id")["defaulted"]
    assert got["new"] == 1 and np.isnan(got["old"]) and np.isnan(got["later"])
    assert joined.counts["observed_before_decision"] == 1  # client 8 decided after


def test_request_id_with_item_for_batches_ambiguous_without_it_and_later_outcome_wins():
    recs = [_record("batch", 1, 0.1, SEPT, item=0), _record("batch", 2, 0.2, SEPT, item=1)]
    recs.append(_record("single", 3, 0.1, SEPT))
    rows = [
        {"request_id": "batch", "item": 1, "defaulted": 0, "observation_date": "2027-01-01"},
        {"request_id": "batch", "item": "", "defaulted": 0, "observation_date": "2027-01-01"},
        {"request_id": "single", "item": "", "defaulted": 0, "observation_date": "2027-01-01"},
        {"request_id": "single", "item": "", "defaulted": 1, "observation_date": "2027-03-01"},
    ]
    joined = join(decision_frame(recs), read_outcomes(_csv(rows)))
    assert joined.counts["ambiguous_request_id"] == 1
    assert joined.counts["duplicate_outcomes"] == 1 and joined.counts["matched"] == 2
    d = joined.decisions.set_index(["request_id", "item"])["defaulted"]
    assert d[("batch", 1)] == 0 and np.isnan(d[("batch", 0)]) and d[("single", 0)] == 1


def test_estimate_interval_covers_a_calibrated_model_and_rejects_a_miscalibrated_one():
    rng = np.random.default_rng(11)
    p = rng.beta(1.2, 12, 4000)
    calibrated = (rng.random(p.size) < p).astype(int)
    twice = (rng.random(p.size) < np.minimum(1, 2 * p)).astype(int)

    ok = realised_and_estimated(calibrated, p, 10, resamples=300, seed=1)
    bad = realised_and_estimated(twice, p, 10, resamples=300, seed=1)

    lo, hi = ok["estimated_interval"]["default_rate"]
    assert lo <= ok["realised"]["default_rate"] <= hi
    assert ok["intervals_overlap"]["default_rate"] and ok["intervals_overlap"]["ece"]
    assert ok["realised_within_calibrated_range"]["default_rate"]
    assert not bad["realised_within_calibrated_range"]["default_rate"]
    assert not bad["intervals_overlap"]["default_rate"]
    assert not bad["intervals_overlap"]["calibration_gap"]
    assert bad["realised"]["ece"] > bad["estimated_interval"]["ece"][1]


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty file"),
        (b"SK_ID_CURR,observation_date\n1,2027-01-01\n", "missing column(s): defaulted"),
        (b"defaulted,observation_date\n1,2027-01-01\n", "SK_ID_CURR or request_id"),
        (b"SK_ID_CURR,defaulted,observation_date\n", "no outcome rows"),
        (b"SK_ID_CURR,defaulted,observation_date\n1,maybe,2027-01-01\n", "row 2: defaulted"),
        (b"SK_ID_CURR,defaulted,observation_date\n1,1,soon\n", "row 2: observation_date"),
        (b"SK_ID_CURR,defaulted,observation_date\n1.5,1,2027-01-01\n", "whole number"),
        (b"SK_ID_CURR,request_id,defaulted,observation_date\n,,1,2027-01-01\n", "neither"),
    ],
)
def test_bad_outcome_files_are_refused_with_the_reason(body, message):
    with pytest.raises(OutcomesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_outcomes(body)


def test_labels_become_outcomes_observed_on_a_date():
    labels = pd.DataFrame({"SK_ID_CURR": [5, 6], "TARGET": [1, 0]})
    table = outcomes_from_labels(labels, date(2027, 6, 30))
    assert table.to_dict("list") == {
        "SK_ID_CURR": [5, 6],
        "defaulted": [1, 0],
        "observation_date": ["2027-06-30", "2027-06-30"],
    }
    parsed = read_outcomes(table.to_csv(index=False).encode())
    assert parsed["defaulted"].tolist() == [1, 0]
    with pytest.raises(OutcomesError, match="must be 0 or 1"):
        outcomes_from_labels(pd.DataFrame({"SK_ID_CURR": [1], "TARGET": [2]}), date.today())


def test_a_stored_drift_summary_matches_only_its_exact_month():
    from datetime import UTC, datetime

    since, until = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    month = {"since": since.isoformat(), "until": until.isoformat()}
    week = {"since": since.isoformat(), "until": "2026-09-08T00:00:00+00:00"}
    est = {"default_rate": 0.1}
    summaries = [
        ("a", {"status": "ok", "window": week, "estimated": est, "generated_at": "2026-10-02"}),
        ("b", {"status": "ok", "window": month, "estimated": est, "generated_at": "2026-10-01"}),
        ("c", {"status": "ok", "window": month, "estimated": est, "generated_at": "2026-10-03"}),
        ("d", {"status": "no_data", "window": month, "estimated": None}),
    ]
    assert matching_summary(summaries, since, until)[0] == "c"
    assert matching_summary(summaries[:1], since, until) is None


# --- the command line -------------------------------------------------------------------------


def _write_log(root, recs):
    from credit_core import storage

    for rec in recs:
        day = rec["timestamp"][:10]
        uri = storage.join(str(root), f"dt={day}", f"000000-{rec['request_id']}.jsonl")
        storage.write_bytes(uri, (json.dumps(rec) + "\n").encode())


def test_ingest_writes_strict_json_and_a_table_that_states_the_refusals(tmp_path, capsys):
    recs = [_record(f"r{i}", 100 + i, p, SEPT) for i, p in enumerate(PROBS)]
    recs += [_record("r6", 106, 0.7, SEPT), _record("r7", 107, 0.9, SEPT)]
    _write_log(tmp_path / "log", recs)
    (tmp_path / "log" / "dt=2026-09-10" / "bad.jsonl").write_bytes(b'{"request_id": 1}\n')
    rows = [
        {"SK_ID_CURR": 100 + i, "defaulted": y, "observation_date": "2027-09-01"}
        for i, y in enumerate(DEFAULTED)
    ] + [{"SK_ID_CURR": 107, "defaulted": 0, "observation_date": "2027-09-01"}]
    (tmp_path / "outcomes.csv").write_bytes(_csv(rows))

    code = main(
        [
            "outcomes",
            "ingest",
            str(tmp_path / "outcomes.csv"),
            "--logs",
            str(tmp_path / "log"),
            "--out",
            str(tmp_path / "out"),
            "--resamples",
            "100",
        ]
    )

    assert code == 0
    assert "2026-09" in capsys.readouterr().out

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    report = json.loads(
        (tmp_path / "out" / "outcomes.json").read_text(), parse_constant=no_constants
    )
    assert report["malformed_log_lines"] == 1
    assert report["join"]["refused_outcomes_dropped"] == 1
    assert report["cost_weights"]["fn"] == 10.0
    (sept,) = report["cohorts"]
    assert sept["realised"]["default_rate"] == 0.5 and sept["refused"] == 2
    md = (tmp_path / "out" / "outcomes.md").read_text()
    assert "| 2026-09 | 8 | 6 | 2 | 6 |" in md
    assert "reported for refused decisions and dropped 1" in md
    assert "selection bias" in md.lower() and "reject inference" in md
    page = (tmp_path / "out" / "outcomes.html").read_text()
    assert "<table>" in page and "2026-09" in page
    assert to_markdown(report) == md


def _ingest_argv(tmp_path, outcomes_file):
    return [
        "outcomes",
        "ingest",
        str(outcomes_file),
        "--logs",
        str(tmp_path / "log"),
        "--out",
        str(tmp_path / "out"),
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"SK_ID_CURR,defaulted\n100,1\n", "missing column(s): observation_date"),
        (b"SK_ID_CURR,defaulted,observation_date\n555,1,2027-01-01\n", "none of the 1 outcomes"),
        (None, "cannot read"),
    ],
)
def test_ingest_errors_are_one_line_and_exit_2(tmp_path, capsys, content, message):
    _write_log(tmp_path / "log", [_record("r0", 100, 0.1, SEPT)])
    path = tmp_path / "outcomes.csv"
    if content is not None:
        path.write_bytes(content)
    assert main(_ingest_argv(tmp_path, path)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_ingest_without_decision_records_and_from_labels_errors(tmp_path, capsys):
    path = tmp_path / "outcomes.csv"
    path.write_bytes(b"SK_ID_CURR,defaulted,observation_date\n1,1,2027-01-01\n")
    assert main(_ingest_argv(tmp_path, path)) == 2
    assert "no decision records" in capsys.readouterr().err
    assert main(["outcomes", "from-labels", str(tmp_path / "nope.csv"), "--out", "o.csv"]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "labels.csv").write_text("SK_ID_CURR\n1\n")
    out = str(tmp_path / "o.csv")
    assert main(["outcomes", "from-labels", str(tmp_path / "labels.csv"), "--out", out]) == 2
    err = capsys.readouterr().err
    assert "missing column(s): TARGET" in err and err.count("\n") == 1


def test_ingest_on_s3_takes_the_drift_jobs_summary_of_the_month(aws, tmp_path, capsys):
    from tests.monitoring.conftest import make_bucket

    for bucket in ("request-logs", "reports", "out"):
        make_bucket(aws, bucket)
    recs = [_record(f"r{i}", 100 + i, p, SEPT) for i, p in enumerate(PROBS)]
    recs.append(_record("r8", 108, 0.1, OCT))
    _write_log("s3://request-logs/requests", recs)
    summary = {
        "status": "ok",
        "generated_at": "2026-10-01T03:00:00+00:00",
        "window": {"since": "2026-09-01T00:00:00+00:00", "until": "2026-10-01T00:00:00+00:00"},
        "model_version": "3",
        "rows": 6,
        "estimated": {"default_rate": 0.25, "roc_auc": float("nan")},
    }
    aws.put_object(
        Bucket="reports", Key="drift/dt=2026-10-01/030000-ab/summary.json", Body=json.dumps(summary)
    )
    rows = [
        {"SK_ID_CURR": 100 + i, "defaulted": y, "observation_date": "2027-09-01"}
        for i, y in enumerate(DEFAULTED)
    ]
    (tmp_path / "outcomes.csv").write_bytes(_csv(rows))

    argv = [
        "outcomes",
        "ingest",
        str(tmp_path / "outcomes.csv"),
        "--logs",
        "s3://request-logs/requests",
    ]
    argv += ["--out", "s3://out/o", "--reports", "s3://reports/drift", "--resamples", "50"]
    assert main(argv) == 0, capsys.readouterr().err

    report = json.loads(aws.get_object(Bucket="out", Key="o/outcomes.json")["Body"].read())
    sept, octo = report["cohorts"]
    assert sept["cohort_estimate"]["source"].startswith(
        "drift job summary dt=2026-10-01/030000-ab/summary.json"
    )
    assert sept["cohort_estimate"]["default_rate"] == 0.25
    assert sept["cohort_estimate"]["roc_auc"] is None  # NaN in the summary, null here
    assert octo["cohort_estimate"]["source"] == "computed from the cohort's records"
    assert "realised" not in octo and octo["outcomes_matched"] == 0


def test_ingest_from_a_bucket_that_does_not_exist_is_one_line(aws, tmp_path, capsys):
    (tmp_path / "outcomes.csv").write_bytes(
        b"SK_ID_CURR,defaulted,observation_date\n1,1,2027-01-01\n"
    )
    argv = ["outcomes", "ingest", str(tmp_path / "outcomes.csv"), "--logs", "s3://nope/requests"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "NoSuchBucket" in err and err.count("\n") == 1


def test_outcomes_by_client_id_join_the_pseudonymised_log_with_the_same_key():
    from credit_core.pseudonym import client_ref

    key = b"production-like key from KMS"
    recs = []
    for i, p in enumerate(PROBS):  # version 3 records: the pseudonym, no id in the inputs
        rec = _record(f"r{i}", 100 + i, p, SEPT)
        rec["inputs"] = {"AMT_CREDIT": 1000.0}
        rec["client_ref"] = client_ref(key, 100 + i)
        recs.append(rec)
    recs.append(_record("old", 200, 0.1, SEPT))  # written before pseudonymisation: the id
    rows = [
        {"SK_ID_CURR": 100 + i, "defaulted": y, "observation_date": "2027-09-01"}
        for i, y in enumerate(DEFAULTED)
    ] + [{"SK_ID_CURR": 200, "defaulted": 1, "observation_date": "2027-09-01"}]
    outcomes = read_outcomes(_csv(rows))
    joined = join(decision_frame(recs, key), outcomes, key)
    assert joined.counts["matched"] == len(PROBS) + 1
    got = joined.decisions.set_index("request_id")["defaulted"]
    assert list(got[[f"r{i}" for i in range(6)]]) == DEFAULTED and got["old"] == 1
    # another key (e.g. the development one) links none of the pseudonymised records
    other = join(decision_frame(recs, b"another key"), outcomes, b"another key")
    assert (other.counts["matched"], other.counts["unmatched"]) == (1, len(PROBS))
