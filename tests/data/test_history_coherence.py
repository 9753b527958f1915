"""Coherence inside and between the history tables, as properties over small twins (any seed),
plus the history's tie to default and its train/test drift on a small twin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import mannwhitneyu

from credit_training.twin.generate import applicants, generate_twin
from credit_training.twin.history import build_history
from credit_training.twin.history_drift import HISTORY_DRIFTS, history_manifest
from credit_training.twin.history_rows import DAYS_PER_MONTH

SMALL = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))


def tiny(seed: int, train: int = 600, test: int = 150) -> dict[str, pd.DataFrame]:
    twin = generate_twin(train, test, seed)
    return {t: pd.DataFrame(c) for t, c in build_history(applicants(twin, seed), seed).items()}


@SMALL
@given(seed=st.integers(0, 10_000))
def test_bureau_credit_is_coherent(seed):
    b = tiny(seed)["bureau"]
    closed = b["CREDIT_ACTIVE"] == "Closed"
    # a closed credit ended in the past, after it opened, and carries no debt
    assert b.loc[closed, "DAYS_ENDDATE_FACT"].notna().all()
    assert (b.loc[closed, "DAYS_ENDDATE_FACT"] <= 0).all()
    assert (b.loc[closed, "DAYS_ENDDATE_FACT"] >= b.loc[closed, "DAYS_CREDIT"]).all()
    assert (b.loc[closed, "AMT_CREDIT_SUM_DEBT"].fillna(0) == 0).all()
    assert b.loc[~closed, "DAYS_ENDDATE_FACT"].isna().all()
    assert (b["DAYS_CREDIT"].between(-2922, 0)).all()
    assert (b["DAYS_CREDIT_UPDATE"] >= b["DAYS_CREDIT"]).all()
    # overdue amounts only on credits overdue today; never more than the debt
    overdue = b["AMT_CREDIT_SUM_OVERDUE"] > 0
    assert (b.loc[overdue, "CREDIT_DAY_OVERDUE"] > 0).all()
    assert (b.loc[overdue, "CREDIT_ACTIVE"] != "Closed").all()


@SMALL
@given(seed=st.integers(0, 10_000))
def test_bureau_balance_months_fall_inside_the_credit(seed):
    t = tiny(seed)
    bb = t["bureau_balance"].merge(t["bureau"], on="SK_ID_BUREAU", how="inner")
    assert bb["MONTHS_BALANCE"].between(-96, 0).all()
    assert (bb["MONTHS_BALANCE"] >= np.floor(bb["DAYS_CREDIT"] / DAYS_PER_MONTH)).all()
    after_close = bb["MONTHS_BALANCE"] > np.floor(bb["DAYS_ENDDATE_FACT"] / DAYS_PER_MONTH)
    assert (bb.loc[after_close, "STATUS"] == "C").all()
    assert (bb.loc[bb["CREDIT_ACTIVE"] == "Active", "STATUS"] != "C").all()


@SMALL
@given(seed=st.integers(0, 10_000))
def test_pos_months_count_down_inside_the_loan(seed):
    t = tiny(seed)
    pos = t["POS_CASH_balance"].sort_values(["SK_ID_PREV", "MONTHS_BALANCE"])
    assert pos["MONTHS_BALANCE"].between(-96, -1).all()
    known = pos.dropna(subset=["CNT_INSTALMENT_FUTURE"])
    assert (known["CNT_INSTALMENT_FUTURE"] <= known["CNT_INSTALMENT"]).all()
    step = known.groupby("SK_ID_PREV")["CNT_INSTALMENT_FUTURE"].diff().dropna()
    assert (step <= 0).all()  # counts down (or stays) month after month
    done = known["CNT_INSTALMENT_FUTURE"] == 0
    assert (
        known.loc[known["NAME_CONTRACT_STATUS"] == "Completed", "CNT_INSTALMENT_FUTURE"] == 0
    ).all()
    assert (known.loc[done, "NAME_CONTRACT_STATUS"] != "Active").all()
    prev = t["previous_application"].set_index("SK_ID_PREV")
    linked = pos[pos["SK_ID_PREV"].isin(prev.index)]
    decision = np.floor(prev.loc[linked["SK_ID_PREV"], "DAYS_DECISION"] / DAYS_PER_MONTH)
    assert (linked["MONTHS_BALANCE"].to_numpy() >= decision.to_numpy()).all()
    assert (pos["SK_DPD_DEF"] <= pos["SK_DPD"]).all()


@SMALL
@given(seed=st.integers(0, 10_000))
def test_instalments_are_due_inside_the_loan_and_paid_around_it(seed):
    t = tiny(seed)
    inst = t["installments_payments"]
    prev = t["previous_application"].set_index("SK_ID_PREV")
    assert (inst["DAYS_INSTALMENT"] <= -1).all() and (
        inst["DAYS_ENTRY_PAYMENT"].dropna() <= -1
    ).all()
    assert inst["DAYS_ENTRY_PAYMENT"].isna().equals(inst["AMT_PAYMENT"].isna())
    paid = inst.dropna(subset=["AMT_PAYMENT"])
    assert (paid["AMT_PAYMENT"] <= paid["AMT_INSTALMENT"] + 1e-6).all()
    per_instalment = paid.groupby(["SK_ID_PREV", "NUM_INSTALMENT_NUMBER"])
    total = per_instalment["AMT_PAYMENT"].sum()
    assert (total <= per_instalment["AMT_INSTALMENT"].first() + 0.01).all()  # split, not more
    cards = inst["NUM_INSTALMENT_VERSION"] == 0  # version 0 is the credit cards'
    card_ids = set(t["credit_card_balance"]["SK_ID_PREV"])
    assert inst.loc[cards, "SK_ID_PREV"].isin(card_ids).all()
    assert not inst.loc[~cards, "SK_ID_PREV"].isin(card_ids).any()
    loans = inst[inst["SK_ID_PREV"].isin(prev.index) & (inst["NUM_INSTALMENT_VERSION"] > 0)]
    first_due = prev.loc[loans["SK_ID_PREV"], "DAYS_FIRST_DUE"].to_numpy()
    assert (loans["DAYS_INSTALMENT"].to_numpy() >= first_due).all()
    cnt = prev.loc[loans["SK_ID_PREV"], "CNT_PAYMENT"].to_numpy()
    assert (loans["NUM_INSTALMENT_NUMBER"].to_numpy() <= cnt).all()


@SMALL
@given(seed=st.integers(0, 10_000))
def test_card_balance_limit_and_drawings_are_consistent(seed):
    cc = tiny(seed)["credit_card_balance"]
    limit = cc["AMT_CREDIT_LIMIT_ACTUAL"]
    assert (cc.loc[limit == 0, "AMT_BALANCE"] == 0).all()
    assert (cc["AMT_BALANCE"] <= 1.05 * limit + 1e-6).all()
    parts = cc[
        ["AMT_DRAWINGS_ATM_CURRENT", "AMT_DRAWINGS_POS_CURRENT", "AMT_DRAWINGS_OTHER_CURRENT"]
    ]
    detail = parts.notna().all(axis=1)
    assert np.allclose(parts[detail].sum(axis=1), cc.loc[detail, "AMT_DRAWINGS_CURRENT"], atol=0.01)
    counts = cc[
        ["CNT_DRAWINGS_ATM_CURRENT", "CNT_DRAWINGS_POS_CURRENT", "CNT_DRAWINGS_OTHER_CURRENT"]
    ]
    assert (counts[detail].sum(axis=1) == cc.loc[detail, "CNT_DRAWINGS_CURRENT"]).all()
    assert parts.isna().eq(counts.isna().to_numpy()).all().all()  # missing together
    mature = cc.sort_values(["SK_ID_PREV", "MONTHS_BALANCE"]).dropna(
        subset=["CNT_INSTALMENT_MATURE_CUM"]
    )
    assert (mature.groupby("SK_ID_PREV")["CNT_INSTALMENT_MATURE_CUM"].diff().dropna() >= 0).all()
    assert cc["MONTHS_BALANCE"].between(-96, -1).all()


@SMALL
@given(seed=st.integers(0, 10_000))
def test_only_approved_applications_have_repayment_history(seed):
    t = tiny(seed)
    prev = t["previous_application"]
    not_approved = prev.loc[prev["NAME_CONTRACT_STATUS"] != "Approved", "SK_ID_PREV"]
    for table in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
        assert not t[table]["SK_ID_PREV"].isin(not_approved).any(), table
    refused = prev["NAME_CONTRACT_STATUS"] == "Refused"
    assert (prev.loc[refused, "CODE_REJECT_REASON"] != "XAP").all()
    assert prev.loc[~(prev["NAME_CONTRACT_STATUS"] == "Approved"), "DAYS_FIRST_DUE"].isna().all()
    cards = prev[prev["SK_ID_PREV"].isin(t["credit_card_balance"]["SK_ID_PREV"])]
    assert (cards["NAME_CONTRACT_TYPE"] == "Revolving loans").all()


# --- history tied to default, and its drift on the test side (one small twin) -------------


@pytest.fixture(scope="module")
def small():
    twin = generate_twin(15_000, 5_000, 11)
    tables = build_history(applicants(twin, 11), 11)
    return twin, tables


def _per_client_mean(df: pd.DataFrame, key: str, values: pd.Series) -> pd.Series:
    return values.groupby(df[key]).mean()


def test_history_carries_the_public_signs_of_default(small):
    twin, tables = small
    y = twin.train.set_index("SK_ID_CURR")["TARGET"]
    inst = pd.DataFrame(tables["installments_payments"])
    prev = pd.DataFrame(tables["previous_application"])
    cc = pd.DataFrame(tables["credit_card_balance"])
    b = pd.DataFrame(tables["bureau"])
    features = {
        "late": _per_client_mean(
            inst, "SK_ID_CURR", inst["DAYS_ENTRY_PAYMENT"] > inst["DAYS_INSTALMENT"]
        ),
        "refused": _per_client_mean(prev, "SK_ID_CURR", prev["NAME_CONTRACT_STATUS"] == "Refused"),
        "atm": _per_client_mean(cc, "SK_ID_CURR", cc["CNT_DRAWINGS_ATM_CURRENT"]),
        "active": _per_client_mean(b, "SK_ID_CURR", b["CREDIT_ACTIVE"] == "Active"),
        "days_credit": _per_client_mean(b, "SK_ID_CURR", b["DAYS_CREDIT"]),
    }
    for name, f in features.items():
        joined = pd.concat([f.astype(float), y], axis=1, join="inner")
        assert joined.iloc[:, 0].corr(joined["TARGET"]) > 0.02, name  # all positive in public
    # PREVIOUS_LOAN_RATE_MEAN (annuity / credit): negative in public (r = -0.028)
    rate = _per_client_mean(prev, "SK_ID_CURR", prev["AMT_ANNUITY"] / prev["AMT_CREDIT"])
    joined = pd.concat([rate.astype(float), y], axis=1, join="inner")
    assert joined.iloc[:, 0].corr(joined["TARGET"]) < -0.01


def test_history_carries_signal_beyond_the_application(small):
    """What the application already tells (the twin's probability of default) is removed from
    TARGET; the history aggregates still track what is left (a model gains from history)."""
    twin, tables = small
    left = pd.Series(
        twin.train["TARGET"].to_numpy() - twin.probability[0], index=twin.train["SK_ID_CURR"]
    )
    inst = pd.DataFrame(tables["installments_payments"])
    prev = pd.DataFrame(tables["previous_application"])
    cc = pd.DataFrame(tables["credit_card_balance"])
    features = {
        # INSTALLMENTS_LATE_SUM_SUM: late payment rows per client (public r = 0.034)
        "late": (inst["DAYS_ENTRY_PAYMENT"] > inst["DAYS_INSTALMENT"])
        .groupby(inst["SK_ID_CURR"])
        .sum(),
        "refused": _per_client_mean(prev, "SK_ID_CURR", prev["NAME_CONTRACT_STATUS"] == "Refused"),
        "atm": _per_client_mean(cc, "SK_ID_CURR", cc["CNT_DRAWINGS_ATM_CURRENT"]),
    }
    for name, f in features.items():
        joined = pd.concat([f.astype(float), left.rename("left")], axis=1, join="inner")
        assert joined.iloc[:, 0].corr(joined["left"]) > 0.02, name


def test_history_drift_entries_are_detectable(small):
    twin, tables = small
    manifest = history_manifest(
        tables, twin.train["SK_ID_CURR"].to_numpy(), twin.test["SK_ID_CURR"].to_numpy()
    )
    for table, cols in HISTORY_DRIFTS.items():
        assert set(cols) <= set(manifest[table])
    assert manifest["credit_card_balance"]["CNT_DRAWINGS_ATM_CURRENT"]["material"]
    assert manifest["credit_card_balance"]["SK_ID_CURR"]["material"]  # 71.7% -> 65.8% without cards
    cc = pd.DataFrame(tables["credit_card_balance"])
    atm = _per_client_mean(cc, "SK_ID_CURR", cc["CNT_DRAWINGS_ATM_CURRENT"]).dropna()
    test = atm.index.isin(twin.test["SK_ID_CURR"])
    assert mannwhitneyu(atm[~test], atm[test]).pvalue < 1e-3
    bb = pd.DataFrame(tables["bureau_balance"]).merge(
        pd.DataFrame(tables["bureau"])[["SK_ID_BUREAU", "SK_ID_CURR"]]
    )
    s1 = _per_client_mean(bb, "SK_ID_CURR", (bb["STATUS"] == "1") * 1.0)
    test = s1.index.isin(twin.test["SK_ID_CURR"])
    assert s1[test].mean() < 0.9 * s1[~test].mean()
    prev_cov = manifest["previous_application"]["SK_ID_CURR"]
    assert prev_cov["test_share_without"] < prev_cov["train_share_without"]
