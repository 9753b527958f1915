"""The shared schema equals the real tables' schema as published (names, order, dtypes, levels)."""

import json
from collections import Counter

import pandas as pd
import pytest

from credit_core.schema import application_schema
from credit_training.twin import reference
from credit_training.twin.generate import write_twin
from tests.conftest import shared_stats_path

DTYPE = {"object": "category", "int64": "int64", "float64": "float64"}


@pytest.mark.skipif(
    not shared_stats_path().exists(),
    reason="no ../shared beside this checkout: nothing to compare the packaged copy with",
)
def test_packaged_statistics_are_the_shared_reference():
    shared = json.loads(shared_stats_path().read_text("utf-8"))
    assert reference.load_stats() == shared


def test_schema_matches_the_public_column_list(shared_stats):
    schema = application_schema()
    cols = shared_stats["columns"]
    assert schema.names("train") == [c["name"] for c in cols]
    assert [c.dtype for c in schema.columns] == [DTYPE[c["dtype"]] for c in cols]
    assert schema.names("test") == [c["name"] for c in cols if c["in_test"]]
    assert len(schema.names("train")) == 122 and len(schema.names("test")) == 121
    for col, pub in zip(schema.columns, cols, strict=True):
        if pub["dtype"] == "object":
            assert list(col.levels) == [c["value"] for c in pub["train"]["categories"]], col.name


def test_organization_type_has_the_58_real_levels_including_xna():
    levels = application_schema().column("ORGANIZATION_TYPE").levels
    assert len(levels) == 58 and "XNA" in levels
    assert "XNA" in application_schema().column("CODE_GENDER").levels


def test_csv_reads_back_with_the_real_dtypes(tmp_path, shared_stats):
    """Plain pandas reads the twin's CSV as it reads the real one: 65 float, 41 int, 16 object."""
    paths = write_twin(tmp_path, train_rows=3000, test_rows=1000, seed=3)
    train = pd.read_csv(paths["train"])
    test = pd.read_csv(paths["test"])
    counts = Counter(str(t) for t in train.dtypes)
    assert counts == Counter(shared_stats["meta"]["dtype_counts_train"])
    assert list(train.columns) == [c["name"] for c in shared_stats["columns"]]
    assert list(test.columns) == [c["name"] for c in shared_stats["columns"] if c["in_test"]]
    for col in shared_stats["columns"]:
        if col["in_test"]:
            assert str(test[col["name"]].dtype) == col["dtype"] or test[col["name"]].isna().all()
    assert not set(train["SK_ID_CURR"]) & set(test["SK_ID_CURR"])
    assert train["SK_ID_CURR"].is_monotonic_increasing


def test_csv_is_written_like_pandas_writes_it(tmp_path):
    paths = write_twin(tmp_path, train_rows=500, test_rows=100, seed=4)
    text = paths["train"].read_text("utf-8")
    header, first = text.splitlines()[:2]
    assert header.startswith("SK_ID_CURR,TARGET,NAME_CONTRACT_TYPE,CODE_GENDER")
    fields = first.split(",")
    assert fields[0].isdigit() and fields[1] in ("0", "1")
    assert fields[7].endswith(".0") or "." in fields[7]  # AMT_INCOME_TOTAL is float64
    assert '"Stone, brick"' in text or '"Spouse, partner"' in text


def test_manifest_lists_the_drifted_columns(tmp_path):
    paths = write_twin(tmp_path, train_rows=500, test_rows=100, seed=5)
    manifest = json.loads(paths["manifest"].read_text("utf-8"))
    drifted = manifest["drifted_columns"]
    assert {"NAME_CONTRACT_TYPE", "FLAG_EMAIL", "EXT_SOURCE_1", "AMT_CREDIT"} <= set(drifted)
    assert drifted["FLAG_DOCUMENT_16"]["kind"] == "all_zero"
    assert set(drifted) <= set(application_schema().names("test"))
