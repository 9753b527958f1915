"""Who is calling: a signed-in credit officer (verified OIDC claims) or a machine client (an
API key), as the :class:`~credit_core.contracts.Caller` a decision record carries.

Each path accepts exactly one kind of credential, so one can never stand in for the other:
``/v1/...`` takes the ``X-API-Key`` header (machine clients, rotating keys), the same routes
under ``/officer/v1/...`` take a bearer JWT (officers, signed in to the UI). The transports
enforce it when they build the :class:`~credit_api.call.Call`: on an officer path the key is
dropped and ``claims`` are the token's verified claims (API Gateway's JWT authorizer in AWS,
:mod:`credit_api.oidc` under ``credit serve``); on any other path ``claims`` is None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credit_api import auth
from credit_api.call import Call
from credit_core.contracts import Caller

OFFICER_PREFIX = "/officer"
KEY_NAME_CHARS = 12  # the hash prefix `infra/api_key.py list` shows: names a key, reveals nothing


def officer_path(path: str) -> str | None:
    """The route path under the officers' prefix (``/officer/v1/score`` -> ``/v1/score``), or
    None when ``path`` is not an officer path."""
    if path.startswith(OFFICER_PREFIX + "/"):
        return path[len(OFFICER_PREFIX) :]
    return None


def officer(claims: Mapping[str, Any]) -> Caller | None:
    """The officer named by verified claims (``sub``, ``iss``); None without a subject."""
    sub, iss = claims.get("sub"), claims.get("iss")
    if not isinstance(sub, str) or not sub:
        return None
    return Caller(kind="officer", subject=sub, issuer=iss if isinstance(iss, str) and iss else None)


def machine(matched_hash: str) -> Caller:
    """A machine client, named by its key's hash prefix (``key:3fa9c1...``), never the key."""
    return Caller(kind="machine", subject=f"key:{matched_hash[:KEY_NAME_CHARS]}")


def caller_of(call: Call, key_hashes: str | None) -> Caller | None:
    """Who made ``call``, or None when it carries no valid credential (answer 401).

    ``key_hashes``: the stored hashes of the valid API keys (:mod:`credit_api.auth`)."""
    if call.claims is not None:
        return officer(call.claims)
    matched = auth.matching_hash(call.api_key, key_hashes)
    return machine(matched) if matched is not None else None
