"""Applicants without client history: their share against the reference, and over time.

A with-history model scores an applicant whose history the store does not hold with the
no-history values (decision record ``history.found`` false). More of them than in training
moves the scores of a whole population at once (the history features are among the model's
most important), and a sudden rise often means the store missed a publication. The share is
compared with the reference's (the study's reference table, or training's share from the model
card) and warns when it moves by ``MAX_SHIFT_PT`` percentage points or more over at least
``MIN_ROWS`` applicants (docs/drift.md, "Applicants without history").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from credit_core.contracts import ModelCard

MAX_SHIFT_PT = 5.0  # |current - reference share without history|, percentage points
MIN_ROWS = 500  # applicants before a shift can warn (binomial s.e. at 30 %: 2 pt)


def without_history(frame: pd.DataFrame) -> np.ndarray:
    """Whether each row of history features (columns named as in ``credit_core.history``) is
    the no-history row: every feature equal to its no-history value (0 or missing)."""
    from credit_core.history.definitions import no_history_values

    empty = pd.Series(no_history_values())[frame.columns]
    same = frame.eq(empty) | (frame.isna() & empty.isna())
    return same.all(axis=1).to_numpy()


def reference_from_card(card: ModelCard) -> float | None:
    """Training's share of applicants without a record (1 - the card's share with one), or
    None when the card has no history section with that share."""
    section = card.history or {}
    share = section.get("clients_with_history_share")
    return None if share is None else round(1.0 - float(share), 6)


def _shift(share: float, reference: float | None) -> float | None:
    return None if reference is None else round(100.0 * (share - reference), 6)


def coverage(
    found: np.ndarray,
    reference_share_without: float | None,
    reference_source: str | None,
    days: Sequence[str] | np.ndarray | None = None,
) -> dict[str, Any]:
    """The summary's ``history`` part. ``found``: per applicant 1.0 (history found), 0.0 (none)
    or NaN (not recorded); ``days``: each applicant's UTC day (YYYY-MM-DD), for the job's
    per-day series. The warning needs ``MIN_ROWS`` applicants with a known history use."""
    found = np.asarray(found, dtype=np.float64)
    known = ~np.isnan(found)
    rows = int(known.sum())
    without = int((found[known] == 0.0).sum())
    share = round(without / rows, 6) if rows else None
    shift = None if share is None else _shift(share, reference_share_without)
    warning = shift is not None and rows >= MIN_ROWS and abs(shift) >= MAX_SHIFT_PT
    out: dict[str, Any] = {
        "rows": rows,
        "without_history": without,
        "share_without": share,
        "reference_share_without": reference_share_without,
        "reference_source": reference_source if reference_share_without is not None else None,
        "shift_pt": shift,
        "rule": {"max_shift_pt": MAX_SHIFT_PT, "min_rows": MIN_ROWS},
        "warning": warning,
        "message": (
            f"applicants without history: {100 * share:.1f} % vs "
            f"{100 * reference_share_without:.1f} % in the reference ({shift:+.1f} pt, "
            f"{rows} applicants)"
            if warning and share is not None and reference_share_without is not None
            else None
        ),
        "unknown_rows": int((~known).sum()),
    }
    if days is not None:
        out["days"] = per_day(found, np.asarray(days, dtype=object), reference_share_without)
    return out


def per_day(
    found: np.ndarray, days: np.ndarray, reference_share_without: float | None
) -> list[dict[str, Any]]:
    """One entry per day with applicants of known history use, oldest first."""
    known = ~np.isnan(found)
    out = []
    for day in sorted(set(days[known].tolist())):
        on_day = known & (days == day)
        rows = int(on_day.sum())
        without = int((found[on_day] == 0.0).sum())
        share = round(without / rows, 6)
        out.append(
            {
                "day": day,
                "rows": rows,
                "without_history": without,
                "share_without": share,
                "shift_pt": _shift(share, reference_share_without),
            }
        )
    return out


__all__ = [
    "MAX_SHIFT_PT",
    "MIN_ROWS",
    "coverage",
    "per_day",
    "reference_from_card",
    "without_history",
]
