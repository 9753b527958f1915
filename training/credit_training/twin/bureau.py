"""bureau and bureau_balance: the client's credits at other lenders, and their monthly status.

Per client: whether the bureau knows them (public coverage per side), how many credits, and a
history age (riskier clients have younger credit histories: bureau_DAYS_CREDIT_mean is the top
public history correlate of TARGET). Per credit: opening day, planned and actual end, status
(recent credits and riskier clients stay Active), amounts with the public joint missingness
pattern, and, for about half the credits, one bureau_balance row per month from opening to the
application month (C after closure, X unknown, 1-5 late buckets driven by risk).
"""

from __future__ import annotations

import numpy as np

from credit_training.twin import history_stats as hs
from credit_training.twin.history_rows import (
    DAYS_PER_MONTH,
    Applicants,
    amounts,
    choose,
    counts,
    expand,
    from_curve,
    per_side,
    ranked,
)

T = "bureau"
ID_START = 5_000_000
# share of covered clients with at least one bureau_balance-linked credit (0.30 of train / 0.857)
BALANCE_CLIENT_SHARE = 0.35
BALANCE_LOAN_SHARE = 0.95  # of a balance client's credits
BALANCE_CLIENT_MORE_LOANS = 1.68  # so that 45% of credits carry balance rows
ORPHAN_BALANCE_SHARE = 0.0527  # balance ids without a bureau row (public)
HISTORY_AGE_RISK = 0.45
ACTIVE_RISK = 0.1
ACTIVE_UPDATE_DAYS = 30  # mean age of an open credit's last update
ACTIVE_STALE_SHARE = 0.3  # open credits not updated for up to ACTIVE_STALE_DAYS (not public)
ACTIVE_STALE_DAYS = 1000
OPEN_CREDIT_SIZE = 0.5  # rank shift of open credits' AMT_CREDIT_SUM, in standard deviations
LATE_MONTH_RATE = 0.045  # of known (non-X) open months, at average risk
LATE_RISK = 0.28
TEST_STATUS_1_FACTOR = 0.75  # public drift: BURO_STATUS_1_MEAN_MEAN lower on the test side
STATUS_LEVELS = np.array(["0", "1", "2", "3", "4", "5", "X", "C"], dtype=object)
AMT_COLUMNS = (
    "AMT_CREDIT_MAX_OVERDUE",
    "AMT_CREDIT_SUM",
    "AMT_CREDIT_SUM_DEBT",
    "AMT_CREDIT_SUM_LIMIT",
    "AMT_CREDIT_SUM_OVERDUE",
    "AMT_ANNUITY",
)


