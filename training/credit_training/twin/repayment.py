"""How approved loans were repaid: POS_CASH_balance, installments_payments, credit_card_balance.

Every row falls inside its loan's life: monthly rows run from the decision month to the loan's
end (at most the month before the application, -96..-1); instalments fall due monthly from the
first due date and are paid around it. The client's hidden risk drives days past due, late and
partial payments, card utilisation and ATM drawings (the top public history correlate of
TARGET); test-side card holders draw less at ATMs (the public drift report's top feature).
"""

from __future__ import annotations

import numpy as np

from credit_training.twin import history_stats as hs
from credit_training.twin.history_rows import (
    DAYS_PER_MONTH,
    expand,
    frequent,
    from_frequent,
)
from credit_training.twin.previous import Previous

POS_EPISODE_RATE = 0.055  # share of POS loans with a days-past-due episode, at average risk
DPD_RISK = 1.2
LATE_RATE = 0.07  # share of instalments paid after the due day, at average risk
LATE_RISK = 0.22
PART_RATE = 0.035  # share of instalments paid in part, at average risk
PART_RISK = 0.4
CARD_USE_RISK = 0.8
ATM_RISK = 0.25
TEST_ATM_FACTOR = 0.65
DRAWING_MONTH_SHARE = 0.35  # of the months a card carries a balance
EARLY_REPAID = 0.35  # of loans up to 12 instalments (2.4 times that above)
# instalment calendar versions of POS/cash loans (2+ = rescheduled; 0 is the credit cards'),
# public counts of versions 1-5
VERSIONS = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
VERSION_WEIGHTS = np.array([8_485_004, 620_283, 237_063, 55_274, 48_404], dtype=float)
# payments per instalment: the real table has several payment rows for one instalment (its
# AMT_PAYMENT quartiles sit below AMT_INSTALMENT's; version 0, the cards, is 30% of the rows
# for 7% of the loans). Not published per loan type: chosen to give those two figures.
CARD_EXTRA_PAYMENTS = 2.6  # Poisson mean of extra payment rows per card instalment
LOAN_SPLIT_SHARE = 0.02  # of loan instalments paid in two rows
SPLIT_RISK = 0.15  # riskier clients pay in more pieces
INSTALMENTS_OF_POS = 924_949 / 936_325
INSTALMENTS_OF_CARDS = 72_466 / 104_307


def _scaled(rate: float, risk: np.ndarray, k: float) -> np.ndarray:
    """``rate`` at average risk, multiplied by exp(k * risk) (mean-preserving for normal risk)."""
    return np.clip(rate * np.exp(k * risk - k**2 / 2), 0, 1)


