"""Which history features carry a change of a history table: the source columns of each
feature, read from its one SQL definition (sqlglot's column lineage), and the tables whose
coverage it reflects. Monitoring uses it to trace a drifted feature back to the table column
that moved (``credit_monitoring.history_lineage``). sqlglot is imported lazily, as in
:mod:`credit_core.history.dialects`: the scoring Lambda and the drift job never call this.
"""

from __future__ import annotations

from functools import cache

from credit_core.history.definitions import FEATURES, history_query
from credit_core.history.tables import TABLES

COVERAGE = "SK_ID_CURR"  # the manifest's entry for a change of a table's applicant coverage

# the tables each feature group reads rows from (bureau_balance rows hang on bureau credits)
GROUP_TABLES: dict[str, tuple[str, ...]] = {
    "bureau": ("bureau",),
    "bureau_balance": ("bureau", "bureau_balance"),
    "previous": ("previous_application",),
    "instalments": ("installments_payments",),
    "pos": ("POS_CASH_balance",),
    "pos_loans": ("POS_CASH_balance",),
    "cards": ("credit_card_balance",),
    "cards_last": ("credit_card_balance",),
}

# Kaggle's totals include their parts (credit_card_balance: drawings at ATMs, at points of
# sale and other drawings add up to the month's drawings), so a change of a part reaches them
TOTALS: dict[tuple[str, str], tuple[str, ...]] = {
    ("credit_card_balance", "AMT_DRAWINGS_CURRENT"): (
        "AMT_DRAWINGS_ATM_CURRENT",
        "AMT_DRAWINGS_POS_CURRENT",
        "AMT_DRAWINGS_OTHER_CURRENT",
    ),
    ("credit_card_balance", "CNT_DRAWINGS_CURRENT"): (
        "CNT_DRAWINGS_ATM_CURRENT",
        "CNT_DRAWINGS_POS_CURRENT",
        "CNT_DRAWINGS_OTHER_CURRENT",
    ),
}


@cache
def feature_sources() -> dict[str, frozenset[tuple[str, str]]]:
    """History feature -> the (table, column) pairs its value is computed from (sqlglot's
    column lineage of the history query; filters and row counts are not columns), with the
    parts of the totals it reads (:data:`TOTALS`). About 6 s, once per process."""
    from sqlglot import exp
    from sqlglot.lineage import lineage

    sql_type = {"int": "BIGINT", "float": "DOUBLE", "text": "VARCHAR"}
    schema = {t: {n: sql_type[k] for n, k in cols} for t, cols in TABLES.items()}
    nodes = lineage(None, history_query(), schema=schema, dialect="duckdb")
    if not isinstance(nodes, dict):  # one node only when a column is named
        raise TypeError("sqlglot's lineage of every column is a mapping")
    table_name = {t.lower(): t for t in TABLES}  # sqlglot lower-cases the identifiers
    out: dict[str, frozenset[tuple[str, str]]] = {}
    for f in FEATURES:
        node = nodes[f.name.lower()]
        leaves = {
            (table_name[n.source.name.lower()], n.name.rsplit(".", 1)[-1].upper())
            for n in node.walk()
            if not n.downstream and isinstance(n.source, exp.Table)
        }
        parts = {(t, p) for (t, c) in leaves for p in TOTALS.get((t, c), ())}
        out[f.name] = frozenset(leaves | parts)
    return out


def carriers(table: str, column: str) -> set[str]:
    """The history features a change of ``table.column`` reaches; ``column`` = ``SK_ID_CURR``:
    every feature of the groups reading ``table`` (a change of the share of applicants without
    a row moves their missing rate or their share of zeros)."""
    if column == COVERAGE:
        return {f.name for f in FEATURES if table in GROUP_TABLES[f.group]}
    return {name for name, src in feature_sources().items() if (table, column) in src}


__all__ = ["COVERAGE", "GROUP_TABLES", "TOTALS", "carriers", "feature_sources"]
