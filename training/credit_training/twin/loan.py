"""What is asked and what the bureau knows: contract, amounts, external scores, documents.

Documented choices: revolving loans go to younger applicants and are smaller, with an annuity of
5% of the limit and the goods price equal to the limit; cash credits are the goods price plus
add-ons and their annuities amortise over a term that grows with the amount; amounts are
multiples of 4.5 and goods prices lie on round grids as in the real files; EXT_SOURCE_1..3 follow
the published correlation matrix with age and take values from fixed point sets
(``value_lattices.json``).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from credit_training.twin import reference
from credit_training.twin.builder import TableBuilder
from credit_training.twin.lattice import (
    choice,
    fixed_points,
    loan_payment_rates,
    nearest_rate,
    public_points,
    snap,
    snap_mixed,
    snap_to_points,
)
from credit_training.twin.marginals import (
    correlated,
    curve_from_summary,
    neg_binomial,
    rank_uniform,
    standard,
)

BUREAU_COLUMNS = tuple(
    f"AMT_REQ_CREDIT_BUREAU_{p}" for p in ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")
)
SOCIAL_COLUMNS = (
    "OBS_30_CNT_SOCIAL_CIRCLE",
    "DEF_30_CNT_SOCIAL_CIRCLE",
    "OBS_60_CNT_SOCIAL_CIRCLE",
    "DEF_60_CNT_SOCIAL_CIRCLE",
)
DOCUMENT_COLUMNS = tuple(f"FLAG_DOCUMENT_{i}" for i in range(2, 22))
EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")


def build_loan(b: TableBuilder) -> None:
    _amounts(b)
    _external_scores(b)
    _history(b)
    _documents(b)


def _amounts(b: TableBuilder) -> None:
    """Goods price on round grids; credit = goods price plus add-ons; annuity from a term and rate.

    Revolving limits are multiples of 22,500 with a goods price equal to the limit and an annuity
    of 5% of it. Cash credits are the goods price times one of a few add-on factors (insurance,
    fees: larger loans carry larger add-ons); the annuity amortises the credit at one of a few
    (term, rate) pairs, the pair whose payment lands closest to the public annuity marginal at
    the loan's rank. All amounts are multiples of 4.5, as in the real files.
    """
    age = b.latent["age"]
    b.categorical(
        "NAME_CONTRACT_TYPE", correlated(b.rng, age, 0.2), order=("Revolving loans", "Cash loans")
    )
    revolving = b.is_level("NAME_CONTRACT_TYPE", "Revolving loans")
    z_credit = standard(
        0.55 * b.latent["income"]
        + 0.2 * b.latent["partnered"]
        - 1.2 * revolving
        + 0.15 * age
        + 0.75 * b.normal()
    )
    b.latent["credit"] = z_credit
    credit_spec = b.marginals.num("AMT_CREDIT")
    goods_spec = b.marginals.num("AMT_GOODS_PRICE")

    limit = snap(b.from_latent("AMT_CREDIT", z_credit), 22500)
    goods = b.from_latent("AMT_GOODS_PRICE", z_credit)
    goods = snap_mixed(goods, _grids("AMT_GOODS_PRICE"), b.rng, goods_spec.min)
    goods = np.minimum(goods, goods_spec.max)
    credit = snap(goods * _add_on_factors(rank_uniform(z_credit), b.rng), 4.5)
    credit = np.where(revolving, limit, credit)
    credit = np.clip(credit, credit_spec.min, credit_spec.max)
    b.cols["AMT_CREDIT"] = credit
    goods = np.where(revolving, credit, np.minimum(goods, credit))
    b.cols["AMT_GOODS_PRICE"] = goods
    revolving_share = max(revolving.mean(), 1e-9)
    missing = revolving & (b.rng.random(b.n) < goods_spec.missing_rate / revolving_share)
    b.set_missing("AMT_GOODS_PRICE", missing)

    # the public annuity marginal at each loan's rank (longer terms for larger amounts) ...
    terms = np.array([12, 18, 24, 30, 36, 48, 60])
    term = terms[np.minimum((rank_uniform(correlated(b.rng, z_credit, 0.6)) * 7).astype(int), 6)]
    monthly = 0.015 + 0.01 * b.rng.random(b.n)
    guess = monthly / (1 - (1 + monthly) ** -term.astype(float))
    revolving_rate = choice("AMT_ANNUITY")["revolving_payment_rate"]
    # revolving rows are ranked by their own 5% payment, so cash loans fill the rest of the curve
    key = np.where(revolving, credit * revolving_rate, credit * guess * np.exp(0.05 * b.normal()))
    wanted = b.from_latent("AMT_ANNUITY", key)
    # ... reached through the nearest available (term, rate) pair
    rate = nearest_rate(wanted / credit, loan_payment_rates())
    rate = np.where(revolving, revolving_rate, rate)
    spec = b.marginals.num("AMT_ANNUITY")
    b.cols["AMT_ANNUITY"] = np.clip(snap(credit * rate, 4.5), spec.min, spec.max)
    b.random_missing("AMT_ANNUITY", reference.numeric("AMT_ANNUITY").missing_rate)


def _add_on_factors(u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Credit / goods price per loan: one of the documented factors, larger for larger loans.

    ``u`` is the loan's size rank in (0, 1); returns an array of factors, shape (n,).
    """
    c = choice("AMT_CREDIT")
    factors = np.array(c["add_on_factors"])
    tilt = np.exp(c["add_on_tilt"] * (u[:, None] - 0.5) * np.linspace(0, 2, len(factors)))
    weights = np.array(c["add_on_weights"]) * tilt
    cum = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    return factors[(rng.random(len(u))[:, None] > cum).sum(axis=1)]


