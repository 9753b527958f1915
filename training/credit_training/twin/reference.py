"""Access to the public full-data statistics of the real tables (the twin's calibration target).

A copy of ``shared/reference/home_credit_stats.json`` ships with the package so the twin works
without the shared folder; a test checks that the copy is identical to the shared original.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

STATS_FILE = "home_credit_stats.json"


@cache
def load_stats() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(STATS_FILE).read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True, slots=True)
class Numeric:
    """Public describe() of one numeric column on one table (non-missing values)."""

    mean: float
    std: float
    min: float
    p25: float
    p50: float
    p75: float
    max: float
    missing_rate: float

    @classmethod
    def from_column(cls, column: dict[str, Any]) -> Numeric:
        """From a statistics file's column entry (``numeric_summary`` + ``missing_rate``)."""
        s = column["numeric_summary"]
        keys = ("mean", "std", "min", "p25", "p50", "p75", "max")
        return cls(**{k: s[k] for k in keys}, missing_rate=column["missing_rate"])


@dataclass(frozen=True, slots=True)
class Categorical:
    levels: tuple[str, ...]
    shares: tuple[float, ...]  # share of non-missing rows, same order as levels
    missing_rate: float


def _side(name: str, side: str) -> dict[str, Any]:
    for col in load_stats()["columns"]:
        if col["name"] == name:
            return col[side]
    raise KeyError(name)


def numeric(name: str, side: str = "train") -> Numeric:
    return Numeric.from_column(_side(name, side))


def categorical(name: str, side: str = "train") -> Categorical:
    s = _side(name, side)
    cats = s["categories"]
    total = sum(c["count"] for c in cats)
    return Categorical(
        levels=tuple(c["value"] for c in cats),
        shares=tuple(c["count"] / total for c in cats),
        missing_rate=s["missing_rate"],
    )


def schema_dict() -> dict[str, Any]:
    """The application schema as stored in ``credit_core/application_schema.json``.

    Object columns become pandas categories whose levels are the train levels (test levels are a
    subset in the real data), in order of frequency. Each numeric column's ``domain`` is declared
    by hand in that file (from the column's meaning, not from statistics): it is kept as it is.
    """
    packaged = resources.files("credit_core").joinpath("application_schema.json")
    domains = {
        c["name"]: c["domain"]
        for c in json.loads(packaged.read_text("utf-8"))["columns"]
        if "domain" in c
    }
    columns = []
    for col in load_stats()["columns"]:
        entry: dict[str, Any] = {"name": col["name"], "in_test": col["in_test"]}
        if col["dtype"] == "object":
            entry["dtype"] = "category"
            entry["levels"] = [c["value"] for c in col["train"]["categories"]]
        else:
            entry["dtype"] = col["dtype"]
        if col["name"] in domains:
            entry["domain"] = domains[col["name"]]
        columns.append(entry)
    return {"id_column": "SK_ID_CURR", "target_column": "TARGET", "columns": columns}


if __name__ == "__main__":  # regenerate the shared schema file
    from pathlib import Path

    import credit_core

    out = Path(credit_core.__file__).with_name("application_schema.json")
    out.write_text(json.dumps(schema_dict(), indent=1, ensure_ascii=False) + "\n", "utf-8")
