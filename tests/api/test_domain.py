"""The API validates against the domain, not the training sample: public extremes are scored,
impossible values refused naming the field, values training never saw scored with a warning,
an unseen level scored exactly as a missing value; a bad batch item does not sink the batch."""

import itertools
import json
import math

import boto3
import pytest

from credit_core import features
from credit_core.contracts import FieldDomain, read_published_card
from tests.api.conftest import REGION
from tests.unit.test_domain import IMPOSSIBLE

pytestmark = pytest.mark.slow

OLDEST = -25229  # the public minimum of DAYS_BIRTH (train)


def _base(applications, card, oldest: bool = True):
    """A genuine application with every field of the contract (a field it lacks takes the
    smallest value training saw), made the oldest applicant so that any employment length fits
    in the life, unless ``oldest`` is False."""
    app = dict(applications[0])
    for name, field in card.contract.fields.items():
        if name not in app:
            seen = field.training
            app[name] = seen.levels[0] if seen.levels else seen.min
    return app | {"DAYS_BIRTH": OLDEST} if oldest else app


def _public_bodies(shared_stats, base, fields):
    """(field, side, bound, body): one body per public minimum and maximum, train and test."""
    for col in shared_stats["columns"]:
        name = col["name"]
        if name not in fields:
            continue
        for side in ("train", "test"):
            data = col.get(side) or {}
            if "numeric_summary" in data:
                values = {
                    "min": data["numeric_summary"]["min"],
                    "max": data["numeric_summary"]["max"],
                }
            else:
                cats = [c["value"] for c in data.get("categories", [])]
                values = {"first": cats[0], "last": cats[-1]}
            for bound, value in values.items():
                body = base | {name: value}
                if name == "DAYS_BIRTH":  # a young applicant: employment must fit in the life
                    body["DAYS_EMPLOYED"] = 365243
                yield name, side, bound, body


def test_every_public_minimum_and_maximum_is_scored(api, applications, shared_stats):
    card = api.module.state.bundle.card
    fields = card.contract.fields
    base = _base(applications, card)
    cases = list(_public_bodies(shared_stats, base, fields))
    assert {name for name, *_ in cases} == set(fields)  # every column the model uses
    for start in range(0, len(cases), 500):
        chunk = cases[start : start + 500]
        status, body, _ = api.call(
            "POST", "/v1/score/batch", {"applications": [c[3] for c in chunk]}
        )
        assert status == 200
        refused = [
            (chunk[r["index"]][:3], r["error"]["errors"]) for r in body["results"] if "error" in r
        ]
        assert refused == []
        assert body["scored"] == len(chunk)


def test_impossible_values_are_refused_naming_the_field(api, applications):
    card = api.module.state.bundle.card
    base = _base(applications, card)
    items = [base | record for record, _ in IMPOSSIBLE]
    status, body, _ = api.call("POST", "/v1/score/batch", {"applications": items})
    assert status == 200 and body["scored"] == 0 and body["refused"] == len(IMPOSSIBLE)
    for (record, field), result in zip(IMPOSSIBLE, body["results"], strict=True):
        named = {e["field"] for e in result["error"]["errors"]}
        assert named == {field}, (record, result["error"])
        assert result["error"]["status"] == 422 and result["sk_id_curr"] == base["SK_ID_CURR"]
    # one at a time: a 422 problem naming the field and what is allowed
    status, problem, headers = api.call("POST", "/v1/score", base | {"DAYS_EMPLOYED": 365242})
    assert status == 422 and headers["content-type"] == "application/problem+json"
    (error,) = problem["errors"]
    assert error["field"] == "DAYS_EMPLOYED" and "exactly 365243" in error["message"]
    assert error["allowed"] == {"min": -45000, "max": 0, "sentinels": [365243]}
    status, problem, _ = api.call(
        "POST", "/v1/score", base | {"DAYS_BIRTH": -9000, "DAYS_EMPLOYED": -15000}
    )
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["DAYS_EMPLOYED"]
    assert "life" in problem["errors"][0]["message"]
    status, problem, _ = api.call("POST", "/v1/score", base | {"EXT_SOURCE_1": 1.05})
    assert problem["errors"][0]["allowed"] == {"min": 0, "max": 1}


