"""Is a folder a history folder? Checks file names and headers (not values) against
:mod:`credit_core.history.tables`, reading one line per file, so the real Kaggle folder and the
twin are accepted or refused alike before any engine runs."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from credit_core.history.tables import TABLES, column_names, file_name


@dataclass(frozen=True, slots=True)
class HistoryLayout:
    """What a folder holds: ``files`` maps each table found to its path; ``problems`` is one
    sentence per offence (empty when the six tables are there with their exact headers)."""

    files: dict[str, Path]
    problems: tuple[str, ...]

    @property
    def absent(self) -> bool:
        """No history file at all: the folder is application-only (not an error)."""
        return not self.files and not self.problems

    @property
    def complete(self) -> bool:
        return len(self.files) == len(TABLES) and not self.problems


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def header_problems(table: str, header: list[str]) -> list[str]:
    """Differences between a file's header and the table's columns, named."""
    expected = column_names(table)
    if header == expected:
        return []
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    where = file_name(table)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        return [f"{where}: {'; '.join(parts)}"]
    return [f"{where}: columns out of order (expected {', '.join(expected)})"]


def check_history_folder(directory: Path | str) -> HistoryLayout:
    """The history files of ``directory`` and what is wrong with them. A folder with none is
    ``absent``; with some but not all six, the missing ones are a problem (features computed
    from part of a client's history would read as "no history" where there is some)."""
    root = Path(directory)
    files = {t: root / file_name(t) for t in TABLES if (root / file_name(t)).is_file()}
    problems: list[str] = []
    if root.is_dir():  # a history file under another case (pos_cash_balance.csv) is named
        expected = {file_name(t).lower(): file_name(t) for t in TABLES if t not in files}
        for path in sorted(root.iterdir()):
            if path.name.lower() in expected:
                problems.append(
                    f"{path.name}: expected the Kaggle name {expected[path.name.lower()]}"
                )
    if files or problems:
        missing = [file_name(t) for t in TABLES if t not in files]
        if missing:
            problems.append(f"{root}: history file(s) missing: {', '.join(missing)}")
        for table, path in files.items():
            problems.extend(header_problems(table, _header(path)))
    return HistoryLayout(files=files, problems=tuple(problems))
