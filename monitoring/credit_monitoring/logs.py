"""Reading the API's request log for a time window (S3 prefix or folder).

One JSON line per scored application, a :class:`credit_core.contracts.DecisionRecord` (older
record versions are upgraded on reading), in either layout under ``LOG_URI``:

* ``dt=YYYY-MM-DD/HHMMSS-<request id>.jsonl``: the folder and S3 writers, one object per call;
* ``year=YYYY/month=MM/day=DD/<stream>-…-<uuid>.jsonl``: Amazon Data Firehose's delivery, the
  records of many calls concatenated (each line ends with a newline). Firehose partitions by
  arrival time, at most its buffering interval (<= 15 min) after the record's own timestamp,
  so the window's last day is listed up to :data:`LATE` past its end.

Only the day partitions of the window are listed. A window larger than ``max_bytes`` is read from a uniform random
sample of its objects (the summary says how much); lines that are not valid records are skipped
and counted; lines of another model version (or of the served version with another feature
count) are kept apart, never mixed into the analysis. For a with-history model the history
features are read from each record's ``features`` row (the values the model used) and
``history.found`` gives the applicants without history, per day.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from credit_core import storage
from credit_core.contracts import (
    ContractError,
    ContractVersionError,
    DecisionRecord,
    InputValue,
    read_record,
)
from credit_core.groups import ATTRIBUTES, Attribute
from credit_core.schema import Column
from credit_monitoring.drift import as_float

MAX_BYTES = 512 * 1024 * 1024  # raw JSON read per run; ~150,000 application lines
CHUNK_LINES = 10_000  # records decoded into columns this many at a time (bounded memory)
READERS = 16  # concurrent S3 GETs


@dataclass(frozen=True, slots=True)
class LogObject:
    uri: str
    size: int


LATE = timedelta(minutes=15)  # Firehose's longest buffering interval


def day_partition(log_uri: str, day: date, firehose: bool = False) -> str:
    """The prefix of one day's records: ``dt=YYYY-MM-DD`` or Firehose's ``year=/month=/day=``."""
    if firehose:
        return storage.join(log_uri, f"year={day:%Y}", f"month={day:%m}", f"day={day:%d}")
    return storage.join(log_uri, f"dt={day:%Y-%m-%d}")


def day_prefixes(log_uri: str, since: datetime, until: datetime) -> list[str]:
    """The partitions of both layouts that can hold lines of [since, until): ``dt=`` days of
    the window, Firehose days of the window and up to :data:`LATE` after it."""
    first = since.astimezone(UTC).date()
    last = (until.astimezone(UTC) - timedelta(microseconds=1)).date()
    late = (until.astimezone(UTC) + LATE - timedelta(microseconds=1)).date()
    out = []
    day = first
    while day <= late:
        if day <= last:
            out.append(day_partition(log_uri, day))
        out.append(day_partition(log_uri, day, firehose=True))
        day += timedelta(days=1)
    return out


def list_objects(prefix: str) -> list[LogObject]:
    """The record objects under one partition (none if it does not exist): ``.jsonl`` ones
    under a ``dt=`` day, every object under a Firehose ``day=`` (its only writer)."""
    any_name = prefix.rstrip("/").rsplit("/", 1)[-1].startswith("day=")
    if storage.is_s3(prefix):
        bucket, key = storage.split_s3(prefix)
        pages = storage.s3_client().get_paginator("list_objects_v2")
        return [
            LogObject(f"s3://{bucket}/{obj['Key']}", int(obj["Size"]))
            for page in pages.paginate(Bucket=bucket, Prefix=key.rstrip("/") + "/")
            for obj in page.get("Contents", [])
            if any_name or obj["Key"].endswith(".jsonl")
        ]
    folder = Path(prefix)
    if not folder.is_dir():
        return []
    paths = (p for p in folder.rglob("*") if p.is_file()) if any_name else folder.glob("*.jsonl")
    return [LogObject(str(p), p.stat().st_size) for p in sorted(paths)]


@dataclass(frozen=True, slots=True)
class Sampling:
    objects_listed: int
    objects_read: int
    bytes_listed: int
    bytes_read: int

    @property
    def fraction(self) -> float:
        return self.bytes_read / self.bytes_listed if self.bytes_listed else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "objects_listed": self.objects_listed,
            "objects_read": self.objects_read,
            "bytes_listed": self.bytes_listed,
            "bytes_read": self.bytes_read,
            "fraction": round(self.fraction, 6),
            "sampled": self.objects_read < self.objects_listed,
        }


def choose(objects: Sequence[LogObject], max_bytes: int, seed: int) -> list[LogObject]:
    """All objects if they fit in ``max_bytes``, else a uniform random sample that does."""
    if sum(o.size for o in objects) <= max_bytes:
        return list(objects)
    shuffled = list(objects)
    random.Random(seed).shuffle(shuffled)
    chosen, total = [], 0
    for obj in shuffled:
        if total + obj.size > max_bytes:
            continue
        chosen.append(obj)
        total += obj.size
    return chosen


def read_all(objects: Sequence[LogObject]) -> Iterator[bytes]:
    """Object contents in order; S3 GETs run concurrently, a few dozen objects ahead."""
    if objects and storage.is_s3(objects[0].uri):
        with ThreadPoolExecutor(READERS) as pool:
            step = READERS * 4  # bounded read-ahead: memory holds a few batches, not the window
            for start in range(0, len(objects), step):
                batch = objects[start : start + step]
                yield from pool.map(lambda o: storage.read_bytes(o.uri), batch)
    else:
        for obj in objects:
            yield storage.read_bytes(obj.uri)


@dataclass
class Window:
    """The served version's records of the window, as columns, and what was set apart."""

    columns: dict[str, list[np.ndarray]]
    probability: list[np.ndarray] = field(default_factory=list)
    refused: list[np.ndarray] = field(default_factory=list)
    group_labels: dict[str, list[np.ndarray]] = field(default_factory=dict)
    rows: int = 0
    malformed: int = 0
    outside_window: int = 0
    warnings: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    others: dict[str, dict[str, float]] = field(default_factory=dict)
    # features read from the records' ``features`` row (the history features), by name
    features: dict[str, list[np.ndarray]] = field(default_factory=dict)
    history_found: list[np.ndarray] = field(default_factory=list)  # 1, 0, NaN: not recorded
    days: list[np.ndarray] = field(default_factory=list)  # each row's UTC day, YYYY-MM-DD

    def column(self, name: str) -> np.ndarray:
        parts = self.columns[name]
        return np.concatenate(parts) if parts else np.empty(0)

    def probabilities(self) -> np.ndarray:
        return np.concatenate(self.probability) if self.probability else np.empty(0)

    def refusals(self) -> np.ndarray:
        return np.concatenate(self.refused) if self.refused else np.empty(0, dtype=bool)

    def feature(self, name: str) -> np.ndarray:
        """A feature of the records' ``features`` rows (NaN: null), one value per row."""
        parts = self.features[name]
        return np.concatenate(parts) if parts else np.empty(0)

    def found(self) -> np.ndarray:
        """Per row: 1.0 history found, 0.0 scored without history, NaN not recorded."""
        return np.concatenate(self.history_found) if self.history_found else np.empty(0)

    def row_days(self) -> np.ndarray:
        return np.concatenate(self.days) if self.days else np.empty(0, dtype=object)

    def groups(self) -> dict[str, np.ndarray]:
        """Attribute name -> each row's group (``credit_core.groups``; absent: ``missing``)."""
        return {
            name: np.concatenate(parts) if parts else np.empty(0, dtype=object)
            for name, parts in self.group_labels.items()
        }


