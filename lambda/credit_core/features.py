"""Feature engineering, defined once for training, serving and monitoring.

Everything works on a mapping of column name -> 1-D float array (categoricals as level codes,
NaN for missing), so the same code featurises 300,000 training rows or one API request: training
builds the mapping from a DataFrame, the API from JSON records (see ``columns_from_records``).
The :class:`FeatureSpec` saved in the model bundle says which raw inputs and derived features a
model uses; Home-Credit-specific features are included only when their inputs exist, so the
pipeline also runs on any table with a binary target. A model trained on the client-history
tables also lists their features (:mod:`credit_core.history`) and the digest of their
definitions: they come last in the model row, never from the request, and the one assembly
(:func:`transform`, :func:`transform_raw`) fills them from a history mapping, or with the
"no history" values for a client without a record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from credit_core.feature_meta import SENTINEL_DAYS_EMPLOYED

EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
DOCUMENTS = tuple(f"FLAG_DOCUMENT_{i}" for i in range(2, 22))

Columns = Mapping[str, np.ndarray]
# history feature -> one value per row (a client without history carries the no-history values),
# or the block itself: rows x ``spec.history``, in that order (a feature store's rows)
History = Mapping[str, np.ndarray] | np.ndarray


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r = a / b  # transform_raw silences the division warnings once for all derived features
    r[~np.isfinite(r)] = np.nan
    return r


def _stack(c: Columns, names: Iterable[str]) -> np.ndarray:
    """Columns as the rows of one array (``np.vstack``'s result without its per-array checks:
    a third of a one-row featurisation went to them)."""
    return np.array([c[name] for name in names])


def _ext_stack(c: Columns) -> np.ndarray:
    return _stack(c, EXT_SOURCES)


def _ext_mean(c: Columns) -> np.ndarray:
    s = _ext_stack(c)
    count = (~np.isnan(s)).sum(axis=0)
    return np.where(count > 0, _nan_as_zero(s).sum(axis=0) / count, np.nan)


def _nan_as_zero(s: np.ndarray) -> np.ndarray:
    """``np.nansum``'s replacement step, without its overhead (same sums, same order)."""
    return np.where(np.isnan(s), 0.0, s)


def _ext_min(c: Columns) -> np.ndarray:
    return np.fmin(np.fmin(c["EXT_SOURCE_1"], c["EXT_SOURCE_2"]), c["EXT_SOURCE_3"])


def _ext_max(c: Columns) -> np.ndarray:
    return np.fmax(np.fmax(c["EXT_SOURCE_1"], c["EXT_SOURCE_2"]), c["EXT_SOURCE_3"])


@dataclass(frozen=True, slots=True)
class Derived:
    inputs: tuple[str, ...]
    compute: Callable[[Columns], np.ndarray]
    doc: str


