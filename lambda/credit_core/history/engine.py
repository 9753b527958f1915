"""Runs the history query (:mod:`credit_core.history.definitions`) with DuckDB.

Two paths, one query text: :func:`batch_features` for every client (training, the store
publisher), :func:`client_features` for one ``SK_ID_CURR`` (the same query over that client's
rows only). The six tables come from a folder of Kaggle-named CSV files
(:func:`connect_folder`) or from in-memory frames (:func:`connect_frames`). DuckDB is imported
here only, lazily: the scoring Lambda never imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credit_core.history.definitions import ID, feature_names, history_query
from credit_core.history.layout import check_history_folder
from credit_core.history.tables import TABLES

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

SQL_TYPES = {"int": "BIGINT", "float": "DOUBLE", "text": "VARCHAR"}
SOURCE = "history_src"  # schema of the full tables; each run reads views in its own schema


class HistoryFolderError(ValueError):
    """The folder's history files do not match the Kaggle layout; ``problems`` names each."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _connect(memory_limit: str | None, threads: int | None) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")  # less memory; the query sorts its output
    con.execute(f"CREATE SCHEMA {SOURCE}")
    return con


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect_folder(
    directory: Path | str,
    memory_limit: str | None = "6GB",
    threads: int | None = None,
    load: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A connection reading the six CSV files of ``directory`` (checked first: names and
    headers; :class:`HistoryFolderError` otherwise) with the Kaggle dtypes. By default each
    query scans the files (one pass: the batch); ``load`` copies them once into DuckDB's
    columnar storage, for many queries (client by client)."""
    layout = check_history_folder(directory)
    if not layout.complete:
        raise HistoryFolderError(layout.problems or [f"{directory}: no history files"])
    con = _connect(memory_limit, threads)
    for table, path in layout.files.items():
        columns = ", ".join(f"{_quote(n)}: {_quote(SQL_TYPES[t])}" for n, t in TABLES[table])
        kind = "TABLE" if load else "VIEW"
        con.execute(
            f"CREATE {kind} {SOURCE}.{table} AS SELECT * FROM read_csv({_quote(str(path))}, "
            f"header = true, columns = {{{columns}}})"
        )
    return con


def connect_frames(
    frames: Mapping[str, pd.DataFrame], memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection over in-memory tables (pandas frames with the Kaggle columns; a table left
    out is empty). Columns are cast to the Kaggle dtypes, so a frame of ints reads as floats
    where the file would."""
    unknown = sorted(set(frames) - set(TABLES))
    if unknown:
        raise KeyError(f"unknown history table(s): {', '.join(unknown)}")
    con = _connect(memory_limit, None)
    for table, columns in TABLES.items():
        if table in frames:
            con.register(f"_frame_{table}", frames[table])
            select = ", ".join(f"CAST({n} AS {SQL_TYPES[t]}) AS {n}" for n, t in columns)
            source = f"_frame_{table}"
        else:
            select = ", ".join(f"CAST(NULL AS {SQL_TYPES[t]}) AS {n}" for n, t in columns)
            source = "(SELECT 1 AS one) AS empty WHERE false"
        con.execute(f"CREATE VIEW {SOURCE}.{table} AS SELECT {select} FROM {source}")
    return con


def _run(
    con: duckdb.DuckDBPyConnection, schema: str, views: dict[str, str], query: str | None = None
) -> Any:
    """The history query (or ``query``) with its unqualified table names resolved in
    ``schema``."""
    con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    con.execute(f"CREATE SCHEMA {schema}")
    for name, select in views.items():
        con.execute(f"CREATE VIEW {schema}.{name} AS {select}")
    con.execute(f"SET search_path = '{schema}'")  # the caller resets it
    return con.execute(query or history_query())


def batch_features(
    con: duckdb.DuckDBPyConnection, ids: Iterable[int] | None = None, query: str | None = None
) -> pd.DataFrame:
    """History features of many clients: one row per id of ``ids`` (every client found in a
    history table when ``None``), ascending ``SK_ID_CURR``, one float64 column per feature.
    ``query`` replaces the definition's text (a translation read back, in tests)."""
    import pandas as pd

    views = {t: f"SELECT * FROM {SOURCE}.{t}" for t in TABLES}
    if ids is None:
        union = " UNION ".join(
            f"SELECT {ID} FROM {SOURCE}.{t}" for t, cols in TABLES.items() if (ID, "int") in cols
        )
        views["spine"] = f"SELECT DISTINCT {ID} FROM ({union})"
    else:
        frame = pd.DataFrame({ID: pd.unique(pd.Series(list(ids), dtype="int64"))})
        con.register("_spine_ids", frame)
        views["spine"] = f"SELECT {ID} FROM main._spine_ids"
    try:
        result = _run(con, "history_batch", views, query).df()
    finally:
        con.execute("SET search_path = 'main'")
    return result.set_index(ID)[feature_names()].astype("float64")


def client_features(con: duckdb.DuckDBPyConnection, client_id: int) -> dict[str, float]:
    """History features of one client: the same query over that client's rows only (a client
    without any record gets :func:`~credit_core.history.definitions.no_history_values`)."""
    cid = int(client_id)
    views = {
        t: f"SELECT * FROM {SOURCE}.{t} WHERE {ID} = {cid}"
        for t, cols in TABLES.items()
        if (ID, "int") in cols
    }
    views["bureau_balance"] = (
        f"SELECT * FROM {SOURCE}.bureau_balance WHERE SK_ID_BUREAU IN "
        f"(SELECT SK_ID_BUREAU FROM {SOURCE}.bureau WHERE {ID} = {cid})"
    )
    views["spine"] = f"SELECT CAST({cid} AS BIGINT) AS {ID}"
    try:
        row = _run(con, "history_client", views).fetchone()
    finally:
        con.execute("SET search_path = 'main'")
    names = feature_names()
    return {
        n: (float("nan") if v is None else float(v)) for n, v in zip(names, row[1:], strict=True)
    }
