"""Each client's history summary for the credit officer's screen
(:class:`~credit_core.contracts.history.HistorySummary`), computed with the same engine and the
same point-in-time stages as the features (:data:`~credit_core.history.definitions.STAGES`):
a record the lender could not know at the application is left out here as there.

One query (DuckDB) builds every client's summary as JSON; :func:`batch_summaries` streams them
for the publisher, :func:`client_summary` runs it over one client's rows. Each document is
checked against the contract before it is stored (msgpack, :func:`pack`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

import msgspec

from credit_core.contracts.history import (
    PUNCTUALITY_MONTHS,
    HistorySummary,
    read_history_summary,
)
from credit_core.history.definitions import ID, STAGES
from credit_core.history.tables import TABLES

if TYPE_CHECKING:
    import duckdb

DAYS_PER_MONTH = 30.4375  # an instalment's due day -> its month: FLOOR(day / 30.4375)
FETCH_ROWS = 5000

_JSON = msgspec.json.Decoder(HistorySummary)
_PACK = msgspec.msgpack.Encoder()


def summary_query(as_of: date) -> str:
    """The summary of every ``spine`` client as one JSON document (``doc``), over the six
    tables by their Kaggle names, after the features' point-in-time stages."""
    months = PUNCTUALITY_MONTHS
    return f"""WITH{STAGES},
bureau_rows AS (
  SELECT {ID},
    LIST(STRUCT_PACK(status := CREDIT_ACTIVE, amount := AMT_CREDIT_SUM,
                     debt := AMT_CREDIT_SUM_DEBT, overdue := AMT_CREDIT_SUM_OVERDUE,
                     opened_day := DAYS_CREDIT,
                     end_day := COALESCE(DAYS_ENDDATE_FACT, DAYS_CREDIT_ENDDATE))
         ORDER BY DAYS_CREDIT DESC, SK_ID_BUREAU) AS bureau,
    SUM(CASE WHEN CREDIT_ACTIVE = 'Active' THEN 1 ELSE 0 END) AS active,
    SUM(CASE WHEN CREDIT_ACTIVE = 'Closed' THEN 1 ELSE 0 END) AS closed,
    SUM(CASE WHEN CREDIT_ACTIVE IN ('Bad debt', 'Sold') THEN 1 ELSE 0 END) AS other,
    SUM(CASE WHEN CREDIT_ACTIVE = 'Active' THEN AMT_CREDIT_SUM_DEBT END) AS debt,
    SUM(AMT_CREDIT_SUM_OVERDUE) AS overdue
  FROM bureau_known
  GROUP BY {ID}
),
previous_rows AS (
  SELECT {ID},
    LIST(STRUCT_PACK(status := NAME_CONTRACT_STATUS, asked := AMT_APPLICATION,
                     granted := CASE WHEN NAME_CONTRACT_STATUS = 'Approved' THEN AMT_CREDIT END,
                     decided_day := DAYS_DECISION)
         ORDER BY DAYS_DECISION DESC, AMT_APPLICATION) AS previous
  FROM previous_known
  GROUP BY {ID}
),
punctuality_month AS (
  SELECT {ID}, CAST(FLOOR(due_day / {DAYS_PER_MONTH}) AS INTEGER) AS month,
    SUM(CASE WHEN missed = 0 AND late = 0 THEN 1 ELSE 0 END) AS on_time,
    SUM(late) AS late,
    SUM(missed) AS missed
  FROM instalment_paid
  WHERE due_day >= -{months} * {DAYS_PER_MONTH}
  GROUP BY {ID}, month
),
punctuality_rows AS (
  SELECT {ID},
    LIST(STRUCT_PACK(month := month, on_time := on_time, late := late, missed := missed)
         ORDER BY month) AS punctuality
  FROM punctuality_month
  WHERE month >= -{months}
  GROUP BY {ID}
),
card_month AS (
  SELECT {ID}, MONTHS_BALANCE AS month, SUM(AMT_BALANCE) AS balance,
    SUM(AMT_CREDIT_LIMIT_ACTUAL) AS card_limit
  FROM card_known
  WHERE MONTHS_BALANCE >= -{months}
  GROUP BY {ID}, MONTHS_BALANCE
),
card_rows AS (
  SELECT {ID},
    LIST(STRUCT_PACK(month := month, balance := balance, "limit" := card_limit,
                     utilisation := balance / NULLIF(CAST(card_limit AS DOUBLE), 0))
         ORDER BY month) AS cards
  FROM card_month
  GROUP BY {ID}
)
SELECT spine.{ID}, to_json(STRUCT_PACK(
  sk_id_curr := spine.{ID},
  as_of := '{as_of.isoformat()}',
  bureau_totals := STRUCT_PACK(active := COALESCE(b.active, 0), closed := COALESCE(b.closed, 0),
                               other := COALESCE(b.other, 0), debt := COALESCE(b.debt, 0.0),
                               overdue := COALESCE(b.overdue, 0.0)),
  bureau := COALESCE(b.bureau, []),
  previous := COALESCE(p.previous, []),
  punctuality := COALESCE(i.punctuality, []),
  cards := COALESCE(c.cards, [])
)) AS doc
FROM spine
LEFT JOIN bureau_rows AS b ON b.{ID} = spine.{ID}
LEFT JOIN previous_rows AS p ON p.{ID} = spine.{ID}
LEFT JOIN punctuality_rows AS i ON i.{ID} = spine.{ID}
LEFT JOIN card_rows AS c ON c.{ID} = spine.{ID}
ORDER BY spine.{ID}"""


