"""Values in the units people read: years, thousands separators, percentages, the sentinel."""

import math

import pytest

from credit_api.scoring import _sentence
from credit_core.contracts import Contribution
from credit_core.units import format_value, history_phrase


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


# --- client-history features: their units and the phrases reasons show ------------------------


@pytest.mark.parametrize(
    ("feature", "value", "lang", "shown"),
    [
        ("INST_DAYS_LATE_MAX", 45, "en", "45 days"),
        ("INST_DAYS_LATE_MAX", 1, "en", "1 day"),
        ("INST_DAYS_LATE_MEAN", 3.42, "fr", "3,4 jours"),
        ("BB_MONTHS_PER_CREDIT_MEAN", 12, "fr", "12 mois"),
        ("INST_LATE_SHARE", 0.25, "en", "25%"),
        ("CC_UTILISATION_LAST", 0.92, "fr", "92\u202f%"),
        ("BB_WORST_STATUS", 2, "en", "31-60 days late"),
        ("BB_WORST_STATUS", 0, "fr", "à l'heure"),
        ("PREV_REFUSED_COUNT", 2, "en", "2"),
        ("BUREAU_ACTIVE_DEBT_SUM", 150_000, "fr", "150\u202f000"),
    ],
)
def test_history_units_are_shown_in_peoples_units(feature, value, lang, shown):
    assert format_value(feature, value, lang) == shown


@pytest.mark.parametrize(
    ("feature", "value", "row", "en", "fr"),
    [
        (
            "INST_LATE_COUNT_12M",
            3,
            {"INST_COUNT_12M": 24.0},
            "3 of the last 24 instalments paid late",
            "3 des 24 dernières échéances payées en retard",
        ),
        (
            "PREV_REFUSED_COUNT",
            2,
            None,
            "2 previous applications refused",
            "2 demandes précédentes refusées",
        ),
        (
            "PREV_REFUSED_COUNT",
            1,
            None,
            "1 previous application refused",
            "1 demande précédente refusée",
        ),
        (
            "CC_UTILISATION_LAST",
            0.92,
            None,
            "card used at 92% of its limit",
            "carte utilisée à 92\u202f% de son plafond",
        ),
        (
            "BUREAU_ACTIVE_COUNT",
            1,
            {"BUREAU_CREDIT_COUNT": 3.0},
            "1 of 3 bureau credits still active",
            "1 sur 3 crédits du bureau encore en cours",
        ),
        (
            "INST_MISSED_COUNT",
            1,
            None,
            "1 instalment not paid at all",
            "1 échéance non payée",
        ),
        (
            "PREV_DAYS_SINCE_LAST_DECISION",
            120,
            None,
            "120 days since the last decision on a previous application",
            "120 jours depuis la dernière décision sur une demande précédente",
        ),
        (
            "INST_LATE_SHARE",
            0.25,
            None,
            "25% of instalments paid after their due date",
            "25\u202f% des échéances payées après leur date",
        ),
        (
            "BUREAU_ACTIVE_DEBT_SUM",
            150_000,
            None,
            "debt outstanding on active bureau credits: 150,000",
            "encours restant dû sur les crédits du bureau en cours\u00a0: 150\u202f000",
        ),
        (
            "INST_LATE_SHARE",
            math.nan,
            None,
            "share of instalments paid after their due date: missing",
            "part des échéances payées après leur date\u00a0: non renseigné",
        ),
    ],
)
def test_history_phrases_read_well_in_english_and_french(feature, value, row, en, fr):
    assert history_phrase(feature, value, "en", row) == en
    assert history_phrase(feature, value, "fr", row) == fr


def test_every_history_feature_has_a_phrase_in_both_languages():
    from credit_core.history.definitions import FEATURES

    for f in FEATURES:
        for lang in ("en", "fr"):
            for value in (0.0, 1.0, 2.5):
                phrase = history_phrase(f.name, value, lang, {f.of: 4.0} if f.of else None)
                assert phrase and "{" not in phrase and f.name not in phrase


def test_a_history_reason_is_one_readable_sentence():
    row = Contribution(feature="INST_LATE_COUNT", label="x", value=3.0, contribution=0.1)
    assert (
        _sentence(row, "raises", {"INST_COUNT": 24.0})
        == "3 of 24 instalments paid late: raises the risk of default."
    )
    card = Contribution(feature="CC_UTILISATION_MAX", label="x", value=0.5, contribution=-0.1)
    assert (
        _sentence(card, "lowers")
        == "Card used at up to 50% of its limit: lowers the risk of default."
    )
