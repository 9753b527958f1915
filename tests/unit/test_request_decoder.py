"""The request decoder on a contract built from a small twin (no training): duplicate keys on the
fast and the slow path, whole numbers sent as floats, warnings, cards without domains."""

import json

import numpy as np
import pandas as pd
import pytest

from credit_api import problems
from credit_api.validation import Invalid, RequestDecoder
from credit_core.features import transform_raw
from credit_training.contract import build_contract
from credit_training.featurize import feature_matrix, spec_for_frame
from credit_training.twin.generate import generate_twin


@pytest.fixture(scope="module")
def setup():
    twin = generate_twin(3000, 300, 11)
    spec = spec_for_frame(twin.train, ("TARGET", "SK_ID_CURR"))
    contract = build_contract(twin.train, spec, ["AMT_CREDIT"])
    rows = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items() if not pd.isna(v)}
        for r in twin.test.to_dict("records")
    ]
    return spec, contract, json.loads(json.dumps(rows)), twin.test


@pytest.fixture(scope="module")
def decoder(setup):
    spec, contract, _, _ = setup
    return RequestDecoder(contract, "SK_ID_CURR", spec, 1000)


def _body(app: dict) -> bytes:
    return json.dumps(app).encode()


def test_the_contract_separates_domain_and_training(setup):
    _, contract, _, _ = setup
    gender = contract["fields"]["CODE_GENDER"]
    assert gender["domain"] == {"levels": ["F", "M", "XNA"]}
    assert gender["training"] == {"levels": ["F", "M"]}  # the twin has no XNA
    employed = contract["fields"]["DAYS_EMPLOYED"]
    assert employed["type"] == "integer" and employed["domain"]["sentinels"] == [365243]
    assert employed["training"]["max"] <= 0  # the sentinel is not a training value
    assert contract["rules"] == ["employment_within_life"]


def test_a_whole_number_may_come_as_a_float_but_not_as_a_fraction(decoder, setup):
    app = setup[2][0]
    decoder.one(_body(app | {"CNT_FAM_MEMBERS": 2.0, "CNT_CHILDREN": 1}))
    with pytest.raises(Invalid) as exc:
        decoder.one(_body(app | {"CNT_FAM_MEMBERS": 2.5}))
    assert [e["field"] for e in exc.value.errors] == ["CNT_FAM_MEMBERS"]


@pytest.mark.parametrize(
    "extra",
    [
        '"AMT_CREDIT": 1.0',  # fast path: colon count
        '"AMT_CREDIT": null',  # null value
        '"ORGANIZATION_TYPE": "Trade: type 7"',  # a level holding a colon
        '"AMT\\u005fCREDIT": 1.0',  # an escaped key: the parser's word
    ],
)
def test_a_duplicate_key_is_refused_naming_it(decoder, setup, extra):
    app = {k: v for k, v in setup[2][0].items() if k != "ORGANIZATION_TYPE"}
    app["ORGANIZATION_TYPE"] = "Industry: type 1"
    text = json.dumps(app)[:-1] + ", " + extra + "}"
    with pytest.raises(Invalid) as exc:
        decoder.one(text.encode())
    dup = [e["field"] for e in exc.value.errors if e["message"] == "duplicate key"]
    assert dup == [json.loads("{" + extra + "}").popitem()[0]]


def test_colons_inside_levels_and_nulls_are_not_duplicates(decoder, setup):
    app = setup[2][1] | {"ORGANIZATION_TYPE": "Trade: type 7", "EXT_SOURCE_1": None}
    decoder.one(_body(app))
    apps, refused = decoder.batch(_body({"applications": [app, app]}))
    assert refused == [] and apps.index == [0, 1]


def test_a_batch_finds_the_one_item_with_a_duplicate(decoder, setup):
    items = [json.dumps(a) for a in setup[2][:5]]
    items[3] = items[3][:-1] + ', "AMT_CREDIT": 7.0}'
    body = ('{"applications": [' + ", ".join(items) + "]}").encode()
    apps, refused = decoder.batch(body)
    assert apps.index == [0, 1, 2, 4]
    assert [(r.index, r.errors[0]["field"]) for r in refused] == [(3, "AMT_CREDIT")]


def test_served_matrix_equals_the_training_matrix(decoder, setup):
    spec, _, rows, frame = setup
    apps, refused = decoder.batch(_body({"applications": rows}))
    assert refused == []
    x = feature_matrix(spec, frame)
    np.testing.assert_array_equal(transform_raw(spec, apps.matrix), x)


def test_warnings_outside_training_and_unseen_levels(decoder, setup):
    _, contract, rows, _ = setup
    hi = contract["fields"]["AMT_ANNUITY"]["training"]["max"]
    apps = decoder.one(_body(rows[0] | {"AMT_ANNUITY": hi + 1, "CODE_GENDER": "XNA"}))
    kinds = {(w.field, w.kind) for w in apps.warnings[0]}
    assert kinds == {("AMT_ANNUITY", "outside_training_range"), ("CODE_GENDER", "unseen_level")}
    missing = decoder.one(_body({k: v for k, v in rows[0].items() if k != "CODE_GENDER"}))
    unseen = decoder.one(_body(rows[0] | {"CODE_GENDER": "XNA"}))
    np.testing.assert_array_equal(unseen.matrix, missing.matrix)
    assert decoder.one(_body(rows[0] | {"DAYS_EMPLOYED": 365243})).warnings == [[]]


def test_a_card_without_domains_is_derived_from_the_schema(setup):
    spec, contract, rows, _ = setup
    old = {"fields": {}, "required": contract["required"]}
    for name, f in contract["fields"].items():  # the format before domains: widened ranges
        if f["type"] == "category":
            old["fields"][name] = {"type": "category", "levels": f["domain"]["levels"]}
        else:
            lo, hi = f["training"]["min"], f["training"]["max"]
            old["fields"][name] = {"type": f["type"], "min": lo - 1, "max": hi + 1}
        old["fields"][name] |= {"required": f["required"], "missing_rate_in_training": 0.0}
    decoder = RequestDecoder(old, "SK_ID_CURR", spec, 10)
    assert decoder.contract.derived
    decoder.one(_body(rows[0]))
    with pytest.raises(Invalid) as exc:
        decoder.one(_body(rows[0] | {"DAYS_EMPLOYED": 365242}))
    assert exc.value.errors[0]["field"] == "DAYS_EMPLOYED"


def test_a_problem_lists_at_most_50_errors_and_counts_them():
    errors = [{"field": f"F{i}", "message": "unknown field"} for i in range(80)]
    body = problems.invalid(errors)
    assert len(body.errors) == 50 and body.error_count == 80
    assert "30 more" in body.detail


def test_a_repeated_envelope_key_refuses_the_batch(decoder, setup):
    item = json.dumps(setup[2][0])
    body = '{"applications": [' + item + '], "applications": [' + item + "]}"
    with pytest.raises(Invalid) as exc:
        decoder.batch(body.encode())
    assert exc.value.errors == [{"field": "applications", "message": "duplicate key"}]
