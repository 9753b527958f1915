"""What a route answers, independent of the transport (ASGI or an API Gateway event)."""

from __future__ import annotations

from dataclasses import dataclass, field

from credit_api import problems
from credit_core.contracts import ProblemDetails

JSON = "application/json"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def problem_reply(body: ProblemDetails, headers: dict[str, str] | None = None) -> Reply:
    return Reply(body.status, problems.encode(body), problems.MEDIA_TYPE, headers or {})