@dataclass(frozen=True, slots=True)
class Line:
    """A record of the served version: its inputs decoded, the fields the analysis uses."""

    inputs: dict[str, Any]
    probability: float
    refused: bool
    features: tuple[float | None, ...] = ()  # the values at ``collect``'s feature positions
    found: float = float("nan")  # history found (1.0), not found (0.0), not recorded (NaN)
    day: str = ""  # UTC day of the record


def decode(line: bytes) -> tuple[DecisionRecord, dict[str, InputValue], datetime]:
    """One log line as its record, its inputs and its time (aware, UTC). Raises
    ``ContractError`` (not a record, inputs not scalars), ``ContractVersionError`` (a newer
    record version than this code reads) or ``ValueError`` (a timestamp that is no ISO time)."""
    rec = read_record(line)
    return rec, rec.input_values(), logged_at(rec)


def parse_line(line: bytes) -> DecisionRecord | None:
    """One log line as a :class:`DecisionRecord` (upgraded if older), or None if it is not a
    valid record (its inputs and timestamp checked too); :func:`logged_at` gives its time."""
    try:
        return decode(line)[0]
    except (ContractError, ContractVersionError, ValueError):
        return None


def logged_at(rec: DecisionRecord) -> datetime:
    """The record's timestamp as an aware UTC datetime (a naive one is taken as UTC)."""
    when = datetime.fromisoformat(rec.timestamp)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _children(uri: str) -> list[str]:
    """The names of the sub-folders (S3: common prefixes) directly under ``uri``."""
    if storage.is_s3(uri):
        bucket, key = storage.split_s3(uri)
        prefix = key.rstrip("/") + "/" if key else ""
        pages = storage.s3_client().get_paginator("list_objects_v2")
        return [
            p["Prefix"][len(prefix) :].rstrip("/")
            for page in pages.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
            for p in page.get("CommonPrefixes", [])
        ]
    root = Path(uri)
    return [p.name for p in root.iterdir() if p.is_dir()] if root.is_dir() else []