# name -> definition; a model uses those whose inputs exist in its training table
DERIVED: dict[str, Derived] = {
    "DAYS_EMPLOYED_ANOM": Derived(
        ("DAYS_EMPLOYED",),
        lambda c: c["_DAYS_EMPLOYED_SENTINEL"],
        "1 when DAYS_EMPLOYED carried the 365243 sentinel (no employer), which becomes missing",
    ),
    "CREDIT_INCOME_RATIO": Derived(
        ("AMT_CREDIT", "AMT_INCOME_TOTAL"),
        lambda c: _ratio(c["AMT_CREDIT"], c["AMT_INCOME_TOTAL"]),
        "credit amount / yearly income",
    ),
    "ANNUITY_INCOME_RATIO": Derived(
        ("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
        lambda c: _ratio(c["AMT_ANNUITY"], c["AMT_INCOME_TOTAL"]),
        "annuity / income: the repayment burden",
    ),
    "PAYMENT_RATE": Derived(
        ("AMT_ANNUITY", "AMT_CREDIT"),
        lambda c: _ratio(c["AMT_ANNUITY"], c["AMT_CREDIT"]),
        "annuity / credit: the inverse of the term",
    ),
    "GOODS_CREDIT_RATIO": Derived(
        ("AMT_GOODS_PRICE", "AMT_CREDIT"),
        lambda c: _ratio(c["AMT_GOODS_PRICE"], c["AMT_CREDIT"]),
        "goods price / credit: how much of the loan buys the goods",
    ),
    "EMPLOYED_AGE_RATIO": Derived(
        ("DAYS_EMPLOYED", "DAYS_BIRTH"),
        lambda c: _ratio(c["DAYS_EMPLOYED"], c["DAYS_BIRTH"]),
        "share of life spent in the current job",
    ),
    "INCOME_PER_PERSON": Derived(
        ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
        lambda c: _ratio(c["AMT_INCOME_TOTAL"], c["CNT_FAM_MEMBERS"]),
        "income per family member",
    ),
    "EXT_SOURCE_MEAN": Derived(EXT_SOURCES, _ext_mean, "mean of the known external scores"),
    "EXT_SOURCE_MIN": Derived(EXT_SOURCES, _ext_min, "lowest known external score"),
    "EXT_SOURCE_MAX": Derived(EXT_SOURCES, _ext_max, "highest known external score"),
    "EXT_SOURCE_PROD": Derived(
        EXT_SOURCES,
        lambda c: c["EXT_SOURCE_1"] * c["EXT_SOURCE_2"] * c["EXT_SOURCE_3"],
        "product of the three external scores (missing if any is)",
    ),
    "EXT_SOURCE_NAN_COUNT": Derived(
        EXT_SOURCES,
        lambda c: np.isnan(_ext_stack(c)).sum(axis=0).astype(np.float64),
        "how many external scores are missing",
    ),
    "DOCUMENT_COUNT": Derived(
        DOCUMENTS,
        lambda c: _nan_as_zero(_stack(c, DOCUMENTS)).sum(axis=0),
        "documents provided",
    ),
}


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """The model's inputs: raw numeric columns, raw categoricals (with levels), derived features
    and, for a model trained on the history tables, the client-history features (names in the
    order of the model row) with the digest of their definitions."""

    numeric: tuple[str, ...]
    categorical: tuple[tuple[str, tuple[str, ...]], ...]
    derived: tuple[str, ...]
    history: tuple[str, ...] = ()
    history_digest: str | None = None
    _codes: dict[str, dict[str, float]] = field(default_factory=dict, compare=False, repr=False)
    # raw input -> its column, for the inputs of the derived features (built once per spec)
    _inputs: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    # the history block of a client without any record (no_history_values, in ``history`` order)
    _no_history: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)

    def __post_init__(self) -> None:
        for name, levels in self.categorical:
            self._codes[name] = {lv: float(i) for i, lv in enumerate(levels)}
        position = {name: i for i, name in enumerate(self.raw_inputs)}
        for name in self.derived:
            self._inputs.update({n: position[n] for n in DERIVED[name].inputs})
        if self.history:
            if not self.history_digest:
                raise ValueError("history features without the digest of their definitions")
            from credit_core.history.definitions import no_history_values

            empty = no_history_values()
            unknown = [n for n in self.history if n not in empty]
            if unknown:
                raise ValueError(f"unknown history feature(s): {', '.join(unknown[:5])}")
            object.__setattr__(
                self, "_no_history", np.array([empty[n] for n in self.history], dtype=np.float64)
            )

    @property
    def names(self) -> list[str]:
        """The model row's columns: raw inputs, derived features, history features."""
        return [*self.numeric, *(n for n, _ in self.categorical), *self.derived, *self.history]

    @property
    def application_names(self) -> list[str]:
        """The columns computed from the application alone (``names`` without the history)."""
        return [*self.numeric, *(n for n, _ in self.categorical), *self.derived]

    @property
    def feature_set(self) -> dict[str, Any] | None:
        """The history feature set the model was trained with (names in order and the digest of
        their definitions), what a feature store must match; None for an application-only
        model."""
        if not self.history:
            return None
        return {"names": list(self.history), "digest": self.history_digest}

    def without_history(self) -> FeatureSpec:
        """The same application features, no history part (the application-only model)."""
        return FeatureSpec(self.numeric, self.categorical, self.derived)

    @property
    def categorical_indices(self) -> list[int]:
        start = len(self.numeric)
        return list(range(start, start + len(self.categorical)))

    @property
    def raw_inputs(self) -> list[str]:
        return [*self.numeric, *(n for n, _ in self.categorical)]

    def levels(self, name: str) -> tuple[str, ...]:
        return dict(self.categorical)[name]

    def level_codes(self, name: str) -> dict[str, float]:
        """Level -> the code the model was trained on (its position in ``levels``)."""
        return self._codes[name]

    def to_dict(self) -> dict[str, Any]:
        """The card's ``features``; ``history`` (names + digest) only for a with-history model."""
        out: dict[str, Any] = {
            "numeric": list(self.numeric),
            "categorical": {n: list(lv) for n, lv in self.categorical},
            "derived": list(self.derived),
        }
        if self.history:
            out["history"] = self.feature_set
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FeatureSpec:
        """The spec of a card's ``features`` (cards without ``history``: application only)."""
        history = raw.get("history") or {}
        return cls(
            numeric=tuple(raw["numeric"]),
            categorical=tuple((n, tuple(lv)) for n, lv in raw["categorical"].items()),
            derived=tuple(raw["derived"]),
            history=tuple(history.get("names") or ()),
            history_digest=history.get("digest"),
        )


