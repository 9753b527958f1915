"""A client's history as a credit officer reads it: the per-client summary the feature publisher
computes (:mod:`credit_core.history.summary`), the store keeps beside the features and
``GET /v1/clients/{sk_id_curr}/history`` answers.

Only what the officer's screen shows (personal-data minimisation): no lender's or bureau's
record id, no free text. Times count back from the client's application as the Kaggle tables
do: days (0 = the application's day, -30 = thirty days before) and months (0 = the
application's month, -1 = the month before). Amounts are in the loan's currency; ``None`` is
not known.

Version history: 1. first version.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from credit_core.contracts.versions import Upgrade, convert, decode

HISTORY_SUMMARY_VERSION = 1
PUNCTUALITY_MONTHS = (
    24  # months of instalment punctuality and card use shown, before the application
)

BureauStatus = Literal["Active", "Closed", "Bad debt", "Sold"]


class BureauCredit(msgspec.Struct, frozen=True, kw_only=True):
    """One credit at another lender, as the credit bureau reported it before the application."""

    status: BureauStatus
    amount: float | None  # the credit's amount
    debt: float | None  # still owed
    overdue: float | None  # overdue now
    opened_day: int  # days before the application (<= 0)
    end_day: (
        float | None
    )  # the planned end (ended, for a closed credit); > 0: after the application


class PreviousApplication(msgspec.Struct, frozen=True, kw_only=True):
    """One earlier application at this lender, decided before the current one."""

    status: str  # Approved, Refused, Canceled, Unused offer
    asked: float | None
    granted: float | None
    decided_day: int  # days before the application (<= 0)


class PunctualityMonth(msgspec.Struct, frozen=True, kw_only=True):
    """Instalments of earlier loans falling due in one month, by how they were paid."""

    month: int  # 0 = the application's month, -1 the month before, ...
    on_time: int
    late: int  # paid, after the due date
    missed: int  # not paid by the application


class CardMonth(msgspec.Struct, frozen=True, kw_only=True):
    """The credit cards at this lender in one month (all cards summed)."""

    month: int
    balance: float | None
    limit: float | None
    utilisation: float | None  # balance / limit; None when the limit is 0 or unknown


class BureauTotals(msgspec.Struct, frozen=True, kw_only=True):
    """The bureau credits counted and summed (the same sums as the BUREAU_* features)."""

    active: int
    closed: int
    other: int  # bad debt or sold to a collector
    debt: float  # still owed on active credits
    overdue: float  # overdue now, all credits


class HistorySummary(msgspec.Struct, frozen=True, kw_only=True):
    """One client's history: bureau credits (newest first), previous applications (newest
    first), instalment punctuality and card use month by month over the last
    :data:`PUNCTUALITY_MONTHS` months (oldest first, months without any record left out)."""

    schema_version: int = HISTORY_SUMMARY_VERSION
    sk_id_curr: int
    as_of: str  # ISO date of the published history
    bureau_totals: BureauTotals
    bureau: list[BureauCredit]
    previous: list[PreviousApplication]
    punctuality: list[PunctualityMonth]
    cards: list[CardMonth]

    @property
    def empty(self) -> bool:
        """No record at all (a client the store holds only because a table names them)."""
        return not (self.bureau or self.previous or self.punctuality or self.cards)


HISTORY_SUMMARY_UPGRADES: dict[int, Upgrade] = {}


def read_history_summary(doc: bytes | str | dict[str, Any]) -> HistorySummary:
    """A history summary from JSON text or a decoded document, upgraded if older. Raises
    ContractVersionError (a newer version) or ContractError (naming the field)."""
    if isinstance(doc, dict):
        return convert(doc, HistorySummary, HISTORY_SUMMARY_VERSION, HISTORY_SUMMARY_UPGRADES)
    return decode(doc, HistorySummary, HISTORY_SUMMARY_VERSION, HISTORY_SUMMARY_UPGRADES)
