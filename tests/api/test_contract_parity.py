"""The two renderings of the contract (msgspec plus its vectorised domain checks for speed,
pydantic for docs and error lists) accept exactly the same bodies, agree with the pure domain
check of ``credit_core``, and a refusal names the field that was changed."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from credit_api.validation import Invalid, RequestDecoder
from credit_core.bundle import load_bundle
from credit_core.domain import check_application

pytestmark = pytest.mark.slow

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.lists(st.integers(), max_size=2),
    # the domain's edges: sentinels and their neighbours, whole and fractional, bounds
    st.sampled_from([365243, 365243.0, 365242, 1, 0, -1, 0.5, 2.0, 23, 24, -45000, -45001, 1.05]),
)


@pytest.fixture(scope="module")
def decoder(bundle_dir, tmp_path_factory):
    bundle = load_bundle(str(bundle_dir), None, tmp_path_factory.mktemp("cache"))
    card = bundle.card
    return RequestDecoder(card.contract, card.data.id_col, bundle.model.spec, 5)


def test_msgspec_and_pydantic_accept_the_same_applications(decoder, applications):
    fields = list(decoder.model.model_fields)
    levels = [lv for values in decoder.levels.values() for lv in values]
    adapter = TypeAdapter(decoder.model)
    rules = decoder.contract.rules

    @given(
        base=st.sampled_from(applications),
        edits=st.lists(
            st.tuples(
                st.sampled_from([*fields, "UNKNOWN_FIELD"]),
                st.one_of(VALUES, st.sampled_from(levels), st.just("<drop>")),
            ),
            min_size=1,
            max_size=3,
        ),
    )
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    def check(base, edits):
        app = dict(base)
        for name, value in edits:
            if value == "<drop>":
                app.pop(name, None)
            else:
                app[name] = value
        body = json.dumps(app).encode()
        try:
            adapter.validate_json(body)
            pydantic_ok = True
        except ValidationError:
            pydantic_ok = False
        try:
            decoder.one(body)
            msgspec_ok = True
        except Invalid as exc:
            msgspec_ok = False
            named = {e["field"] for e in exc.errors}
            assert named <= {*fields, "UNKNOWN_FIELD"}, named
            for rule in rules:  # a broken rule names one field, any of its inputs may be edited
                if rule.field in named:
                    named |= set(rule.inputs)
            assert named & {name for name, _ in edits}, (named, edits)
        assert msgspec_ok == pydantic_ok, app
        if msgspec_ok:  # the pure check of credit_core agrees on what it covers
            assert check_application(app, decoder.domains, rules) == [], app

    check()


def test_a_batch_refusal_names_the_item_and_field(decoder, applications):
    bad = [applications[0], applications[1] | {"AMT_CREDIT": "x"}, applications[2] | {"Q": 1}]
    apps, refused = decoder.batch(json.dumps({"applications": bad}).encode())
    assert apps.index == [0]
    assert [(r.index, [e["field"] for e in r.errors]) for r in refused] == [
        (1, ["AMT_CREDIT"]),
        (2, ["Q"]),
    ]
    with pytest.raises(Invalid) as exc:
        decoder.batch(json.dumps({"applications": applications[:6]}).encode())
    assert "at most 5" in exc.value.errors[0]["message"]
