"""Small history tables for training tests: the six Kaggle files for given applicants, with a
signal tied to their label (defaulters pay more instalments late and were refused more often),
and a share of applicants without any record. Not the twin: a few seconds of test data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from credit_core.history.tables import TABLES, file_name

DEFAULTS = {"int": 0, "float": np.nan, "text": "XNA"}


def _table(name: str, n: int, given: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: given[c] if c in given else np.full(n, DEFAULTS[t]) for c, t in TABLES[name]}
    )


def write_history_tables(
    out: Path, ids: np.ndarray, target: np.ndarray, seed: int = 0, coverage: float = 0.7
) -> None:
    """The six history CSV files in ``out`` for applicants ``ids`` with labels ``target``."""
    rng = np.random.default_rng(seed)
    has = rng.random(len(ids)) < coverage
    cid, y = ids[has], target[has].astype(float)
    n = len(cid)

    # previous applications: 1-4 per client, defaulters refused more often
    k_prev = rng.integers(1, 5, n)
    prev_c = np.repeat(cid, k_prev)
    prev_y = np.repeat(y, k_prev)
    m = len(prev_c)
    refused = rng.random(m) < 0.12 + 0.35 * prev_y
    prev_id = 1_000_000 + np.arange(m)
    asked = rng.uniform(20_000, 400_000, m).round()
    previous = _table(
        "previous_application",
        m,
        {
            "SK_ID_PREV": prev_id,
            "SK_ID_CURR": prev_c,
            "NAME_CONTRACT_STATUS": np.where(refused, "Refused", "Approved"),
            "DAYS_DECISION": -rng.integers(30, 2000, m),
            "AMT_APPLICATION": asked,
            "AMT_CREDIT": np.where(refused, 0.0, asked * rng.uniform(0.8, 1.0, m)).round(),
            "AMT_ANNUITY": (asked / 20).round(),
            "CNT_PAYMENT": np.full(m, 24.0),
            "DAYS_FIRST_DUE": np.where(refused, 365243.0, -rng.integers(1, 600, m)),
            "DAYS_TERMINATION": np.full(m, 365243.0),
        },
    )

    # instalments: 6 per approved application, defaulters late more often
    approved = ~refused
    a_prev, a_cur, a_y = prev_id[approved], prev_c[approved], prev_y[approved]
    k = 6
    ip_prev, ip_cur, ip_y = (np.repeat(v, k) for v in (a_prev, a_cur, a_y))
    r = len(ip_prev)
    due = -30.0 * np.tile(np.arange(1, k + 1), len(a_prev))
    late = rng.random(r) < 0.05 + 0.3 * ip_y
    paid_day = np.where(late, due + rng.integers(1, 40, r), due - rng.integers(0, 10, r))
    instalments = _table(
        "installments_payments",
        r,
        {
            "SK_ID_PREV": ip_prev,
            "SK_ID_CURR": ip_cur,
            "NUM_INSTALMENT_VERSION": np.ones(r),
            "NUM_INSTALMENT_NUMBER": np.tile(np.arange(1, k + 1), len(a_prev)),
            "DAYS_INSTALMENT": due,
            "DAYS_ENTRY_PAYMENT": np.minimum(paid_day, 0.0),
            "AMT_INSTALMENT": np.full(r, 5000.0),
            "AMT_PAYMENT": np.full(r, 5000.0),
        },
    )

    # bureau: 1-3 credits per client; one monthly status row each
    k_b = rng.integers(1, 4, n)
    b_cur, b_y = np.repeat(cid, k_b), np.repeat(y, k_b)
    nb = len(b_cur)
    bureau_id = 5_000_000 + np.arange(nb)
    active = rng.random(nb) < 0.4
    amount = rng.uniform(10_000, 500_000, nb).round()
    bureau = _table(
        "bureau",
        nb,
        {
            "SK_ID_CURR": b_cur,
            "SK_ID_BUREAU": bureau_id,
            "CREDIT_ACTIVE": np.where(active, "Active", "Closed"),
            "CREDIT_CURRENCY": np.full(nb, "currency 1"),
            "DAYS_CREDIT": -rng.integers(10, 2500, nb),
            "DAYS_CREDIT_UPDATE": -rng.integers(0, 10, nb),
            "AMT_CREDIT_SUM": amount,
            "AMT_CREDIT_SUM_DEBT": np.where(active, amount * rng.uniform(0.1, 0.9, nb), 0.0),
            "AMT_CREDIT_SUM_OVERDUE": np.zeros(nb),
            "CREDIT_TYPE": np.full(nb, "Consumer credit"),
        },
    )
    late_status = rng.random(nb) < 0.05 + 0.2 * b_y
    balance = _table(
        "bureau_balance",
        nb,
        {
            "SK_ID_BUREAU": bureau_id,
            "MONTHS_BALANCE": -rng.integers(0, 12, nb),
            "STATUS": np.where(late_status, "1", "0"),
        },
    )

    # POS and cards: one monthly row for a third of the clients each
    pos_c = cid[rng.random(n) < 0.3]
    pos = _table(
        "POS_CASH_balance",
        len(pos_c),
        {
            "SK_ID_PREV": 3_000_000 + np.arange(len(pos_c)),
            "SK_ID_CURR": pos_c,
            "MONTHS_BALANCE": np.full(len(pos_c), -1),
            "CNT_INSTALMENT_FUTURE": np.full(len(pos_c), 3.0),
            "NAME_CONTRACT_STATUS": np.full(len(pos_c), "Active"),
        },
    )
    pick = rng.random(n) < 0.3
    card_c, card_y = cid[pick], y[pick]
    limit = np.full(len(card_c), 100_000)
    cards = _table(
        "credit_card_balance",
        len(card_c),
        {
            "SK_ID_PREV": 4_000_000 + np.arange(len(card_c)),
            "SK_ID_CURR": card_c,
            "MONTHS_BALANCE": np.full(len(card_c), -1),
            "AMT_BALANCE": limit * np.clip(rng.uniform(0, 0.7, len(card_c)) + 0.3 * card_y, 0, 1),
            "AMT_CREDIT_LIMIT_ACTUAL": limit,
            "CNT_DRAWINGS_CURRENT": np.ones(len(card_c), dtype=int),
            "NAME_CONTRACT_STATUS": np.full(len(card_c), "Active"),
        },
    )
    frames = {
        "bureau": bureau,
        "bureau_balance": balance,
        "previous_application": previous,
        "POS_CASH_balance": pos,
        "installments_payments": instalments,
        "credit_card_balance": cards,
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(out / file_name(name), index=False)
