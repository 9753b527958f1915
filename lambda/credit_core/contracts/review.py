"""Human oversight of a decision: a credit officer's review, and a decision with its reviews.

Written by the API (``POST /v1/decisions/{request_id}/review``, ``GET /v1/decisions/...``),
read by the UI and by monitoring (override rates). A review is never edited: a second review of
the same decision is a new :class:`Review`. Version history:

1. request id, item, outcome (confirm / override), reason code, note, the decision reviewed and
   the decision that stands after the review, who (:class:`Caller`) and when.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from credit_core.contracts import versions
from credit_core.contracts.decision import Caller, Decision, DecisionRecord

REVIEW_VERSION = 1
DECISION_VIEW_VERSION = 1

Outcome = Literal["confirm", "override"]
NOTE_MAX = 1000  # characters


class ReviewRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /v1/decisions/{request_id}/review``. ``item``: the application's
    position in the request (0 for ``/v1/score``); ``reason_code`` from
    :data:`credit_core.review_reasons.CODES` (``other`` needs a note)."""

    outcome: Outcome
    reason_code: str
    note: Annotated[str, msgspec.Meta(max_length=NOTE_MAX)] = ""
    item: Annotated[int, msgspec.Meta(ge=0)] = 0


class Review(msgspec.Struct, frozen=True, kw_only=True):
    """One review; ``final_decision`` is the decision after it (the reviewed decision when
    confirmed, the other one when overridden)."""

    schema_version: int = REVIEW_VERSION
    review_id: str
    request_id: str
    item: int
    outcome: Outcome
    reason_code: str
    note: str
    reviewed_decision: Decision
    final_decision: Decision
    caller: Caller
    reviewed_at: str  # ISO 8601 UTC, milliseconds


class DecisionView(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v1/decisions/{request_id}``: the request's decision records (one per scored
    application) and every review of them, oldest first."""

    schema_version: int = DECISION_VIEW_VERSION
    request_id: str
    decisions: list[DecisionRecord]
    reviews: list[Review] = []


def read_review(data: bytes) -> Review:
    """A stored review; ``ContractVersionError`` if newer, ``ContractError`` if not a review."""
    return versions.decode(data, Review, REVIEW_VERSION, {})
