"""What the request log keeps of the client's id: its keyed pseudonym (``client_ref``,
:mod:`credit_core.pseudonym`), never the id itself: :func:`without_id` removes the id from the
logged inputs, :func:`key_provider` gives the HMAC key (derived with KMS in AWS, once per
instance and hour; the local key or the public development key on a developer's machine)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import orjson

from credit_api.observability import logger
from credit_api.settings import Settings
from credit_core import pseudonym

_NUMBER = rb"(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|null)"


def key_provider(settings: Settings) -> Callable[[], bytes | None]:
    """The client_ref key: KMS-derived when ``CLIENT_REF_KMS_KEY`` is set (derived now, during
    init, then again hourly), else ``CLIENT_REF_KEY`` or the development key (local only)."""
    if settings.client_ref_kms_key:

        def failed(exc: Exception) -> None:
            logger.error("client_ref key not derived", extra={"error": repr(exc)})

        provider = pseudonym.DerivedKey(
            pseudonym.kms_derivation(settings.client_ref_kms_key), on_error=failed
        )
        provider()
        return provider
    secret = settings.client_ref_key.get_secret_value() if settings.client_ref_key else None
    if secret is None:
        logger.warning("client_ref uses the public development key (CLIENT_REF_KEY unset)")
    key = pseudonym.local_key(secret)
    return lambda: key


@cache
def _patterns(id_col: str) -> tuple[re.Pattern[bytes], ...]:
    name = re.escape(orjson.dumps(id_col))
    member = rb"%s\s*:\s*%s" % (name, _NUMBER)
    return (
        re.compile(rb"(?<=[{,])\s*%s\s*,\s*" % member),  # first or in the middle: with its comma
        re.compile(rb",\s*%s\s*(?=\}\s*$)" % member),  # last: with the comma before it
        re.compile(rb"(?<={)\s*%s\s*(?=\}\s*$)" % member),  # alone
    )


def without_id(raw: bytes, id_col: str) -> bytes:
    """The application's JSON (a validated object) without its ``id_col`` member.

    A textual cut when the member is written plainly (microseconds); otherwise (escapes that
    could spell the name, an id that is not a number) the object is decoded, the member dropped
    and the rest re-encoded."""
    if b"\\u" not in raw:
        for pattern in _patterns(id_col):
            out, n = pattern.subn(b"", raw, count=2)
            if n == 1 and orjson.dumps(id_col) not in out:
                return out
        if orjson.dumps(id_col) not in raw:
            return raw
    data = orjson.loads(raw)
    data.pop(id_col, None)
    return orjson.dumps(data)
