"""client_ref: a keyed HMAC of the client id (one client, one reference, whatever the id's
JSON type); the id removed from the logged inputs; the KMS-derived key fetched once, not per
request, re-derived when old and refused when too old."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from credit_api.client_ref import without_id
from credit_core import pseudonym

KEY = b"k" * 32


def test_client_ref_is_the_hmac_of_the_decimal_id_and_one_per_client():
    expected = hmac.new(KEY, b"100001", hashlib.sha256).hexdigest()
    assert {pseudonym.client_ref(KEY, v) for v in (100001, 100001.0, "100001", " 100001 ")} == {
        expected
    }
    assert pseudonym.client_ref(KEY, 100002) != expected
    assert pseudonym.client_ref(b"another key", 100001) != expected


@pytest.mark.parametrize("sk_id", [None, True, 1.5, float("nan"), "abc", [1]])
def test_no_reference_without_an_integer_id(sk_id):
    assert pseudonym.client_ref(KEY, sk_id) is None


@pytest.mark.parametrize(
    "raw",
    [
        b'{"SK_ID_CURR": 100001, "AMT_CREDIT": 5.0, "NAME": "a"}',
        b'{"AMT_CREDIT":5.0,"SK_ID_CURR":100001,"NAME":"a"}',
        b'{"AMT_CREDIT": 5.0, "NAME": "a", "SK_ID_CURR": 100001 }',
        b'{ "SK_ID_CURR" : 100001 }',
        b'{"AMT_CREDIT": 5.0, "SK_ID_CURR": null}',
        b'{"SK\\u005fID_CURR": 100001, "AMT_CREDIT": 5.0}',  # an escape spelling the name
        b'{"NAME": "SK_ID_CURR", "SK_ID_CURR": 7}',  # the name as a value too
        b'{"AMT_CREDIT": 5.0}',  # no id
    ],
)
def test_the_id_is_removed_from_the_logged_inputs_and_nothing_else(raw):
    out = without_id(raw, "SK_ID_CURR")
    expected = {k: v for k, v in json.loads(raw).items() if k != "SK_ID_CURR"}
    assert json.loads(out) == expected


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_derived_key_is_fetched_once_then_hourly_not_per_request():
    calls, clock = [], Clock()

    def derive():
        calls.append(clock.now)
        return b"derived-%d" % len(calls)

    key = pseudonym.DerivedKey(derive, max_age=3600, clock=clock)
    assert {key() for _ in range(1000)} == {b"derived-1"} and calls == [0.0]
    clock.now = 3600.0
    assert key() == b"derived-2" and len(calls) == 2


def test_a_failed_derivation_keeps_the_key_a_while_then_refuses():
    clock, errors, fail = Clock(), [], [False]

    def derive():
        if fail[0]:
            raise RuntimeError("KMS unavailable")
        return b"derived"

    key = pseudonym.DerivedKey(
        derive, max_age=100, retry_after=10, clock=clock, on_error=errors.append
    )
    assert key() == b"derived"
    fail[0] = True
    clock.now = 150.0  # due, KMS fails: the key (150 s old) is still used
    assert key() == b"derived" and len(errors) == 1
    clock.now = 155.0  # within retry_after: KMS is not asked again
    assert key() == b"derived" and len(errors) == 1
    clock.now = 200.0  # twice max_age: refused (the record is logged without client_ref)
    assert key() is None


def test_no_key_when_the_first_derivation_fails():
    def derive():
        raise RuntimeError("AccessDenied")

    errors = []
    assert pseudonym.DerivedKey(derive, on_error=errors.append)() is None and errors
