"""The base of each deployable's settings: a frozen pydantic model read from the environment.

Each field's environment name is its ``validation_alias``; ``from_env`` reads exactly those
names (blank values count as absent) and raises :class:`SettingsError` with one line naming the
variables at fault. Code builds settings by field name (``ApiSettings(model_uri=...)``).
``stage`` is ``local`` on a developer's machine, else the deployed stage (``dev``/``prod``):
subclasses refuse values that are only safe locally.

pydantic rather than pydantic-settings: both deployables already carry pydantic (FastAPI, Evidently),
and pydantic-settings would add about 0.1 s to the API's cold init (its CLI and cloud-secret
sources are imported) for nothing used here. Imported only by the API and the drift job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Stage = Literal["local", "dev", "prod"]
LOCAL: Stage = "local"


class SettingsError(ValueError):
    """Settings that cannot be used; the message names the environment variable(s)."""


def env(name: str, **kw: Any) -> Any:
    """A field read from the environment variable ``name``."""
    return Field(validation_alias=name, **kw)


S = TypeVar("S", bound="EnvSettings")


class EnvSettings(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        protected_namespaces=(),
    )

    stage: Stage = env("STAGE", default=LOCAL, description="local, or the deployed dev/prod")

    @classmethod
    def env_names(cls) -> set[str]:
        """Every environment variable these settings read (nothing else reads any)."""
        return {str(f.validation_alias) for f in cls.model_fields.values()}

    @classmethod
    def from_env(cls: type[S], environ: Mapping[str, str] = os.environ, **overrides: Any) -> S:
        """The settings from ``environ``, then ``overrides`` by field name. On Lambda
        (``AWS_LAMBDA_FUNCTION_NAME`` set) ``STAGE`` must be given: a deployed function never
        falls back to the local stage."""
        names = {str(f.validation_alias): n for n, f in cls.model_fields.items()}
        data = {n: environ[e] for e, n in names.items() if environ.get(e, "").strip()}
        if "AWS_LAMBDA_FUNCTION_NAME" in environ and "stage" not in data | overrides:
            raise SettingsError("STAGE: required on Lambda (dev or prod)")
        return cls.build(data | overrides)

    @classmethod
    def build(cls: type[S], data: Mapping[str, Any]) -> S:
        """``cls(**data)``; a validation error becomes one :class:`SettingsError` line."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise SettingsError(describe(cls, exc)) from None


def describe(cls: type[BaseModel], exc: ValidationError) -> str:
    """``NAME: message`` per error, NAME the field's environment variable."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = error["loc"]
        field = cls.model_fields.get(str(loc[0])) if loc else None
        if field is not None and field.validation_alias:
            name = str(field.validation_alias)
        else:
            name = ".".join(map(str, loc))
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {message}" if name else message)
    return "; ".join(parts)


def require_s3(**uris: str) -> list[str]:
    """A complaint per named URI that is not ``s3://`` (a local folder in a deployed stage)."""
    return [
        f"{name}: a local folder ({uri!r}), not s3://"
        for name, uri in uris.items()
        if not uri.startswith("s3://")
    ]