def _present_patterns(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Which AMT_* are known, drawn jointly from the public NA profile (1 = present)."""
    prof = hs.load()["relations"]["structural_missingness"]["bureau"]["AMT_NA_profile"]
    pats = np.array([[c == "1" for c in p] for p, _ in prof["patterns"]])
    w = np.array([c for _, c in prof["patterns"]], dtype=float)
    pick = rng.choice(len(w), size=n, p=w / w.sum())
    return {name: pats[pick, j] for j, name in enumerate(prof["columns_order"])}


def build_bureau(
    a: Applicants, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(bureau columns, bureau_balance columns) as NumPy arrays in the Kaggle column order."""
    covered = rng.random(a.n) < per_side(a, hs.coverage(T, "train"), hs.coverage(T, "test"))
    balance_client = covered & (rng.random(a.n) < BALANCE_CLIENT_SHARE)
    mean_all = hs.rows_per_key()["bureau_rows_per_client"] / (1 - ORPHAN_BALANCE_SHARE * 0.45)
    base = mean_all / (BALANCE_CLIENT_SHARE * BALANCE_CLIENT_MORE_LOANS + 1 - BALANCE_CLIENT_SHARE)
    mean = base * np.where(balance_client, BALANCE_CLIENT_MORE_LOANS, 1.0) * np.exp(-0.1 * a.risk)
    n_loans = np.where(covered, counts(rng, mean, 1.2, 116), 0)
    client, _ = expand(n_loans)
    m = len(client)
    risk = a.risk[client]
    test = a.is_test[client]

    # opening day: younger histories for riskier clients (client-level age + credit-level noise)
    age = rng.standard_normal(a.n) - HISTORY_AGE_RISK * a.risk
    z_open = 0.65 * age[client] + 0.76 * rng.standard_normal(m)
    days_credit = np.round(from_curve(T, "DAYS_CREDIT", 1 - ranked(z_open)))

    credit_type = choose(rng, T, "CREDIT_TYPE", m)
    card = credit_type == "Credit card"
    # status: recent credits and riskier clients stay Active; Sold / Bad debt are rare
    status = np.empty(m, dtype=object)
    rare = rng.random(m)
    sold = rare < hs.levels(T, "CREDIT_ACTIVE")[1][2]
    bad = (rare >= 0.5) & (rare < 0.5 + hs.levels(T, "CREDIT_ACTIVE")[1][3])
    z_active = 1.6 * ranked(days_credit) + ACTIVE_RISK * risk + 0.8 * rng.standard_normal(m)
    closed_share = hs.levels(T, "CREDIT_ACTIVE")[1][0]
    active = ranked(z_active) > closed_share
    status[:] = np.where(active, "Active", "Closed")
    status[sold] = "Sold"
    status[bad] = "Bad debt"
    is_closed = status == "Closed"

    # planned end (credit cards often open-ended) and, for closed credits, the actual end
    duration = np.exp(rng.normal(np.log(450), 0.9, m))
    planned = days_credit + np.round(duration)
    planned = np.where(active & (planned < 0) & (rng.random(m) < 0.7), -planned, planned)
    planned = np.clip(planned, -42060, 31199)
    planned[rng.random(m) < hs.column(T, "DAYS_CREDIT_ENDDATE")["missing_rate"]] = np.nan
    share = rng.uniform(0.5, 1.05, m)
    # a closed credit whose life would reach past today was repaid early, at a point of its
    # life so far (not all on the application day: the public DAYS_ENDDATE_FACT p75 is -425)
    life = np.where(
        duration * share < -days_credit, duration * share, -days_credit * (share - 0.5) / 0.55
    )
    fact = np.where(is_closed, np.minimum(days_credit + np.round(life), 0.0), np.nan)
    # last update: closed credits some months after their end (before today), open ones
    # recently, except stale records (public DAYS_CREDIT_UPDATE quartiles -908 / -395 / -33)
    after = rng.exponential(120, m)
    closed_update = np.where(fact + np.round(after) < 0, fact + np.round(after), 0.0)
    closed_update = np.where(
        closed_update < 0, closed_update, np.round(fact * np.exp(-after / 120))
    )
    recent = -np.round(rng.exponential(60, m) * ACTIVE_UPDATE_DAYS / 60)
    stale = rng.spawn(1)[0].random(m)  # a child stream: the draws below stay as they were
    open_update = np.where(
        stale < ACTIVE_STALE_SHARE,
        np.round(np.maximum(days_credit, -ACTIVE_STALE_DAYS) * stale / ACTIVE_STALE_SHARE),
        recent,
    )
    update = np.maximum(np.where(is_closed, closed_update, open_update), days_credit)

    present = _present_patterns(rng, m)
    # open credits are the larger ones (no public split by status: chosen so that the debt's
    # p75 meets the public 40,154 while AMT_CREDIT_SUM keeps its public quartiles)
    size = ranked(OPEN_CREDIT_SIZE * ~is_closed + rng.standard_normal(m))
    total = amounts(rng, from_curve(T, "AMT_CREDIT_SUM", size), 0.6)
    total[card & (rng.random(m) < 0.12)] = 0.0
    remaining = np.where(card, rng.beta(1.0, 3.0, m) * (rng.random(m) < 0.5), rng.beta(2.0, 1.0, m))
    debt = np.where(is_closed, 0.0, np.round(total * remaining, 2))
    limit = np.where(card & active, np.round(total - debt, 2), 0.0)

    late_p = 0.0068 * np.exp(0.8 * risk)
    day_overdue = np.where(
        ~is_closed & (rng.random(m) < late_p), np.ceil(np.exp(rng.normal(3.0, 1.4, m))), 0
    )
    day_overdue = np.minimum(day_overdue, 2792).astype(np.int64)
    sum_overdue = np.where(day_overdue > 0, np.round(debt * rng.uniform(0.01, 0.3, m), 2), 0.0)
    max_overdue_p = 0.21 * np.exp(0.5 * risk) / np.exp(0.125)
    max_overdue = np.where(
        rng.random(m) < max_overdue_p, np.round(np.exp(rng.normal(8.0, 1.8, m)), 3), 0.0
    )
    max_overdue = np.maximum(max_overdue, sum_overdue)
    annuity = np.where(
        rng.random(m) < 0.48, np.round(1.7 * total / np.maximum(duration / 30.4, 1), 3), 0.0
    )

    cols = {
        "SK_ID_CURR": a.ids[client],
        "SK_ID_BUREAU": None,
        "CREDIT_ACTIVE": status,
        "CREDIT_CURRENCY": choose(rng, T, "CREDIT_CURRENCY", m),
        "DAYS_CREDIT": days_credit.astype(np.int64),
        "CREDIT_DAY_OVERDUE": day_overdue,
        "DAYS_CREDIT_ENDDATE": planned,
        "DAYS_ENDDATE_FACT": fact,
        "AMT_CREDIT_MAX_OVERDUE": max_overdue,
        "CNT_CREDIT_PROLONG": choose(rng, T, "CNT_CREDIT_PROLONG", m).astype(np.int64),
        "AMT_CREDIT_SUM": total,
        "AMT_CREDIT_SUM_DEBT": debt,
        "AMT_CREDIT_SUM_LIMIT": limit,
        "AMT_CREDIT_SUM_OVERDUE": sum_overdue,
        "CREDIT_TYPE": credit_type,
        "DAYS_CREDIT_UPDATE": update.astype(np.int64),
        "AMT_ANNUITY": annuity,
    }
    for name in AMT_COLUMNS:
        if name != "AMT_CREDIT_SUM_OVERDUE":
            cols[name] = np.where(present[name], cols[name], np.nan)
    ids = ID_START + rng.permutation(m).astype(np.int64)
    cols["SK_ID_BUREAU"] = ids

    has_balance = balance_client[client] & (rng.random(m) < BALANCE_LOAN_SHARE)
    balance = _balance(rng, ids, days_credit, fact, risk, test, has_balance)
    orphan = has_balance & (rng.random(m) < ORPHAN_BALANCE_SHARE)
    return {k: v[~orphan] for k, v in cols.items()}, balance


def _balance(rng, ids, days_credit, fact, risk, test, has_balance) -> dict[str, np.ndarray]:
    """Monthly status rows, newest first, from the application month back to the opening."""
    loans = np.flatnonzero(has_balance)
    first = np.maximum(np.floor(days_credit[loans] / DAYS_PER_MONTH), -96).astype(np.int64)
    last = np.where(rng.random(len(loans)) < 0.78, 0, rng.integers(first, 1))
    n_months = last - first + 1
    loan, k = expand(n_months)
    month = last[loan] - k
    closed_month = np.floor(fact[loans] / DAYS_PER_MONTH)[loan]  # NaN for open credits
    x_rate = rng.beta(0.5, 0.6, len(loans))[loan]
    late_rate = LATE_MONTH_RATE * np.exp(LATE_RISK * risk[loans] - LATE_RISK**2 / 2)[loan]
    # status as small codes into STATUS_LEVELS (the largest table: no string arrays until the end)
    late = rng.random(len(loan)) < late_rate
    bucket = 1 + rng.choice(5, size=len(loan), p=[0.72, 0.075, 0.027, 0.018, 0.16]).astype(np.int8)
    keep_1 = ~(test[loans][loan] & (bucket == 1) & (rng.random(len(loan)) > TEST_STATUS_1_FACTOR))
    code = np.where(late & keep_1, bucket, np.int8(0))
    code = np.where(rng.random(len(loan)) < x_rate, np.int8(6), code)
    code = np.where(month > closed_month, np.int8(7), code)
    return {
        "SK_ID_BUREAU": ids[loans][loan],
        "MONTHS_BALANCE": month,
        "STATUS": STATUS_LEVELS[code],
    }
