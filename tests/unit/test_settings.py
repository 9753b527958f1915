"""The API's settings: one validated object, refusing what is only safe on a developer's
machine outside the local stage (issue 17 §2)."""

from __future__ import annotations

import pytest

from credit_api.settings import Settings, SettingsError

DEPLOYED = {
    "STAGE": "prod",
    "MODEL_URI": "s3://models/credit-scoring",
    "LOG_URI": "s3://requests/requests",
    "API_KEY_PARAMETER": "/credit-scoring/api-key-sha256",
    "CLIENT_REF_KMS_KEY": "arn:aws:kms:eu-west-3:123456789012:key/client-id",
}


def test_the_deployed_settings_are_accepted_and_typed():
    s = Settings.from_env(DEPLOYED | {"MAX_BATCH": "200", "MODEL_RELOAD_SECONDS": "5"})
    assert (s.stage, s.max_batch, s.reload_seconds, s.api_key) == ("prod", 200, 5.0, None)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"CREDIT_API_KEY": "plain"}, "CREDIT_API_KEY"),
        ({"API_KEY_PARAMETER": ""}, "API_KEY_PARAMETER"),
        ({"LOG_URI": "/tmp/requests"}, "LOG_URI"),
        ({"MODEL_URI": "data/bundles"}, "MODEL_URI"),
        ({"STAGE": "dev", "LOG_URI": "data/requests"}, "LOG_URI"),
        ({"FEATURES_URI": "sqlite:///data/features.sqlite"}, "FEATURES_URI"),
        ({"SCORE_WITHOUT_HISTORY": "1"}, "SCORE_WITHOUT_HISTORY"),
        ({"CLIENT_REF_KEY": "plain"}, "CLIENT_REF_KEY"),
        ({"CLIENT_REF_KMS_KEY": ""}, "CLIENT_REF_KMS_KEY"),
    ],
)
def test_local_only_values_are_refused_in_a_deployed_stage(change, named):
    with pytest.raises(SettingsError, match=named) as err:
        Settings.from_env(DEPLOYED | change)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MAX_BATCH": "0"}, "MAX_BATCH"),
        ({"MAX_BATCH": "-3"}, "MAX_BATCH"),
        ({"MAX_BATCH": "many"}, "MAX_BATCH"),
        ({"MAX_BODY_BYTES": "0"}, "MAX_BODY_BYTES"),
        ({"MAX_BODY_BYTES": str(11 * 1024 * 1024)}, "MAX_BODY_BYTES"),
        ({"MODEL_RELOAD_SECONDS": "-1"}, "MODEL_RELOAD_SECONDS"),
        ({"MODEL_SHA256": "not-a-digest"}, "MODEL_SHA256"),
        ({"MODEL_VERSION": "../1"}, "MODEL_VERSION"),
        ({"STAGE_PREFIX": "prod"}, "STAGE_PREFIX"),
        ({"STAGE": "production"}, "STAGE"),
        ({"API_KEY_MAX_STALE_SECONDS": "0"}, "API_KEY_MAX_STALE_SECONDS"),
        ({"CREDIT_API_KEY": "k", "API_KEY_PARAMETER": "/p"}, "not both"),
        ({"AWS_LAMBDA_FUNCTION_NAME": "credit-scoring-api"}, "STAGE: required on Lambda"),
        ({"FEATURES_URI": "redis://host/0"}, "FEATURES_URI"),
        ({"FEATURES_URI": "dynamodb://"}, "FEATURES_URI"),
        (
            {"FEATURES_URI": "sqlite:///f.sqlite", "SCORE_WITHOUT_HISTORY": "true"},
            "FEATURES_URI or SCORE_WITHOUT_HISTORY, not both",
        ),
        ({"SCORE_WITHOUT_HISTORY": "maybe"}, "SCORE_WITHOUT_HISTORY"),
    ],
)
def test_unusable_values_are_refused_in_any_stage(env, named):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def test_the_feature_store_is_one_optional_uri():
    assert Settings.from_env(DEPLOYED).features_uri is None
    uri = "dynamodb://credit-scoring-prod-features"
    assert Settings.from_env(DEPLOYED | {"FEATURES_URI": uri}).features_uri == uri


def test_local_defaults_and_blank_values():
    s = Settings.from_env({"MODEL_URI": "", "CREDIT_API_KEY": "  ", "MAX_BATCH": ""})
    assert (s.stage, s.model_uri, s.api_key, s.max_batch) == ("local", "data/bundles", None, 1000)


def test_the_plain_key_never_shows_in_the_settings_repr():
    s = Settings(api_key="very-secret-key")
    assert "very-secret-key" not in repr(s) and s.plain_api_key == "very-secret-key"


def test_settings_are_frozen_and_reject_unknown_names():
    s = Settings()
    with pytest.raises(ValueError):
        s.max_batch = 5  # type: ignore[misc]
    with pytest.raises(SettingsError, match="unknown_setting"):
        Settings.build({"unknown_setting": 1})


def test_every_field_has_one_environment_name():
    names = Settings.env_names()
    assert len(names) == len(Settings.model_fields)
    assert {"MODEL_URI", "STAGE_PREFIX", "CREDIT_API_KEY"} <= names
