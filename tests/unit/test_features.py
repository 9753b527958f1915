"""The shared feature engineering on hand-made rows."""

import numpy as np
import pytest

from credit_core.features import (
    DERIVED,
    build_spec,
    columns_from_records,
    transform,
)

NUMERIC = [
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "CNT_FAM_MEMBERS",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
]


def _row(**kw):
    base = {
        "AMT_INCOME_TOTAL": 100_000.0,
        "AMT_CREDIT": 400_000.0,
        "AMT_ANNUITY": 20_000.0,
        "AMT_GOODS_PRICE": 360_000.0,
        "DAYS_BIRTH": -12_000,
        "DAYS_EMPLOYED": -3_000,
        "CNT_FAM_MEMBERS": 2.0,
        "EXT_SOURCE_1": 0.2,
        "EXT_SOURCE_2": 0.5,
        "EXT_SOURCE_3": None,
        "NAME_CONTRACT_TYPE": "Cash loans",
    }
    return base | kw


@pytest.fixture
def spec():
    return build_spec(NUMERIC, {"NAME_CONTRACT_TYPE": ["Cash loans", "Revolving loans"]})


def _features(spec, *rows):
    x = transform(spec, columns_from_records(spec, rows))
    return [dict(zip(spec.names, r, strict=True)) for r in x]


def test_domain_ratios(spec):
    (f,) = _features(spec, _row())
    assert f["CREDIT_INCOME_RATIO"] == pytest.approx(4.0)
    assert f["ANNUITY_INCOME_RATIO"] == pytest.approx(0.2)
    assert f["PAYMENT_RATE"] == pytest.approx(0.05)
    assert f["GOODS_CREDIT_RATIO"] == pytest.approx(0.9)
    assert f["EMPLOYED_AGE_RATIO"] == pytest.approx(0.25)
    assert f["INCOME_PER_PERSON"] == pytest.approx(50_000)


def test_external_score_aggregates_skip_missing(spec):
    (f,) = _features(spec, _row())
    assert f["EXT_SOURCE_MEAN"] == pytest.approx(0.35)
    assert f["EXT_SOURCE_MIN"] == pytest.approx(0.2)
    assert f["EXT_SOURCE_MAX"] == pytest.approx(0.5)
    assert np.isnan(f["EXT_SOURCE_PROD"])
    assert f["EXT_SOURCE_NAN_COUNT"] == 1
    (g,) = _features(spec, _row(EXT_SOURCE_1=None, EXT_SOURCE_2=None))
    assert np.isnan(g["EXT_SOURCE_MEAN"]) and g["EXT_SOURCE_NAN_COUNT"] == 3


def test_employment_sentinel_becomes_missing_and_flagged(spec):
    pensioner, worker = _features(spec, _row(DAYS_EMPLOYED=365243), _row())
    assert np.isnan(pensioner["DAYS_EMPLOYED"]) and pensioner["DAYS_EMPLOYED_ANOM"] == 1
    assert np.isnan(pensioner["EMPLOYED_AGE_RATIO"])
    assert worker["DAYS_EMPLOYED"] == -3000 and worker["DAYS_EMPLOYED_ANOM"] == 0


def test_division_by_zero_and_absent_fields_are_missing(spec):
    (f,) = _features(spec, _row(AMT_INCOME_TOTAL=0.0, CNT_FAM_MEMBERS=None))
    assert np.isnan(f["CREDIT_INCOME_RATIO"]) and np.isnan(f["INCOME_PER_PERSON"])


def test_categoricals_are_level_codes_unknown_is_missing(spec):
    a, b, c = _features(
        spec, _row(), _row(NAME_CONTRACT_TYPE="Revolving loans"), _row(NAME_CONTRACT_TYPE=None)
    )
    assert (a["NAME_CONTRACT_TYPE"], b["NAME_CONTRACT_TYPE"]) == (0.0, 1.0)
    assert np.isnan(c["NAME_CONTRACT_TYPE"])


def test_home_credit_features_apply_only_where_their_columns_exist():
    generic = build_spec(["age", "income"], {"city": ["a", "b"]})
    assert generic.derived == ()
    assert generic.names == ["age", "income", "city"]
    partial = build_spec(["AMT_CREDIT", "AMT_INCOME_TOTAL"], {})
    assert partial.derived == ("CREDIT_INCOME_RATIO",)
    assert set(DERIVED["PAYMENT_RATE"].inputs) == {"AMT_ANNUITY", "AMT_CREDIT"}


def test_spec_round_trips_through_json(spec):
    from credit_core.features import FeatureSpec

    again = FeatureSpec.from_dict(spec.to_dict())
    assert again == spec and again.names == spec.names
    assert again.categorical_indices == [len(NUMERIC)]
