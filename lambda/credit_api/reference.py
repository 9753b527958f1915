"""The bundle's reference sample (raw training rows, TARGET and score) for ``GET /v1/reference``.

Read on first use, not at init (the Lambda's cold start does not pay for it), with the csv
module and NumPy only: pandas stays out of the Lambda package. The UI compares an applicant
with this population.
"""

from __future__ import annotations

import csv
import gzip
import io
import threading
from collections.abc import Callable
from typing import Any

from credit_core.domain import Domain

SCORE, HIDDEN = "score", ("score",)


class UnknownFields(ValueError):
    def __init__(self, unknown: list[str], known: list[str]):
        super().__init__(", ".join(unknown))
        self.unknown, self.known = unknown, known


class ReferenceSample:
    """Columns of ``reference_sample.csv.gz`` as strings, parsed once, converted on request."""

    def __init__(
        self,
        load: Callable[[], bytes],
        target: str,
        id_col: str,
        domains: dict[str, Domain],
    ) -> None:
        self._load, self.target, self.id_col, self.domains = load, target, id_col, domains
        self._columns: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def columns(self) -> dict[str, list[str]]:
        with self._lock:
            if self._columns is None:
                text = gzip.decompress(self._load()).decode("utf-8")
                reader = csv.reader(io.StringIO(text))
                header = next(reader)
                cells = list(zip(*reader, strict=True)) or [()] * len(header)
                self._columns = {name: list(col) for name, col in zip(header, cells, strict=True)}
            return self._columns

    def fields(self) -> list[str]:
        """The raw fields a caller may ask for (not the id, the target or the score)."""
        skip = {self.target, self.id_col, *HIDDEN}
        return [n for n in self.columns() if n not in skip]

    def payload(self, names: list[str], model_version: str) -> dict[str, Any]:
        """``{model_version, rows, target, probability, fields: {name: [value | None]}}``.

        Raises UnknownFields naming every field the sample does not hold.
        """
        cols = self.columns()
        known = self.fields()
        if unknown := [n for n in names if n not in known]:
            raise UnknownFields(unknown, known)
        rows = len(cols[SCORE]) if SCORE in cols else 0
        return {
            "model_version": model_version,
            "rows": rows,
            "target": [int(float(v)) for v in cols.get(self.target, [])],
            "probability": [float(v) for v in cols.get(SCORE, [])],
            "fields": {n: self._values(n, cols[n]) for n in names},
        }

    def _values(self, name: str, cells: list[str]) -> list[Any]:
        domain = self.domains.get(name)
        if domain is not None and domain.is_categorical:
            return [v if v != "" else None for v in cells]
        out: list[Any] = []
        for v in cells:
            if v == "":
                out.append(None)
                continue
            try:
                x = float(v)
            except ValueError:  # a categorical column the schema does not know
                out.append(v)
                continue
            out.append(int(x) if x.is_integer() and abs(x) < 2**53 else x)
        return out
