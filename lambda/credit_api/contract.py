"""Request models generated from the bundle's feature contract (never a hand-written copy).

A retrained bundle with other fields, levels or ranges changes the API's validation and its
OpenAPI schema without a code change.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model


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
    fields: dict[str, Any] = {id_col: (Annotated[int, Field(strict=True)] | None, None)}
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
