"""The officers' paths: ``/officer/v1/...`` are the ``/v1/...`` routes for a signed-in credit
officer, authenticated by a bearer JWT instead of the API key (:mod:`credit_api.identity`).

An ASGI middleware: it rewrites an officer path to its route, puts the token's verified claims
in ``scope["state"]["claims"]`` and removes any ``X-API-Key`` header (a key never authenticates
an officer path); any other path gets ``claims = None``. The claims come from API Gateway's JWT
authorizer when the app runs behind it (Mangum's ``aws.event``), else from ``verify`` (a
:class:`~credit_api.oidc.TokenVerifier` under ``credit serve``); without either, or with a token
refused, the answer is a 401 problem+json saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from credit_api import gateway, identity, problems
from credit_api.oidc import TokenError, bearer

Verify = Callable[[str], Mapping[str, Any]]


def claims_of(scope: dict[str, Any], verify: Verify | None) -> Mapping[str, Any]:
    """The verified claims of an officer call; :class:`TokenError` saying why there are none."""
    event = scope.get("aws.event")
    if isinstance(event, dict):  # behind API Gateway: its JWT authorizer verified the token
        claims = gateway.call_of(event, "", officer=True).claims
        if claims is None:
            raise TokenError("no claims from the API's authorizer")
        return claims
    if verify is None:
        raise TokenError("officer sign-in is not configured on this server (OIDC_ISSUER)")
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    token = bearer(headers)
    if token is None:
        raise TokenError("no Authorization: Bearer header")
    return verify(token)


class OfficerRoutes:
    def __init__(self, app: Any, verify: Verify | None) -> None:
        self.app, self.verify = app, verify

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope.setdefault("state", {})
        root, path = scope.get("root_path", ""), scope["path"]
        prefix = root if root and path.startswith(root + "/") else ""
        route = identity.officer_path(path[len(prefix) :])
        if route is None:
            state["claims"] = None
            return await self.app(scope, receive, send)
        try:
            claims = claims_of(scope, self.verify)
        except TokenError as exc:
            body = problems.unauthorized_officer(str(exc))
            response = problems.body_response(body, problems.BEARER_CHALLENGE)
            return await response(scope, receive, send)
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"x-api-key"]
        scope = dict(scope, path=prefix + route, headers=headers)
        if "raw_path" in scope and scope["raw_path"] is not None:
            scope["raw_path"] = (prefix + route).encode()
        state["claims"] = dict(claims)
        return await self.app(scope, receive, send)
