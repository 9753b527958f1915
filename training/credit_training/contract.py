"""The feature contract: for each raw field the model uses, its domain, what training saw, and
whether it is required.

Shipped in the model card, so the API validates requests from the bundle (a retrained model
with other fields needs no code change). The domain comes from the application schema (the
values a real application can hold, see ``credit_core.domain``), never from the training
sample; the training range and levels only decide warnings and how unseen levels are scored.
A field the schema does not know (a table other than Home Credit's) gets an open domain: any
finite number (whole if its column is integer), or the levels of its column.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from credit_core.domain import Domain, rules_for
from credit_core.features import FeatureSpec
from credit_core.schema import application_schema

REQUIRED_TOP_K = 15


def required_fields(
    df: pd.DataFrame, spec: FeatureSpec, importance: list[dict[str, Any]]
) -> list[str]:
    """Fields never missing in training among the model's most important raw inputs."""
    top = [r["feature"] for r in importance[:REQUIRED_TOP_K]]
    raw = set(spec.raw_inputs)
    return [f for f in top if f in raw and not df[f].isna().any()]


def field_domain(name: str, integer: bool, levels: tuple[str, ...] = ()) -> Domain:
    """The schema's domain of ``name``, or an open one for a field the schema does not know."""
    try:
        return application_schema().column(name).domain
    except KeyError:
        return Domain(integer=integer, levels=levels)


def _outside(values: pd.Series, domain: Domain) -> list[Any]:
    return [v for v in values.unique().tolist() if not domain.contains(v)][:3]


def build_contract(
    df: pd.DataFrame, spec: FeatureSpec, required: list[str], unscored: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``{"fields": {name: {type, domain, training, required, missing_rate_in_training}},
    "required": [...], "rules": [cross-field rule names], "unscored": {name: {type, domain}}}``,
    fields in ``spec.raw_inputs`` order. ``unscored`` are fields of the table the model does not
    take (the protected-input policy): a request may still carry them, checked against their
    domain, and they never reach the model.

    Raises ValueError if a training value lies outside its field's domain (a wrong domain or
    corrupt data: either must be fixed before a model is trained on it).
    """
    fields: dict[str, Any] = {}
    for name in spec.numeric:
        values = df[name].dropna()
        domain = field_domain(name, pd.api.types.is_integer_dtype(df[name].dtype))
        if bad := _outside(values, domain):
            raise ValueError(f"{name}: training values {bad} outside the domain")
        seen = values[~values.isin(domain.sentinels)] if domain.sentinels else values
        training = (
            {"min": _num(seen.min()), "max": _num(seen.max())}
            if len(seen)
            else {"min": None, "max": None}
        )
        fields[name] = {
            "type": "integer" if domain.integer else "number",
            "domain": domain.to_dict(),
            "training": training,
            "required": name in required,
            "missing_rate_in_training": float(df[name].isna().mean()),
        }
    for name, levels in spec.categorical:
        domain = field_domain(name, False, tuple(levels))
        observed = set(df[name].dropna().astype(str).unique())
        if bad := sorted(observed - set(domain.levels))[:3]:
            raise ValueError(f"{name}: training levels {bad} outside the domain")
        fields[name] = {
            "type": "category",
            "domain": domain.to_dict(),
            "training": {"levels": [lv for lv in levels if lv in observed]},
            "required": name in required,
            "missing_rate_in_training": float(df[name].isna().mean()),
        }
    rules = [r.name for r in rules_for(fields)]
    ignored: dict[str, Any] = {}
    for name in unscored:
        if name not in df or name in fields:
            continue
        if isinstance(df[name].dtype, pd.CategoricalDtype) or df[name].dtype == object:
            levels = tuple(str(v) for v in df[name].dropna().unique())
            domain = field_domain(name, False, tuple(sorted(levels)))
            kind = "category"
        else:
            domain = field_domain(name, pd.api.types.is_integer_dtype(df[name].dtype))
            kind = "integer" if domain.integer else "number"
        ignored[name] = {"type": kind, "domain": domain.to_dict()}
    return {"fields": fields, "required": required, "rules": rules, "unscored": ignored}


def _num(x: Any) -> float | int:
    x = float(x)
    return int(x) if x.is_integer() and abs(x) < 2**53 else x
