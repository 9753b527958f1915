"""Request bodies -> validated applications, the model's raw-input matrix and warnings.

msgspec decodes against Structs generated from the bundle's contract; the domain checks a
Struct cannot state (whole numbers, the gaps around sentinel codes, cross-field rules) and the
warnings (inside the domain but outside what training saw) run vectorised on the matrix.
A duplicated key is refused. Only a refused body pays for pydantic, which lists every error
(msgspec stops at the first). A batch is decoded item by item: a refused item is reported in
its place and the others are scored.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
import numpy as np
import orjson
from msgspec.structs import astuple
from pydantic import BaseModel, TypeAdapter, ValidationError

from credit_api.contract import (
    ABSENT,
    Contract,
    application_model,
    application_struct,
    batch_struct,
    envelope_model,
    read_contract,
)
from credit_core import contracts
from credit_core.contracts import ScoreWarning
from credit_core.domain import Domain
from credit_core.features import FeatureSpec

# what msgspec raises on a body it refuses: bad JSON or contract, bad UTF-8, absurd nesting
REFUSED = (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError)
OUTSIDE: Final = "outside_training_range"
UNSEEN: Final = "unseen_level"
# a refused body with more than this many keys per contract field is listed without pydantic
MANY_KEYS = 4


MAX_LISTED = 50  # errors kept for a body refused on many unknown keys (the problem shows 50)


class Capped(list):
    """The first errors of a longer list; ``total`` counts them all."""

    total = 0


class Invalid(Exception):
    """A refused body: the errors name each field (``AMT_CREDIT``, ``applications``)."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(", ".join(sorted({e["field"] for e in errors})))
        self.errors = errors


@dataclass(frozen=True)
class Applications:
    raw: list[bytes]  # each application's JSON as received, on one line
    values: list[tuple[Any, ...]]  # raw inputs in the model's order, unscored fields, the id
    matrix: np.ndarray  # rows x spec.raw_inputs, categoricals as level codes, NaN if missing
    warnings: list[list[ScoreWarning]]  # per row: inside the domain, outside training
    index: list[int] = field(default_factory=list)  # position of each row in the request

    @property
    def ids(self) -> list[Any]:
        return [None if v[-1] is ABSENT else v[-1] for v in self.values]

    def sent(self, row: int) -> list[Any]:
        """One row's values as sent (None if absent or null), the id last."""
        return [None if v is ABSENT else v for v in self.values[row]]


@dataclass(frozen=True)
class Refused:
    """A batch item that was not scored: its position, the client id if readable, the errors."""

    index: int
    sk_id_curr: Any
    errors: list[dict[str, Any]]


def one_line(raw: bytes) -> bytes:
    """JSON allows raw newlines only as whitespace: blanking them keeps the value intact."""
    if b"\n" in raw or b"\r" in raw:
        return raw.replace(b"\n", b" ").replace(b"\r", b" ")
    return raw


def duplicate_keys(raw: bytes) -> list[str]:
    """Keys repeated within one JSON object (any depth), in order of first repetition."""
    found: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen and key not in found:
                found.append(key)
            seen.add(key)
        return dict(items)

    with contextlib.suppress(ValueError, RecursionError):  # not JSON: the decoder says so
        json.loads(raw, object_pairs_hook=pairs)
    return found


