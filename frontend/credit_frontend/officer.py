"""The signed-in officer's ID token, as the UI hands it to the API.

Streamlit keeps its sign-in cookie for 30 days but does not check the identity token's expiry
(its docs say so): the app reads ``exp`` itself and asks the officer to sign in again once the
token has expired, rather than sending it to be refused. The token is not verified here: the API
(its JWT authorizer) verifies it on every call.
"""

from __future__ import annotations

import base64
import binascii
import json

EXPIRY_MARGIN_S = 30.0  # a token this close to expiry would expire on its way to the API


def expires_at(token: str) -> float | None:
    """The ``exp`` claim of a JWT (seconds since the epoch), None when unreadable."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        exp = json.loads(base64.urlsafe_b64decode(payload)).get("exp")
    except (binascii.Error, ValueError, AttributeError):
        return None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def usable(token: str | None, now: float) -> bool:
    """Whether ``token`` can still be sent: present, readable, not (about to be) expired."""
    if not token:
        return False
    exp = expires_at(token)
    return exp is not None and now < exp - EXPIRY_MARGIN_S
