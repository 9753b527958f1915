"""API-key check against sha256 hashes (SSM Parameter Store in Lambda, an env var locally).

The stored value holds one or more hex sha256 hashes of valid keys, separated by commas or
whitespace (newlines), so a key can be rotated with an overlap: add the new hash, move the
clients, then remove the old one (``infra/api_key.py add`` / ``retire``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from functools import lru_cache

from credit_api.observability import logger

SEPARATORS = re.compile(r"[\s,]+")
SSM_RETRY_SECONDS = 30.0  # after a failed SSM read, serve the last good value this long
MAX_STALE_SECONDS = 900.0  # ... but never a value older than this


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@lru_cache(maxsize=8)
def parse_hashes(stored: str) -> tuple[bytes, ...]:
    """The hashes in a stored value, lower-cased (hex is case-insensitive); blanks dropped."""
    return tuple(h.lower().encode() for h in SEPARATORS.split(stored) if h)


def ssm_hash_provider(
    parameter: str,
    max_age: int = 300,
    retry_after: float = SSM_RETRY_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    max_stale: float = MAX_STALE_SECONDS,
) -> Callable[[], str | None]:
    """Fetch (and cache for ``max_age`` seconds) the hashes with Powertools Parameters.

    If SSM cannot be read, the last value read is kept (and SSM is not asked again for
    ``retry_after`` seconds, so an outage does not slow every request), but only until it is
    ``max_stale`` seconds old: a retired key must not stay valid through a long outage. With no
    value read, or only a stale one, it returns None and every key is refused (fails closed)."""
    last: str | None = None
    read_at = 0.0
    failed_at: float | None = None

    def usable() -> str | None:
        if last is not None and clock() - read_at > max_stale:
            logger.error(
                "api key parameter unread for too long; refusing every key",
                extra={"parameter": parameter, "stale_seconds": round(clock() - read_at)},
            )
            return None
        return last

    def provider() -> str | None:
        nonlocal last, failed_at, read_at
        if failed_at is not None and clock() - failed_at < retry_after:
            return usable()
        from aws_lambda_powertools.utilities import parameters

        try:
            value = parameters.get_parameter(parameter, max_age=max_age, decrypt=True)
        except Exception as exc:  # SSM down, throttled, no permission, parameter deleted
            failed_at = clock()
            logger.error(
                "api key parameter not read; keeping the last good value",
                extra={"parameter": parameter, "error": repr(exc), "has_value": last is not None},
            )
            return usable()
        # Powertools' cache may hand back a value up to max_age old: the bound is approximate
        # by that much (max_stale + max_age at worst)
        failed_at, last, read_at = None, value, clock()
        return value

    return provider


def static_hash_provider(plain_key: str | None) -> Callable[[], str | None]:
    expected = key_hash(plain_key) if plain_key else None
    return lambda: expected


def matching_hash(presented: str | None, expected_hashes: str | None) -> str | None:
    """The stored hash the presented key matches (lower-case hex), or None.

    Timing-safe: every stored hash is compared in constant time, with no early exit, so the
    time taken says nothing about the key. A key that cannot be encoded (a lone surrogate from
    a hand-built event) is simply not valid."""
    if not presented or not expected_hashes:
        return None
    try:
        digest = key_hash(presented).encode()
    except UnicodeEncodeError:
        return None
    found: bytes | None = None
    for expected in parse_hashes(expected_hashes):
        if hmac.compare_digest(digest, expected):
            found = expected
    return found.decode() if found is not None else None


def verify(presented: str | None, expected_hashes: str | None) -> bool:
    """True if the presented key's hash is one of the stored hashes (:func:`matching_hash`)."""
    return matching_hash(presented, expected_hashes) is not None
