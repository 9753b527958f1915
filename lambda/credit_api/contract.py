"""Request models generated from the bundle's feature contract (never a hand-written copy).

The card's contract gives, per raw field the model uses, its domain (from the application schema
in ``credit_core``), what training saw, and whether it is required. Two renderings of it: a
msgspec Struct decodes request bodies in one pass (the hot path; the few domain checks a Struct
cannot state, such as whole numbers, sentinel codes and cross-field rules, run vectorised in
``validation``), and a pydantic model gives the OpenAPI schema and, when a body is refused, the
complete list of errors. A test checks that both accept exactly the same bodies.

Bundles exported before domains existed have a card whose contract holds the training range
widened by 10 % instead: their domains are derived from the application schema (the training
range becomes that old range) and the load logs it; a field the schema does not know keeps an
open domain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import msgspec
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic_core import PydanticCustomError

from credit_core import contracts
from credit_core.domain import Domain, Rule, rules_for
from credit_core.schema import application_schema

# the client id is echoed and logged as a JSON integer: the largest every JSON parser reads
# exactly (I-JSON, RFC 7493; JavaScript's included). 2**63 - 1 reached Swagger UI as the float
# 9.223372036854776e+18 and its "Try it out" filled in a number above the bound (a 422)
ID_MAX = 2**53 - 1
# an absent optional field decodes to this very object (null decodes to None): both are missing
# values (NaN in the matrix), and ``tuple.count(ABSENT)`` says how many keys a body had
ABSENT = float("nan")


@dataclass(frozen=True)
class FieldContract:
    """One raw input: its domain, what training saw (range or levels) and whether required."""

    name: str
    domain: Domain
    required: bool
    training_min: float | None = None
    training_max: float | None = None
    training_levels: tuple[str, ...] = ()

    @property
    def is_categorical(self) -> bool:
        return self.domain.is_categorical


@dataclass(frozen=True)
class Contract:
    fields: tuple[FieldContract, ...]
    rules: tuple[Rule, ...]
    derived: bool = False  # True when the card predates domains (derived from the schema)
    # fields a request may carry that the model does not take (the protected-input policy, e.g.
    # CODE_GENDER): checked against their domain, never scored
    unscored: tuple[FieldContract, ...] = ()

    @property
    def domains(self) -> dict[str, Domain]:
        return {f.name: f.domain for f in self.fields}


def read_contract(raw: contracts.FeatureContract | Mapping[str, Any]) -> Contract:
    """The card's ``contract`` as typed objects; an old card's domains come from the schema.
    A mapping is first checked against :class:`credit_core.contracts.FeatureContract`."""
    card_contract = (
        raw
        if isinstance(raw, contracts.FeatureContract)
        else msgspec.convert(raw, contracts.FeatureContract)
    )
    fields, derived = [], False
    for name, spec in card_contract.fields.items():
        if spec.domain is not None:
            domain = Domain.from_dict(
                msgspec.structs.asdict(spec.domain), integer=spec.type == "integer"
            )
            domain = replace(domain, reason=_reason(name))
            training = spec.training or contracts.FieldTraining()
        else:
            derived = True
            domain, training = _derived(name, spec)
        fields.append(
            FieldContract(
                name=name,
                domain=domain,
                required=spec.required,
                training_min=training.min,
                training_max=training.max,
                training_levels=tuple(training.levels or ()),
            )
        )
    names = card_contract.rules
    rules = rules_for([f.name for f in fields], None if names is None else list(names))
    unscored = tuple(
        FieldContract(
            name=name,
            domain=replace(
                Domain.from_dict(
                    msgspec.structs.asdict(spec.domain), integer=spec.type == "integer"
                ),
                reason=_reason(name),
            ),
            required=False,
        )
        for name, spec in card_contract.unscored.items()
    )
    return Contract(tuple(fields), tuple(rules), derived, unscored)


def _reason(name: str) -> str:
    """The schema's one-line reason for a field's domain (for the docs), if it knows the field."""
    try:
        return application_schema().column(name).domain.reason
    except KeyError:
        return ""


def _derived(name: str, spec: contracts.FieldContract) -> tuple[Domain, contracts.FieldTraining]:
    if spec.type == "category":
        levels = tuple(spec.levels or ())
        try:
            domain = application_schema().column(name).domain
        except KeyError:
            domain = Domain(levels=levels)
        return domain, contracts.FieldTraining(levels=list(levels))
    try:
        domain = application_schema().column(name).domain
    except KeyError:
        domain = Domain(integer=spec.type == "integer")
    lo, hi = (v if v is not None and math.isfinite(v) else None for v in (spec.min, spec.max))
    return domain, contracts.FieldTraining(min=lo, max=hi)


def hull_bounds(domain: Domain) -> dict[str, float]:
    """Bounds a schema can state: the interval holding the bounds and the sentinels, as
    ``ge``/``gt``/``le``/``lt`` (an exclusive bound stays exclusive unless a sentinel sits on
    it). What the hull lets through beyond the domain is checked apart."""
    lo, hi = domain.hull()
    out: dict[str, float] = {}
    if lo is not None:
        exclusive = domain.min_exclusive and lo == domain.min and lo not in domain.sentinels
        out["gt" if exclusive else "ge"] = lo
    if hi is not None:
        exclusive = domain.max_exclusive and hi == domain.max and hi not in domain.sentinels
        out["lt" if exclusive else "le"] = hi
    return out


def needs_check(domain: Domain) -> bool:
    """Whether a value within the hull may still lie outside the domain."""
    return not domain.is_categorical and (domain.integer or bool(domain.sentinels))


def _domain_validator(name: str, domain: Domain):
    def check(value: float) -> float:
        if not domain.contains(value):
            raise PydanticCustomError("domain", "must be " + domain.describe())
        return value

    return AfterValidator(check)


def _field_type(f: FieldContract) -> Any:
    d = f.domain
    if d.is_categorical:
        return Literal[tuple(d.levels)]
    doc = d.describe() + (f" ({d.reason})" if d.reason else "")
    extra: dict[str, Any] = {"multipleOf": 1} if d.integer else {}
    if d.sentinels:
        extra["x-sentinels"] = list(d.sentinels)
    field = Field(  # type: ignore[call-overload]  # the bounds are keyword arguments
        strict=True,
        allow_inf_nan=False,
        description=doc,
        json_schema_extra=extra or None,
        **hull_bounds(d),
    )
    if needs_check(d):
        return Annotated[float, field, _domain_validator(f.name, d)]
    return Annotated[float, field]


def _rules_validator(rules: tuple[Rule, ...]):
    import numpy as np

    def check(model: BaseModel) -> BaseModel:
        for rule in rules:
            values = [getattr(model, n) for n in rule.inputs]
            arrays = [np.array([np.nan if v is None else v], dtype=np.float64) for v in values]
            if not bool(rule.holds(*arrays)[0]):
                raise PydanticCustomError("cross_field", rule.message, {"field": rule.field})
        return model

    return model_validator(mode="after")(check)


def application_model(contract: Contract, id_col: str) -> type[BaseModel]:
    """One application: the contract's fields (absent optional fields are missing values)."""
    fields: dict[str, Any] = {
        id_col: (Annotated[int, Field(strict=True, ge=0, le=ID_MAX)] | None, None)
    }
    for f in contract.fields:
        kind = _field_type(f)
        fields[f.name] = (kind, ...) if f.required else (kind | None, None)
    for f in contract.unscored:
        kind = _field_type(f)
        fields[f.name] = (kind | None, Field(None, description="accepted, not scored"))
    validators = {"cross_field_rules": _rules_validator(contract.rules)} if contract.rules else {}
    return create_model(
        "Application",
        __config__=ConfigDict(extra="forbid", title="Application"),
        __validators__=validators,
        **fields,
    )