def test_an_unseen_level_is_scored_as_missing_and_says_so(api, applications):
    bundle = api.module.state.bundle
    card = bundle.card
    # a categorical input with a level in its domain that training never saw (CODE_GENDER's XNA
    # was the example until the model stopped taking gender as an input)
    name, field = next(
        (n, f)
        for n, f in card.contract.fields.items()
        if f.type == "category"
        and f.domain is not None
        and f.training is not None
        and set(f.domain.levels) - set(f.training.levels or ())
    )
    assert field.domain is not None and field.training is not None
    trained = field.training.levels or []
    level = sorted(set(field.domain.levels) - set(trained))[0]
    base = {k: v for k, v in _base(applications, card, False).items() if k != name}
    status, unseen, _ = api.call("POST", "/v1/score", base | {name: level})
    assert status == 200
    # the same row with the field missing, through the shared feature code and the model
    spec = bundle.model.spec
    x = features.transform(spec, features.columns_from_records(spec, [base]))
    assert unseen["probability"] == pytest.approx(float(bundle.model.probability(x)[0]), abs=1e-12)
    if not field.required:  # a required field cannot be sent missing: only the model says
        _, missing, _ = api.call("POST", "/v1/score", base)
        _, null, _ = api.call("POST", "/v1/score", base | {name: None})
        assert unseen["probability"] == missing["probability"] == null["probability"]
        assert unseen["warnings"][:-1] == missing["warnings"] == null["warnings"]
    warning = unseen["warnings"][-1]
    assert warning["field"] == name and warning["kind"] == "unseen_level"
    assert warning["value"] == level and warning["scored_as"] == "missing"
    for seen_level in trained:  # seen levels are scored as themselves
        _, seen, _ = api.call("POST", "/v1/score", base | {name: seen_level})
        assert seen["warnings"] == unseen["warnings"][:-1]


def test_outside_training_range_is_scored_logged_and_counted(api, applications, capsys):
    card = api.module.state.bundle.card
    annuity = card.contract.fields["AMT_ANNUITY"]
    high = annuity.training.max + 1000.0
    base = _base(applications, card)
    capsys.readouterr()
    status, body, _ = api.call("POST", "/v1/score", base | {"AMT_ANNUITY": high})
    assert status == 200 and 0 < body["probability"] < 1
    (warning,) = [w for w in body["warnings"] if w["field"] == "AMT_ANNUITY"]
    assert warning["kind"] == "outside_training_range" and warning["value"] == high
    assert warning["training_max"] == annuity.training.max
    out = capsys.readouterr().out
    emf = [json.loads(line) for line in out.splitlines() if '"ScoringWarnings"' in line]
    assert any(m.get("kind") == "outside_training_range" for m in emf), out[-2000:]
    s3 = boto3.client("s3", region_name=REGION)
    (key,) = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket="requests")["Contents"]
        if body["request_id"] in o["Key"]
    ]
    line = json.loads(s3.get_object(Bucket="requests", Key=key)["Body"].read())
    assert line["warnings"] == body["warnings"]


def test_one_bad_item_does_not_sink_the_batch(api, applications):
    items = [applications[0], applications[1] | {"AMT_CREDIT": -5.0e9}, applications[2]]
    status, body, _ = api.call("POST", "/v1/score/batch", {"applications": items})
    assert status == 200 and body["scored"] == 2 and body["refused"] == 1
    assert [r["index"] for r in body["results"]] == [0, 1, 2]
    bad = body["results"][1]
    assert bad["sk_id_curr"] == applications[1]["SK_ID_CURR"] and "probability" not in bad
    assert [e["field"] for e in bad["error"]["errors"]] == ["AMT_CREDIT"]
    _, single, _ = api.call("POST", "/v1/score", applications[2])
    assert body["results"][2]["probability"] == single["probability"]
    s3 = boto3.client("s3", region_name=REGION)
    (key,) = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket="requests")["Contents"]
        if body["request_id"] in o["Key"]
    ]
    lines = s3.get_object(Bucket="requests", Key=key)["Body"].read().decode().splitlines()
    assert [json.loads(line)["item"] for line in lines] == [0, 2]  # refused items not logged
    # an item that is not even an object, and the envelope errors that stay 422
    status, body, _ = api.call("POST", "/v1/score/batch", {"applications": [7, applications[0]]})
    assert status == 200 and body["refused"] == 1 and body["results"][0]["error"]["errors"]
    status, body, _ = api.call("POST", "/v1/score/batch", {"applications": "all"})
    assert status == 422 and body["errors"][0]["field"] == "applications"


def test_duplicate_keys_are_refused_naming_the_field(api, applications):
    text = json.dumps(applications[0])
    for extra in ('"AMT_CREDIT": 1.0', '"AMT_CREDIT": null', '"SK_ID_CURR": 5'):
        raw = text[:-1] + ", " + extra + "}"
        status, body, _ = api.call("POST", "/v1/score", raw_body=raw)
        assert status == 422, extra
        dup = [e for e in body["errors"] if e["message"] == "duplicate key"]
        assert [e["field"] for e in dup] == [extra.split('"')[1]]
    raw = '{"applications": [' + text + ", " + text[:-1] + ', "AMT_CREDIT": 2.0}]}'
    status, body, _ = api.call("POST", "/v1/score/batch", raw_body=raw)
    assert status == 200 and body["scored"] == 1 and body["refused"] == 1
    assert body["results"][1]["error"]["errors"][0]["field"] == "AMT_CREDIT"


