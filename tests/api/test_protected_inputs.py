"""The protected-input policy at serving time: the model does not take CODE_GENDER, the API still
accepts it in a request (checked against its domain), and it never changes a score."""

import json

import boto3
import pytest

from tests.api.conftest import REGION

pytestmark = pytest.mark.slow


def _with_gender(application: dict, gender: str | None) -> dict:
    out = {k: v for k, v in application.items() if k != "CODE_GENDER"}
    return out if gender is None else out | {"CODE_GENDER": gender}


def test_the_card_leaves_gender_out_of_the_inputs_and_says_so(api):
    card = api.module.state.bundle.card
    assert "CODE_GENDER" not in card.features.names
    assert "CODE_GENDER" not in card.contract.fields
    assert card.contract.unscored["CODE_GENDER"].domain.levels == ["F", "M", "XNA"]
    assert card.fairness is not None
    assert card.fairness.policy.protected_inputs == ["CODE_GENDER"]
    assert card.fairness.policy.measured_attributes["gender"] == "CODE_GENDER"


def test_gender_is_accepted_and_never_changes_the_score(api, applications):
    scores = {}
    for gender in ("F", "M", "XNA", None):
        status, body, _ = api.call("POST", "/v1/score", _with_gender(applications[0], gender))
        assert status == 200, body
        assert not any(w["field"] == "CODE_GENDER" for w in body.get("warnings", []))
        scores[gender] = body["probability"]
    assert len(set(scores.values())) == 1, scores


def test_batch_with_mixed_genders_scores_as_without_them(api, applications):
    rows = [
        _with_gender(a, g) for a, g in zip(applications[:4], ("F", "M", None, "F"), strict=True)
    ]
    bare = [_with_gender(a, None) for a in applications[:4]]
    _, mixed, _ = api.call("POST", "/v1/score/batch", {"applications": rows})
    _, plain, _ = api.call("POST", "/v1/score/batch", {"applications": bare})
    assert [r["probability"] for r in mixed["results"]] == [
        r["probability"] for r in plain["results"]
    ]


def test_a_gender_outside_its_domain_is_refused_naming_the_field(api, applications):
    status, body, headers = api.call("POST", "/v1/score", _with_gender(applications[0], "X"))
    assert status == 422 and headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in body["errors"]] == ["CODE_GENDER"]


def test_explain_shows_the_model_inputs_only(api, applications):
    _, with_gender, _ = api.call("POST", "/v1/explain", _with_gender(applications[1], "M"))
    _, without, _ = api.call("POST", "/v1/explain", _with_gender(applications[1], None))
    assert with_gender["contributions"] == without["contributions"]
    assert "CODE_GENDER" not in {c["feature"] for c in with_gender["contributions"]}


def test_the_request_log_keeps_gender_as_sent_for_fairness_monitoring(api, applications):
    application = _with_gender(applications[2], "F")
    _, body, _ = api.call("POST", "/v1/score", application)
    s3 = boto3.client("s3", region_name=REGION)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="requests")["Contents"]]
    (key,) = [k for k in keys if body["request_id"] in k]
    record = json.loads(s3.get_object(Bucket="requests", Key=key)["Body"].read())
    assert record["inputs"]["CODE_GENDER"] == "F"
    assert len(record["features"]) == len(api.module.state.bundle.card.features.names)