def envelope_model(max_batch: int) -> type[BaseModel]:
    """The batch envelope alone: each item is checked on its own (a bad item is refused in its
    place, the others are scored)."""
    return create_model(
        "ApplicationBatchEnvelope",
        __config__=ConfigDict(extra="forbid"),
        applications=(list[Any], Field(min_length=1, max_length=max_batch)),
    )


class AnyApplication(BaseModel):
    """Placeholder schema while no model is loaded (every scoring route answers 503)."""

    model_config = ConfigDict(extra="allow")


def _struct_type(f: FieldContract) -> Any:
    d = f.domain
    if d.is_categorical:
        return Literal[tuple(d.levels)]
    bounds = hull_bounds(d)
    if not bounds:
        return float
    return Annotated[float, msgspec.Meta(**bounds)]  # type: ignore[call-overload]


def application_struct(contract: Contract, id_col: str) -> type[msgspec.Struct]:
    """One application as a msgspec Struct: fields in contract order (the model's raw-input order,
    so ``astuple`` yields a feature row), then the unscored fields, the id last; an absent
    optional field is ``ABSENT``, a null one None."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for f in contract.fields:
        kind = _struct_type(f)
        fields.append((f.name, kind) if f.required else (f.name, kind | None, ABSENT))
    for f in contract.unscored:
        fields.append((f.name, _struct_type(f) | None, ABSENT))
    fields.append((id_col, Annotated[int, msgspec.Meta(ge=0, le=ID_MAX)] | None, ABSENT))
    return msgspec.defstruct(
        "Application", fields, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
    )


def batch_struct(max_batch: int) -> type[msgspec.Struct]:
    """The batch envelope; items stay raw JSON so each is validated, and logged, on its own."""
    items = Annotated[list[msgspec.Raw], msgspec.Meta(min_length=1, max_length=max_batch)]
    return msgspec.defstruct(
        "ApplicationBatch", [("applications", items)], forbid_unknown_fields=True
    )
