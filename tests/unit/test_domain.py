"""Each column's domain: declared once in the schema, holds the public full-data extremes,
refuses the impossible values, and survives the schema file's regeneration."""

import json
from importlib import resources

import pytest

from credit_core.domain import Domain, check_application
from credit_core.schema import application_schema
from credit_training.twin import reference

SCHEMA = application_schema()

# one impossible value per column family (and the ones found by the review), with the field
# that must be named
IMPOSSIBLE = [
    ({"DAYS_EMPLOYED": 1}, "DAYS_EMPLOYED"),
    ({"DAYS_EMPLOYED": 200000}, "DAYS_EMPLOYED"),
    ({"DAYS_EMPLOYED": 365242}, "DAYS_EMPLOYED"),
    ({"DAYS_EMPLOYED": -15000, "DAYS_BIRTH": -9000}, "DAYS_EMPLOYED"),  # longer than the life
    ({"FLAG_DOCUMENT_3": 2}, "FLAG_DOCUMENT_3"),
    ({"FLAG_OWN_CAR": "maybe"}, "FLAG_OWN_CAR"),
    ({"HOUR_APPR_PROCESS_START": 26}, "HOUR_APPR_PROCESS_START"),
    ({"EXT_SOURCE_1": 1.05}, "EXT_SOURCE_1"),
    ({"EXT_SOURCE_3": -0.01}, "EXT_SOURCE_3"),
    ({"NONLIVINGAREA_AVG": 1.2}, "NONLIVINGAREA_AVG"),  # normalised building statistic
    ({"AMT_CREDIT": 0}, "AMT_CREDIT"),  # amounts are positive
    ({"AMT_ANNUITY": -1500.0}, "AMT_ANNUITY"),
    ({"CNT_CHILDREN": -1}, "CNT_CHILDREN"),  # counts: whole, not negative
    ({"CNT_CHILDREN": 1.5}, "CNT_CHILDREN"),
    ({"CNT_FAM_MEMBERS": 0}, "CNT_FAM_MEMBERS"),  # the client counts
    ({"AMT_REQ_CREDIT_BUREAU_YEAR": 2.5}, "AMT_REQ_CREDIT_BUREAU_YEAR"),
    ({"OBS_30_CNT_SOCIAL_CIRCLE": -3}, "OBS_30_CNT_SOCIAL_CIRCLE"),
    ({"DAYS_BIRTH": 0}, "DAYS_BIRTH"),  # not born yet
    ({"DAYS_BIRTH": -50000}, "DAYS_BIRTH"),  # 137 years
    ({"DAYS_ID_PUBLISH": 30}, "DAYS_ID_PUBLISH"),  # in the future
    ({"DAYS_REGISTRATION": -10.5}, "DAYS_REGISTRATION"),
    ({"REGION_RATING_CLIENT": 4}, "REGION_RATING_CLIENT"),
    ({"REGION_RATING_CLIENT_W_CITY": 0}, "REGION_RATING_CLIENT_W_CITY"),
    ({"REGION_POPULATION_RELATIVE": 0}, "REGION_POPULATION_RELATIVE"),
    ({"OWN_CAR_AGE": -2}, "OWN_CAR_AGE"),
    ({"REG_CITY_NOT_WORK_CITY": 3}, "REG_CITY_NOT_WORK_CITY"),
    ({"CODE_GENDER": "X"}, "CODE_GENDER"),
    ({"AMT_INCOME_TOTAL": True}, "AMT_INCOME_TOTAL"),  # a boolean is not a number
]


def _public(shared_stats):
    for col in shared_stats["columns"]:
        if col["name"] == "TARGET":
            continue
        for side in ("train", "test"):
            data = col.get(side) or {}
            if "numeric_summary" in data:
                s = data["numeric_summary"]
                yield col["name"], side, s["min"], s["max"]
            elif "categories" in data:
                for c in data["categories"]:
                    yield col["name"], side, c["value"], c["value"]


def test_every_column_declares_a_domain():
    for col in SCHEMA.columns:
        d = col.domain
        if col.is_categorical:
            assert d.levels == col.levels, col.name
        else:
            assert d.min is not None or d.max is not None, col.name
            assert d.reason, f"{col.name}: say why in one line"


def test_public_full_data_extremes_lie_inside_the_domain(shared_stats):
    checked = 0
    for name, side, lo, hi in _public(shared_stats):
        domain = SCHEMA.column(name).domain
        for value in (lo, hi):
            assert domain.contains(value), (name, side, value, domain.describe())
            checked += 1
    assert checked > 2 * 2 * 100


@pytest.mark.parametrize(("record", "field"), IMPOSSIBLE)
def test_impossible_values_are_refused_naming_the_field(record, field):
    violations = check_application(record, SCHEMA.domains())
    assert [v.field for v in violations] == [field]
    assert violations[0].message


def test_refusals_say_what_is_allowed():
    (v,) = SCHEMA.check({"DAYS_EMPLOYED": 365242})
    assert v.allowed == {"min": -45000, "max": 0, "sentinels": [365243]}
    assert "exactly 365243" in v.message
    (v,) = SCHEMA.check({"CODE_GENDER": "X"})
    assert v.allowed == ["F", "M", "XNA"]


def test_the_sentinel_and_the_exact_edges_are_accepted():
    ok = {
        "DAYS_EMPLOYED": 365243,
        "DAYS_BIRTH": -7489,
        "REGION_RATING_CLIENT_W_CITY": -1,  # the public test table holds it
        "CNT_FAM_MEMBERS": 2.0,  # whole numbers may come as JSON floats
        "EXT_SOURCE_1": 1,
        "HOUR_APPR_PROCESS_START": 0,
        "AMT_CREDIT": None,  # missing is not this check's concern
    }
    assert SCHEMA.check(ok) == []
    assert SCHEMA.check({"DAYS_EMPLOYED": -7489, "DAYS_BIRTH": -7489}) == []


def test_domain_round_trips_through_the_card_rendering():
    d = SCHEMA.column("DAYS_EMPLOYED").domain
    back = Domain.from_dict(d.to_dict(), integer=True)
    assert (back.min, back.max, back.sentinels, back.integer) == (d.min, d.max, d.sentinels, True)
    pop = SCHEMA.column("REGION_POPULATION_RELATIVE").domain.to_dict()
    assert pop == {"min": 0, "max": 1, "min_exclusive": True}


def test_regenerating_the_schema_file_keeps_the_domains():
    text = resources.files("credit_core").joinpath("application_schema.json").read_text("utf-8")
    assert json.dumps(reference.schema_dict(), indent=1, ensure_ascii=False) + "\n" == text
