"""The invocation's deadline: how long the work after scoring (the request-log write) may take.

The Lambda handler starts it from ``context.get_remaining_time_in_millis()``; outside Lambda
(``credit serve``, tests through ASGI) there is none and a fixed cap applies.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)

# kept back from the remaining time for the fallback (one log record per application, for up to
# MAX_BATCH applications), the response and the metrics flush
RESERVE_SECONDS = 1.5
CAP_SECONDS = 8.0  # the most a request-log write may take, even with time to spare


def start(context: object) -> None:
    """Set the deadline from a Lambda context (anything without the method clears it)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    _deadline.set(time.monotonic() + remaining() / 1000 if callable(remaining) else None)


def budget() -> float:
    """Seconds the request-log write may take now (<= 0: no time left, skip it)."""
    deadline = _deadline.get()
    if deadline is None:
        return CAP_SECONDS
    return min(CAP_SECONDS, deadline - time.monotonic() - RESERVE_SECONDS)
