"""Create and rotate the scoring API's keys: only their sha256 hashes are stored, in an SSM
SecureString parameter that the API reads (``API_KEY_PARAMETER``; several hashes = several
valid keys, see ``credit_api.auth``). A new key is printed once and stored nowhere.

    python infra/api_key.py new              # the first key (replaces every stored key)
    python infra/api_key.py add              # rotation: a second key, the old one stays valid
    python infra/api_key.py retire 3fa9c1    # then remove the old key, named by its hash prefix
    python infra/api_key.py list             # the stored hashes (a prefix each)

``--stage dev|prod`` (default dev) picks the stage's parameter,
``/credit-scoring/STAGE/api-key-sha256`` (the stack's default: stages never share keys);
``--parameter`` names another. AWS credentials and region from the environment. A user error is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Sequence

from credit_api.auth import key_hash, parse_hashes

PARAMETER = "/credit-scoring/{stage}/api-key-sha256"  # template.yaml's per-stage default


def parameter_for(stage: str) -> str:
    return PARAMETER.format(stage=stage)


PREFIX = 12  # hash characters shown by `list`: enough to name a key, useless to an attacker


class RotationError(ValueError):
    """A request that cannot be carried out (unknown prefix, last key, no parameter)."""


def hashes(stored: str | None) -> list[str]:
    """The hashes in a stored value as the API reads them, in order, without repeats."""
    return [h.decode() for h in dict.fromkeys(parse_hashes(stored or ""))]


def added(stored: str | None, new_hash: str) -> str:
    """The stored value with ``new_hash`` appended (one hash per line)."""
    return "\n".join([*hashes(stored), new_hash])


def retired(stored: str | None, prefix: str) -> str:
    """The stored value without the one hash starting with ``prefix``. Raises RotationError if no
    hash or several match, or if it is the last one (the API would refuse every call)."""
    current = hashes(stored)
    matches = [h for h in current if h.startswith(prefix.lower())] if prefix else []
    if len(matches) != 1:
        found = "no stored hash" if not matches else f"{len(matches)} stored hashes"
        raise RotationError(f"{found} start with {prefix!r}; see `list`")
    if len(current) == 1:
        raise RotationError("that is the last key: `add` its successor first, or use `new`")
    return "\n".join(h for h in current if h != matches[0])


def _read(ssm, parameter: str) -> str | None:
    try:
        return ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None


def _write(ssm, parameter: str, value: str) -> None:
    ssm.put_parameter(Name=parameter, Value=value, Type="SecureString", Overwrite=True)


def run(command: str, parameter: str, prefix: str | None, ssm) -> str:
    """Carry out ``command`` on the parameter; returns what to print."""
    stored = _read(ssm, parameter)
    if command == "list":
        if stored is None:
            raise RotationError(f"parameter {parameter} does not exist: run `new` first")
        return "\n".join(h[:PREFIX] for h in hashes(stored))
    if command == "retire":
        if stored is None:
            raise RotationError(f"parameter {parameter} does not exist")
        _write(ssm, parameter, retired(stored, prefix or ""))
        return f"retired the key {prefix}…; {len(hashes(stored)) - 1} key(s) remain valid"
    key = secrets.token_urlsafe(32)
    value = key_hash(key) if command == "new" or stored is None else added(stored, key_hash(key))
    _write(ssm, parameter, value)
    return f"API key (shown once, stored nowhere; its hash starts {key_hash(key)[:PREFIX]}): {key}"


def main(argv: Sequence[str] | None = None, ssm=None) -> int:
    parser = argparse.ArgumentParser(prog="api_key.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("new", "add", "retire", "list"))
    parser.add_argument("prefix", nargs="?", help="retire: the first characters of the hash")
    parser.add_argument("--stage", choices=("dev", "prod"), default="dev")
    parser.add_argument("--parameter", default=None, help="default: the stage's parameter")
    args = parser.parse_args(argv)
    parameter = args.parameter or parameter_for(args.stage)
    if ssm is None:
        import boto3

        ssm = boto3.client("ssm")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        print(run(args.command, parameter, args.prefix, ssm))
    except RotationError as exc:
        print(f"api_key.py {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:  # no credentials, no permission, throttled
        print(f"api_key.py {args.command}: AWS error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