class RequestDecoder:
    """Decoders for one application and for a batch, generated from one contract."""

    def __init__(
        self,
        contract: contracts.FeatureContract | Mapping[str, Any],
        id_col: str,
        spec: FeatureSpec,
        max_batch: int,
    ):
        self.contract: Contract = read_contract(contract)
        names = [f.name for f in self.contract.fields]
        if names != spec.raw_inputs:
            raise ValueError("the contract's fields must be the model's raw inputs, in order")
        self.id_col = id_col
        self.model: type[BaseModel] = application_model(self.contract, id_col)
        self.envelope: type[BaseModel] = envelope_model(max_batch)
        self._full_one, self._full_envelope = TypeAdapter(self.model), TypeAdapter(self.envelope)
        self.domains: dict[str, Domain] = self.contract.domains
        self.levels = {n: list(d.levels) for n, d in self.domains.items() if d.is_categorical}
        self._one = msgspec.json.Decoder(application_struct(self.contract, id_col))
        self._batch: msgspec.json.Decoder[Any] = msgspec.json.Decoder(batch_struct(max_batch))
        self._width = len(names) + len(self.contract.unscored) + 1
        self._known = frozenset([*names, *(f.name for f in self.contract.unscored), id_col])
        self._prepare(spec)

    def _prepare(self, spec: FeatureSpec) -> None:
        fields = self.contract.fields
        k = self._n_numeric = len(spec.numeric)
        self._names = [f.name for f in fields]
        # an unseen level (in the domain, never in training) has no code: scored as missing
        self._codes = []
        for f, (name, _) in zip(fields[k:], spec.categorical, strict=True):
            seen = set(f.training_levels) or set(spec.levels(name))
            self._codes.append({lv: c for lv, c in spec.level_codes(name).items() if lv in seen})
        numeric = fields[:k]
        self._lo = np.array([_nan(f.training_min) for f in numeric], dtype=np.float64)
        self._hi = np.array([_nan(f.training_max) for f in numeric], dtype=np.float64)
        self._int_idx = np.array([j for j, f in enumerate(numeric) if f.domain.integer], dtype=int)
        self._sentinels = [(j, f.domain) for j, f in enumerate(numeric) if f.domain.sentinels]
        # the fields with sentinel codes, checked together: their domain as inclusive bounds
        # (an exclusive bound is the next float inward) and one row of codes per sentinel rank
        # (NaN pads a field with fewer codes: nothing equals NaN)
        self._s_idx = np.array([j for j, _ in self._sentinels], dtype=int)
        self._s_lo = np.array([_inclusive(d.min, d.min_exclusive, -1) for _, d in self._sentinels])
        self._s_hi = np.array([_inclusive(d.max, d.max_exclusive, +1) for _, d in self._sentinels])
        rank = max((len(d.sentinels) for _, d in self._sentinels), default=0)
        self._s_codes = np.full((rank, len(self._sentinels)), np.nan)
        for i, (_, d) in enumerate(self._sentinels):
            self._s_codes[: len(d.sentinels), i] = d.sentinels
        position = {n: j for j, n in enumerate(self._names)}
        self._rules = [(r, [position[n] for n in r.inputs]) for r in self.contract.rules]
        # colons a categorical value adds to the body (the duplicate-key count, see _has_dups)
        self._colons = [
            (j, {lv: lv.count(":") for lv in f.domain.levels if ":" in lv})
            for j, f in enumerate(fields + self.contract.unscored)
            if f.is_categorical and any(":" in lv for lv in f.domain.levels)
        ]

    # --- entry points -------------------------------------------------------------------

    def one(self, body: bytes) -> Applications:
        try:
            app = self._one.decode(body)
        except REFUSED as exc:
            raise Invalid(self._errors(body, exc)) from None
        raw = [one_line(body)]
        values = [astuple(app)]
        if self._has_dups(body, values[0]):
            raise Invalid(self._errors(body, None))
        apps = self._gather(raw, values, [0])
        if self._domain_refusals(apps):
            raise Invalid(self._errors(body, None))
        return apps

    def batch(self, body: bytes) -> tuple[Applications, list[Refused]]:
        """Valid items (with their positions) and refused ones; an envelope error raises."""
        try:
            items = self._batch.decode(body).applications
        except REFUSED as exc:
            raise Invalid(self._envelope_errors(body, exc)) from None
        raw, values, index, refused = [], [], [], []
        refused_colons = 0
        for i, item in enumerate(items):
            data = bytes(item)
            try:
                values.append(astuple(self._one.decode(data)))
            except REFUSED as exc:
                refused.append(Refused(i, _client_id(data, self.id_col), self._errors(data, exc)))
                refused_colons += data.count(b":")
                continue
            raw.append(data)
            index.append(i)
        # duplicate keys: one colon count for the whole body settles the common case
        colons = body.count(b":") - 1 - refused_colons  # 1: the envelope's own key
        if b"\\" in body or colons != self._expected_colons(values):
            if "applications" in duplicate_keys(body):  # the envelope's own key, repeated
                raise Invalid([{"field": "applications", "message": "duplicate key"}])
            dups = [r for r in range(len(values)) if self._has_dups(raw[r], values[r])]
            for r in dups:
                refused.append(
                    Refused(index[r], _client_id(raw[r], self.id_col), self._errors(raw[r], None))
                )
            dropped = set(dups)
            keep = [r for r in range(len(values)) if r not in dropped]
            raw, values, index = (
                [raw[r] for r in keep],
                [values[r] for r in keep],
                [index[r] for r in keep],
            )
        apps = self._gather([one_line(r) for r in raw], values, index)
        if bad := self._domain_refusals(apps):
            keep = [r for r in range(len(index)) if r not in bad]
            for r in bad:
                data = apps.raw[r]
                refused.append(Refused(apps.index[r], apps.ids[r], self._errors(data, None)))
            apps = self._subset(apps, keep)
        refused.sort(key=lambda r: r.index)
        return apps, refused

    # --- the vectorised part ------------------------------------------------------------

    def _gather(
        self, raw: list[bytes], values: list[tuple[Any, ...]], index: list[int]
    ) -> Applications:
        n, k = len(values), self._n_numeric
        matrix = np.empty((n, k + len(self._codes)), dtype=np.float64)
        if n == 0:
            return Applications(raw, values, matrix, [], index)
        # level -> code (no code: NaN, i.e. missing), through C-level maps; None -> NaN
        codes = self._codes
        if n == 1:  # the common request: no transpose
            row = values[0]
            matrix[0, :k] = np.array(row[:k], dtype=np.float64)
            matrix[0, k:] = np.array(list(map(dict.get, codes, row[k:])), dtype=np.float64)
            columns = None
        else:
            columns = list(zip(*values, strict=True))  # one C-level transpose
            matrix[:, :k] = np.array(columns[:k], dtype=np.float64).T
            for j, code in enumerate(codes, start=k):
                matrix[:, j] = np.array(list(map(code.get, columns[j])), dtype=np.float64)
        return Applications(raw, values, matrix, self._warnings(values, columns, matrix), index)

    def _domain_refusals(self, apps: Applications) -> set[int]:
        """Rows outside the domain in a way the Struct could not state (comparisons with NaN,
        a missing value, are False: missing values pass)."""
        m = apps.matrix
        if not len(m):
            return set()
        block = m[:, self._int_idx]
        bad = (block - np.floor(block) > 0).any(axis=1)  # a fraction in a whole-number field
        if len(self._s_idx):  # outside the interval and not a sentinel code
            v = m[:, self._s_idx]
            outside = (v < self._s_lo) | (v > self._s_hi)
            for codes in self._s_codes:
                outside &= v != codes
            bad |= outside.any(axis=1)
        for rule, cols in self._rules:
            bad |= ~rule.holds(*(m[:, j] for j in cols))
        return set(np.flatnonzero(bad).tolist()) if bad.any() else set()

    def _warnings(
        self,
        values: list[tuple[Any, ...]],
        columns: list[tuple[Any, ...]] | None,
        m: np.ndarray,
    ) -> list[list[ScoreWarning]]:
        """Per row: numbers outside the training range, levels training never saw.
        ``columns`` is ``values`` transposed (None for one row)."""
        k = self._n_numeric
        num = m[:, :k]
        outside = (num < self._lo) | (num > self._hi)
        out: list[list[ScoreWarning]] = [[] for _ in values]
        if outside.any():
            for j, domain in self._sentinels:  # a sentinel code is not a value out of range
                for code in domain.sentinels:
                    outside[:, j] &= num[:, j] != code
            for r, j in zip(*np.nonzero(outside), strict=True):
                out[r].append(self._outside(int(j), values[r][j]))
        nan = np.isnan(m[:, k:]).sum(axis=0).tolist()
        for j, count in enumerate(nan, start=k):
            if not count:
                continue
            column = columns[j] if columns is not None else values[0][j : j + 1]
            if count > column.count(None) + column.count(ABSENT):
                for r in range(len(values)):  # a level that has no code was sent
                    if isinstance(values[r][j], str) and values[r][j] not in self._codes[j - k]:
                        out[r].append(self._unseen(j, values[r][j]))
        return out

    def _outside(self, j: int, value: Any) -> ScoreWarning:
        name, lo, hi = self._names[j], _plain(self._lo[j]), _plain(self._hi[j])
        return ScoreWarning(
            field=name,
            kind=OUTSIDE,
            value=_plain(value),
            message=f"{name} {_plain(value)} is outside the range seen in training "
            f"[{lo}, {hi}]: scored, with less evidence behind the score",
            training_min=lo,
            training_max=hi,
        )

    def _unseen(self, j: int, value: Any) -> ScoreWarning:
        name = self._names[j]
        return ScoreWarning(
            field=name,
            kind=UNSEEN,
            value=value,
            message=f"{name} {value!r} never occurred in training: scored as a missing value",
            scored_as="missing",
        )

    def _subset(self, apps: Applications, rows: list[int]) -> Applications:
        return Applications(
            [apps.raw[r] for r in rows],
            [apps.values[r] for r in rows],
            apps.matrix[rows],
            [apps.warnings[r] for r in rows],
            [apps.index[r] for r in rows],
        )

    # --- duplicate keys -------------------------------------------------------------------

    def _has_dups(self, raw: bytes, values: tuple[Any, ...]) -> bool:
        """Whether a key repeats in a body the Struct accepted (it keeps the last value).

        A flat body of known keys, without escapes, holds one ``:`` per key plus those inside
        its category values; its distinct keys are the fields not ``ABSENT``: a colon count
        settles it in microseconds. A body with escapes takes the parser's word."""
        if b"\\" in raw:
            return bool(duplicate_keys(raw))
        return raw.count(b":") > self._expected_colons([values])

    def _expected_colons(self, values: list[tuple[Any, ...]]) -> int:
        """Colons the bodies of these decoded applications hold if no key repeats."""
        if not values:
            return 0
        expected = self._width * len(values) - sum(v.count(ABSENT) for v in values)
        for j, colons in self._colons:
            expected += sum(colons.get(v[j], 0) for v in values)
        return expected

    # --- complete error lists for refused bodies ------------------------------------------

    def _errors(self, body: bytes, exc: Exception | None) -> list[dict[str, Any]]:
        if body.count(b":") > MANY_KEYS * self._width and (crowd := self._crowd(body)):
            return crowd
        errors = [{"field": k, "message": "duplicate key"} for k in duplicate_keys(body)]
        try:
            self._full_one.validate_json(body)
        except ValidationError as full:
            return errors + field_errors(full.errors(), self.domains)
        except Exception:  # e.g. nesting too deep for pydantic too: msgspec's reason below
            pass
        if errors or exc is None:
            return errors or [{"field": "body", "message": "refused"}]
        return [{"field": _msgspec_field(str(exc)), "message": str(exc) or type(exc).__name__}]

    def _crowd(self, body: bytes) -> list[dict[str, Any]] | None:
        """Errors for an object with far more keys than the contract has fields (a 5 MB body
        of unknown keys): the unknown keys are listed without pydantic (which took seconds to
        list them one by one), the contract's own fields are validated alone. None if the body
        is not such an object (the general path applies)."""
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError:  # bad JSON, integers beyond 64 bits...
            return None
        if not isinstance(obj, dict):
            return None
        known = self._known
        unknown = [k for k in obj if k not in known]
        errors = Capped({"field": k, "message": "unknown field"} for k in unknown[:MAX_LISTED])
        try:
            self._full_one.validate_json(orjson.dumps({k: obj[k] for k in obj if k in known}))
        except ValidationError as full:
            errors[:0] = field_errors(full.errors(), self.domains)
        errors.total = len(errors) + len(unknown) - min(len(unknown), MAX_LISTED)
        return errors

    def _envelope_errors(self, body: bytes, exc: Exception) -> list[dict[str, Any]]:
        try:
            self._full_envelope.validate_json(body)
        except ValidationError as full:
            return field_errors(full.errors(), {})
        except Exception:
            pass
        return [{"field": _msgspec_field(str(exc)), "message": str(exc) or type(exc).__name__}]


