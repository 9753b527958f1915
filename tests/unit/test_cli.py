"""The ``credit`` command line."""

import json

import pytest

from credit_core.cli import main


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "twin" in out and "validate" in out


def test_twin_writes_the_three_files_and_says_where(tmp_path, capsys):
    assert main(["twin", "--out", str(tmp_path), "--train-rows", "800", "--test-rows", "200"]) == 0
    out = capsys.readouterr().out
    assert "800 train + 200 test rows" in out
    for name in ("application_train.csv", "application_test.csv", "drift_manifest.json"):
        assert (tmp_path / name).exists() and name in out
    assert json.loads((tmp_path / "drift_manifest.json").read_text())["train_rows"] == 800
    assert main(["validate", "--data", str(tmp_path)]) == 0


def test_validate_reports_a_broken_file_with_exit_code_2(tmp_path, capsys):
    main(["twin", "--out", str(tmp_path), "--train-rows", "300", "--test-rows", "100"])
    path = tmp_path / "application_test.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace("FLAG_EMAIL", "FLAG_MAIL"), *lines[1:]]) + "\n")
    assert main(["validate", "--data", str(tmp_path)]) == 2
    assert "FLAG_EMAIL" in capsys.readouterr().err


def test_twin_writes_the_history_tables_unless_application_only(tmp_path, capsys):
    assert (
        main(["twin", "--out", str(tmp_path / "all"), "--train-rows", "300", "--test-rows", "100"])
        == 0
    )
    out = capsys.readouterr().out
    for name in ("bureau.csv", "bureau_balance.csv", "credit_card_balance.csv"):
        assert (tmp_path / "all" / name).exists() and name in out
    args = ["twin", "--out", str(tmp_path / "app"), "--train-rows", "300", "--test-rows", "100"]
    assert main([*args, "--tables", "application"]) == 0
    assert not (tmp_path / "app" / "bureau.csv").exists()
    assert (tmp_path / "app" / "application_train.csv").exists()
