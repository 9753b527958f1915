"""``GET /v1/clients/{sk_id_curr}/history``: a client's history summary for the officers' screen,
read from the store the features are published to (``FEATURES_URI``), never on the scoring path.

Three answers: the summary (200); no history on record for this client (404: the store holds
every client any history table names, so an absent client has none); the store cannot say
(503, the cause to the log only: "unreachable" is never "no history").
"""

from __future__ import annotations

from dataclasses import dataclass

from credit_core.contracts.history import HistorySummary
from credit_core.contracts.versions import ContractError, ContractVersionError
from credit_core.history.store import StoreError, SummaryStore, open_summaries
from credit_core.history.summary import unpack

MAX_CLIENT_ID = 2**53 - 1  # SK_ID_CURR are whole numbers; JSON clients read them as doubles


class HistoryUnavailable(Exception):
    """The summaries cannot be read (no store configured, unreachable, never published, or a
    record this reader cannot decode); the message is the cause, for the log."""


@dataclass
class ClientHistories:
    """The summaries' reader, or ``None`` when the API runs without a store."""

    reader: SummaryStore | None

    @classmethod
    def from_uri(cls, uri: str | None) -> ClientHistories:
        return cls(open_summaries(uri) if uri else None)

    def get(self, sk_id_curr: int) -> HistorySummary | None:
        """The client's summary, ``None`` when the store has no history for them; raises
        :class:`HistoryUnavailable` when it cannot say."""
        if self.reader is None:
            raise HistoryUnavailable("no feature store configured (FEATURES_URI)")
        try:
            blob = self.reader.get_summary(sk_id_curr)
        except StoreError as exc:
            raise HistoryUnavailable(str(exc)) from exc
        if blob is None:
            return None
        try:
            return unpack(blob)
        except (ContractError, ContractVersionError) as exc:
            raise HistoryUnavailable(f"history summary of {sk_id_curr}: {exc}") from exc
