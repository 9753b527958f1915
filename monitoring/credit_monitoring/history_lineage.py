"""Drift detection scored against a twin's history drift manifest (``history_tables``: per
table, a changed column, or ``SK_ID_CURR`` for a change of the share of applicants without a
row), through the features that carry each change (:mod:`credit_core.history.lineage`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from credit_core.history.lineage import carriers


@dataclass(frozen=True, slots=True)
class ManifestScore:
    """Drift detection against a manifest: an entry is detected when a feature carrying it is
    flagged; a flagged feature is explained when it carries some entry (material or not)."""

    material: tuple[str, ...]  # "table.column" of the material entries
    detected: tuple[str, ...]
    flagged: tuple[str, ...]
    explained: tuple[str, ...]

    @property
    def recall(self) -> float:
        return len(self.detected) / len(self.material) if self.material else 1.0

    @property
    def precision(self) -> float:
        return len(self.explained) / len(self.flagged) if self.flagged else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "recall": round(self.recall, 6),
            "precision": round(self.precision, 6),
            "material": list(self.material),
            "missed": sorted(set(self.material) - set(self.detected)),
            "flagged": list(self.flagged),
            "unexplained": sorted(set(self.flagged) - set(self.explained)),
        }


def score_against(
    manifest_tables: Mapping[str, Mapping[str, Mapping[str, Any]]], flagged: Iterable[str]
) -> ManifestScore:
    """Score the flagged history features against a manifest's ``history_tables`` part
    (table -> column -> entry with ``material``)."""
    flagged = sorted(set(flagged))
    entries = {
        f"{table}.{column}": (carriers(table, column), bool(entry["material"]))
        for table, columns in manifest_tables.items()
        for column, entry in columns.items()
    }
    material = tuple(sorted(k for k, (_, m) in entries.items() if m))
    detected = tuple(k for k in material if entries[k][0] & set(flagged))
    reached = set().union(*(c for c, _ in entries.values())) if entries else set()
    explained = tuple(n for n in flagged if n in reached)
    return ManifestScore(material, detected, tuple(flagged), explained)


__all__ = ["ManifestScore", "score_against"]
