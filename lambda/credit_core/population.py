"""The reference population as aggregates: per field, bins with counts per outcome class.

What ``GET /v1/reference`` serves and the UI draws to compare a client with the training
population. Never a row, never a per-row label: numeric fields get quantile-based bins (the
outer two open-ended, so no client's extreme value is published), categorical fields get one bin
per level; every published count (repaid and defaulted, in every bin) is at least ``min_count``:
small numeric bins merge with a neighbour, small levels merge into ``"other"``, and a group that
cannot reach the minimum alone joins another: rare missing values join the smallest bin (so the
bins always add up to the clients published and no small group can be found by difference), and
a field that cannot reach it at all has no bins. Standard library
only: the credit officers' app imports this module without msgspec or NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

MIN_COUNT = 10  # clients of each outcome class in every published bin
MAX_BINS = 10  # numeric fields start from (at most) deciles
OTHER = "other"  # the bin of the levels under the minimum
MISSING = "missing"  # the bin of the clients without a value (when it reaches the minimum)


@dataclass(frozen=True)
class Bin:
    """One group of reference clients: a numeric range ``[lo, hi)`` (None: open-ended; the last
    bin includes ``hi``), or a categorical ``level`` (``"other"``: the merged rare levels,
    ``levels`` lists them), or the clients with no value (``level == "missing"``, no range).
    ``mean_probability``: the model's mean probability of default over the bin (0-1);
    ``with_missing``: the bin also holds the clients without a value (too few for a bin)."""

    repaid: int
    defaulted: int
    mean_probability: float
    lo: float | None = None
    hi: float | None = None
    level: str | None = None
    levels: list[str] = field(default_factory=list)
    with_missing: bool = False


@dataclass(frozen=True)
class FieldPopulation:
    """A field's bins in order (ranges ascending, or levels by count descending, ``"other"``
    then ``"missing"`` last)."""

    kind: Literal["numeric", "categorical"]
    bins: list[Bin]


@dataclass(frozen=True)
class Population:
    """``GET /v1/reference``: aggregates of the bundle's reference sample for some fields.
    ``rows``: clients in the sample; ``min_count``: the least count of either class in a bin."""

    model_version: str
    rows: int
    min_count: int
    fields: dict[str, FieldPopulation]


@dataclass
class _Group:
    repaid: int = 0
    defaulted: int = 0
    p_sum: float = 0.0
    lo: float | None = None
    hi: float | None = None
    levels: list[str] = field(default_factory=list)

    def add(self, y: int, p: float) -> None:
        self.repaid += y == 0
        self.defaulted += y != 0
        self.p_sum += p

    def merge(self, other: _Group) -> None:
        self.repaid += other.repaid
        self.defaulted += other.defaulted
        self.p_sum += other.p_sum
        self.levels += other.levels

    @property
    def least(self) -> int:
        return min(self.repaid, self.defaulted)

    def bin(self, level: str | None = None) -> Bin:
        n = self.repaid + self.defaulted
        mean = round(self.p_sum / n, 6) if n else 0.0
        return Bin(self.repaid, self.defaulted, mean, self.lo, self.hi, level, list(self.levels))


def summarise(
    values: Sequence[float | str | None],
    target: Sequence[int],
    probability: Sequence[float],
    categorical: bool,
    min_count: int = MIN_COUNT,
) -> FieldPopulation:
    """One field's bins from the sample's values (None: missing), outcomes (0 repaid, 1
    defaulted) and probabilities of default, all of the same length (else ValueError)."""
    if not len(values) == len(target) == len(probability):
        raise ValueError("values, target and probability differ in length")
    missing = _Group()
    present = []
    for v, y, p in zip(values, target, probability, strict=True):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            missing.add(y, p)
        else:
            present.append((v, y, p))
    bins = _levels(present, min_count) if categorical else _ranges(present, min_count)
    if missing.least >= min_count:
        bins.append(missing.bin(MISSING))
    elif missing.repaid + missing.defaulted and bins:
        k = min(range(len(bins)), key=lambda i: bins[i].repaid + bins[i].defaulted)
        bins[k] = _with(bins[k], missing)
    return FieldPopulation("categorical" if categorical else "numeric", bins)


def _levels(present: list[tuple], min_count: int) -> list[Bin]:
    groups: dict[str, _Group] = {}
    for v, y, p in present:
        groups.setdefault(str(v), _Group(levels=[str(v)])).add(y, p)
    ordered = sorted(groups.items(), key=lambda kv: (-(kv[1].repaid + kv[1].defaulted), kv[0]))
    kept = [(k, g) for k, g in ordered if g.least >= min_count]
    other = _Group()
    for _, g in (kv for kv in ordered if kv[1].least < min_count):
        other.merge(g)
    # "other" under the minimum takes the smallest kept level until it reaches it
    while other.levels and other.least < min_count and kept:
        other.merge(kept.pop()[1])
    bins = [g.bin(k) for k, g in kept]
    if other.levels and other.least >= min_count:
        bins.append(other.bin(OTHER) if len(other.levels) > 1 else other.bin(other.levels[0]))
    return bins


def _ranges(present: list[tuple], min_count: int) -> list[Bin]:
    if not present:
        return []
    rows = sorted((float(v), y, p) for v, y, p in present)
    xs = [r[0] for r in rows]
    n = len(xs)
    # inner edges at the quantiles rounded to 3 significant digits (readable, and no client's
    # exact value), one per value at most; bins are [edge, next edge)
    cuts = sorted({_round(xs[n * i // MAX_BINS]) for i in range(1, MAX_BINS)})
    cuts = [c for c in cuts if xs[0] < c <= xs[-1]]
    groups, i = [], 0
    for j, hi in enumerate([*cuts, math.inf]):
        g = _Group(lo=cuts[j - 1] if j else None, hi=None if hi == math.inf else hi)
        while i < n and xs[i] < hi:
            g.add(rows[i][1], rows[i][2])
            i += 1
        groups.append(g)
    # merge the bin furthest below the minimum with its smaller neighbour, until none is
    while len(groups) > 1 and (worst := min(groups, key=lambda g: g.least)).least < min_count:
        k = groups.index(worst)
        left = groups[k - 1] if k else None
        right = groups[k + 1] if k + 1 < len(groups) else None
        if right is None or (left is not None and _size(left) <= _size(right)):
            assert left is not None  # more than one bin: the last one has a left neighbour
            left.merge(worst)
            left.hi = worst.hi
            del groups[k]
        else:
            worst.merge(right)
            worst.hi = right.hi
            del groups[k + 1]
    return [g.bin() for g in groups if g.least >= min_count]


def _with(b: Bin, missing: _Group) -> Bin:
    n, m = b.repaid + b.defaulted, missing.repaid + missing.defaulted
    mean = round((b.mean_probability * n + missing.p_sum) / (n + m), 6)
    return replace(
        b,
        repaid=b.repaid + missing.repaid,
        defaulted=b.defaulted + missing.defaulted,
        mean_probability=mean,
        with_missing=True,
    )


def _size(g: _Group) -> int:
    return g.repaid + g.defaulted


def _round(x: float, digits: int = 3) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))
