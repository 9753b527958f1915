"""The applicant's client history at scoring time, read from the online feature store.

A model trained on the history tables needs each applicant's history features exactly as
training computed them. :class:`HistorySource` opens the store of ``FEATURES_URI`` once, when
the API starts, and checks that its publication is the model's feature set (same digest, same
names in the same order); each request then reads its clients in one store call
(:meth:`HistorySource.rows`). A client absent from the store is a client without history: the
model sees the "no history" values training gives such a client, and the response says so.

The store unreachable is *not* "no history": it raises :class:`HistoryUnavailable` and the
request is answered 503 (scoring a known client as history-free would silently change the
decision). A publication of another feature set is never scored: the source is not ready
(``/health`` says so) until the store is republished, re-checked at most every
``reload_seconds``. A with-history model served with no store is not ready either, unless the
local-only ``SCORE_WITHOUT_HISTORY`` opts in (every applicant then scored as history-free).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from credit_api.observability import logger
from credit_core.contracts import HistoryUse
from credit_core.features import FeatureSpec
from credit_core.history.store import (
    FeatureStore,
    StoreError,
    StoreMetadata,
    StoreNotReady,
    open_store,
)

NOT_READY = "the client-history store is not ready; please retry later"
UNAVAILABLE = "the client-history store cannot be read; please retry later"
NO_STORE = "the model uses client history and no feature store is configured (FEATURES_URI)"

Reason = Literal["not_ready", "unavailable"]


class HistoryUnavailable(Exception):
    """The history of this request's clients cannot be read: answered 503, never scored.
    ``reason``: ``not_ready`` (no usable publication) or ``unavailable`` (unreachable);
    ``cause`` is for the log only."""

    def __init__(self, reason: Reason, cause: str) -> None:
        super().__init__(cause)
        self.reason, self.cause = reason, cause

    @property
    def detail(self) -> str:
        """The generic reason a 503 gives (never the cause: table names, paths, AWS errors)."""
        return NOT_READY if self.reason == "not_ready" else UNAVAILABLE


@dataclass(frozen=True, slots=True)
class HistoryRows:
    """The history part of a request: ``block`` (rows x ``spec.history``, the store's values
    or the no-history values; None: every row without history) and one HistoryUse per row."""

    block: np.ndarray | None
    uses: list[HistoryUse]


def mismatch(spec: FeatureSpec, meta: StoreMetadata) -> str | None:
    """Why the publication ``meta`` cannot serve a model of ``spec``, or None if it can."""
    if meta.digest != spec.history_digest:
        return (
            f"the store holds feature set {meta.digest}, the model was trained on "
            f"{spec.history_digest}: republish the store with this model's definitions"
        )
    if tuple(meta.names) != tuple(spec.history):
        return "the store's feature names differ from the model's (same digest, other order)"
    return None


class HistorySource:
    """The history of a with-history model's applicants: a checked store, or (opted in, local
    only) none at all. ``ready`` says whether requests can be scored; ``cause`` why not."""

    def __init__(
        self,
        spec: FeatureSpec,
        uri: str | None,
        without_history: bool = False,
        reload_seconds: float = 30.0,
        opener: Callable[[str], FeatureStore] = open_store,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec, self.uri = spec, uri
        self.reload_seconds, self._clock = reload_seconds, clock
        self.store: FeatureStore | None = opener(uri) if uri else None
        self.without_history = without_history and self.store is None
        self._empty = spec._no_history  # the no-history values, in spec.history order
        self._meta: StoreMetadata | None = None
        self._found = self._absent = HistoryUse(
            found=False, as_of=None, feature_set=spec.history_digest or ""
        )
        self.cause: str | None = None
        self._checked_at = -float("inf")
        if self.without_history:
            logger.warning(
                "the model uses client-history features and SCORE_WITHOUT_HISTORY is set: every "
                "applicant is scored as a client without history",
                extra={"history_features": len(spec.history)},
            )
        elif self.store is None:
            self.cause = NO_STORE
            logger.error("client-history store not ready", extra={"cause": NO_STORE})
        else:
            self.check()

    @property
    def ready(self) -> bool:
        return self.without_history or self._meta is not None

    def refresh(self) -> bool:
        """``ready``, after checking the store again if it was not and a check is due."""
        return self.ready or self._due()

    def check(self) -> bool:
        """Read the store's metadata and compare it with the model's feature set; True when
        ready. The cause of a failure goes to the log."""
        if self.store is None:
            return self.without_history
        self._checked_at = self._clock()
        try:
            meta = self.store.metadata()
        except StoreError as exc:
            return self._not_ready(str(exc))
        problem = mismatch(self.spec, meta)
        if problem is not None:
            return self._not_ready(f"feature store {self.uri}: {problem}")
        self._use(meta)
        logger.info(
            "client-history store ready",
            extra={"uri": self.uri, "as_of": meta.as_of, "clients": meta.count},
        )
        return True

    def _use(self, meta: StoreMetadata) -> None:
        self._meta, self.cause = meta, None
        digest = self.spec.history_digest or ""
        self._found = HistoryUse(found=True, as_of=meta.as_of, feature_set=digest)
        self._absent = HistoryUse(found=False, as_of=meta.as_of, feature_set=digest)

    def _not_ready(self, cause: str) -> bool:
        self._meta, self.cause = None, cause
        logger.error("client-history store not ready", extra={"uri": self.uri, "cause": cause})
        return False

    def _due(self) -> bool:
        """Not ready: check the store again if the last check is ``reload_seconds`` old."""
        if self._clock() - self._checked_at < self.reload_seconds:
            return False
        return self.check()

    def rows(self, ids: Sequence[int]) -> HistoryRows:
        """The history of the clients ``ids`` (one store call; duplicates read once).

        Raises :class:`HistoryUnavailable`: not ready, or the store cannot answer."""
        n = len(ids)
        if self.without_history:
            return HistoryRows(None, [self._absent] * n)
        if not self.refresh():
            raise HistoryUnavailable("not_ready", self.cause or NOT_READY)
        assert self.store is not None  # ready implies a store
        try:
            lookup = self.store.lookup(ids)
        except StoreNotReady as exc:
            self._not_ready(str(exc))
            raise HistoryUnavailable("not_ready", str(exc)) from exc
        except StoreError as exc:
            raise HistoryUnavailable("unavailable", str(exc)) from exc
        if lookup.meta is not self._meta:  # republished since the last read: check it again
            problem = mismatch(self.spec, lookup.meta)
            if problem is not None:
                cause = f"feature store {self.uri}: {problem}"
                self._not_ready(cause)
                raise HistoryUnavailable("not_ready", cause)
            self._use(lookup.meta)
        found = lookup.found
        if n == 1:
            values = found.get(ids[0])
            return HistoryRows(
                (self._empty if values is None else values)[None, :],
                [self._absent if values is None else self._found],
            )
        block = np.tile(self._empty, (n, 1))
        uses = [self._absent] * n
        for i, sk_id in enumerate(ids):
            values = found.get(sk_id)
            if values is not None:
                block[i] = values
                uses[i] = self._found
        return HistoryRows(block, uses)
