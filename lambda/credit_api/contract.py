"""Request models generated from the bundle's feature contract (never a hand-written copy).

Two renderings of one contract: a msgspec Struct decodes and validates request bodies in one
pass (the hot path), and a pydantic model gives the OpenAPI schema and, when a body is refused,
the complete list of errors. A test checks that both accept exactly the same bodies. A retrained
bundle with other fields, levels or ranges changes validation and docs without a code change.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import msgspec
from pydantic import BaseModel, ConfigDict, Field, create_model

ID_MAX = 2**63 - 1  # the client id is echoed and logged as a JSON integer: keep it in int64


def _field_type(spec: dict[str, Any]) -> Any:
    if spec["type"] == "category":
        return Literal[tuple(spec["levels"])]
    bounds = {"ge": spec.get("min"), "le": spec.get("max")}
    bounds = {k: v for k, v in bounds.items() if v is not None and abs(v) != float("inf")}
    if spec["type"] == "integer":
        return Annotated[int, Field(strict=True, **bounds)]
    return Annotated[float, Field(strict=True, allow_inf_nan=False, **bounds)]


def application_model(contract: dict[str, Any], id_col: str) -> type[BaseModel]:
    """One application: the contract's fields (absent optional fields are missing values)."""
    fields: dict[str, Any] = {
        id_col: (Annotated[int, Field(strict=True, ge=0, le=ID_MAX)] | None, None)
    }
    for name, spec in contract["fields"].items():
        kind = _field_type(spec)
        fields[name] = (kind, ...) if spec.get("required") else (kind | None, None)
    return create_model(
        "Application",
        __config__=ConfigDict(extra="forbid", title="Application"),
        **fields,
    )


def batch_model(application: type[BaseModel], max_batch: int) -> type[BaseModel]:
    return create_model(
        "ApplicationBatch",
        __config__=ConfigDict(extra="forbid"),
        applications=(list[application], Field(min_length=1, max_length=max_batch)),
    )


class AnyApplication(BaseModel):
    """Placeholder schema while no model is loaded (every scoring route answers 503)."""

    model_config = ConfigDict(extra="allow")


def _struct_type(spec: dict[str, Any]) -> Any:
    if spec["type"] == "category":
        return Literal[tuple(spec["levels"])]
    lo, hi = spec.get("min"), spec.get("max")
    lo = None if lo is None or math.isinf(lo) else lo
    hi = None if hi is None or math.isinf(hi) else hi
    if spec["type"] == "integer":  # integral bounds, same accepted set as the float bounds
        lo = None if lo is None else math.ceil(lo)
        hi = None if hi is None else math.floor(hi)
        return Annotated[int, msgspec.Meta(ge=lo, le=hi)] if (lo, hi) != (None, None) else int
    if (lo, hi) == (None, None):
        return float
    return Annotated[float, msgspec.Meta(ge=lo, le=hi)]


def application_struct(contract: dict[str, Any], id_col: str) -> type[msgspec.Struct]:
    """One application as a msgspec Struct: fields in contract order (the model's raw-input order,
    so ``astuple`` yields a feature row), the id last; absent or null optional fields are None."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name, spec in contract["fields"].items():
        kind = _struct_type(spec)
        fields.append((name, kind) if spec.get("required") else (name, kind | None, None))
    fields.append((id_col, Annotated[int, msgspec.Meta(ge=0, le=ID_MAX)] | None, None))
    return msgspec.defstruct(
        "Application", fields, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
    )


def batch_struct(max_batch: int) -> type[msgspec.Struct]:
    """The batch envelope; items stay raw JSON so each is logged exactly as received."""
    items = Annotated[list[msgspec.Raw], msgspec.Meta(min_length=1, max_length=max_batch)]
    return msgspec.defstruct(
        "ApplicationBatch", [("applications", items)], forbid_unknown_fields=True
    )