def test_a_refusal_lists_at_most_50_errors_and_the_total(api, applications):
    bad = applications[0] | {f"UNKNOWN_{i}": i for i in range(80)}
    status, body, _ = api.call("POST", "/v1/score", bad)
    assert status == 422 and len(body["errors"]) == 50 and body["error_count"] == 80
    assert len(json.dumps(body)) < 10_000


def _lists(node, path=""):
    """Every list in a JSON document with its path."""
    if isinstance(node, list):
        yield path, node
        for i, x in enumerate(node):
            yield from _lists(x, f"{path}[{i}]")
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _lists(v, f"{path}.{k}")


def test_the_reference_population_is_bins_never_rows_or_labels(api):
    status, body, _ = api.call("GET", "/v1/reference?fields=AMT_CREDIT,CODE_GENDER", key=None)
    assert status == 401
    status, body, _ = api.call("GET", "/v1/reference?fields=AMT_CREDIT,CODE_GENDER")
    assert status == 200, body
    n, k = body["rows"], body["min_count"]
    assert n > 100 and k >= 10
    assert set(body) == {"model_version", "rows", "min_count", "fields"}
    assert set(body["fields"]) == {"AMT_CREDIT", "CODE_GENDER"}
    # no row, no per-row label: no list anywhere near the sample's length, no 0/1 column
    for path, xs in _lists(body):
        assert len(xs) <= 20, path
        scalars = [x for x in xs if not isinstance(x, dict | list)]
        assert not (len(scalars) > 2 and set(scalars) <= {0, 1}), path
    text = json.dumps(body)
    assert '"target"' not in text and '"probability"' not in text
    for name, f in body["fields"].items():
        assert f["bins"], name
        for b in f["bins"]:
            assert b["repaid"] >= k and b["defaulted"] >= k, (name, b)
            assert 0 < b["mean_probability"] < 1
        assert sum(b["repaid"] + b["defaulted"] for b in f["bins"]) <= n
    credit = body["fields"]["AMT_CREDIT"]
    assert credit["kind"] == "numeric" and len(credit["bins"]) >= 2
    edges = [(b["lo"], b["hi"]) for b in credit["bins"]]
    assert edges[0][0] is None and edges[-1][1] is None  # no client's extreme value
    assert all(a[1] == b[0] for a, b in itertools.pairwise(edges))
    gender = body["fields"]["CODE_GENDER"]
    assert gender["kind"] == "categorical"
    assert {b["level"] for b in gender["bins"]} <= {"F", "M", "other", "missing"}
    # the same answer on every call, whatever the order or repetition of the names
    again = api.call("GET", "/v1/reference?fields=CODE_GENDER,AMT_CREDIT,AMT_CREDIT")[1]
    assert again["fields"] == body["fields"]


def test_an_unknown_or_no_reference_field_is_refused_by_name(api):
    status, body, _ = api.call("GET", "/v1/reference?fields=AMT_CREDIT,SALARY")
    assert status == 422 and [e["field"] for e in body["errors"]] == ["SALARY"]
    status, body, _ = api.call("GET", "/v1/reference")
    assert status == 422


def test_model_card_needs_the_key_and_carries_the_contract(api):
    status, _, _ = api.call("GET", "/v1/model", key=None)
    assert status == 401
    status, body, _ = api.call("GET", "/v1/model")
    assert status == 200
    card = read_published_card(body)
    employed = card.contract.fields["DAYS_EMPLOYED"]
    assert employed.type == "integer"
    assert employed.domain == FieldDomain(min=-45000, max=0, sentinels=[365243])
    assert employed.training.max <= 0  # the sentinel is not part of the training range
    assert "employment_within_life" in card.contract.rules


def _edges(domain) -> list[float]:
    """Values at and just around every bound and sentinel of a numeric domain."""
    out = []
    for x in (domain.min, domain.max, *domain.sentinels):
        if x is not None:
            x = float(x)
            out += [
                x,
                x - 1,
                x + 1,
                x - 0.5,
                math.nextafter(x, -math.inf),
                math.nextafter(x, math.inf),
            ]
    return out


def test_vectorised_checks_agree_with_the_schema_check_at_every_edge(bundle_dir, applications):
    # the decoder checks whole batches with NumPy; credit_core's check_application is the
    # definition, one value at a time: both must refuse exactly the same bodies
    from credit_api.validation import Invalid, RequestDecoder
    from credit_core.bundle import load_bundle
    from credit_core.schema import application_schema

    bundle = load_bundle(str(bundle_dir))
    decoder = RequestDecoder(bundle.card.contract, bundle.card.data.id_col, bundle.model.spec, 10)
    schema = application_schema()
    base = _base(applications, bundle.card)
    checked = 0
    for name, domain in decoder.domains.items():
        if domain.is_categorical:
            continue
        for value in _edges(domain):
            body = base | {name: int(value) if value.is_integer() else value}
            expected = not schema.check(body)
            try:
                decoder.one(json.dumps(body).encode())
                accepted = True
            except Invalid:
                accepted = False
            assert accepted == expected, (name, value)
            checked += 1
    assert checked > 500
