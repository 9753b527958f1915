"""What the transport (the local ASGI server or an API Gateway event) knows about one call,
handed to the service as one value so new per-call inputs never change its signature."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """``headers`` with lower-cased names; ``claims``: the JWT claims API Gateway's authorizer
    verified (``requestContext.authorizer.jwt.claims``), None when no authorizer ran."""

    request_id: str
    api_key: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    claims: Mapping[str, Any] | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())
