"""The Home Credit application schema, defined once.

The column list, order, dtypes and category levels live in ``application_schema.json`` (derived
from the public statistics of the real tables, see ``credit_training.twin.reference``), with each
numeric column's domain (declared in that file, kept by the regeneration; a categorical column's
domain is its full list of levels). Training, the API, monitoring and the UI all read it from
here so that a schema change is made in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

from credit_core.domain import Domain, Violation, check_application

Dtype = Literal["int64", "float64", "category"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of application_train.csv as pandas reads it back."""

    name: str
    dtype: Dtype
    in_test: bool
    levels: tuple[str, ...] = ()
    domain: Domain = field(default_factory=Domain)

    @property
    def is_categorical(self) -> bool:
        return self.dtype == "category"


@dataclass(frozen=True, slots=True)
class ApplicationSchema:
    id_column: str
    target_column: str
    columns: tuple[Column, ...]

    def names(self, kind: Literal["train", "test"] = "train") -> list[str]:
        """Column names in file order; the test file has no target."""
        return [c.name for c in self.columns if kind == "train" or c.in_test]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def categorical(self) -> list[Column]:
        return [c for c in self.columns if c.is_categorical]

    @property
    def numeric(self) -> list[Column]:
        return [c for c in self.columns if not c.is_categorical]

    def domains(self) -> dict[str, Domain]:
        """Field name -> domain, every column but the target."""
        return {c.name: c.domain for c in self.columns if c.name != self.target_column}

    def check(self, record: dict) -> list[Violation]:
        """Fields of one application (a JSON object) outside their domain or breaking a
        cross-field rule; unknown fields and missing values are not this check's concern."""
        return check_application(record, self.domains())


def schema_from_dict(raw: dict) -> ApplicationSchema:
    cols = tuple(
        Column(
            name=c["name"],
            dtype=c["dtype"],
            in_test=c["in_test"],
            levels=tuple(c.get("levels", ())),
            domain=(
                Domain(levels=tuple(c["levels"]))
                if c["dtype"] == "category"
                else Domain.from_dict(c.get("domain", {}), integer=None)
            ),
        )
        for c in raw["columns"]
    )
    return ApplicationSchema(raw["id_column"], raw["target_column"], cols)


@cache
def application_schema() -> ApplicationSchema:
    """The packaged schema (cached: it never changes within a process)."""
    text = resources.files(__package__).joinpath("application_schema.json").read_text("utf-8")
    return schema_from_dict(json.loads(text))
