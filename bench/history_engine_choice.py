"""DuckDB vs Polars on the heaviest history aggregation, side by side in one process.

The instalment features group payments per instalment, then per client (13.6 M rows at full
size). This builds an ``installments_payments``-like table in memory (real column names), runs
the same two-level aggregation in both engines and prints wall time per engine (best of
``--repeat``). Polars is not a project dependency: run with
``uv run --locked --no-sync --with polars python bench/history_engine_choice.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def instalments(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    loans = max(rows // 14, 1)
    prev = rng.integers(1_000_001, 1_000_001 + loans, rows)
    due = -rng.integers(1, 2922, rows).astype(np.float64)
    late = rng.choice([0, 0, 0, 0, 0, 0, 3, 10, -5, -2], rows).astype(np.float64)
    amount = np.round(rng.gamma(2.0, 8000.0, rows), 2)
    paid = np.where(rng.random(rows) < 0.95, amount, np.round(amount * 0.5, 2))
    return pd.DataFrame(
        {
            "SK_ID_PREV": prev,
            "SK_ID_CURR": 100_001 + prev % 356_255,
            "NUM_INSTALMENT_VERSION": np.ones(rows),
            "NUM_INSTALMENT_NUMBER": rng.integers(1, 60, rows),
            "DAYS_INSTALMENT": due,
            "DAYS_ENTRY_PAYMENT": np.minimum(due + late, -1.0),
            "AMT_INSTALMENT": amount,
            "AMT_PAYMENT": paid,
        }
    )


SQL = """
WITH per_instalment AS (
  SELECT SK_ID_CURR, SK_ID_PREV, NUM_INSTALMENT_NUMBER,
         MIN(DAYS_INSTALMENT) AS due_day, MAX(AMT_INSTALMENT) AS due,
         SUM(AMT_PAYMENT) AS paid, MAX(DAYS_ENTRY_PAYMENT) AS paid_day
  FROM inst WHERE DAYS_INSTALMENT <= 0
  GROUP BY SK_ID_CURR, SK_ID_PREV, NUM_INSTALMENT_VERSION, NUM_INSTALMENT_NUMBER)
SELECT SK_ID_CURR, COUNT(*) AS n,
       SUM(CASE WHEN paid_day > due_day THEN 1 ELSE 0 END) AS late,
       MAX(paid_day - due_day) AS days_late_max,
       SUM(paid) / SUM(due) AS paid_due,
       SUM(CASE WHEN due_day >= -365 THEN 1 ELSE 0 END) AS n_12m
FROM per_instalment GROUP BY SK_ID_CURR
"""


def run_duckdb(frame: pd.DataFrame) -> int:
    import duckdb

    con = duckdb.connect()
    con.register("inst", frame)
    return len(con.sql(SQL).fetchnumpy()["SK_ID_CURR"])


def run_polars(frame: pd.DataFrame) -> int:
    import polars as pl

    df = pl.from_pandas(frame)
    per = (
        df.lazy()
        .filter(pl.col("DAYS_INSTALMENT") <= 0)
        .group_by("SK_ID_CURR", "SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER")
        .agg(
            pl.col("DAYS_INSTALMENT").min().alias("due_day"),
            pl.col("AMT_INSTALMENT").max().alias("due"),
            pl.col("AMT_PAYMENT").sum().alias("paid"),
            pl.col("DAYS_ENTRY_PAYMENT").max().alias("paid_day"),
        )
    )
    out = (
        per.group_by("SK_ID_CURR")
        .agg(
            pl.len().alias("n"),
            (pl.col("paid_day") > pl.col("due_day")).sum().alias("late"),
            (pl.col("paid_day") - pl.col("due_day")).max().alias("days_late_max"),
            (pl.col("paid").sum() / pl.col("due").sum()).alias("paid_due"),
            (pl.col("due_day") >= -365).sum().alias("n_12m"),
        )
        .collect()
    )
    return out.height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = instalments(args.rows)
    print(f"{args.rows:,} instalment rows in memory; best of {args.repeat}, same process")
    for name, run in (("duckdb", run_duckdb), ("polars", run_polars)):
        times, clients = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            clients = run(frame)
            times.append(time.perf_counter() - t0)
        print(f"  {name:7s} {min(times):6.2f} s  ({clients:,} clients)")


if __name__ == "__main__":
    main()
