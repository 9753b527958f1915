"""The client-history features of a training table: found or not, computed once, joined by id.

A folder with the six Kaggle history tables (layout checked by
:func:`credit_core.history.layout.check_history_folder`) gives every applicant the history
features of :mod:`credit_core.history` through its one query, with the applicants' ids as the
query's spine: a client without any record gets exactly the no-history values. A folder
without them (or a CSV file, or ``enabled=False``) trains an application-only model, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from credit_core.features import FeatureSpec
from credit_core.history.definitions import definitions_digest, feature_names
from credit_core.history.layout import check_history_folder

Status = Literal["used", "absent", "off"]
TOP_HISTORY = 10  # the most important history features named in the card


@dataclass(frozen=True)
class HistoryData:
    """``frame``: the history features of the table's rows (same index, same order), or None."""

    status: Status
    note: str  # one line for the log: what the run does with history
    frame: pd.DataFrame | None = None
    digest: str | None = None

    @staticmethod
    def digest_now() -> str:
        """The digest of the definitions this code computes."""
        return definitions_digest()

    def rows(self, index: pd.Index) -> pd.DataFrame | None:
        """The history features of the rows with these index labels (None: no history)."""
        return None if self.frame is None else self.frame.loc[index]

    def spec(self, application: FeatureSpec) -> FeatureSpec:
        """``application`` with the history part when the run uses history."""
        if self.frame is None:
            return application
        return FeatureSpec(
            application.numeric,
            application.categorical,
            application.derived,
            history=tuple(self.frame.columns),
            history_digest=self.digest,
        )

    def card(
        self, importance: list[dict[str, Any]], comparison: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The card's ``history`` section: status, the feature set (names + digest), the most
        important history features and the application-only comparison."""
        out: dict[str, Any] = {"status": self.status}
        if self.frame is None:
            return out
        names = set(self.frame.columns)
        ranked = [r for r in importance if r["feature"] in names]
        return out | {
            "feature_set": {"names": list(self.frame.columns), "digest": self.digest},
            "clients_with_history_share": _with_history(self.frame),
            "top_features": [
                {"feature": r["feature"], "rank": r["rank"], "mean_abs_shap": r["mean_abs_shap"]}
                for r in ranked[:TOP_HISTORY]
            ],
            "comparison": comparison,
        }


def load_history(
    source: Path, table: pd.DataFrame, id_col: str, enabled: bool = True
) -> HistoryData:
    """The history features of ``table``'s rows (by ``id_col``) from the folder ``source``.

    Raises :class:`credit_core.history.engine.HistoryFolderError` when the folder holds some
    history files but not the six with their Kaggle names and headers."""
    from credit_core.history.engine import HistoryFolderError

    if not Path(source).is_dir():
        return HistoryData("absent", f"history: {source} is a single table (application only)")
    layout = check_history_folder(source)
    if layout.problems:
        raise HistoryFolderError(layout.problems)
    if layout.absent:
        return HistoryData(
            "absent", f"history: no history tables in {source} (application-only model)"
        )
    if not enabled:
        return HistoryData("off", "history: tables found but --history off (application only)")
    from credit_core.history.engine import batch_features, connect_folder

    con = connect_folder(source)
    try:
        features = batch_features(con, table[id_col].to_numpy())
    finally:
        con.close()
    frame = features.reindex(table[id_col].to_numpy())[feature_names()]
    frame.index = table.index
    with_history = _with_history(frame)
    return HistoryData(
        "used",
        f"history: the six history tables, {len(frame.columns)} features per client "
        f"({with_history:.1%} of {len(frame):,} applicants have a record)",
        frame,
        definitions_digest(),
    )


def _with_history(frame: pd.DataFrame) -> float:
    from credit_core.history.definitions import no_history_values

    empty = pd.Series(no_history_values())[frame.columns]
    same = frame.eq(empty) | (frame.isna() & empty.isna())
    return float((~same.all(axis=1)).mean()) if len(frame) else 0.0
