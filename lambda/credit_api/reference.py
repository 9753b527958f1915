"""Aggregates of the bundle's reference sample for ``GET /v1/reference``, never its rows.

The sample (raw training rows, TARGET and score) is read on first use, not at init (the Lambda's
cold start does not pay for it), with the csv module only: pandas stays out of the Lambda
package. Each field's bins (:mod:`credit_core.population`) are computed once and kept; the UI
compares an applicant with them.
"""

from __future__ import annotations

import csv
import gzip
import io
import threading
from collections.abc import Callable

from credit_core import population
from credit_core.domain import Domain

SCORE, HIDDEN = "score", ("score",)


class UnknownFields(ValueError):
    def __init__(self, unknown: list[str], known: list[str]):
        super().__init__(", ".join(unknown))
        self.unknown, self.known = unknown, known


class ReferenceSample:
    """Columns of ``reference_sample.csv.gz`` as strings, parsed once; per-field bins, kept."""

    def __init__(
        self,
        load: Callable[[], bytes],
        target: str,
        id_col: str,
        domains: dict[str, Domain],
    ) -> None:
        self._load, self.target, self.id_col, self.domains = load, target, id_col, domains
        self._columns: dict[str, list[str]] | None = None
        self._summaries: dict[str, population.FieldPopulation] = {}
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

    def payload(self, names: list[str], model_version: str) -> population.Population:
        """The bins of each of ``names`` (:class:`credit_core.population.Population`).

        Raises UnknownFields naming every field the sample does not hold.
        """
        known = self.fields()
        allowed = set(known)
        if unknown := [n for n in names if n not in allowed]:
            raise UnknownFields(unknown, known)
        rows = len(self.columns()[self.target])
        fields = {n: self._summary(n) for n in names}
        return population.Population(model_version, rows, population.MIN_COUNT, fields)

    def _summary(self, name: str) -> population.FieldPopulation:
        with self._lock:
            done = self._summaries.get(name)
        if done is not None:
            return done
        cols = self.columns()
        target = [int(float(v)) for v in cols[self.target]]
        probability = [float(v) for v in cols[SCORE]]
        domain = self.domains.get(name)
        values, categorical = _values(cols[name], domain is not None and domain.is_categorical)
        summary = population.summarise(values, target, probability, categorical)
        with self._lock:
            return self._summaries.setdefault(name, summary)


def _values(cells: list[str], categorical: bool) -> tuple[list[float | str | None], bool]:
    """The cells as numbers (None if empty), or as strings when categorical or not numeric."""
    if not categorical:
        try:
            return [float(v) if v != "" else None for v in cells], False
        except ValueError:  # a categorical column the schema does not know
            pass
    return [v if v != "" else None for v in cells], True