def build_spec(numeric: Iterable[str], categorical: Mapping[str, Iterable[str]]) -> FeatureSpec:
    """The spec for a table with these raw columns: derived features whose inputs all exist."""
    numeric = tuple(numeric)
    available = set(numeric)
    derived = tuple(name for name, d in DERIVED.items() if set(d.inputs) <= available)
    cats = tuple((name, tuple(levels)) for name, levels in categorical.items())
    return FeatureSpec(numeric=numeric, categorical=cats, derived=derived)


def transform(spec: FeatureSpec, columns: Columns, history: History | None = None) -> np.ndarray:
    """The model matrix (rows x ``spec.names``) from raw columns as float arrays and, for a
    with-history spec, the history columns, or their block (rows x ``spec.history``, as a
    feature store reads them; ``None``: every row is a client without history).

    Categoricals must already be level codes (NaN if missing). Each column is copied once,
    straight into the model matrix (no intermediate raw matrix: training tables are large).
    """
    n = len(columns[spec.raw_inputs[0]])
    out = np.empty((n, len(spec.names)), dtype=np.float64)
    for j, name in enumerate(spec.raw_inputs):
        out[:, j] = columns[name]
    return _complete(spec, out, history)


def transform_raw(spec: FeatureSpec, raw: np.ndarray, history: History | None = None) -> np.ndarray:
    """The model matrix from the raw-input matrix (rows x ``spec.raw_inputs``, float64) and the
    history columns as in :func:`transform`.

    One block copy instead of a copy per column: the API featurises one row in microseconds.
    """
    n, k = raw.shape
    out = np.empty((n, len(spec.names)), dtype=np.float64)
    out[:, :k] = raw
    return _complete(spec, out, history)


def history_columns(spec: FeatureSpec, records: Sequence[Mapping[str, float] | None]) -> History:
    """History columns from one mapping per row (a feature store's items by client), ``None``
    for a client without any record (its row gets the no-history values). A record missing one
    of ``spec.history`` is a ValueError (a store built from other definitions)."""
    n = len(records)
    block = np.tile(spec._no_history, (n, 1))
    for i, record in enumerate(records):
        if record is None:
            continue
        try:
            values = [record[name] for name in spec.history]
        except KeyError as exc:
            raise ValueError(f"history record without feature {exc.args[0]}") from None
        block[i] = [np.nan if v is None else v for v in values]
    return {name: block[:, j] for j, name in enumerate(spec.history)}


def _complete(spec: FeatureSpec, out: np.ndarray, history: History | None) -> np.ndarray:
    """Finish a model matrix whose raw-input block is filled, in place: DAYS_EMPLOYED's sentinel
    becomes missing (flagged by DAYS_EMPLOYED_ANOM), the derived features are computed on column
    views of the raw block, then the history block is filled from ``history`` (None: the
    no-history values). The one assembly of a model row, for training, serving and monitoring."""
    k = len(spec.raw_inputs)
    clean = {name: out[:, j] for name, j in spec._inputs.items()}  # views of ``out``
    if "DAYS_EMPLOYED" in spec.numeric:
        days = out[:, spec.numeric.index("DAYS_EMPLOYED")]
        sentinel = days == SENTINEL_DAYS_EMPLOYED
        days[sentinel] = np.nan  # in ``out``: the model sees the sentinel as missing
        clean["_DAYS_EMPLOYED_SENTINEL"] = sentinel.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, name in enumerate(spec.derived, start=k):
            out[:, i] = DERIVED[name].compute(clean)
    if spec.history:
        start = k + len(spec.derived)
        if history is None:
            out[:, start:] = spec._no_history
        elif isinstance(history, np.ndarray):
            if history.shape != (len(out), len(spec.history)):
                raise ValueError(
                    f"history block of shape {history.shape}, expected "
                    f"({len(out)}, {len(spec.history)})"
                )
            out[:, start:] = history
        else:
            missing = [n for n in spec.history if n not in history]
            if missing:
                raise ValueError(f"history columns missing: {', '.join(missing[:5])}")
            for j, name in enumerate(spec.history, start=start):
                out[:, j] = history[name]
    return out


def columns_from_records(spec: FeatureSpec, records: Iterable[Mapping[str, Any]]) -> Columns:
    """Raw columns from JSON-like records (absent or null -> missing; unknown level -> missing).

    Row-wise gathering then one NumPy conversion (None becomes NaN) is several times faster than
    a Python loop per column on large batches. The API validates records against the bundle's
    contract first, so an unknown level here only comes from a caller that skipped validation.
    """
    records = list(records)
    numeric = spec.numeric
    matrix = np.array([[r.get(n) for n in numeric] for r in records], dtype=np.float64).reshape(
        len(records), len(numeric)
    )
    cols: dict[str, np.ndarray] = {name: matrix[:, j] for j, name in enumerate(numeric)}
    for name, _ in spec.categorical:
        codes = spec._codes[name]
        cols[name] = np.array(
            [codes.get(r.get(name), np.nan) for r in records],  # type: ignore[arg-type]
            dtype=np.float64,
        )
    return cols
