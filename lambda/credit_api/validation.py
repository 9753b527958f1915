"""Request bodies -> validated applications and the model's raw-input matrix, in one pass.

msgspec decodes and validates against Structs generated from the bundle's contract; the batch
envelope keeps each item's raw JSON so the request log stores the inputs exactly as received.
Only a refused body pays for pydantic, which lists every error (msgspec stops at the first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
from msgspec.structs import astuple
from pydantic import BaseModel, TypeAdapter, ValidationError

from credit_api.contract import application_model, application_struct, batch_model, batch_struct
from credit_core.features import FeatureSpec

# what msgspec raises on a body it refuses: bad JSON or contract, bad UTF-8, absurd nesting
REFUSED = (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError)


class Invalid(Exception):
    """A refused body: the errors name each field (``applications[3].AMT_CREDIT``)."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(", ".join(sorted({e["field"] for e in errors})))
        self.errors = errors


@dataclass(frozen=True)
class Applications:
    raw: list[bytes]  # each application's JSON as received, on one line
    values: list[tuple[Any, ...]]  # raw inputs in the model's order, then the id
    matrix: np.ndarray  # rows x spec.raw_inputs, categoricals as level codes, NaN if missing

    @property
    def ids(self) -> list[Any]:
        return [v[-1] for v in self.values]


def one_line(raw: bytes) -> bytes:
    """JSON allows raw newlines only as whitespace: blanking them keeps the value intact."""
    if b"\n" in raw or b"\r" in raw:
        return raw.replace(b"\n", b" ").replace(b"\r", b" ")
    return raw


class RequestDecoder:
    """Decoders for one application and for a batch, generated from one contract."""

    def __init__(self, contract: dict[str, Any], id_col: str, spec: FeatureSpec, max_batch: int):
        if list(contract["fields"]) != spec.raw_inputs:
            raise ValueError("the contract's fields must be the model's raw inputs, in order")
        self.model: type[BaseModel] = application_model(contract, id_col)
        self.batch_model: type[BaseModel] = batch_model(self.model, max_batch)
        self._full_one, self._full_batch = TypeAdapter(self.model), TypeAdapter(self.batch_model)
        self.levels = {n: f["levels"] for n, f in contract["fields"].items() if "levels" in f}
        self._one = msgspec.json.Decoder(application_struct(contract, id_col))
        self._batch = msgspec.json.Decoder(batch_struct(max_batch))
        self._n_numeric = len(spec.numeric)
        self._codes = [spec.level_codes(name) for name, _ in spec.categorical]

    def one(self, body: bytes) -> Applications:
        try:
            app = self._one.decode(body)
        except REFUSED as exc:
            raise Invalid(self._errors(self._full_one, body, exc)) from None
        return self._gather([one_line(body)], [app])

    def batch(self, body: bytes) -> Applications:
        try:
            items = self._batch.decode(body).applications
        except REFUSED as exc:
            raise Invalid(self._errors(self._full_batch, body, exc)) from None
        apps = []
        for i, item in enumerate(items):
            try:
                apps.append(self._one.decode(item))
            except REFUSED as exc:
                where = f"applications[{i}]"
                raise Invalid(self._errors(self._full_batch, body, exc, where)) from None
        return self._gather([one_line(bytes(item)) for item in items], apps)

    def _gather(self, raw: list[bytes], apps: list[msgspec.Struct]) -> Applications:
        values = [astuple(a) for a in apps]
        columns = list(zip(*values, strict=True))  # one C-level transpose
        k = self._n_numeric
        matrix = np.empty((len(values), k + len(self._codes)), dtype=np.float64)
        matrix[:, :k] = np.array(columns[:k], dtype=np.float64).T  # None -> NaN
        for j, codes in enumerate(self._codes, start=k):
            matrix[:, j] = np.array(list(map(codes.get, columns[j])), dtype=np.float64)
        return Applications(raw, values, matrix)

    def _errors(
        self, adapter: TypeAdapter, body: bytes, exc: Exception, item: str = ""
    ) -> list[dict[str, Any]]:
        try:
            adapter.validate_json(body)
        except ValidationError as full:
            return field_errors(full.errors(), self.levels)
        except Exception:  # e.g. nesting too deep for pydantic too: msgspec's reason below
            pass
        # both renderings come from one contract and a test keeps them in step; they differ on
        # duplicate keys (msgspec checks each value, pydantic keeps the last): still refused
        path = _msgspec_field(str(exc))
        if item:
            path = item if path == "body" else f"{item}.{path}"
        return [{"field": path, "message": str(exc) or type(exc).__name__}]


def field_errors(errors: list[dict[str, Any]], levels: dict[str, list[str]]) -> list[dict]:
    """pydantic errors as ``{"field", "message"[, "allowed"]}`` items."""
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        item: dict[str, Any] = {"field": field_path(loc), "message": err["msg"]}
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            item["message"] = "unknown field"
        elif kind == "missing":
            item["message"] = "required field is missing"
        elif kind == "literal_error":
            item["allowed"] = levels.get(str(loc[-1]), [])
        elif kind == "json_invalid":
            item = {"field": "body", "message": "the body is not valid JSON"}
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
