"""The scale-out path: the one DuckDB definition translated by sqlglot to Trino/Athena and Spark
SQL parses in those dialects and, read back into DuckDB, gives the same features."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlglot

from credit_core.history import engine
from credit_core.history.definitions import feature_names, history_query
from credit_core.history.dialects import history_query_in
from tests.unit.test_history_features import ALL, after_application, tiny_tables


@pytest.fixture(scope="module")
def tables():
    return engine.connect_frames(after_application(tiny_tables()))


@pytest.mark.parametrize("dialect", ["trino", "athena", "spark"])
def test_translation_parses_and_gives_the_same_features(dialect, tables):
    sql = history_query_in(dialect)
    assert sql != history_query()
    parsed = sqlglot.parse_one(sql, read=dialect)  # raises on anything the dialect cannot read
    selected = [e.alias_or_name for e in parsed.expressions]
    assert selected == ["SK_ID_CURR", *feature_names()]
    assert "ARG_MAX" not in sql.upper() and "MAX_BY(" in sql.upper()  # the one non-standard call

    (back,) = sqlglot.transpile(sql, read=dialect, write="duckdb")
    expected = engine.batch_features(tables, ids=ALL)
    pd.testing.assert_frame_equal(engine.batch_features(tables, ids=ALL, query=back), expected)


def test_duckdb_is_the_definition_itself():
    assert history_query_in("duckdb") == history_query()
