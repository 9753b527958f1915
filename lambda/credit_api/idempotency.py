"""Idempotency keys on the scoring routes: a retried request gets the first answer, never a
second decision (the IETF draft *The Idempotency-Key HTTP Header Field*, as Stripe does).

A client sends ``Idempotency-Key: <1 to 255 printable ASCII characters>``; keys are scoped to
the caller (two clients may use the same key). With a key, after the body is validated:

* first use: the key is claimed in the decision store (a conditional write), the request is
  scored, the answer stored under the key and returned;
* the same key and the same request (route and body bytes) again: the stored answer, byte for
  byte, with the first request's id (``x-request-id``) and ``idempotent-replayed: true``;
* the same key with another route or body: 422 problem+json (the draft's choice; Stripe too);
* the same key while its first request is still being answered: 409 with ``Retry-After``. A
  claim left without an answer for :data:`LEASE_SECONDS` (its Lambda died) is taken over;
* the decision store cannot be read or written: 503 with ``Retry-After`` and nothing scored
  (scoring anyway could give a second decision to a retry). Without a key the API scores as
  before and a store failure only loses the store's copy (the request log keeps the record).

An answer given but not stored (the store failed between claim and answer) is still returned;
the ``IdempotencyWriteFailures`` metric counts it: a retry after the lease would be a second
decision, the only case left.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit

from credit_api import problems
from credit_api.observability import logger, metrics
from credit_api.reply import Reply, problem_reply
from credit_core import decision_store as ds

HEADER = "Idempotency-Key"
LEASE_SECONDS = 30.0  # three times the scoring function's timeout
RETRY_AFTER = "1"
_KEY = re.compile(r"[\x20-\x7e]{1,255}")


def invalid_key(key: str) -> Reply | None:
    """The 400 for a key that is empty, too long or not printable ASCII; None if it is fine."""
    if _KEY.fullmatch(key) and key.strip():
        return None
    message = "1 to 255 printable ASCII characters"
    body = problems.problem(
        400,
        "Bad request",
        f"invalid {HEADER} header: {message}",
        errors=[{"field": HEADER, "message": message}],
    )
    return problem_reply(body)


def fingerprint(route: str, body: bytes) -> str:
    return hashlib.sha256(route.encode() + b"\0" + body).hexdigest()


def _unavailable(exc: Exception) -> Reply:
    logger.error("decision store unavailable", extra={"error": str(exc)})
    metrics.add_metric(name="DecisionStoreFailures", unit=MetricUnit.Count, value=1)
    body = problems.problem(
        503,
        "Decision store unavailable",
        f"the {HEADER} cannot be honoured now; nothing was scored: retry with the same key",
    )
    return problem_reply(body, {"Retry-After": RETRY_AFTER})


def run(
    store: ds.DecisionStore,
    scope: str,
    key: str,
    route: str,
    body: bytes,
    request_id: str,
    answer: Callable[[], Reply],
    ttl_seconds: int,
    clock: Callable[[], float] = time.time,
) -> Reply:
    """The reply to a request carrying ``key`` (see the module's docstring); ``answer`` scores
    and records the request, and is called at most once."""
    pk = ds.idempotency_pk(scope, key)
    fp = fingerprint(route, body)
    for _ in range(3):  # a lost race re-reads the key
        try:
            state = ds.key_state(store, pk)
        except ds.DecisionStoreUnavailable as exc:
            return _unavailable(exc)
        claim, now = state.claim, clock()
        if claim is not None and claim.fingerprint != fp:
            detail = f"this {HEADER} was used for another request ({claim.request_id})"
            return problem_reply(
                problems.problem(
                    422,
                    "Idempotency key reused",
                    detail,
                    errors=[{"field": HEADER, "message": "already used with another body"}],
                )
            )
        if claim is not None and state.reply is not None:
            stored = state.reply
            headers = {"idempotent-replayed": "true", "x-request-id": claim.request_id}
            return Reply(stored.status, stored.body, stored.content_type, headers)
        if claim is not None and now - claim.claimed_at < LEASE_SECONDS:
            detail = f"a request with this {HEADER} is being answered; retry shortly"
            return problem_reply(
                problems.problem(409, "Request in progress", detail),
                {"Retry-After": RETRY_AFTER},
            )
        number = state.number + 1
        try:
            won = ds.put_claim(store, pk, number, ds.Claim(request_id, fp, now), ttl_seconds)
        except ds.DecisionStoreUnavailable as exc:
            return _unavailable(exc)
        if not won:
            continue
        reply = answer()
        stored = ds.StoredReply(reply.status, reply.content_type, reply.body)
        try:
            ds.put_reply(store, pk, number, stored, ttl_seconds)
        except ds.DecisionStoreUnavailable as exc:
            metrics.add_metric(name="IdempotencyWriteFailures", unit=MetricUnit.Count, value=1)
            logger.error("idempotent answer not stored", extra={"error": str(exc)})
        return reply
    return problem_reply(
        problems.problem(409, "Request in progress", f"{HEADER} contended; retry shortly"),
        {"Retry-After": RETRY_AFTER},
    )