def field_errors(errors: Sequence[Mapping[str, Any]], domains: dict[str, Domain]) -> list[dict]:
    """pydantic errors as ``{"field", "message"[, "allowed"]}`` items; a value refused by its
    domain carries the allowed range (a dict) or levels (a list)."""
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        kind = err.get("type", "")
        name = str(loc[-1]) if loc else ""
        if kind == "cross_field":
            name = err["ctx"]["field"]
            loc = (*loc, name)
        item: dict[str, Any] = {"field": field_path(loc), "message": err["msg"]}
        domain = domains.get(name)
        if kind == "extra_forbidden":
            item["message"] = "unknown field"
        elif kind == "missing":
            item["message"] = "required field is missing"
        elif kind == "json_invalid":
            item = {"field": "body", "message": "the body is not valid JSON"}
        elif domain is not None and kind != "cross_field" and len(loc) == 1:
            if domain.is_categorical:
                item["allowed"] = list(domain.levels)
            else:
                item["allowed"] = domain.to_dict()
                if kind != "domain" and "bound" not in item["message"]:
                    item["message"] += "; allowed: " + domain.describe()
        out.append(item)
    return out


def field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in (p for p in loc if p != "body"):
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def _msgspec_field(message: str) -> str:
    found = re.search(r"at `\$\.?(.*)`", message)
    return (found.group(1) or "body") if found else "body"


def _client_id(data: bytes, id_col: str) -> Any:
    try:
        value = orjson.loads(data).get(id_col)
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _inclusive(bound: float | None, exclusive: bool, side: int) -> float:
    """A bound as an inclusive one: an exclusive bound moves to the next float inward, a
    missing one to infinity (``side``: -1 lower, +1 upper)."""
    if bound is None:
        return side * np.inf
    return float(np.nextafter(bound, -side * np.inf)) if exclusive else float(bound)


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)


def _plain(x: Any) -> Any:
    if isinstance(x, float | np.floating):
        x = float(x)
        return int(x) if x.is_integer() and abs(x) < 2**53 else x
    return x
