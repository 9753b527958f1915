"""Who is calling: officer claims, machine keys named by their hash prefix, never the key."""

import pytest

from credit_api import auth, identity
from credit_api.call import Call
from credit_core.contracts import Caller

KEY, OTHER = "machine-key-0123456789", "other-key-9876543210"
STORED = f"{auth.key_hash(OTHER)}\n{auth.key_hash(KEY)}"


def test_a_machine_is_named_by_its_key_hash_prefix_never_the_key():
    caller = identity.caller_of(Call("r", KEY), STORED)
    assert caller == Caller(kind="machine", subject="key:" + auth.key_hash(KEY)[:12])
    assert KEY not in repr(caller)


def test_verified_claims_name_an_officer_and_no_key_is_needed():
    claims = {"sub": "officer-42", "iss": "https://issuer.example", "aud": "ui"}
    caller = identity.caller_of(Call("r", None, claims=claims), STORED)
    assert caller == Caller(kind="officer", subject="officer-42", issuer="https://issuer.example")


def test_claims_take_the_place_of_the_key_on_an_officer_call():
    # a valid key does not rescue claims without a subject
    assert identity.caller_of(Call("r", KEY, claims={"iss": "x"}), STORED) is None


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_no_valid_credential_is_no_caller(key):
    assert identity.caller_of(Call("r", key), STORED) is None


def test_matching_hash_names_the_matched_key_among_several():
    assert auth.matching_hash(KEY, STORED) == auth.key_hash(KEY)
    assert auth.matching_hash(OTHER, STORED.upper()) == auth.key_hash(OTHER)


@pytest.mark.parametrize(
    ("path", "route"),
    [("/officer/v1/score", "/v1/score"), ("/v1/score", None), ("/officerx/v1", None)],
)
def test_officer_paths(path, route):
    assert identity.officer_path(path) == route
