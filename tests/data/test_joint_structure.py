"""The twin's columns depend on each other the way the real ones do (not independent draws)."""

import numpy as np
import pandas as pd
import pytest

from credit_training.twin import reference
from credit_training.twin.population import SENTINEL_DAYS

pytestmark = pytest.mark.slow


def test_goods_price_tracks_credit(twin):
    df = twin.train.dropna(subset=["AMT_GOODS_PRICE"])
    assert df["AMT_GOODS_PRICE"].corr(df["AMT_CREDIT"]) > 0.95
    ratio = df["AMT_GOODS_PRICE"] / df["AMT_CREDIT"]
    assert 0.8 < ratio.median() <= 1.0


def test_annuity_follows_credit_and_contract_type(twin):
    df = twin.train.dropna(subset=["AMT_ANNUITY"])
    assert df["AMT_ANNUITY"].corr(df["AMT_CREDIT"]) > 0.6
    rate = df["AMT_ANNUITY"] / df["AMT_CREDIT"]
    revolving = df["NAME_CONTRACT_TYPE"] == "Revolving loans"
    assert rate[revolving].median() == pytest.approx(0.05, abs=0.015)
    assert df.loc[revolving, "AMT_CREDIT"].median() < df.loc[~revolving, "AMT_CREDIT"].median()


def test_family_size_counts_children_and_partner(twin):
    df = twin.train.dropna(subset=["CNT_FAM_MEMBERS"])
    assert (df["CNT_FAM_MEMBERS"] >= df["CNT_CHILDREN"] + 1).mean() > 0.99
    partnered = df["NAME_FAMILY_STATUS"].isin(["Married", "Civil marriage"])
    assert (df.loc[partnered, "CNT_FAM_MEMBERS"] >= 2).all()


def test_no_employer_rows_are_one_population(twin):
    """The DAYS_EMPLOYED sentinel, ORGANIZATION_TYPE XNA and pensioners/unemployed coincide."""
    df = twin.train
    sentinel = df["DAYS_EMPLOYED"] == SENTINEL_DAYS
    assert (sentinel == (df["ORGANIZATION_TYPE"] == "XNA")).all()
    assert (sentinel == df["NAME_INCOME_TYPE"].isin(["Pensioner", "Unemployed"])).all()
    assert (df.loc[sentinel, "FLAG_EMP_PHONE"] == 0).all()
    assert df.loc[sentinel, "OCCUPATION_TYPE"].isna().all()
    age = -df["DAYS_BIRTH"] / 365.25
    assert age[sentinel].median() > age[~sentinel].median() + 15


def test_employment_never_starts_before_sixteen(twin):
    df = twin.train[twin.train["DAYS_EMPLOYED"] != SENTINEL_DAYS]
    assert (df["DAYS_EMPLOYED"] >= df["DAYS_BIRTH"] + 16 * 365).all()
    assert (-df["DAYS_EMPLOYED"]).corr(-df["DAYS_BIRTH"]) > 0.2


def test_external_scores_follow_the_public_correlation_matrix(twin):
    m = reference.load_stats()["target_relations"]["ext_source_corr_matrix"]
    names = m["columns"]
    df = twin.train.assign(DAYS_BIRTH=-twin.train["DAYS_BIRTH"])
    got = df[names].corr()
    want = pd.DataFrame(m["matrix"], index=names, columns=names)
    err = (got - want).abs()
    assert err.to_numpy().max() < 0.05, err.round(3).to_string()
    assert got.loc["EXT_SOURCE_1", "DAYS_BIRTH"] == pytest.approx(0.60, abs=0.05)


def test_region_rating_falls_with_population(twin):
    df = twin.train
    assert df["REGION_RATING_CLIENT"].corr(df["REGION_POPULATION_RELATIVE"]) < -0.4
    assert df["REGION_RATING_CLIENT"].corr(df["REGION_RATING_CLIENT_W_CITY"]) > 0.8
    assert df["REGION_POPULATION_RELATIVE"].nunique() <= 81


def test_region_flags_are_nested(twin):
    df = twin.train
    assert (df["REG_REGION_NOT_LIVE_REGION"] <= df["REG_CITY_NOT_LIVE_CITY"]).all()
    assert (df["LIVE_REGION_NOT_WORK_REGION"] <= df["LIVE_CITY_NOT_WORK_CITY"]).all()


@pytest.mark.parametrize(
    "block",
    [
        [
            f"{a}_{s}"
            for a in ("APARTMENTS", "FLOORSMAX", "COMMONAREA")
            for s in ("AVG", "MODE", "MEDI")
        ],
        [f"AMT_REQ_CREDIT_BUREAU_{p}" for p in ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")],
        [
            "OBS_30_CNT_SOCIAL_CIRCLE",
            "DEF_30_CNT_SOCIAL_CIRCLE",
            "OBS_60_CNT_SOCIAL_CIRCLE",
            "DEF_60_CNT_SOCIAL_CIRCLE",
        ],
    ],
    ids=["housing", "bureau", "social_circle"],
)
def test_blocks_go_missing_together(twin, block):
    missing = twin.train[block].isna()
    triplets = (
        [block[i : i + 3] for i in range(0, len(block), 3)]
        if "APARTMENTS_AVG" in block
        else [block]
    )
    for cols in triplets:
        assert missing[cols].nunique(axis=1).eq(1).all(), cols


def test_housing_missingness_is_nested(twin):
    """A row that knows a rarely-known attribute knows the common ones too."""
    rare = twin.train["COMMONAREA_AVG"].notna()
    assert twin.train.loc[rare, "APARTMENTS_AVG"].notna().all()


def test_car_age_known_only_for_car_owners(twin):
    df = twin.train
    assert (df["OWN_CAR_AGE"].notna() == (df["FLAG_OWN_CAR"] == "Y")).all()


def test_social_circle_defaults_never_exceed_observations(twin):
    df = twin.train.dropna(subset=["OBS_30_CNT_SOCIAL_CIRCLE"])
    assert (df["DEF_30_CNT_SOCIAL_CIRCLE"] <= df["OBS_30_CNT_SOCIAL_CIRCLE"]).all()
    assert (df["DEF_60_CNT_SOCIAL_CIRCLE"] <= df["DEF_30_CNT_SOCIAL_CIRCLE"]).all()
    assert df["OBS_30_CNT_SOCIAL_CIRCLE"].corr(df["OBS_60_CNT_SOCIAL_CIRCLE"]) > 0.95


def test_generation_is_deterministic_for_a_seed():
    from credit_training.twin.generate import generate_twin

    a, b, c = (generate_twin(2000, 500, s) for s in (9, 9, 10))
    pd.testing.assert_frame_equal(a.train, b.train)
    pd.testing.assert_frame_equal(a.test, b.test)
    pd.testing.assert_frame_equal(a.test_labels, b.test_labels)
    assert not a.train["EXT_SOURCE_2"].equals(c.train["EXT_SOURCE_2"])
    assert np.isfinite(
        a.train.select_dtypes("number").to_numpy(dtype=float)[
            ~np.isnan(a.train.select_dtypes("number").to_numpy(dtype=float))
        ]
    ).all()
