"""Verify an officer's OIDC token where no API Gateway authorizer does it (``credit serve``).

The issuer's keys come from its discovery document (``{issuer}/.well-known/openid-configuration``
-> ``jwks_uri``), read on first use and again when a token names an unknown key id (at most every
``refresh_seconds``: a flood of made-up key ids cannot turn into a flood of fetches). A token is
accepted only if signed (RS256/ES256) by one of those keys, issued by ``issuer``, for
``audience`` (``aud``, or Cognito's ``client_id`` on access tokens, as API Gateway's JWT
authorizer accepts), not expired and not used before ``nbf``; any other token raises
:class:`TokenError` whose message says why (for the 401's detail: never the token itself).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # joserfc and httpx: imported on first use (the Lambda package has neither)
    from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 30  # clock skew between the issuer and this machine


class TokenError(ValueError):
    """The token is not acceptable; the message says why in a few words."""


def _get_json(url: str) -> Any:
    import httpx

    response = httpx.get(url, timeout=5.0)
    response.raise_for_status()
    return response.json()


class TokenVerifier:
    """``verify(token)`` -> the token's claims, or :class:`TokenError`."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        fetch: Callable[[str], Any] = _get_json,
        clock: Callable[[], float] = time.time,
        refresh_seconds: float = 30.0,
    ) -> None:
        self.issuer, self.audience = issuer.rstrip("/"), audience
        self._fetch, self._clock, self._refresh = fetch, clock, refresh_seconds
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def _key_set(self, force: bool = False) -> KeySet:
        with self._lock:
            due = self._clock() - self._fetched_at >= self._refresh
            if self._keys is None or (force and due):
                from joserfc.jwk import KeySet

                try:
                    meta = self._fetch(self.issuer + "/.well-known/openid-configuration")
                    if meta.get("issuer", "").rstrip("/") != self.issuer:
                        raise TokenError("the issuer's discovery document names another issuer")
                    self._keys = KeySet.import_key_set(self._fetch(meta["jwks_uri"]))
                except TokenError:
                    raise
                except Exception as exc:  # issuer down, not JSON, no jwks_uri
                    if self._keys is None:
                        raise TokenError(f"the issuer's keys cannot be read ({exc})") from None
                self._fetched_at = self._clock()
            assert self._keys is not None
            return self._keys

    def verify(self, token: str) -> dict[str, Any]:
        from joserfc import errors

        try:
            decoded = self._decode(token, self._key_set())
        except errors.BadSignatureError:
            raise TokenError("the token's signature is not valid") from None
        except (errors.InvalidKeyIdError, errors.MissingKeyError):
            raise TokenError("the token is signed by a key the issuer does not publish") from None
        except (errors.DecodeError, errors.JoseError, ValueError) as exc:
            if isinstance(exc, TokenError):
                raise
            raise TokenError(f"not a valid JWT ({type(exc).__name__})") from None
        return self._check(decoded)

    def _decode(self, token: str, keys: KeySet) -> Any:
        from joserfc import errors, jwt

        try:
            return jwt.decode(token, keys, algorithms=ALGORITHMS)
        except (errors.InvalidKeyIdError, errors.MissingKeyError, ValueError):
            # a key id we do not know: the issuer may have rotated its keys
            return jwt.decode(token, self._key_set(force=True), algorithms=ALGORITHMS)

    def _check(self, decoded: Any) -> dict[str, Any]:
        claims: dict[str, Any] = dict(decoded.claims)
        now = self._clock()
        iss = claims.get("iss")
        if not isinstance(iss, str) or iss.rstrip("/") != self.issuer:
            raise TokenError("the token's issuer is not trusted")
        aud = claims.get("aud", claims.get("client_id"))
        audiences = aud if isinstance(aud, list) else [aud]
        if self.audience not in audiences:
            raise TokenError("the token is not meant for this API (audience)")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise TokenError("the token has no expiry")
        if now > exp + LEEWAY_SECONDS:
            raise TokenError("the token has expired")
        nbf = claims.get("nbf")
        if isinstance(nbf, int | float) and now + LEEWAY_SECONDS < nbf:
            raise TokenError("the token is not valid yet")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise TokenError("the token names no subject")
        return claims


def bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (lower-cased names), or None."""
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
