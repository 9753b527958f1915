"""Pseudonymised client ids: the request log keeps ``client_ref`` = HMAC-SHA-256(key, the
client's SK_ID_CURR in decimal), hex, never the id itself. Whoever holds the key (the API, the
outcomes join) computes the same reference from the same id; without it the reference says
nothing about the id.

The key, in AWS: derived from the stack's KMS HMAC key (``ClientIdKey``, never exported) as
``GenerateMac(ClientIdKey, LABEL)``, once per instance and again every ``max_age`` seconds (so a
disabled KMS key stops pseudonymisation within that time), never per request. HMAC is
deterministic, so every instance derives the same key and references stay linkable across
instances and days. Locally: ``CLIENT_REF_KEY``, else :data:`DEV_KEY`, which is public and
fit for the twin only.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

LABEL = b"credit-scoring/client_ref/v1"  # the message KMS MACs into the derived key
DEV_KEY = b"credit-scoring DEVELOPMENT client_ref key - public, never use with real clients"
KEY_MAX_AGE_SECONDS = 3600.0
RETRY_SECONDS = 30.0


def canonical(sk_id: Any) -> bytes | None:
    """The id as the HMAC reads it: an integer in decimal (``100001``, ``100001.0`` and
    ``"100001"`` are one client); None for a missing or non-integer id."""
    if isinstance(sk_id, bool) or sk_id is None:
        return None
    if isinstance(sk_id, float):
        if sk_id != sk_id or not sk_id.is_integer():
            return None
        sk_id = int(sk_id)
    if isinstance(sk_id, str):
        text = sk_id.strip()
        if not text.lstrip("-").isdigit():
            return None
        sk_id = int(text)
    if not isinstance(sk_id, int):
        return None
    return str(sk_id).encode()


def client_ref(key: bytes, sk_id: Any) -> str | None:
    """HMAC-SHA-256 of the canonical id under ``key``, 64 hex characters; None without an id."""
    data = canonical(sk_id)
    return None if data is None else hmac.new(key, data, hashlib.sha256).hexdigest()


def kms_derivation(key_id: str, client: Any = None) -> Callable[[], bytes]:
    """A function deriving the key from a KMS HMAC key (``kms:GenerateMac`` on ``key_id``)."""

    def derive() -> bytes:
        kms = client
        if kms is None:
            import boto3

            kms = boto3.client("kms")
        return kms.generate_mac(KeyId=key_id, MacAlgorithm="HMAC_SHA_256", Message=LABEL)["Mac"]

    return derive


class DerivedKey:
    """The derived key, derived on first use and again once ``max_age`` old. If a derivation
    fails, the previous key is kept (derivation retried at most every ``retry_after``) until it
    is twice ``max_age`` old; then, as with no key at all, it returns None and ``on_error``
    has been told why."""

    def __init__(
        self,
        derive: Callable[[], bytes],
        max_age: float = KEY_MAX_AGE_SECONDS,
        retry_after: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        on_error: Callable[[Exception], None] = lambda exc: None,
    ) -> None:
        self._derive, self._max_age, self._retry = derive, max_age, retry_after
        self._clock, self._on_error = clock, on_error
        self._key: bytes | None = None
        self._at = self._failed_at = float("-inf")

    def __call__(self) -> bytes | None:
        now = self._clock()
        if now - self._at >= self._max_age and now - self._failed_at >= self._retry:
            try:
                self._key, self._at = self._derive(), now
            except Exception as exc:  # KMS down, throttled, key disabled, no permission
                self._failed_at = now
                self._on_error(exc)
        if self._key is None or now - self._at >= 2 * self._max_age:
            return None
        return self._key


def local_key(secret: str | None) -> bytes:
    """The local key: ``secret`` (``CLIENT_REF_KEY``) if given, else :data:`DEV_KEY`."""
    return secret.encode() if secret else DEV_KEY
