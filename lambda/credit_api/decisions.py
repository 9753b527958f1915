"""Human oversight routes, free of any web framework: ``GET /v1/decisions/{request_id}`` (the
decision records and their reviews) and ``POST /v1/decisions/{request_id}/review`` (a credit
officer confirms or overrides one decision with a reason code and a note).

A review is appended, never an edit: a second review is a new record whose
``reviewed_decision`` is the decision standing after the first. Who reviewed is the call's
:class:`~credit_core.contracts.Caller` (:func:`credit_api.identity.caller_of`: a signed-in
officer on ``/officer/v1/...``, a machine client named by its key's hash prefix on ``/v1/...``),
when is the server's clock (UTC).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from credit_api import identity, problems
from credit_api.call import Call
from credit_api.observability import logger
from credit_api.reply import Reply, problem_reply
from credit_core import decision_store as ds
from credit_core import review_reasons
from credit_core.contracts import Caller, DecisionRecord, DecisionView, Review, ReviewRequest

REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_=+.:-]{0,127}")
_REQUEST = msgspec.json.Decoder(ReviewRequest)
_ENCODER = msgspec.json.Encoder()


def idempotency_scope(caller: Caller) -> str:
    """Keys are per caller: two clients using the same key never see each other's answers."""
    return f"{caller.kind}:{caller.issuer or ''}:{caller.subject or ''}"


def standing(records: list[DecisionRecord], reviews: list[Review], item: int) -> str | None:
    """The decision standing for ``item``: the last review's, else the model's (None: no item)."""
    record = next((r for r in records if r.item == item), None)
    if record is None:
        return None
    last = [r for r in reviews if r.item == item]
    return last[-1].final_decision if last else record.decision


def _invalid(field: str, message: str) -> Reply:
    return problem_reply(
        problems.problem(
            422,
            "Invalid review",
            f"invalid field(s): {field}",
            errors=[{"field": field, "message": message}],
        )
    )


def _field_of(exc: msgspec.ValidationError) -> str:
    text = str(exc)
    match = re.search(r"at `\$\.([A-Za-z_]+)`|missing required field `([A-Za-z_]+)`", text)
    if match:
        return match.group(1) or match.group(2)
    match = re.search(r"unknown field `([^`]+)`", text)
    return match.group(1) if match else "body"


class DecisionRoutes:
    """The two routes over a decision store (None: not configured, both answer 503)."""

    def __init__(
        self,
        store: ds.DecisionStore | None,
        key_hash: Callable[[], str | None],
        retention_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.key_hash = store, key_hash
        self.retention_days, self.clock = retention_days, clock

    def _guard(self, request_id: str, call: Call) -> Reply | Caller:
        """The caller, or the reply refusing the call (401, 503, 422)."""
        caller = identity.caller_of(call, self.key_hash())
        if caller is None:
            return problem_reply(problems.UNAUTHORIZED, problems.CHALLENGE)
        if self.store is None:
            detail = "no decision store is configured (DECISIONS_URI)"
            return problem_reply(problems.problem(503, "Decision store unavailable", detail))
        if not REQUEST_ID.fullmatch(request_id):
            return problem_reply(
                problems.problem(
                    422,
                    "Invalid request",
                    "invalid field(s): request_id",
                    errors=[{"field": "request_id", "message": "not a request id"}],
                )
            )
        return caller

    def _read(self, request_id: str) -> tuple[list[DecisionRecord], list[Review]] | Reply:
        assert self.store is not None
        try:
            records, reviews = ds.read_decision(self.store, request_id)
        except ds.DecisionStoreUnavailable as exc:
            logger.error("decision store unavailable", extra={"error": str(exc)})
            detail = "the decision store cannot be read now; retry shortly"
            return problem_reply(
                problems.problem(503, "Decision store unavailable", detail), {"Retry-After": "1"}
            )
        if not records:
            detail = f"no decision recorded under request id {request_id}"
            return problem_reply(problems.problem(404, "Not found", detail))
        return records, reviews

    def get(self, request_id: str, call: Call) -> Reply:
        caller = self._guard(request_id, call)
        if isinstance(caller, Reply):
            return caller
        found = self._read(request_id)
        if isinstance(found, Reply):
            return found
        records, reviews = found
        view = DecisionView(request_id=request_id, decisions=records, reviews=reviews)
        return Reply(200, _ENCODER.encode(view))

    def review(self, request_id: str, body: bytes, call: Call) -> Reply:
        caller = self._guard(request_id, call)
        if isinstance(caller, Reply):
            return caller
        try:
            asked = _REQUEST.decode(body)
        except msgspec.ValidationError as exc:
            return _invalid(_field_of(exc), str(exc))
        except msgspec.DecodeError as exc:
            return _invalid("body", f"not JSON: {exc}")
        why = review_reasons.check(asked.outcome, asked.reason_code, asked.note)
        if why is not None:
            return _invalid("note" if "note" in why else "reason_code", why)
        found = self._read(request_id)
        if isinstance(found, Reply):
            return found
        records, reviews = found
        before = standing(records, reviews, asked.item)
        if before is None:
            items = ", ".join(str(r.item) for r in records)
            return _invalid("item", f"no decision at item {asked.item}; items: {items}")
        final = before if asked.outcome == "confirm" else _other(before)
        review = Review(
            review_id=uuid.uuid4().hex,
            request_id=request_id,
            item=asked.item,
            outcome=asked.outcome,
            reason_code=asked.reason_code,
            note=asked.note.strip(),
            reviewed_decision=before,  # type: ignore[arg-type]
            final_decision=final,  # type: ignore[arg-type]
            caller=caller,
            reviewed_at=self.clock().isoformat(timespec="milliseconds"),
        )
        assert self.store is not None
        try:
            ds.put_review(self.store, review, self.retention_days)
        except ds.DecisionStoreUnavailable as exc:
            logger.error("review not stored", extra={"error": str(exc)})
            detail = "the review could not be recorded; nothing was changed: retry"
            return problem_reply(
                problems.problem(503, "Decision store unavailable", detail), {"Retry-After": "1"}
            )
        return Reply(201, _ENCODER.encode(review))


def _other(decision: str) -> str:
    return "accept" if decision == "refuse" else "refuse"
