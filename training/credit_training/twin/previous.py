"""previous_application: the client's earlier applications at the lender, one row each.

Contract type, portfolio, status, product and reject reason are tied as in the real table
(Revolving -> Cards, Consumer -> POS, Cash -> Cash; the XNA portfolio is the canceled offers with
no amounts; only Refused rows carry a reject reason other than XAP/CLIENT). Riskier clients are
refused more often (public: default rate 6.1% with no refusal, 15.8% above 75% refused). Only
Approved rows carry the DAYS_* block, with the 365243 codes where the loan has not drawn, is
still running or has no termination date yet. The loans that later get monthly rows are marked
here (``pos``, ``card``) and built by :mod:`credit_training.twin.repayment`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from credit_training.twin import history_stats as hs
from credit_training.twin.history_rows import (
    DAYS_PER_MONTH,
    Applicants,
    amounts,
    choose,
    counts,
    expand,
    frequent,
    from_curve,
    from_frequent,
    lattice,
    per_side,
    ranked,
)

T = "previous_application"
ID_START = 1_000_001
SENTINEL = float(hs.SENTINEL)
REFUSAL_RISK = 0.55
TERM_RISK = 0.1  # riskier clients take longer terms (lower annuity / credit)
TERM_AMOUNT_CORR = 0.85  # normal-score correlation of a loan's amount with its term (chosen)
CASH_XNA_SHARE = 0.384  # of Cash loans in the XNA portfolio (canceled offers, no amounts)
CONSUMER_XNA_SHARE = 0.053
REVOLVING_XNA_SHARE = 0.25
ORPHAN_SHARE = {"pos": 0.04, "card": 0.109}  # monthly ids absent from previous (public)
CARD_PRODUCTS = ("Card Street", "Card X-Sell")
POS_PRODUCTS = (
    "POS household with interest",
    "POS mobile with interest",
    "POS industry with interest",
    "POS household without interest",
    "POS mobile without interest",
    "POS other with interest",
    "POS industry without interest",
    "POS others without interest",
)


@dataclass(frozen=True, slots=True)
class Previous:
    """previous_application columns, plus what the monthly tables need (one entry per row).

    ``kept`` is False for the rows whose monthly history remains while the application row is
    absent from the file (the public orphan SK_ID_PREV of POS, instalments and cards).
    """

    cols: dict[str, np.ndarray]
    client: np.ndarray  # index into the applicants
    pos: np.ndarray  # bool: gets POS_CASH_balance (and mostly instalment) rows
    card: np.ndarray  # bool: gets credit_card_balance rows
    kept: np.ndarray


def build_previous(a: Applicants, rng: np.random.Generator) -> Previous:
    cov = per_side(a, hs.coverage(T, "train"), hs.coverage(T, "test"))
    covered = rng.random(a.n) < cov
    card_cov = per_side(
        a, hs.coverage("credit_card_balance", "train"), hs.coverage("credit_card_balance", "test")
    )
    card_client = covered & (rng.random(a.n) < card_cov / cov)
    pos_cov = per_side(
        a, hs.coverage("POS_CASH_balance", "train"), hs.coverage("POS_CASH_balance", "test")
    )
    pos_client = covered & (rng.random(a.n) < pos_cov / cov)
    mean = hs.load()["relations"]["rows_per_key"]["previous_applications_per_client_describe"]
    n_prev = np.where(covered, counts(rng, np.full(a.n, mean["mean"] * 1.03), 1.1, 77), 0)
    n_prev = np.where(covered, np.maximum(n_prev, 1 + (card_client & pos_client)), 0)
    client, k = expand(n_prev)
    m = len(client)
    risk = a.risk[client]
    # each card client's first row is the card with monthly rows, each POS client's next row
    # an instalment loan with monthly rows (public coverage of both tables)
    forced_card = card_client[client] & (k == 0)
    forced_pos = pos_client[client] & (k == card_client[client])

    # contract type; each card client's first row is the card that gets monthly rows
    types, shares = hs.levels(T, "NAME_CONTRACT_TYPE")
    shares = np.array(shares)
    i_rev = types.index("Revolving loans")
    f = forced_card.mean() if m else 0.0
    shares[i_rev] = max(shares[i_rev] - f, 0.0)
    ctype = np.asarray(types, dtype=object)[rng.choice(len(types), size=m, p=shares / shares.sum())]
    ctype[forced_card] = "Revolving loans"
    not_loan = forced_pos & ~np.isin(ctype, ["Cash loans", "Consumer loans"])
    ctype[not_loan] = np.where(
        rng.random(int(not_loan.sum())) < 0.5, "Cash loans", "Consumer loans"
    )
    cash, consumer = ctype == "Cash loans", ctype == "Consumer loans"
    revolving, xna_type = ctype == "Revolving loans", ctype == "XNA"

    # XNA portfolio shares are of all rows: scaled up over the rows not forced to be loans
    lift = 1 / max(1 - (forced_card | forced_pos).mean(), 0.5) if m else 1.0
    u = rng.random(m) / lift
    xna = xna_type | (cash & (u < CASH_XNA_SHARE)) | (consumer & (u < CONSUMER_XNA_SHARE))
    xna |= revolving & (u < REVOLVING_XNA_SHARE) & ~forced_card
    xna &= ~forced_pos

    # status: canceled offers are the XNA portfolio; refusals follow the client's risk
    st_levels, st_shares = hs.levels(T, "NAME_CONTRACT_STATUS")
    sh = dict(zip(st_levels, st_shares, strict=True))
    xna_share = xna.mean() if m else 0.0
    status = np.full(m, "Approved", dtype=object)
    status[xna] = np.where(
        rng.random(int(xna.sum())) < sh["Canceled"] / xna_share, "Canceled", "Refused"
    )
    forced = forced_card | forced_pos
    rest = ~xna & ~forced
    refused_left = max(sh["Refused"] - (status == "Refused").mean(), 0.0) / max(rest.mean(), 1e-9)
    propensity = REFUSAL_RISK * risk + 0.6 * rng.standard_normal(a.n)[client]
    z = propensity + 0.8 * rng.standard_normal(m)
    idx = np.flatnonzero(rest)
    refused = np.zeros(m, dtype=bool)
    refused[idx] = ranked(z[idx]) > 1 - refused_left
    status[refused] = "Refused"
    unused = rest & ~refused & (rng.random(m) < sh["Unused offer"] / max(rest.mean(), 1e-9))
    status[unused] = "Unused offer"
    approved = status == "Approved"

    reject = np.full(m, "XAP", dtype=object)
    reject[status == "Unused offer"] = "CLIENT"
    n_ref = int((status == "Refused").sum())
    reasons = ("HC", "LIMIT", "SCO", "SCOFR", "XNA", "VERIF", "SYSTEM")
    reject[status == "Refused"] = choose(rng, T, "CODE_REJECT_REASON", n_ref, reasons)

    portfolio = np.where(cash, "Cash", np.where(consumer, "POS", "Cards")).astype(object)
    portfolio[cash & (rng.random(m) < 0.0012)] = "Cars"
    portfolio[xna] = "XNA"

    product = np.empty(m, dtype=object)
    product[cash] = choose(rng, T, "PRODUCT_COMBINATION", int(cash.sum()), _cash_products())
    product[consumer] = choose(rng, T, "PRODUCT_COMBINATION", int(consumer.sum()), POS_PRODUCTS)
    product[revolving] = choose(rng, T, "PRODUCT_COMBINATION", int(revolving.sum()), CARD_PRODUCTS)
    product[xna_type] = None

    purpose = np.full(m, "XAP", dtype=object)
    purpose[cash] = choose(
        rng, T, "NAME_CASH_LOAN_PURPOSE", int(cash.sum()), _not("NAME_CASH_LOAN_PURPOSE", "XAP")
    )
    goods_cat = np.full(m, "XNA", dtype=object)
    goods_cat[consumer] = choose(
        rng, T, "NAME_GOODS_CATEGORY", int(consumer.sum()), _not("NAME_GOODS_CATEGORY", "XNA")
    )
    industry = np.full(m, "XNA", dtype=object)
    sold = consumer | (revolving & (rng.random(m) < 0.45))  # cards sold in shops too
    industry[sold] = choose(
        rng, T, "NAME_SELLER_INDUSTRY", int(sold.sum()), _not("NAME_SELLER_INDUSTRY", "XNA")
    )
    yield_group = np.full(m, "XNA", dtype=object)
    priced = ~xna & ~revolving
    yield_group[priced] = choose(
        rng, T, "NAME_YIELD_GROUP", int(priced.sum()), _not("NAME_YIELD_GROUP", "XNA")
    )
    product_type = np.full(m, "XNA", dtype=object)
    product_type[cash] = np.asarray(["XNA", "x-sell", "walk-in"], dtype=object)[
        rng.choice(3, size=int(cash.sum()), p=[0.19, 0.61, 0.20])
    ]

    # amounts: canceled offers carry none; cards are a round limit; instalment loans a term
    terms_v, terms_c = frequent(T, "CNT_PAYMENT")
    loan = ~xna & ~revolving
    cnt = np.full(m, np.nan)
    # approved loans: goods bought in shops take the short terms, the other loans the public
    # law; the applications not taken up (refused, unused) carry the long terms this leaves
    # out, so that all rows together keep the public law (terms by status are not published)
    positive = terms_v > 0
    terms_v, terms_c = terms_v[positive], terms_c[positive] / terms_c[positive].sum()
    short = terms_v <= 24
    short_c = np.where(short, terms_c / terms_c[short].sum(), 0.0)
    goods_loan = loan & consumer & approved
    other = loan & ~consumer & approved
    asked = loan & ~approved
    shares = np.array([goods_loan.sum(), asked.sum()]) / max(loan.sum(), 1)
    asked_c = np.maximum(terms_c + shares[0] * (terms_c - short_c) / max(shares[1], 1e-9), 0.0)
    cnt[goods_loan] = _terms(rng, terms_v[short], terms_c[short], risk[goods_loan])
    cnt[other] = _terms(rng, terms_v, terms_c, risk[other])
    cnt[asked] = _terms(rng, terms_v, asked_c / asked_c.sum(), risk[asked])
    cnt[revolving & ~xna] = 0.0
    # AMT_APPLICATION's quartiles include its zeros: non-zero amounts follow AMT_GOODS_PRICE's
    # larger loans run longer (not published jointly; it narrows AMT_ANNUITY to its public
    # quartiles): the amount's rank follows the term's, among the loans
    u = rng.random(m)
    if loan.any():
        z_term = ndtri(ranked(cnt[loan] + 0.01 * u[loan]))
        z = TERM_AMOUNT_CORR * z_term + np.sqrt(1 - TERM_AMOUNT_CORR**2) * ndtri(u[loan])
        u[loan] = ranked(z)
    application = amounts(rng, from_curve(T, "AMT_GOODS_PRICE", u), 0.5)
    credit = np.where(
        rng.random(m) < 0.5, application, np.round(application * rng.uniform(1.0, 1.2, m), 1)
    )
    card_limit = lattice(from_curve(T, "AMT_CREDIT", rng.random(m), lower=22500.0), 22500.0)
    credit = np.where(revolving, card_limit, credit)
    application = np.where(revolving & (rng.random(m) < 0.86), credit, application)
    application = np.where(revolving & ~(application > 0), 0.0, application)
    application[xna] = 0.0
    credit[xna & (rng.random(m) < 0.905)] = 0.0
    goods = np.where(xna | (revolving & (rng.random(m) < 0.06)), np.nan, application)
    goods = np.where(np.isnan(goods) | (goods > 0), goods, np.nan)
    goods[~xna & ~revolving & ~(application > 0)] = np.nan
    monthly = rng.uniform(0.02, 0.06, m)
    annuity = np.where(
        loan, np.round(credit * (1 / np.maximum(cnt, 1) + monthly * 0.25), 3), np.nan
    )
    annuity = np.where(
        revolving & ~xna, np.round(credit * 0.05 * (rng.random(m) < 0.7), 3), annuity
    )
    down_known = (consumer & ~xna) | (rng.random(m) < 0.12) & ~xna & ~revolving
    down_rate = np.where(rng.random(m) < 0.478, 0.0, 0.05 + rng.beta(1.5, 20.0, m))
    down = np.where(down_known, np.round(np.nan_to_num(goods) * down_rate * 0.6, 1), np.nan)
    rate_down = np.where(down_known, np.round(down_rate, 9), np.nan)
    rate_known = ~xna & (rng.random(m) < 0.00356 / 0.78)
    rate_primary = np.where(rate_known, _rate_primary(rng.standard_normal(m)), np.nan)
    rate_priv = np.where(
        rate_known, np.round(rng.normal(0.80, 0.07, m).clip(0.37315, 1), 9), np.nan
    )

    # approved loans (with monthly history) are older than the refused and canceled offers
    u_decision = rng.random(m) ** np.where(forced_card, 1.6, np.where(approved, 1.3, 0.75))
    decision = np.clip(np.round(from_curve(T, "DAYS_DECISION", u_decision)), -2922, -1)
    known = (approved & (rng.random(m) < 0.9618)) | forced
    days = _days_block(rng, decision, cnt, revolving, known)

    area_v, area_c = frequent(T, "SELLERPLACE_AREA")
    area = from_frequent(rng, area_v, _area_weights(area_v, area_c, cash.mean() if m else 0.0), m)
    spread = rng.random(m) < AREA_SPREAD
    area[spread] = np.round(np.exp(rng.normal(AREA_LOG_MEAN, 1.6, int(spread.sum())))).clip(
        1, 4_000_000
    )
    area[cash & ~spread] = -1

    flag_last = choose(rng, T, "FLAG_LAST_APPL_PER_CONTRACT", m)
    hour = np.clip(np.round(rng.normal(12.5, 3.3, m)), 0, 23).astype(np.int64)
    suite = choose(rng, T, "NAME_TYPE_SUITE", m)
    suite[rng.random(m) < hs.column(T, "NAME_TYPE_SUITE")["missing_rate"]] = None

    cols = {
        "SK_ID_PREV": ID_START + rng.permutation(m).astype(np.int64),
        "SK_ID_CURR": a.ids[client],
        "NAME_CONTRACT_TYPE": ctype,
        "AMT_ANNUITY": annuity,
        "AMT_APPLICATION": application,
        "AMT_CREDIT": credit,
        "AMT_DOWN_PAYMENT": down,
        "AMT_GOODS_PRICE": goods,
        "WEEKDAY_APPR_PROCESS_START": choose(rng, T, "WEEKDAY_APPR_PROCESS_START", m),
        "HOUR_APPR_PROCESS_START": hour,
        "FLAG_LAST_APPL_PER_CONTRACT": flag_last,
        "NFLAG_LAST_APPL_IN_DAY": choose(rng, T, "NFLAG_LAST_APPL_IN_DAY", m).astype(np.int64),
        "RATE_DOWN_PAYMENT": rate_down,
        "RATE_INTEREST_PRIMARY": rate_primary,
        "RATE_INTEREST_PRIVILEGED": rate_priv,
        "NAME_CASH_LOAN_PURPOSE": purpose,
        "NAME_CONTRACT_STATUS": status,
        "DAYS_DECISION": decision.astype(np.int64),
        "NAME_PAYMENT_TYPE": choose(rng, T, "NAME_PAYMENT_TYPE", m),
        "CODE_REJECT_REASON": reject,
        "NAME_TYPE_SUITE": suite,
        "NAME_CLIENT_TYPE": choose(rng, T, "NAME_CLIENT_TYPE", m),
        "NAME_GOODS_CATEGORY": goods_cat,
        "NAME_PORTFOLIO": portfolio,
        "NAME_PRODUCT_TYPE": product_type,
        "CHANNEL_TYPE": choose(rng, T, "CHANNEL_TYPE", m),
        "SELLERPLACE_AREA": area.astype(np.int64),
        "NAME_SELLER_INDUSTRY": industry,
        "CNT_PAYMENT": cnt,
        "NAME_YIELD_GROUP": yield_group,
        "PRODUCT_COMBINATION": product,
        **days,
    }
    drawn = days["DAYS_FIRST_DUE"] != SENTINEL
    has_days = ~np.isnan(days["DAYS_FIRST_DUE"])
    target_pos = (936_325 - 37_422) / 1_670_214
    eligible = approved & has_days & drawn & loan & ~forced_pos
    extra = max(target_pos * m - forced_pos.sum(), 0) / max(eligible.sum(), 1)
    pos = forced_pos | (eligible & (rng.random(m) < min(1.0, extra)))
    card = forced_card
    kept = ~(pos & (rng.random(m) < ORPHAN_SHARE["pos"]))
    kept &= ~(card & (rng.random(m) < ORPHAN_SHARE["card"]))
    return Previous(cols=cols, client=client, pos=pos, card=card, kept=kept)


def _rate_primary(z: np.ndarray) -> np.ndarray:
    """RATE_INTEREST_PRIMARY from standard normals: the published most frequent rates with their
    counts (93% of the known values), the rest on the public quantile curve."""
    values, counts_ = frequent(T, "RATE_INTEREST_PRIMARY")
    top = counts_.sum() / hs.column(T, "RATE_INTEREST_PRIMARY")["numeric_summary"]["count"]
    u = ndtr(z)
    pick = np.searchsorted(np.cumsum(counts_) / counts_.sum(), u / top, side="right")
    rest = from_curve(T, "RATE_INTEREST_PRIMARY", np.clip((u - top) / (1 - top), 1e-6, 1 - 1e-6))
    return np.round(np.where(u < top, values[np.minimum(pick, len(values) - 1)], rest), 9)


AREA_SPREAD = 0.33  # SELLERPLACE_AREA drawn beyond the published frequent values,
AREA_LOG_MEAN = 4.9  # lognormal: with the frequent values, the public p50 (3) and p75 (82)


def _area_weights(values: np.ndarray, counts_: np.ndarray, cash_share: float) -> np.ndarray:
    """Weights of the published frequent SELLERPLACE_AREA values among the non-cash rows: cash
    loans (no shop) take -1 already, so -1 gets only what keeps its public share of all rows
    (45.7%); the other values share the rest in proportion to their counts."""
    rows = hs.column(T, "SELLERPLACE_AREA")["numeric_summary"]["count"]
    minus_one = values == -1
    wanted = counts_[minus_one].sum() / rows / (1 - AREA_SPREAD)  # of the rows not spread
    left = np.clip((wanted - cash_share) / max(1 - cash_share, 1e-9), 0.0, 1.0)
    return np.where(minus_one, left, (1 - left) * counts_ / counts_[~minus_one].sum())


def _terms(
    rng: np.random.Generator, values: np.ndarray, counts_: np.ndarray, risk: np.ndarray
) -> np.ndarray:
    """Loan terms (months) with the public frequencies; riskier clients take the longer terms.

    Two terms are drawn per loan and the longer kept with probability Phi(TERM_RISK * risk):
    for a risk symmetric around 0 the marginal stays the public one (max and min of two draws
    average to one draw), while the annuity rate (1 / term) falls with risk, as it does in
    public (PREVIOUS_LOAN_RATE_MEAN r = -0.028 with TARGET)."""
    pair = from_frequent(rng, values, counts_, 2 * len(risk)).reshape(2, -1)
    longer = rng.random(len(risk)) < ndtr(TERM_RISK * risk)
    return np.where(longer, pair.max(axis=0), pair.min(axis=0))


def _not(name: str, level: str) -> list:
    return [v for v in hs.levels(T, name)[0] if v != level]


def _cash_products() -> list:
    return [v for v in hs.levels(T, "PRODUCT_COMBINATION")[0] if v.startswith("Cash")]


def _days_block(
    rng: np.random.Generator,
    decision: np.ndarray,
    cnt: np.ndarray,
    revolving: np.ndarray,
    known: np.ndarray,
) -> dict[str, np.ndarray]:
    """DAYS_FIRST_DRAWING..DAYS_TERMINATION and NFLAG_INSURED_ON_APPROVAL, known together.

    365243 marks what has not happened: no drawing date recorded, no first due (unused card),
    no planned last due (cards), still running (last due, termination) - at the public shares.
    """
    m = len(decision)
    stats = hs.load()["relations"]["sentinel_365243_previous_application"]["columns"]
    share = {k: v["share_of_non_null"] for k, v in stats.items()}
    first_due = decision + np.round(rng.uniform(20, 45, m))
    no_due = (
        known
        & revolving
        & (rng.random(m) < share["DAYS_FIRST_DUE"] / max(revolving[known].mean(), 1e-9))
    )
    last_1st = first_due + np.round(DAYS_PER_MONTH * np.maximum(np.nan_to_num(cnt) - 1, 0))
    open_ended = revolving | no_due
    # the most recent (latest planned end) known loans are still running
    running = np.zeros(m, dtype=bool)
    idx = np.flatnonzero(known)
    running[idx] = (
        ranked(np.where(open_ended, 1e9, last_1st)[idx] + rng.normal(0, 200, len(idx)))
        > 1 - share["DAYS_LAST_DUE"]
    )
    early = np.round(
        rng.uniform(0, 1, m) * np.maximum(last_1st - first_due, 0) * (rng.random(m) < 0.3)
    )
    last_due = np.minimum(last_1st - early, -1)
    termination = last_due + np.round(rng.exponential(8, m))
    termination = np.minimum(termination, -1)
    extra_term = (
        known & ~running & (rng.random(m) < (share["DAYS_TERMINATION"] - share["DAYS_LAST_DUE"]))
    )
    drawing = np.where(
        rng.random(m) < share["DAYS_FIRST_DRAWING"],
        SENTINEL,
        decision + np.round(rng.uniform(0, 10, m)),
    )
    ver1_sentinel = open_ended & (
        rng.random(m) < share["DAYS_LAST_DUE_1ST_VERSION"] / max(open_ended[known].mean(), 1e-9)
    )
    out = {
        "DAYS_FIRST_DRAWING": np.minimum(drawing, SENTINEL),
        "DAYS_FIRST_DUE": np.where(no_due, SENTINEL, np.minimum(first_due, -1)),
        "DAYS_LAST_DUE_1ST_VERSION": np.where(ver1_sentinel, SENTINEL, last_1st),
        "DAYS_LAST_DUE": np.where(running, SENTINEL, last_due),
        "DAYS_TERMINATION": np.where(running | extra_term, SENTINEL, termination),
        "NFLAG_INSURED_ON_APPROVAL": (rng.random(m) < 0.3326).astype(np.float64),
    }
    return {k: np.where(known, v, np.nan) for k, v in out.items()}