def _grids(name: str) -> dict[float, float]:
    return {float(step): share for step, share in choice(name)["grids"].items()}


def _external_scores(b: TableBuilder) -> None:
    """Gaussian copula with the published Pearson matrix of (age, EXT_SOURCE_1, _2, _3)."""
    matrix = reference.load_stats()["target_relations"]["ext_source_corr_matrix"]
    names = matrix["columns"]
    order = ["DAYS_BIRTH", *EXT_SOURCES]
    idx = [names.index(c) for c in order]
    corr = np.array(matrix["matrix"])[np.ix_(idx, idx)]
    chol = np.linalg.cholesky(corr)
    noise = b.rng.standard_normal((3, b.n))
    for i, name in enumerate(EXT_SOURCES, start=1):
        z = chol[i, 0] * b.latent["age"] + chol[i, 1 : i + 1] @ noise[:i]
        full = snap_to_points(b.from_latent(name, z), _score_points(name))
        missing = b.rng.random(b.n) < b.marginals.num(name).missing_rate
        col = full.copy()
        col[missing] = np.nan
        b.cols[name] = col
        # TARGET reads the full score, unseen where the column is missing. There it follows the
        # train law on both sides: drawn from the test marginal, the hidden scores of test rows
        # would change P(default | observed columns), not only the columns (covariate shift).
        train_law = curve_from_summary(reference.numeric(name))(rank_uniform(z))
        hidden = snap_to_points(train_law, _score_points(name))
        b.latent[name] = np.where(missing, hidden, full)


@cache
def _score_points(name: str) -> np.ndarray:
    """The fixed set of values an external score takes (from the train curve, fixed seed)."""
    c = choice("EXT_SOURCE")
    curve = curve_from_summary(reference.numeric(name))
    return fixed_points(curve, public_points(name), c["seed"] + EXT_SOURCES.index(name))


def _history(b: TableBuilder) -> None:
    age = b.latent["age"]
    registration = b.from_latent("DAYS_REGISTRATION", -correlated(b.rng, age, 0.35))
    b.cols["DAYS_REGISTRATION"] = np.round(registration)
    b.latent["id_publish"] = z_id = -correlated(b.rng, age, 0.3)
    b.cols["DAYS_ID_PUBLISH"] = np.round(b.from_latent("DAYS_ID_PUBLISH", z_id)).astype(np.int64)
    z_phone = -correlated(b.rng, age, 0.1)
    phone = np.round(b.from_latent("DAYS_LAST_PHONE_CHANGE", z_phone))
    # the most frequent value is 0: the phone number given on the application day itself
    zero_share = choice("DAYS_LAST_PHONE_CHANGE")["zero_share"]
    b.cols["DAYS_LAST_PHONE_CHANGE"] = np.where(rank_uniform(z_phone) > 1 - zero_share, 0.0, phone)
    b.random_missing("DAYS_LAST_PHONE_CHANGE")

    # the social-circle block: observed contacts, a few of whom defaulted; missing together
    obs = b.marginals.num("OBS_30_CNT_SOCIAL_CIRCLE")
    obs30 = neg_binomial(b.rng, b.n, obs.mean, obs.std, obs.max)
    obs60 = obs30 - b.rng.binomial(obs30.astype(np.int64), 0.012)
    def30 = b.rng.binomial(obs30.astype(np.int64), 0.1).astype(np.float64)
    def60 = b.rng.binomial(def30.astype(np.int64), 0.7).astype(np.float64)
    missing = b.rng.random(b.n) < obs.missing_rate
    for name, values in zip(SOCIAL_COLUMNS, (obs30, def30, obs60, def60), strict=True):
        b.cols[name] = np.where(missing, np.nan, values)

    # credit-bureau enquiries: one block, missing together
    missing = b.rng.random(b.n) < b.marginals.num(BUREAU_COLUMNS[0]).missing_rate
    for name in BUREAU_COLUMNS:
        s = b.marginals.num(name)
        b.cols[name] = np.where(missing, np.nan, neg_binomial(b.rng, b.n, s.mean, s.std, s.max))


def _documents(b: TableBuilder) -> None:
    """Most applicants hand in one main document; FLAG_DOCUMENT_3 is by far the most common."""
    shares = np.array([b.marginals.num(doc).mean for doc in DOCUMENT_COLUMNS])
    none = max(0.0, 1.0 - shares.sum())
    choice = b.rng.choice(
        len(shares) + 1, size=b.n, p=np.append(shares, none) / (shares.sum() + none)
    )
    for i, doc in enumerate(DOCUMENT_COLUMNS):
        b.cols[doc] = (choice == i).astype(np.int64)
