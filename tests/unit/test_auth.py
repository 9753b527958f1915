"""API-key hashes: several at once (rotation), any hex case, SSM failures, odd headers."""

import pytest

from credit_api import auth

OLD, NEW = "old-key-0123456789", "new-key-9876543210"


@pytest.mark.parametrize(
    "stored",
    [
        f"{auth.key_hash(OLD)},{auth.key_hash(NEW)}",
        f"{auth.key_hash(OLD)}\n{auth.key_hash(NEW)}\n",
        f" {auth.key_hash(OLD).upper()} , {auth.key_hash(NEW)} ",
    ],
)
def test_every_listed_hash_is_accepted_during_a_rotation(stored):
    assert auth.verify(OLD, stored)
    assert auth.verify(NEW, stored)
    assert not auth.verify("another-key", stored)


def test_hex_is_compared_case_insensitively():
    assert auth.verify(NEW, auth.key_hash(NEW).upper())


@pytest.mark.parametrize("presented", [None, "", "\ud800", "k\udcff"])
def test_missing_or_unencodable_keys_are_refused_without_raising(presented):
    assert auth.verify(presented, auth.key_hash(NEW)) is False


@pytest.mark.parametrize("stored", [None, "", " , \n"])
def test_no_stored_hash_refuses_every_key(stored):
    assert auth.verify(NEW, stored) is False


def test_a_failed_ssm_read_keeps_the_last_good_value(monkeypatch):
    from aws_lambda_powertools.utilities import parameters

    answers = [auth.key_hash(NEW), RuntimeError("SSM throttled"), auth.key_hash(OLD)]
    calls = []

    def get_parameter(name, max_age, decrypt):
        calls.append(name)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(parameters, "get_parameter", get_parameter)
    now = [0.0]
    provider = auth.ssm_hash_provider("/credit/key", retry_after=30, clock=lambda: now[0])
    assert auth.verify(NEW, provider())  # first read
    assert auth.verify(NEW, provider())  # SSM fails: the last good value is kept
    now[0] = 10.0
    assert auth.verify(NEW, provider())  # within 30 s of the failure: SSM is not asked again
    assert len(calls) == 2
    now[0] = 41.0
    value = provider()  # read again
    assert auth.verify(OLD, value) and not auth.verify(NEW, value)
    assert len(calls) == 3


def test_an_ssm_failure_before_any_good_read_fails_closed(monkeypatch):
    from aws_lambda_powertools.utilities import parameters

    def get_parameter(name, max_age, decrypt):
        raise RuntimeError("AccessDenied")

    monkeypatch.setattr(parameters, "get_parameter", get_parameter)
    provider = auth.ssm_hash_provider("/credit/key")
    assert provider() is None
    assert not auth.verify(NEW, provider())


def test_a_cached_hash_is_not_trusted_forever_while_ssm_fails(monkeypatch):
    """Issue 21 #10: a key retired in SSM must not stay valid through a long outage."""
    from aws_lambda_powertools.utilities import parameters

    answers: list = [auth.key_hash(NEW)]

    def get_parameter(name, max_age, decrypt):
        answer = answers.pop(0) if answers else RuntimeError("SSM unreachable")
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(parameters, "get_parameter", get_parameter)
    now = [0.0]
    provider = auth.ssm_hash_provider(
        "/credit/key", retry_after=30, clock=lambda: now[0], max_stale=600
    )
    assert auth.verify(NEW, provider())
    now[0] = 599.0
    assert auth.verify(NEW, provider())  # SSM down, the value is 599 s old: still served
    now[0] = 601.0
    assert provider() is None and not auth.verify(NEW, provider())  # too old: fails closed
    answers.append(auth.key_hash(NEW))
    now[0] = 700.0
    assert auth.verify(NEW, provider())  # SSM back: served again
