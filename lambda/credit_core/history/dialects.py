"""The history query in the SQL of engines that scale out (Trino/Athena, Spark SQL), translated
from the one DuckDB definition with sqlglot (imported lazily), so a lender who outgrows one
machine runs the same definitions, and the same digest, on a cluster."""

from __future__ import annotations

from typing import Literal

from credit_core.history.definitions import history_query

Dialect = Literal["duckdb", "trino", "athena", "spark"]


def history_query_in(dialect: Dialect) -> str:
    """The history query written for ``dialect`` (the six tables and ``spine`` by name)."""
    import sqlglot
    from sqlglot.errors import ErrorLevel

    if dialect == "duckdb":
        return history_query()
    (sql,) = sqlglot.transpile(
        history_query(),
        read="duckdb",
        write=dialect,
        pretty=True,
        unsupported_level=ErrorLevel.RAISE,
    )
    return sql
