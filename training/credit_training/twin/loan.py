"""What is asked and what the bureau knows: contract, amounts, external scores, documents.

Documented choices: revolving loans go to younger applicants and are smaller, with an annuity of
5% of the limit and the goods price equal to the limit; cash-loan annuities follow an amortising
schedule whose term grows with the amount; amounts are multiples of 4.5 and goods prices of 4,500
as in the real files; EXT_SOURCE_1..3 follow the published correlation matrix with age.
"""

from __future__ import annotations

import numpy as np

from credit_training.twin import reference
from credit_training.twin.builder import TableBuilder
from credit_training.twin.marginals import correlated, neg_binomial, rank_uniform, standard

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
    credit = b.from_latent("AMT_CREDIT", z_credit)
    credit = np.where(revolving, np.round(credit / 22500) * 22500, np.round(credit / 4.5) * 4.5)
    credit = np.clip(credit, b.marginals.num("AMT_CREDIT").min, b.marginals.num("AMT_CREDIT").max)
    b.cols["AMT_CREDIT"] = credit
    b.latent["credit"] = z_credit

    goods_spec = b.marginals.num("AMT_GOODS_PRICE")
    goods = b.from_latent("AMT_GOODS_PRICE", correlated(b.rng, standard(z_credit), 0.985))
    goods = np.maximum(np.round(goods / 4500) * 4500, goods_spec.min)
    goods = np.where(revolving, credit, np.minimum(goods, goods_spec.max))
    b.cols["AMT_GOODS_PRICE"] = goods
    revolving_share = max(revolving.mean(), 1e-9)
    missing = revolving & (b.rng.random(b.n) < goods_spec.missing_rate / revolving_share)
    b.set_missing("AMT_GOODS_PRICE", missing)

    # annuity: 5% of a revolving limit; cash loans amortise over a term that grows with the amount
    terms = np.array([12, 18, 24, 30, 36, 48, 60])
    term = terms[np.minimum((rank_uniform(correlated(b.rng, z_credit, 0.6)) * 7).astype(int), 6)]
    monthly = 0.015 + 0.01 * b.rng.random(b.n)
    cash_rate = monthly / (1 - (1 + monthly) ** -term.astype(float))
    rate = np.where(revolving, 0.05, cash_rate)
    annuity = b.from_latent("AMT_ANNUITY", credit * rate * np.exp(0.05 * b.normal()))
    b.cols["AMT_ANNUITY"] = np.round(annuity / 4.5) * 4.5
    b.random_missing("AMT_ANNUITY", reference.numeric("AMT_ANNUITY").missing_rate)


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
        full = b.from_latent(name, z)
        b.latent[name] = full
        col = full.copy()
        col[b.rng.random(b.n) < b.marginals.num(name).missing_rate] = np.nan
        b.cols[name] = col


def _history(b: TableBuilder) -> None:
    age = b.latent["age"]
    registration = b.from_latent("DAYS_REGISTRATION", -correlated(b.rng, age, 0.35))
    b.cols["DAYS_REGISTRATION"] = np.round(registration)
    b.latent["id_publish"] = z_id = -correlated(b.rng, age, 0.3)
    b.cols["DAYS_ID_PUBLISH"] = np.round(b.from_latent("DAYS_ID_PUBLISH", z_id)).astype(np.int64)
    phone = b.from_latent("DAYS_LAST_PHONE_CHANGE", -correlated(b.rng, age, 0.1))
    b.cols["DAYS_LAST_PHONE_CHANGE"] = np.round(phone)
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