def partitions(log_uri: str) -> list[tuple[date, str]]:
    """Every day partition under the log root, both layouts (``dt=YYYY-MM-DD`` and Firehose's
    ``year=/month=/day=``), oldest first (none if absent)."""
    out = []
    for name in _children(log_uri):
        if name.startswith("dt="):
            try:
                out.append((date.fromisoformat(name[3:]), storage.join(log_uri, name)))
            except ValueError:
                continue  # not a day partition
        elif name.startswith("year="):
            year = storage.join(log_uri, name)
            for month in _children(year):
                for day in _children(storage.join(year, month)):
                    try:
                        when = date(int(name[5:]), int(month[6:]), int(day[4:]))
                    except ValueError:
                        continue
                    if (month[:6], day[:4]) == ("month=", "day="):
                        out.append((when, storage.join(year, month, day)))
    return sorted(out)


def _column_values(records: Sequence[Line], column: Column) -> np.ndarray:
    values = [r.inputs.get(column.name) for r in records]
    if not column.is_categorical:
        try:
            return np.array(values, dtype=np.float64)  # numbers and None (-> NaN)
        except (TypeError, ValueError):
            pass  # a string slipped through: coerced (to NaN) below
    return as_float(values, column)


def _group_labels(records: Sequence[Line], attribute: Attribute) -> np.ndarray:
    """Each record's group of one sensitive attribute, from its inputs as received (a field
    the client did not send, or a string where a number belongs, is ``missing``)."""
    values = [r.inputs.get(attribute.column) for r in records]
    try:
        return attribute.groups_of(values)
    except (TypeError, ValueError):  # a numeric attribute logged as a string
        numbers = [
            v if isinstance(v, int | float) and not isinstance(v, bool) else None for v in values
        ]
        return attribute.groups_of(numbers)


def collect(
    blobs: Iterable[bytes],
    version: str,
    n_features: int,
    columns: Sequence[Column],
    since: datetime,
    until: datetime,
    features: Mapping[str, int] | None = None,
) -> Window:
    """Parse, validate and split the lines; decode the served version's inputs to columns and
    each record's group per sensitive attribute (``credit_core.groups.ATTRIBUTES``);
    ``features``: name -> position in the records' ``features`` row of the features read as
    they were scored (the history features), with each record's ``history.found`` and day."""
    positions = dict(features or {})
    window = Window(
        columns={c.name: [] for c in columns},
        group_labels={a.name: [] for a in ATTRIBUTES},
        features={name: [] for name in positions},
    )
    others: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    chunk: list[Line] = []

    def flush() -> None:
        if not chunk:
            return
        for c in columns:
            window.columns[c.name].append(_column_values(chunk, c))
        window.probability.append(np.array([r.probability for r in chunk], dtype=np.float64))
        window.refused.append(np.array([r.refused for r in chunk], dtype=bool))
        for a in ATTRIBUTES:
            window.group_labels[a.name].append(_group_labels(chunk, a))
        if positions:
            block = np.array([r.features for r in chunk], dtype=np.float64)  # None -> NaN
            for j, name in enumerate(positions):
                window.features[name].append(block[:, j])
        window.history_found.append(np.array([r.found for r in chunk], dtype=np.float64))
        window.days.append(np.array([r.day for r in chunk], dtype=object))
        window.rows += len(chunk)
        chunk.clear()

    for blob in blobs:
        for line in blob.splitlines():
            if not line.strip():
                continue
            try:  # a newer record version than this job reads counts as malformed too
                rec, inputs, when = decode(line)
            except (ContractError, ContractVersionError, ValueError):
                window.malformed += 1
                continue
            if not since <= when < until:
                window.outside_window += 1
                continue
            key = rec.model_version
            if key == version and len(rec.features) != n_features:
                key = f"{key} (other feature contract)"
            if key != version:
                others[key].append((rec.probability, rec.decision == "refuse"))
                continue
            for w in rec.warnings:
                window.warnings[w.field][w.kind] += 1
            chunk.append(
                Line(
                    inputs,
                    rec.probability,
                    rec.decision == "refuse",
                    tuple(rec.features[i] for i in positions.values()),
                    float("nan") if rec.history is None else float(rec.history.found),
                    f"{when:%Y-%m-%d}",
                )
            )
            if len(chunk) >= CHUNK_LINES:
                flush()
    flush()
    for key, rows in others.items():
        p = np.array([r[0] for r in rows])
        window.others[key] = {
            "rows": len(rows),
            "mean_probability": round(float(p.mean()), 6),
            "refusal_rate": round(float(np.mean([r[1] for r in rows])), 6),
        }
    return window
