"""The real-folder layout check: the six Kaggle history files by name and header, read from a
tiny fixture with the real headers (``tests/data/history_fixture``), and the refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from credit_core.cli import main
from credit_core.history import definitions, engine
from credit_core.history.layout import check_history_folder
from credit_core.history.tables import TABLES, column_names, file_name

FIXTURE = Path(__file__).parent / "history_fixture"


@pytest.fixture
def folder(tmp_path) -> Path:
    for path in FIXTURE.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def header(path: Path) -> list[str]:
    return path.read_text().splitlines()[0].split(",")


def test_the_schema_matches_the_real_file_names_and_headers():
    assert sorted(p.name for p in FIXTURE.glob("*.csv")) == sorted(map(file_name, TABLES))
    for table in TABLES:
        assert column_names(table) == header(FIXTURE / file_name(table)), table
    layout = check_history_folder(FIXTURE)
    assert layout.complete and not layout.absent and layout.problems == ()


def test_a_real_layout_folder_is_read_with_the_kaggle_dtypes():
    features = engine.batch_features(engine.connect_folder(FIXTURE))
    assert list(features.index) == [200001, 200002, 200003]
    assert features.loc[200001, "BUREAU_CREDIT_COUNT"] == 2
    assert features.loc[200001, "INST_LATE_COUNT"] == 1
    assert features.loc[200002, "PREV_REFUSED_COUNT"] == 1
    assert features.loc[200003, "CC_UTILISATION_LAST"] == 1.0
    one = engine.client_features(engine.connect_folder(FIXTURE), 200001)
    assert one["BB_LATE_MONTH_COUNT"] == 1 and one["POS_DPD_MAX"] == 3
    assert list(one) == definitions.feature_names()
    loaded = engine.connect_folder(FIXTURE, load=True)  # copied once, then queried
    pd.testing.assert_frame_equal(engine.batch_features(loaded), features)
    pd.testing.assert_series_equal(
        pd.Series(engine.client_features(loaded, 200001)), pd.Series(one)
    )


def test_an_application_only_folder_is_absent_not_an_error(tmp_path):
    layout = check_history_folder(tmp_path)
    assert layout.absent and not layout.complete and layout.problems == ()
    with pytest.raises(engine.HistoryFolderError, match="no history files"):
        engine.connect_folder(tmp_path)


def test_a_missing_file_is_named(folder):
    (folder / "bureau_balance.csv").unlink()
    layout = check_history_folder(folder)
    assert not layout.complete and not layout.absent
    assert layout.problems == (f"{folder}: history file(s) missing: bureau_balance.csv",)
    with pytest.raises(engine.HistoryFolderError, match=r"bureau_balance\.csv"):
        engine.connect_folder(folder)


def test_a_file_under_another_case_is_named(folder):
    (folder / "POS_CASH_balance.csv").rename(folder / "pos_cash_balance.csv")
    problems = check_history_folder(folder).problems
    assert "pos_cash_balance.csv: expected the Kaggle name POS_CASH_balance.csv" in problems


def test_a_renamed_missing_or_reordered_column_is_named(folder):
    path = folder / "installments_payments.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace("AMT_PAYMENT", "AMT_PAID"), *lines[1:]]))
    assert check_history_folder(folder).problems == (
        "installments_payments.csv: missing column(s) AMT_PAYMENT; unexpected column(s) AMT_PAID",
    )
    cols = column_names("bureau_balance")
    (folder / "bureau_balance.csv").write_text(",".join(reversed(cols)) + "\n")
    assert any(
        p.startswith("bureau_balance.csv: columns out of order")
        for p in check_history_folder(folder).problems
    )


def test_credit_validate_reports_the_history_layout(tmp_path, capsys):
    twin = ["twin", "--out", str(tmp_path), "--train-rows", "300", "--test-rows", "100"]
    assert main([*twin, "--tables", "application"]) == 0
    assert main(["validate", "--data", str(tmp_path)]) == 0
    assert "history: no history tables (application only)" in capsys.readouterr().out

    for path in FIXTURE.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    assert main(["validate", "--data", str(tmp_path)]) == 0
    assert "history: the 6 history tables, Kaggle names and headers OK" in capsys.readouterr().out

    (tmp_path / "credit_card_balance.csv").write_text("SK_ID_PREV,SK_ID_CURR\n")
    assert main(["validate", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "credit_card_balance.csv: missing column(s) MONTHS_BALANCE" in err[0]
