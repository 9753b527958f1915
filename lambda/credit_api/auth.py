"""API-key check against a sha256 hash (SSM Parameter Store in Lambda, an env var locally)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def ssm_hash_provider(parameter: str, max_age: int = 300) -> Callable[[], str | None]:
    """Fetch (and cache for ``max_age`` seconds) the hash with Powertools Parameters."""

    def provider() -> str | None:
        from aws_lambda_powertools.utilities import parameters

        return parameters.get_parameter(parameter, max_age=max_age, decrypt=True)

    return provider


def static_hash_provider(plain_key: str | None) -> Callable[[], str | None]:
    expected = key_hash(plain_key) if plain_key else None
    return lambda: expected


def verify(presented: str | None, expected_hash: str | None) -> bool:
    """Constant-time comparison of hashes: the time taken says nothing about the key."""
    if not presented or not expected_hash:
        return False
    return hmac.compare_digest(key_hash(presented), expected_hash.strip())