def _spine_views(ids: Iterable[int] | None, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    from credit_core.history.engine import SOURCE  # the engine only where a query runs

    views = {t: f"SELECT * FROM {SOURCE}.{t}" for t in TABLES}
    if ids is None:
        union = " UNION ".join(
            f"SELECT {ID} FROM {SOURCE}.{t}" for t, cols in TABLES.items() if (ID, "int") in cols
        )
        views["spine"] = f"SELECT DISTINCT {ID} FROM ({union})"
    else:
        import pandas as pd

        frame = pd.DataFrame({ID: pd.unique(pd.Series(list(ids), dtype="int64"))})
        con.register("_summary_ids", frame)
        views["spine"] = f"SELECT {ID} FROM main._summary_ids"
    return views


def batch_summaries(
    con: duckdb.DuckDBPyConnection, as_of: date, ids: Iterable[int] | None = None
) -> Iterator[HistorySummary]:
    """Every client's summary (those of ``ids``, or every client a history table names), in
    ascending ``SK_ID_CURR``, streamed a few thousand at a time. ``con`` is a connection of
    :mod:`credit_core.history.engine`; a document the contract refuses raises
    ``msgspec.ValidationError`` (a table value outside the contract, e.g. an unknown status)."""
    from credit_core.history.engine import _run

    views = _spine_views(ids, con)
    try:
        result = _run(con, "history_summary", views, summary_query(as_of))
        while rows := result.fetchmany(FETCH_ROWS):
            for _, doc in rows:
                yield _JSON.decode(doc)
    finally:
        con.execute("SET search_path = 'main'")


def client_summary(con: duckdb.DuckDBPyConnection, client_id: int, as_of: date) -> HistorySummary:
    """One client's summary (empty lists when the tables hold nothing about them)."""
    (summary,) = batch_summaries(con, as_of, [int(client_id)])
    return summary


def pack(summary: HistorySummary) -> bytes:
    """The stored form (msgpack: about half the JSON's size)."""
    return _PACK.encode(summary)


def unpack(blob: bytes) -> HistorySummary:
    """A stored summary, upgraded if an older version wrote it; ContractError (or
    ContractVersionError) if it is not one this reader can read."""
    from credit_core.contracts.versions import ContractError

    try:
        doc = msgspec.msgpack.decode(blob)
    except msgspec.DecodeError as exc:
        raise ContractError(f"HistorySummary: not msgpack: {exc}") from None
    return read_history_summary(doc)
