"""`credit decisions reconstruct`: a decision scored by the real handler is rebuilt exactly from
its record alone (decision store or request-log file); an altered record or another bundle is
detected; bad input is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credit_core.cli import main


@pytest.fixture
def scored(make_api, tmp_path, applications):
    """Ten applications scored (some refused) and a batch; the store's URI and the log folder."""
    uri = f"sqlite:///{tmp_path}/decisions.sqlite"
    api = make_api(DECISIONS_URI=uri)
    ids = []
    for i, app in enumerate(applications[:10]):
        route = "/v1/explain" if i % 2 else "/v1/score"
        status, body, headers = api.call("POST", route, app)
        assert status == 200
        ids.append((headers["x-request-id"], body["decision"]))
    status, _, headers = api.call("POST", "/v1/score/batch", {"applications": applications[10:30]})
    assert status == 200
    return uri, tmp_path / "log", ids, headers["x-request-id"]


def test_every_scored_decision_rebuilds_exactly(scored, bundle_dir, capsys):
    uri, log, ids, batch = scored
    for rid, decision in ids:
        assert (
            main(["decisions", "reconstruct", rid, "--records", uri, "--bundle", str(bundle_dir)])
            == 0
        )
        out = capsys.readouterr().out
        assert f"decision {decision}" in out and "SAME" in out and "DIFFERS" not in out
    # a batch from the request-log folder: every item
    assert (
        main(
            ["decisions", "reconstruct", batch, "--records", str(log), "--bundle", str(bundle_dir)]
        )
        == 0
    )
    assert capsys.readouterr().out.count("SAME") == 20


def _one_file(log: Path, rid: str) -> Path:
    (path,) = log.rglob(f"*-{rid}.jsonl")
    return path


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda r: r | {"probability": round(r["probability"] * 0.9, 6)}, "probability"),
        (lambda r: r | {"inputs": r["inputs"] | {"AMT_CREDIT": 1.0}}, "feature(s) differ"),
        (lambda r: r | {"bundle_sha256": "0" * 64}, "bundle digest"),
        (lambda r: r | {"threshold": 0.999}, "threshold"),
    ],
)
def test_an_altered_record_is_detected(scored, bundle_dir, tmp_path, capsys, change, found):
    _, log, ids, _ = scored
    rid = ids[0][0]
    record = json.loads(_one_file(log, rid).read_text())
    altered = tmp_path / "altered.jsonl"
    altered.write_text(json.dumps(change(record)) + "\n")
    code = main(
        ["decisions", "reconstruct", rid, "--records", str(altered), "--bundle", str(bundle_dir)]
    )
    out = capsys.readouterr().out
    assert code == 1 and "DIFFERS" in out and found in out and "DIFFERENT" in out


def test_bad_input_is_one_line_and_exit_2(scored, bundle_dir, tmp_path, capsys):
    uri, _, ids, _ = scored
    cases = [
        ["nope", "--records", uri, "--bundle", str(bundle_dir)],
        [ids[0][0], "--records", str(tmp_path / "missing.jsonl"), "--bundle", str(bundle_dir)],
        [ids[0][0], "--records", "dynamodb://a/b", "--bundle", str(bundle_dir)],
        [ids[0][0], "--records", uri, "--bundle", str(tmp_path / "no-bundle")],
        [ids[0][0], "--records", uri, "--bundle", str(bundle_dir), "--item", "3"],
    ]
    for args in cases:
        assert main(["decisions", "reconstruct", *args]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("credit decisions: error:") and err.count("\n") == 1, err
