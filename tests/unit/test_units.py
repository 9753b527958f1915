"""Values in the units people read: years, thousands separators, percentages, the sentinel."""

import math

import pytest

from credit_api.scoring import _sentence
from credit_core.contracts import Contribution
from credit_core.units import format_value


@pytest.mark.parametrize(
    ("feature", "value", "shown"),
    [
        ("DAYS_BIRTH", -12_000, "32 years"),  # 32.85 years: an age is counted in whole years
        ("DAYS_BIRTH", -25_229, "69 years"),
        ("DAYS_EMPLOYED", -913, "2.5 years"),
        ("DAYS_EMPLOYED", -365, "1 year"),
        ("DAYS_EMPLOYED", -4_800, "13 years"),
        ("DAYS_EMPLOYED", 365_243, "no current employer"),
        ("DAYS_ID_PUBLISH", -90, "0.2 years"),
        ("AMT_CREDIT", 1_293_502.5, "1,293,502"),
        ("AMT_ANNUITY", 135_000, "135,000"),
        ("AMT_INCOME_TOTAL", 202_500.0, "202,500"),
        ("PAYMENT_RATE", 0.0521, "5.2%"),
        ("ANNUITY_INCOME_RATIO", 0.18, "18%"),
        ("CREDIT_INCOME_RATIO", 3.5, "350%"),
        ("EXT_SOURCE_2", 0.5123, "0.51"),
        ("FLAG_DOCUMENT_3", 1, "yes"),
        ("DAYS_EMPLOYED_ANOM", 0.0, "no"),
        ("AMT_REQ_CREDIT_BUREAU_YEAR", 3.0, "3"),
        ("CNT_CHILDREN", 2, "2"),
        ("NAME_INCOME_TYPE", "Pensioner", "Pensioner"),
        ("EXT_SOURCE_1", None, "missing"),
        ("EXT_SOURCE_1", math.nan, "missing"),
        ("REGION_POPULATION_RELATIVE", 0.0725, "0.0725"),
    ],
)
def test_values_are_shown_in_peoples_units(feature, value, shown):
    assert format_value(feature, value) == shown


def test_french_uses_french_units_and_separators():
    assert format_value("DAYS_BIRTH", -12_000, "fr") == "32 ans"
    assert format_value("AMT_CREDIT", 1_293_502.5, "fr") == "1\u202f293\u202f502"
    assert format_value("PAYMENT_RATE", 0.0521, "fr") == "5,2\u202f%"
    assert format_value("DAYS_EMPLOYED", 365_243, "fr") == "aucun employeur actuel"


def test_reasons_read_in_peoples_units_and_contributions_keep_the_raw_value():
    row = Contribution(
        feature="DAYS_EMPLOYED", label="time in current job", value=365_243, contribution=0.3
    )
    assert (
        _sentence(row, "raises")
        == "Time in current job (no current employer) raises the risk of default."
    )
    assert row.value == 365_243
    age = Contribution(feature="DAYS_BIRTH", label="age", value=-12_000, contribution=-0.2)
    assert _sentence(age, "lowers") == "Age (32 years) lowers the risk of default."


@pytest.mark.parametrize(
    "feature", ["AMT_CREDIT", "DAYS_BIRTH", "DAYS_EMPLOYED", "PAYMENT_RATE", "CNT_CHILDREN", "X"]
)
@pytest.mark.parametrize("value", [1e308, -1e308, float("inf"), 1e20])
def test_a_huge_value_reads_as_a_short_figure(feature, value):
    for lang in ("en", "fr"):
        text = format_value(feature, value, lang)
        assert len(text) <= 16, text  # never a 309-digit number


def test_a_whole_small_amount_has_no_decimals():
    assert format_value("AMT_CREDIT", 0) == "0" and format_value("AMT_ANNUITY", 12.5) == "12.50"
