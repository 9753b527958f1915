"""History features at full size: time and peak memory for all 356,255 applicants.

Until the twin writes the six history tables (issue 18), ``generate`` writes synthetic ones
with the Kaggle file names, headers and dtypes and the real row counts (about 58 M rows;
``--scale`` for a share), values drawn at random in plausible ranges (the speed of a group-by
depends on rows, keys and types, not on realism). ``run`` generates when needed, then times
``compute`` in a child process under ``/usr/bin/time -v`` (wall and peak resident memory):

    uv run --locked --no-sync python bench/history_features_bench.py run --data data/bench_history

``compute --data DIR [--parity N]`` alone works on any history folder (the twin's, the real
Kaggle one: its applicants are read from ``application_train/test.csv`` when present) and can
check the per-client path against the batch on N clients.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

CLIENTS = 356_255  # 307,511 train + 48,744 test applicants
FIRST_ID = 100_001
ROWS = {  # the real tables' row counts (public statistics)
    "bureau": 1_716_428,
    "bureau_balance": 27_299_925,
    "previous_application": 1_670_214,
    "POS_CASH_balance": 10_001_358,
    "installments_payments": 13_605_401,
    "credit_card_balance": 3_840_312,
}

CLIENT = f"{FIRST_ID} + hash(k) % {CLIENTS}"  # a loan's client, fixed per loan key k


def select_for(table: str, n: int) -> str:
    """A SELECT over ``range(n)`` (column ``i``) giving ``table``'s columns in file order."""
    r = "random()"
    if table == "bureau":
        return f"""
        SELECT {FIRST_ID} + hash(i) % {CLIENTS} AS SK_ID_CURR, 5000000 + i AS SK_ID_BUREAU,
          CASE WHEN {r} < 0.63 THEN 'Closed' WHEN {r} < 0.99 THEN 'Active' ELSE 'Sold' END
            AS CREDIT_ACTIVE,
          'currency 1' AS CREDIT_CURRENCY, -CAST(floor({r} * 2922) AS BIGINT) AS DAYS_CREDIT,
          CASE WHEN {r} < 0.98 THEN 0 ELSE CAST(floor({r} * 90) AS BIGINT) END
            AS CREDIT_DAY_OVERDUE,
          round({r} * 4000 - 2000) AS DAYS_CREDIT_ENDDATE,
          CASE WHEN {r} < 0.6 THEN -round({r} * 2900) END AS DAYS_ENDDATE_FACT,
          CASE WHEN {r} < 0.35 THEN round({r} * 5000, 2) END AS AMT_CREDIT_MAX_OVERDUE,
          CASE WHEN {r} < 0.99 THEN 0 ELSE 1 END AS CNT_CREDIT_PROLONG,
          round({r} * 500000, 1) AS AMT_CREDIT_SUM,
          CASE WHEN {r} < 0.85 THEN round({r} * 200000, 1) END AS AMT_CREDIT_SUM_DEBT,
          CASE WHEN {r} < 0.65 THEN 0.0 END AS AMT_CREDIT_SUM_LIMIT,
          CASE WHEN {r} < 0.998 THEN 0.0 ELSE round({r} * 9000, 1) END AS AMT_CREDIT_SUM_OVERDUE,
          CASE WHEN {r} < 0.73 THEN 'Consumer credit' ELSE 'Credit card' END AS CREDIT_TYPE,
          -CAST(floor({r} * 1500) AS BIGINT) + CASE WHEN {r} < 0.01 THEN 1500 ELSE 0 END
            AS DAYS_CREDIT_UPDATE,
          CASE WHEN {r} < 0.3 THEN round({r} * 20000, 1) END AS AMT_ANNUITY
        FROM range({n}) t(i)"""
    if table == "bureau_balance":  # ~33 months per bureau credit, newest first
        per = max(n // 817_395, 1)
        return f"""
        SELECT 5000000 + i // {per} AS SK_ID_BUREAU, -(i % {per}) AS MONTHS_BALANCE,
          CASE WHEN {r} < 0.5 THEN 'C' WHEN {r} < 0.55 THEN 'X' WHEN {r} < 0.97 THEN '0'
               WHEN {r} < 0.99 THEN '1' ELSE '5' END AS STATUS
        FROM range({n}) t(i)"""
    if table == "previous_application":
        return f"""
        SELECT 1000001 + i AS SK_ID_PREV, {FIRST_ID} + hash(i) % {CLIENTS} AS SK_ID_CURR,
          'Cash loans' AS NAME_CONTRACT_TYPE, round({r} * 30000, 3) AS AMT_ANNUITY,
          round({r} * 400000, 1) AS AMT_APPLICATION, round({r} * 400000, 1) AS AMT_CREDIT,
          CASE WHEN {r} < 0.46 THEN round({r} * 9000, 1) END AS AMT_DOWN_PAYMENT,
          round({r} * 400000, 1) AS AMT_GOODS_PRICE, 'MONDAY' AS WEEKDAY_APPR_PROCESS_START,
          CAST(floor({r} * 24) AS BIGINT) AS HOUR_APPR_PROCESS_START,
          'Y' AS FLAG_LAST_APPL_PER_CONTRACT, 1 AS NFLAG_LAST_APPL_IN_DAY, CASE WHEN {r} < 0.46 THEN {r} END AS RATE_DOWN_PAYMENT,
          NULL::DOUBLE AS RATE_INTEREST_PRIMARY, NULL::DOUBLE AS RATE_INTEREST_PRIVILEGED,
          'XAP' AS NAME_CASH_LOAN_PURPOSE,
          CASE WHEN {r} < 0.62 THEN 'Approved' WHEN {r} < 0.81 THEN 'Canceled'
               WHEN {r} < 0.98 THEN 'Refused' ELSE 'Unused offer' END AS NAME_CONTRACT_STATUS,
          -CAST(1 + floor({r} * 2921) AS BIGINT) AS DAYS_DECISION,
          'XNA' AS NAME_PAYMENT_TYPE, 'XAP' AS CODE_REJECT_REASON, NULL AS NAME_TYPE_SUITE,
          'Repeater' AS NAME_CLIENT_TYPE, 'XNA' AS NAME_GOODS_CATEGORY, 'POS' AS NAME_PORTFOLIO,
          'XNA' AS NAME_PRODUCT_TYPE, 'Stone' AS CHANNEL_TYPE, -1 AS SELLERPLACE_AREA,
          'XNA' AS NAME_SELLER_INDUSTRY, 12.0 AS CNT_PAYMENT, 'middle' AS NAME_YIELD_GROUP,
          'Cash' AS PRODUCT_COMBINATION,
          365243.0 AS DAYS_FIRST_DRAWING, -round({r} * 2800) AS DAYS_FIRST_DUE,
          -round({r} * 2700) AS DAYS_LAST_DUE_1ST_VERSION,
          CASE WHEN {r} < 0.2 THEN 365243.0 ELSE -round({r} * 2700) END AS DAYS_LAST_DUE,
          CASE WHEN {r} < 0.2 THEN 365243.0 ELSE -round({r} * 2700) END AS DAYS_TERMINATION,
          CASE WHEN {r} < 0.3 THEN 1.0 ELSE 0.0 END AS NFLAG_INSURED_ON_APPROVAL
        FROM range({n}) t(i)"""
    if table == "POS_CASH_balance":  # ~11 months per loan
        return f"""
        SELECT k AS SK_ID_PREV, {CLIENT} AS SK_ID_CURR, -(1 + i % 11) AS MONTHS_BALANCE,
          12.0 AS CNT_INSTALMENT, CAST(i % 11 AS DOUBLE) AS CNT_INSTALMENT_FUTURE,
          CASE WHEN i % 11 = 0 AND {r} < 0.8 THEN 'Completed' ELSE 'Active' END
            AS NAME_CONTRACT_STATUS,
          CASE WHEN {r} < 0.97 THEN 0 ELSE CAST(floor({r} * 60) AS BIGINT) END AS SK_DPD,
          CASE WHEN {r} < 0.99 THEN 0 ELSE CAST(floor({r} * 30) AS BIGINT) END AS SK_DPD_DEF
        FROM (SELECT i, 1000001 + i // 11 AS k FROM range({n}) t(i))"""
    if table == "installments_payments":  # ~14 instalments per loan, some paid late
        return f"""
        SELECT k AS SK_ID_PREV, {CLIENT} AS SK_ID_CURR, 1.0 AS NUM_INSTALMENT_VERSION,
          1 + i % 14 AS NUM_INSTALMENT_NUMBER, due AS DAYS_INSTALMENT,
          CASE WHEN {r} < 0.0002 THEN NULL
               ELSE least(due + round({r} * 20 - 14), -1) END AS DAYS_ENTRY_PAYMENT,
          amt AS AMT_INSTALMENT,
          CASE WHEN {r} < 0.05 THEN round(amt * {r}, 3) ELSE amt END AS AMT_PAYMENT
        FROM (SELECT i, 1000001 + i // 14 AS k, -(1.0 + 30 * (i % 14) + floor({r} * 2500)) AS due,
                     round({r} * 20000, 3) AS amt FROM range({n}) t(i))"""
    if table == "credit_card_balance":  # ~37 months per card
        amounts = ", ".join(
            f"{e} AS {c}"
            for c, e in (
                ("AMT_DRAWINGS_ATM_CURRENT", f"CASE WHEN {r} < 0.8 THEN round({r} * 9000, 2) END"),
                ("AMT_DRAWINGS_CURRENT", f"round({r} * 12000, 2)"),
                ("AMT_DRAWINGS_OTHER_CURRENT", f"CASE WHEN {r} < 0.8 THEN 0.0 END"),
                ("AMT_DRAWINGS_POS_CURRENT", f"CASE WHEN {r} < 0.8 THEN round({r} * 3000, 2) END"),
                ("AMT_INST_MIN_REGULARITY", f"round({r} * 5000, 3)"),
                ("AMT_PAYMENT_CURRENT", f"CASE WHEN {r} < 0.8 THEN round({r} * 8000, 3) END"),
                ("AMT_PAYMENT_TOTAL_CURRENT", f"round({r} * 8000, 3)"),
                ("AMT_RECEIVABLE_PRINCIPAL", "bal"),
                ("AMT_RECIVABLE", "bal"),
                ("AMT_TOTAL_RECEIVABLE", "bal"),
                ("CNT_DRAWINGS_ATM_CURRENT", f"CASE WHEN {r} < 0.8 THEN floor({r} * 4) END"),
                ("CNT_DRAWINGS_CURRENT", f"CAST(floor({r} * 6) AS BIGINT)"),
                ("CNT_DRAWINGS_OTHER_CURRENT", f"CASE WHEN {r} < 0.8 THEN 0.0 END"),
                ("CNT_DRAWINGS_POS_CURRENT", f"CASE WHEN {r} < 0.8 THEN floor({r} * 3) END"),
                ("CNT_INSTALMENT_MATURE_CUM", "CAST(i % 37 AS DOUBLE)"),
            )
        )
        return f"""
        SELECT k AS SK_ID_PREV, {CLIENT} AS SK_ID_CURR, -(1 + i % 37) AS MONTHS_BALANCE,
          bal AS AMT_BALANCE, lim AS AMT_CREDIT_LIMIT_ACTUAL, {amounts},
          'Active' AS NAME_CONTRACT_STATUS,
          CASE WHEN {r} < 0.97 THEN 0 ELSE CAST(floor({r} * 40) AS BIGINT) END AS SK_DPD,
          CASE WHEN {r} < 0.99 THEN 0 ELSE CAST(floor({r} * 20) AS BIGINT) END AS SK_DPD_DEF
        FROM (SELECT i, 2000001 + i // 37 AS k, 45000 AS lim,
                     round(random() * 50000, 3) AS bal FROM range({n}) t(i))"""
    raise KeyError(table)


def generate(out: Path, scale: float) -> None:
    import duckdb

    from credit_core.history.tables import column_names, file_name

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    for table, rows in ROWS.items():
        n = max(int(rows * scale), 1)
        t0 = time.perf_counter()
        assert con.sql(select_for(table, 1)).columns == column_names(table), table
        path = out / file_name(table)
        con.execute(f"COPY ({select_for(table, n)}) TO '{path}' (HEADER, DELIMITER ',')")
        print(f"  {file_name(table):28s} {n:>12,} rows  {time.perf_counter() - t0:6.1f} s")


def applicant_ids(data: Path) -> list[int] | range:
    """The applicants of the folder's application files, else the full-size id range."""
    import pandas as pd

    files = [data / f"application_{kind}.csv" for kind in ("train", "test")]
    if not all(f.exists() for f in files):
        return range(FIRST_ID, FIRST_ID + CLIENTS)
    return [i for f in files for i in pd.read_csv(f, usecols=["SK_ID_CURR"])["SK_ID_CURR"]]


def compute(data: Path, threads: int | None, memory_limit: str, parity: int = 0) -> None:
    import pandas as pd

    from credit_core.history import engine
    from credit_core.history.definitions import definitions_digest

    t0 = time.perf_counter()
    con = engine.connect_folder(data, memory_limit=memory_limit, threads=threads)
    features = engine.batch_features(con, ids=applicant_ids(data))
    wall = time.perf_counter() - t0
    with_history = int((features["INST_COUNT"] + features["BUREAU_CREDIT_COUNT"] > 0).sum())
    print(
        f"computed {features.shape[1]} history features for {len(features):,} applicants "
        f"({with_history:,} with instalment or bureau history) in {wall:.1f} s; "
        f"definitions {definitions_digest()[:19]}…"
    )
    for client in features.index[features["INST_COUNT"] > 0][:parity]:
        one = pd.Series(engine.client_features(con, client), name=client)
        pd.testing.assert_series_equal(one, features.loc[client])
    if parity:
        print(f"per-client path identical to the batch on {min(parity, len(features))} clients")


def run(data: Path, scale: float, threads: int | None, memory_limit: str) -> None:
    if not (data / "bureau.csv").exists():
        print(f"generating synthetic history tables in {data} (scale {scale})")
        generate(data, scale)
    size = sum(p.stat().st_size for p in data.glob("*.csv")) / 1e9
    print(f"history folder {data}: {size:.2f} GB of CSV")
    cmd = [sys.executable, __file__, "compute", "--data", str(data), "--memory-limit", memory_limit]
    if threads:
        cmd += ["--threads", str(threads)]
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    print(proc.stdout.strip())
    if proc.returncode:
        print(proc.stderr[-3000:])
        raise SystemExit(proc.returncode)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", proc.stderr).group(1)
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    cpu = re.search(r"Percent of CPU this job got: (\S+)", proc.stderr).group(1)
    print(f"/usr/bin/time -v: wall {wall}, peak RSS {peak_kb / 1e6:.2f} GB, CPU {cpu}")
    print("target (issue 19): <= 5 min wall, <= 8 GB peak; the machine's 2 cores are shared")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("generate", "compute", "run"):
        p = sub.add_parser(name)
        p.add_argument("--data", type=Path, default=Path("data/bench_history"))
        p.add_argument("--scale", type=float, default=1.0)
        p.add_argument("--threads", type=int, default=None)
        p.add_argument("--memory-limit", default="6GB")
        p.add_argument("--parity", type=int, default=0, help="clients checked one by one")
    args = parser.parse_args()
    if args.cmd == "generate":
        generate(args.data, args.scale)
    elif args.cmd == "compute":
        compute(args.data, args.threads, args.memory_limit, args.parity)
    else:
        run(args.data, args.scale, args.threads, args.memory_limit)


if __name__ == "__main__":
    main()
