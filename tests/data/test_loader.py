"""The loader returns typed frames and refuses files that do not match the schema, by name."""

import pandas as pd
import pytest

from credit_training.data import SchemaError, load_application
from credit_training.twin.generate import write_twin


@pytest.fixture(scope="module")
def twin_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("twin")
    write_twin(out, train_rows=2000, test_rows=500, seed=11)
    return out


def _rewrite(src, dst, edit):
    """Copy application_train.csv with an edit applied to the raw text frame."""
    raw = pd.read_csv(src / "application_train.csv", dtype=str, keep_default_na=False)
    dst.mkdir(exist_ok=True)
    edit(raw).to_csv(dst / "application_train.csv", index=False)
    return dst


def test_loads_typed_frames(twin_dir):
    train = load_application(twin_dir, "train")
    test = load_application(twin_dir, "test")
    assert train.shape == (2000, 122) and test.shape == (500, 121)
    assert isinstance(train["ORGANIZATION_TYPE"].dtype, pd.CategoricalDtype)
    assert len(train["ORGANIZATION_TYPE"].cat.categories) == 58
    assert train["DAYS_BIRTH"].dtype == "int64" and train["AMT_CREDIT"].dtype == "float64"
    assert str(test["NAME_CONTRACT_TYPE"].dtype) == "category"


def test_rejects_a_missing_column(twin_dir, tmp_path):
    d = _rewrite(twin_dir, tmp_path / "m", lambda df: df.drop(columns=["AMT_CREDIT"]))
    with pytest.raises(SchemaError, match=r"missing column.*AMT_CREDIT"):
        load_application(d, "train")


def test_rejects_a_renamed_column(twin_dir, tmp_path):
    d = _rewrite(twin_dir, tmp_path / "r", lambda df: df.rename(columns={"EXT_SOURCE_2": "EXT2"}))
    with pytest.raises(SchemaError) as err:
        load_application(d, "train")
    assert "missing column(s): EXT_SOURCE_2" in str(err.value)
    assert "unexpected column(s): EXT2" in str(err.value)


def test_rejects_a_non_numeric_value_in_a_numeric_column(twin_dir, tmp_path):
    def edit(df):
        df.loc[7, "AMT_ANNUITY"] = "twelve"
        return df

    d = _rewrite(twin_dir, tmp_path / "n", edit)
    with pytest.raises(
        SchemaError, match=r"column AMT_ANNUITY: non-numeric value 'twelve' at row 7"
    ):
        load_application(d, "train")


def test_rejects_an_unknown_category_level(twin_dir, tmp_path):
    def edit(df):
        df.loc[3, "NAME_CONTRACT_TYPE"] = "Mortgage"
        return df

    d = _rewrite(twin_dir, tmp_path / "c", edit)
    with pytest.raises(
        SchemaError, match=r"column NAME_CONTRACT_TYPE: unknown level\(s\) 'Mortgage'"
    ):
        load_application(d, "train")


def test_rejects_missing_and_fractional_values_in_integer_columns(twin_dir, tmp_path):
    def edit(df):
        df.loc[5, "DAYS_BIRTH"] = ""
        df.loc[6, "CNT_CHILDREN"] = "1.5"
        return df

    d = _rewrite(twin_dir, tmp_path / "i", edit)
    with pytest.raises(SchemaError) as err:
        load_application(d, "train")
    assert "column DAYS_BIRTH: missing value in an integer column at row 5" in str(err.value)
    assert "column CNT_CHILDREN: non-integer value 1.5 at row 6" in str(err.value)


def test_rejects_a_target_that_is_not_binary(twin_dir, tmp_path):
    def edit(df):
        df.loc[0, "TARGET"] = "2"
        return df

    d = _rewrite(twin_dir, tmp_path / "t", edit)
    with pytest.raises(SchemaError, match="TARGET"):
        load_application(d, "train")


def test_missing_file_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="credit twin --out"):
        load_application(tmp_path, "train")