def _months(decision: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First month (>= -96) and row count of monthly histories ending by month -1."""
    first = np.maximum(np.floor(decision / DAYS_PER_MONTH), -96).astype(np.int64)
    last = np.minimum(first + length - 1, -1)
    return first, np.maximum(last - first + 1, 0)


def build_pos(p: Previous, risk: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """POS_CASH_balance: one row per month and loan, newest first."""
    loans = np.flatnonzero(p.pos)
    c = p.cols
    cnt = c["CNT_PAYMENT"][loans].astype(np.int64)
    # a third of the loans are repaid early: their history stops before the planned term
    early = rng.random(len(loans)) < np.where(cnt > 12, 2.4 * EARLY_REPAID, EARLY_REPAID)
    life = np.where(early, 1 + (rng.random(len(loans)) * cnt).astype(np.int64), cnt + 1)
    first, n = _months(c["DAYS_DECISION"][loans], life + rng.integers(0, 2, len(loans)))
    loan, k = expand(n)
    month = first[loan] + n[loan] - 1 - k
    elapsed = month - first[loan]
    total = cnt[loan]
    future = np.maximum(total - elapsed, 0).astype(np.float64)
    last_row = (k == 0) & early[loan] & (month < -1)
    future[last_row] = 0.0
    status = np.where(future > 0, "Active", "Completed").astype(object)
    status[(elapsed == 0) & (rng.random(len(loan)) < 0.08)] = "Signed"
    r = risk[p.client[loans]]
    episode = rng.random(len(loans)) < _scaled(POS_EPISODE_RATE, r, DPD_RISK)
    start = first + (rng.random(len(loans)) * n).astype(np.int64)
    late_months = np.where(episode[loan], month - start[loan], -1)
    dpd = np.where(late_months >= 0, late_months * 30 + rng.integers(1, 31, len(loan)), 0)
    dpd = np.minimum(dpd, 4231).astype(np.int64)
    tolerated = rng.random(len(loans)) < 0.7
    dpd_def = np.where(tolerated[loan] & (dpd < 300), 0, dpd).astype(np.int64)
    unknown = (
        rng.random(len(loan)) < hs.column("POS_CASH_balance", "CNT_INSTALMENT")["missing_rate"]
    )
    return {
        "SK_ID_PREV": c["SK_ID_PREV"][loans][loan],
        "SK_ID_CURR": c["SK_ID_CURR"][loans][loan],
        "MONTHS_BALANCE": month,
        "CNT_INSTALMENT": np.where(unknown, np.nan, total.astype(np.float64)),
        "CNT_INSTALMENT_FUTURE": np.where(unknown, np.nan, future),
        "NAME_CONTRACT_STATUS": status,
        "SK_DPD": dpd,
        "SK_DPD_DEF": dpd_def,
    }


def build_installments(
    p: Previous, card_rows: dict[str, np.ndarray], risk: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """installments_payments: one row per payment of each instalment due before the application.

    POS/cash loans: monthly dues of AMT_ANNUITY from DAYS_FIRST_DUE (version 1, sometimes
    rescheduled to 2+). Cards (version 0): each card month with a payment is an instalment,
    numbered from the card's first month. An instalment may be paid in several rows (same number
    and amount due, the payment split between them); unpaid ones keep one row without payment.
    """
    c = p.cols
    loans = np.flatnonzero(p.pos & (rng.random(len(p.pos)) < INSTALMENTS_OF_POS))
    first_due = c["DAYS_FIRST_DUE"][loans]
    cnt = c["CNT_PAYMENT"][loans].astype(np.int64)
    passed = np.floor((-1 - first_due) / DAYS_PER_MONTH).astype(np.int64) + 1
    n = np.clip(np.minimum(cnt, passed), 0, None)
    loan, k = expand(n)
    due_day = first_due[loan] + np.round(k * DAYS_PER_MONTH)
    amount = c["AMT_ANNUITY"][loans][loan]
    weights = VERSION_WEIGHTS / VERSION_WEIGHTS.sum()
    version = from_frequent(rng, VERSIONS, weights, len(loans))[loan]
    ids_prev, ids_curr = c["SK_ID_PREV"][loans][loan], c["SK_ID_CURR"][loans][loan]
    number = k + 1
    owner = p.client[loans][loan]

    # cards: the months with a payment, numbered from the card's first month
    card_ids = np.unique(card_rows["SK_ID_PREV"])
    keep_ids = card_ids[rng.random(len(card_ids)) < INSTALMENTS_OF_CARDS]
    order = np.lexsort((card_rows["MONTHS_BALANCE"], card_rows["SK_ID_PREV"]))
    prev_c = card_rows["SK_ID_PREV"][order]
    month_c = card_rows["MONTHS_BALANCE"][order]
    new = np.r_[True, prev_c[1:] != prev_c[:-1]]
    first_month = month_c[np.flatnonzero(new)][np.cumsum(new) - 1]
    card_number = month_c - first_month + 1
    due = np.isin(prev_c, keep_ids) & (card_rows["AMT_PAYMENT_TOTAL_CURRENT"][order] > 0)
    order, card_number = order[due], card_number[due]
    card_day = card_rows["MONTHS_BALANCE"][order] * DAYS_PER_MONTH + rng.integers(0, 28, len(order))

    n_loan = len(due_day)
    ids_prev = np.r_[ids_prev, card_rows["SK_ID_PREV"][order]]
    ids_curr = np.r_[ids_curr, card_rows["SK_ID_CURR"][order]]
    version = np.r_[version, np.zeros(len(order))]
    number = np.r_[number, card_number]
    due_day = np.minimum(np.round(np.r_[due_day, card_day]), -1)
    amount = np.r_[amount, card_rows["AMT_PAYMENT_TOTAL_CURRENT"][order]]
    owner = np.r_[owner, card_rows["_client"][order]]
    m = len(due_day)

    r = risk[owner]
    late = rng.random(m) < _scaled(LATE_RATE, r, LATE_RISK)
    delay = np.where(late, np.ceil(rng.exponential(12, m)), -np.floor(rng.exponential(9, m)))
    part = rng.random(m) < _scaled(PART_RATE, r, PART_RISK)
    paid = np.where(part, np.round(amount * rng.uniform(0.05, 0.95, m), 3), amount)
    unpaid = rng.random(m) < _scaled(0.0002, r, 1.5)

    # payment rows: unpaid instalments keep one row; the others may be split
    extra = np.where(
        np.arange(m) < n_loan,
        rng.random(m) < _scaled(LOAN_SPLIT_SHARE, r, SPLIT_RISK),
        rng.poisson(CARD_EXTRA_PAYMENTS * np.exp(SPLIT_RISK * r - SPLIT_RISK**2 / 2)),
    )
    rows, j = expand(1 + np.where(unpaid, 0, extra))
    w = rng.exponential(1.0, len(rows))
    w_sum = np.bincount(rows, weights=w, minlength=m)
    share = w / w_sum[rows]
    last = np.r_[rows[1:] != rows[:-1], True]
    row_paid = np.round(paid[rows] * share, 3)
    # the rounded parts add up to the amount paid: the last row takes the remainder
    part_sum = np.bincount(rows, weights=row_paid, minlength=m)
    row_paid[last] = np.round(row_paid[last] + paid - part_sum, 3)
    row_paid = np.clip(row_paid, 0, amount[rows])
    entry = np.clip(
        due_day[rows] + delay[rows] - np.floor(rng.exponential(6, len(rows))) * j, -4921, -1
    )
    gone = unpaid[rows]
    return {
        "SK_ID_PREV": ids_prev[rows],
        "SK_ID_CURR": ids_curr[rows],
        "NUM_INSTALMENT_VERSION": version[rows],
        "NUM_INSTALMENT_NUMBER": number[rows].astype(np.int64),
        "DAYS_INSTALMENT": due_day[rows].astype(np.float64),
        "DAYS_ENTRY_PAYMENT": np.where(gone, np.nan, entry),
        "AMT_INSTALMENT": np.round(amount[rows], 3),
        "AMT_PAYMENT": np.where(gone, np.nan, row_paid),
    }


def build_cards(
    p: Previous, risk: np.ndarray, is_test: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """credit_card_balance: one row per month and card, newest first.

    Balance = utilisation x limit; drawings = ATM (round amounts) + POS + other; the minimum
    payment is 5% of the balance and the payment covers it or not (riskier clients fall short).
    """
    T = "credit_card_balance"
    c = p.cols
    cards = np.flatnonzero(p.card)
    owner_c = p.client[cards]
    r_c = risk[owner_c]
    ended = rng.random(len(cards)) < 0.055  # closed cards: 3.4% of rows Completed (public)
    life = np.where(ended, rng.integers(1, 40, len(cards)), 200)
    first, n = _months(c["DAYS_DECISION"][cards], np.full(len(cards), 200))
    card, k = expand(n)
    month = first[card] + n[card] - 1 - k
    m = len(card)
    r = r_c[card]

    limits_v, limits_c = frequent(T, "AMT_CREDIT_LIMIT_ACTUAL")
    positive = limits_v > 0
    limit_c = from_frequent(rng, limits_v[positive], limits_c[positive], len(cards))
    inactive_months = np.where(rng.random(len(cards)) < 0.45, rng.integers(1, 30, len(cards)), 0)
    age = month - first[card]
    closed = age >= life[card]
    limit = np.where((age < inactive_months[card]) | closed, 0.0, limit_c[card])

    user = rng.random(len(cards)) < np.clip(0.5 * np.exp(0.4 * r_c), 0, 0.95)
    util_c = 1 / (1 + np.exp(-(CARD_USE_RISK * r_c + 0.9 * rng.standard_normal(len(cards)) + 0.9)))
    carries = user[card] & (rng.random(m) < 0.9) & (limit > 0)
    util = np.clip(util_c[card] + 0.08 * rng.standard_normal(m), 0, 1.05)
    balance = np.where(carries, np.round(util * limit, 3), 0.0)
    month_use = carries & (rng.random(m) < DRAWING_MONTH_SHARE)

    atm_factor = np.where(is_test[owner_c], TEST_ATM_FACTOR, 1.0)[card]
    lam_atm = 0.55 * np.exp(ATM_RISK * r - ATM_RISK**2 / 2) * atm_factor
    cnt_atm = np.where(month_use, rng.poisson(lam_atm * 2.2), 0).astype(np.float64)
    cnt_pos = np.where(month_use, rng.poisson(1.2, m), 0).astype(np.float64)
    cnt_other = np.where(month_use & (rng.random(m) < 0.004), 1.0, 0.0)
    atm_v, atm_w = frequent(T, "AMT_DRAWINGS_ATM_CURRENT")
    atm_unit = from_frequent(rng, atm_v[atm_v > 0], atm_w[atm_v > 0], m)
    amt_atm = np.minimum(cnt_atm * atm_unit, np.maximum(limit, 0) * 1.0)
    amt_pos = np.round(cnt_pos * np.exp(rng.normal(8.2, 1.0, m)), 3)
    amt_other = np.round(cnt_other * np.exp(rng.normal(10.0, 1.0, m)), 3)
    drawings = np.round(amt_atm + amt_pos + amt_other, 3)
    cnt_all = (cnt_atm + cnt_pos + cnt_other).astype(np.int64)

    min_reg = np.round(0.075 * balance, 3)
    short = rng.random(m) < _scaled(0.06, r, 1.0)
    pays = (balance > 0) | (drawings > 0)
    # paid amounts sit near the minimum, as the public quartiles of both show (the paid months'
    # median then meets AMT_PAYMENT_CURRENT's p75, 9,000); a tenth of the months count a
    # little less in the total, below the minimum for a quarter of them (not risk-driven)
    payment = np.where(pays, np.round(min_reg * (1 + np.exp(rng.normal(-1.5, 1.0, m))), 3), 0.0)
    payment = np.where(short, np.round(payment * rng.uniform(0, 0.5, m), 3), payment)
    payment_total = np.where(rng.random(m) < 0.9, payment, np.round(payment * 0.9, 3))
    # AMT_PAYMENT_CURRENT: 20% missing, 10% zero, the rest paid (also outside billed months);
    # outside them small amounts (public p25 152: a third of them below it)
    no_payment = payment == 0
    s0 = max(no_payment.mean(), 1e-9)
    v = rng.random(m)
    other = np.round(np.exp(rng.normal(5.7, 1.5, m)), 3)
    payment_cur = np.where(
        no_payment, np.where(v < 0.2 / s0, np.nan, np.where(v < 0.3 / s0, 0.0, other)), payment
    )

    # cumulative count of months with a payment, within each card (months run newest first)
    # an instalment matures in an open month with a payment, or (half the time) a due one
    # without: about 3 open months in 4, which gives the public quartiles 4 / 15 / 32
    paid_month = ((limit > 0) & ((payment_total > 0) | (rng.random(m) < 0.5))).astype(np.int64)
    order = np.lexsort((month, card))  # oldest first within card
    cum = np.cumsum(paid_month[order])
    start = np.r_[0, np.cumsum(n)[:-1]]
    offset = np.r_[0, cum][start][card[order]]
    mature = np.empty(m)
    mature[order] = cum - offset

    # days past due: an unpaid streak on some cards of riskier clients
    episode = rng.random(len(cards)) < _scaled(0.03, r_c, DPD_RISK)
    ep_start = first + (rng.random(len(cards)) * n).astype(np.int64)
    late_m = np.where(episode[card], month - ep_start[card], -1)
    dpd = np.where(late_m >= 0, late_m * 30 + rng.integers(1, 31, m), 0).astype(np.int64)
    dpd_def = np.where(dpd > 60, dpd, 0).astype(np.int64)
    status = np.full(m, "Active", dtype=object)
    status[closed] = "Completed"
    status[(month == first[card]) & (rng.random(m) < 0.05)] = "Signed"

    prof = hs.load()["relations"]["structural_missingness"][T]["CNT_NA_profile"]
    pats = np.array([[ch == "1" for ch in pat] for pat, _ in prof["patterns"]])
    w = np.array([cnt for _, cnt in prof["patterns"]], dtype=float)
    pick = rng.choice(len(w), size=m, p=w / w.sum())
    detail, regular = pats[pick, 0], pats[pick, 4]

    def known(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.where(mask, values, np.nan)

    return {
        "SK_ID_PREV": c["SK_ID_PREV"][cards][card],
        "SK_ID_CURR": c["SK_ID_CURR"][cards][card],
        "MONTHS_BALANCE": month,
        "AMT_BALANCE": balance,
        "AMT_CREDIT_LIMIT_ACTUAL": limit.astype(np.int64),
        "AMT_DRAWINGS_ATM_CURRENT": known(amt_atm, detail),
        "AMT_DRAWINGS_CURRENT": drawings,
        "AMT_DRAWINGS_OTHER_CURRENT": known(amt_other, detail),
        "AMT_DRAWINGS_POS_CURRENT": known(amt_pos, detail),
        "AMT_INST_MIN_REGULARITY": known(min_reg, regular),
        "AMT_PAYMENT_CURRENT": payment_cur,
        "AMT_PAYMENT_TOTAL_CURRENT": payment_total,
        "AMT_RECEIVABLE_PRINCIPAL": np.round(balance * 0.965, 3),
        "AMT_RECIVABLE": balance,
        "AMT_TOTAL_RECEIVABLE": balance,
        "CNT_DRAWINGS_ATM_CURRENT": known(cnt_atm, detail),
        "CNT_DRAWINGS_CURRENT": cnt_all,
        "CNT_DRAWINGS_OTHER_CURRENT": known(cnt_other, detail),
        "CNT_DRAWINGS_POS_CURRENT": known(cnt_pos, detail),
        "CNT_INSTALMENT_MATURE_CUM": known(mature, regular),
        "NAME_CONTRACT_STATUS": status,
        "SK_DPD": dpd,
        "SK_DPD_DEF": dpd_def,
        "_client": owner_c[card],
    }
