"""infra/api_key.py: create and rotate API keys in SSM (moto), checked by the API's own auth."""

from __future__ import annotations

import importlib.util

import boto3
import pytest

from credit_api import auth
from tests.conftest import REGION
from tests.infra.cfn import ROOT

spec = importlib.util.spec_from_file_location("api_key", ROOT / "infra/api_key.py")
api_key = importlib.util.module_from_spec(spec)
spec.loader.exec_module(api_key)


def printed_key(out: str) -> str:
    return out.strip().rsplit(": ", 1)[-1]


@pytest.fixture
def ssm(aws):
    return boto3.client("ssm", region_name=REGION)


def stored(ssm) -> str:
    return ssm.get_parameter(Name=api_key.parameter_for("dev"), WithDecryption=True)["Parameter"][
        "Value"
    ]


def test_rotation_keeps_the_old_key_valid_until_it_is_retired(ssm, capsys):
    assert api_key.main(["new"], ssm) == 0
    old = printed_key(capsys.readouterr().out)
    assert auth.verify(old, stored(ssm))
    assert old not in stored(ssm)  # only the hash is kept

    assert api_key.main(["add"], ssm) == 0
    new = printed_key(capsys.readouterr().out)
    assert auth.verify(old, stored(ssm)) and auth.verify(new, stored(ssm))  # the overlap

    assert api_key.main(["list"], ssm) == 0
    prefixes = capsys.readouterr().out.split()
    assert prefixes == [auth.key_hash(old)[:12], auth.key_hash(new)[:12]]

    assert api_key.main(["retire", prefixes[0]], ssm) == 0
    assert not auth.verify(old, stored(ssm)) and auth.verify(new, stored(ssm))

    assert api_key.main(["new"], ssm) == 0  # `new` revokes every earlier key
    newest = printed_key(capsys.readouterr().out)
    assert not auth.verify(new, stored(ssm)) and auth.verify(newest, stored(ssm))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["retire", "ffffffffffff"], "no stored hash start with 'ffffffffffff'"),
        (["retire"], "no stored hash start with ''"),
        (["list", "--parameter", "/nope"], "parameter /nope does not exist"),
    ],
)
def test_user_errors_are_one_line_with_exit_2(ssm, capsys, argv, message):
    api_key.main(["new"], ssm)
    capsys.readouterr()
    before = stored(ssm)
    assert api_key.main(argv, ssm) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert stored(ssm) == before  # nothing changed


def test_the_last_key_cannot_be_retired(ssm, capsys):
    api_key.main(["new"], ssm)
    api_key.main(["list"], ssm)
    (prefix,) = capsys.readouterr().out.split()[-1:]
    assert api_key.main(["retire", prefix], ssm) == 2
    assert "last key" in capsys.readouterr().err


def test_each_stage_has_its_own_parameter(ssm, capsys):
    assert api_key.main(["new", "--stage", "prod"], ssm) == 0
    prod = printed_key(capsys.readouterr().out)
    assert api_key.main(["new"], ssm) == 0  # dev by default
    dev = printed_key(capsys.readouterr().out)
    value = ssm.get_parameter(Name=api_key.parameter_for("prod"), WithDecryption=True)
    assert auth.verify(prod, value["Parameter"]["Value"])
    assert not auth.verify(dev, value["Parameter"]["Value"])
    assert auth.verify(dev, stored(ssm)) and not auth.verify(prod, stored(ssm))
