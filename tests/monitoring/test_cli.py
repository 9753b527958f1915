"""`credit drift` and `credit traffic`: the study end to end on tiny CSVs, refusals as one line
and exit 2, traffic against a loopback server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from credit_core.cli import main
from credit_core.schema import application_schema

RNG = np.random.default_rng(3)


def _table(rows: int, shift: float = 0.0, with_target: bool = True) -> pd.DataFrame:
    """A schema-shaped table: every column, values drawn per dtype."""
    schema = application_schema()
    data = {}
    for c in schema.columns:
        if c.name == schema.target_column and not with_target:
            continue
        if c.is_categorical:
            data[c.name] = RNG.choice(list(c.levels), size=rows)
        elif c.dtype == "int64":
            data[c.name] = RNG.integers(0, 2, size=rows)
        else:
            data[c.name] = RNG.normal(size=rows)
    data[schema.id_column] = np.arange(rows)
    frame = pd.DataFrame(data)
    frame["AMT_CREDIT"] = RNG.normal(shift, 1, size=rows)
    return frame


@pytest.mark.slow  # imports Evidently and renders its report
def test_study_writes_report_and_summary(tmp_path, capsys):
    _table(4_000).to_csv(tmp_path / "train.csv", index=False)
    _table(2_000, shift=1.0, with_target=False).to_csv(tmp_path / "test.csv", index=False)

    code = main(
        [
            "drift",
            "--reference",
            str(tmp_path / "train.csv"),
            "--current",
            str(tmp_path / "test.csv"),
            "--out",
            str(tmp_path / "out"),
        ]
    )

    assert code == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    drifted = {c["name"] for c in summary["columns"] if c["drifted"]}
    assert drifted == {"AMT_CREDIT"}
    assert summary["top_drifted"][0]["name"] == "AMT_CREDIT"
    assert len(summary["columns"]) == len(application_schema().columns) - 2
    assert "AMT_CREDIT" in capsys.readouterr().out
    page = (tmp_path / "out" / "report.html").read_text()
    assert 'id="credit-summary"' in page and "AMT_CREDIT" in page


@pytest.mark.parametrize(
    "argv, message",
    [
        (["drift", "--out", "o"], "needs --reference and --current"),
        (
            ["drift", "--reference", "nope.csv", "--current", "nope.csv", "--out", "o"],
            "no such file",
        ),
        (["drift", "--production", "--out", "o"], "needs --bundle and --logs"),
        (
            [
                "drift",
                "--production",
                "--bundle",
                "b",
                "--logs",
                "l",
                "--out",
                "o",
                "--since",
                "2026-11-20",
                "--until",
                "2026-11-19",
            ],
            "empty window",
        ),
        (
            ["drift", "--production", "--bundle", "missing-dir", "--logs", "l", "--out", "o"],
            "current.json",
        ),
        (
            ["traffic", "--api", "http://127.0.0.1:9", "--key", "k", "--data", "nope.csv"],
            "no such file",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_option_values_are_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["traffic", "--api", "x", "--key", "k", "--data", "d", "--rate", "-1"])
    assert exc.value.code == 2
    assert "must be positive" in capsys.readouterr().err


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        self.seen.append((self.path, self.headers["x-api-key"], json.loads(body)))
        status = 200 if len(self.seen) % 5 else 422
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()


def test_traffic_replays_rows_with_the_key_bounded_in_count(loopback, tmp_path, capsys):
    url, seen = loopback
    _table(50, with_target=True).to_csv(tmp_path / "apps.csv", index=False)

    code = main(
        [
            "traffic",
            "--api",
            url,
            "--key",
            "secret",
            "--data",
            str(tmp_path / "apps.csv"),
            "--rows",
            "20",
            "--rate",
            "1000",
        ]
    )

    assert code == 0
    assert len(seen) == 20
    assert {path for path, _, _ in seen} == {"/v1/score"}
    assert {key for _, key, _ in seen} == {"secret"}
    first = seen[0][2]
    assert "TARGET" not in first and isinstance(first["SK_ID_CURR"], int)
    out = capsys.readouterr().out
    assert "20 requests" in out and "16 scored" in out and "422: 4" in out


def test_traffic_stops_at_the_time_bound(loopback, tmp_path):
    from credit_monitoring.traffic import applications, replay

    url, seen = loopback
    _table(50).to_csv(tmp_path / "apps.csv", index=False)
    result = replay(
        url, "k", applications(tmp_path / "apps.csv", 50), rate=10, max_seconds=0.35, progress=False
    )
    assert result.stopped_by_time and 3 <= result.sent <= 5 and len(seen) == result.sent


def test_study_reads_a_table_as_pandas_does(tmp_path):
    # the study's low-memory reader must give the very frame pandas' pyarrow reader gives:
    # dtypes, missing values (empty categorical fields included), category order
    from credit_monitoring.study import read_table

    frame = _table(500)
    frame.loc[::7, "OCCUPATION_TYPE"] = None
    frame.loc[::5, "AMT_CREDIT"] = np.nan
    frame["FONDKAPREMONT_MODE"] = None  # a categorical column with no value at all
    frame.to_csv(tmp_path / "t.csv", index=False)
    categorical = {c.name: "category" for c in application_schema().categorical}
    expected = pd.read_csv(tmp_path / "t.csv", engine="pyarrow", dtype=categorical)

    got = read_table(tmp_path / "t.csv")

    pd.testing.assert_frame_equal(got, expected)
    assert got["OCCUPATION_TYPE"].isna().sum() == frame["OCCUPATION_TYPE"].isna().sum() > 0


def _strict(text: str):
    """JSON as strict readers parse it: NaN / Infinity literals refused."""

    def refuse(literal: str):
        raise ValueError(f"non-standard JSON literal {literal}")

    return json.loads(text, parse_constant=refuse)


def _study(tmp_path, current: pd.DataFrame) -> tuple[int, dict]:
    reference = tmp_path / "train.csv"
    if not reference.exists():
        _table(2_000).to_csv(reference, index=False)
    current.to_csv(tmp_path / "test.csv", index=False)
    argv = ["drift", "--reference", str(reference), "--current", str(tmp_path / "test.csv")]
    code = main([*argv, "--out", str(tmp_path / "out")])
    return code, _strict((tmp_path / "out" / "summary.json").read_text())


@pytest.mark.slow  # imports Evidently and renders its report
def test_study_names_the_columns_the_current_data_lacks_and_fails(tmp_path, capsys):
    current = _table(500, with_target=False).drop(columns=["EXT_SOURCE_2", "AMT_CREDIT"])
    code, summary = _study(tmp_path, current)
    assert code == 1 and summary["status"] == "failed"
    assert summary["missing_columns"] == ["AMT_CREDIT", "EXT_SOURCE_2"]
    assert "AMT_CREDIT" not in {c["name"] for c in summary["columns"]}
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "AMT_CREDIT, EXT_SOURCE_2" in err[0]
    assert "EXT_SOURCE_2" in (tmp_path / "out" / "report.html").read_text()


def test_missing_columns_put_the_model_s_most_important_first():
    from credit_monitoring.study import missing_columns

    reference = _table(10)
    current = reference.drop(columns=["AMT_ANNUITY", "EXT_SOURCE_3"])
    shares = {"EXT_SOURCE_3": 0.3, "AMT_ANNUITY": 0.1}
    got = missing_columns(reference, current, ("EXT_SOURCE_3", "NEW_INPUT"), shares)
    assert got == ["EXT_SOURCE_3", "AMT_ANNUITY", "NEW_INPUT"]


@pytest.mark.slow  # imports Evidently and renders its report
def test_study_of_an_all_empty_numeric_column_reports_its_missing_rate(tmp_path, capsys):
    current = _table(500, with_target=False)
    current["AMT_ANNUITY"] = np.nan
    code, summary = _study(tmp_path, current)
    assert code == 0, capsys.readouterr().err
    col = {c["name"]: c for c in summary["columns"]}["AMT_ANNUITY"]
    assert col["drifted"] and col["missing_rate_current"] == 1.0
    assert col["method"] == "psi_missing_rate"


@pytest.mark.slow  # imports Evidently
def test_study_of_a_header_only_current_file_says_no_data_in_strict_json(tmp_path, capsys):
    code, summary = _study(tmp_path, _table(500, with_target=False).iloc[:0])
    assert code == 1 and summary["status"] == "no_data" and summary["rows"] == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["credit drift: check failed: the current data has no rows"]


def test_strict_json_writes_null_for_undefined_measures():
    from credit_monitoring import jsonout

    body = jsonout.dumps({"a": float("nan"), "b": [np.float64("inf"), np.int64(3)], "c": (1.5,)})
    assert _strict(body.decode()) == {"a": None, "b": [None, 3], "c": [1.5]}


@pytest.mark.slow  # the session's tiny model, exported
def test_production_with_a_logs_folder_that_does_not_exist_is_refused(
    drift_bundle, tmp_path, capsys
):
    (tmp_path / "reports").mkdir()
    latest = tmp_path / "reports" / "latest.json"
    latest.write_text('{"status": "ok"}')
    argv = ["drift", "--production", "--bundle", str(drift_bundle)]
    argv += ["--logs", str(tmp_path / "no-such-logs"), "--out", str(tmp_path / "reports")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-logs: no such folder" in err[0]
    assert latest.read_text() == '{"status": "ok"}'
