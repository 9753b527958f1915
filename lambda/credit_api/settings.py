"""The API's settings: one validated object, built once at start and passed to what needs it.

``Settings.from_env()`` is the only place the API reads its environment (the Lambda handler at
init; ``credit serve`` adds its command-line values); tests build ``Settings(...)`` by field
name. Outside the ``local`` stage, values only safe on a developer's machine are refused: a
plain API key, no SSM key parameter, a bundle or request log in a local folder, a SQLite
feature store, scoring a with-history model without its store. The base
(environment names, one-line errors, the pydantic choice) is :mod:`credit_core.settings`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, SecretStr, model_validator

from credit_core.bundle import BundleError, check_version
from credit_core.decision_store import DecisionStoreUriError
from credit_core.decision_store import parse_uri as parse_decisions_uri
from credit_core.history.store import StoreUriError, parse_uri
from credit_core.settings import LOCAL, EnvSettings, SettingsError, env, require_s3

__all__ = ["LOCAL", "MAX_BODY_LIMIT", "Settings", "SettingsError"]

MAX_BODY_LIMIT = 10 * 1024 * 1024  # the HTTP API's payload limit


def _plain_version(version: str) -> str:
    try:
        return check_version(version)
    except BundleError as exc:
        raise ValueError(str(exc)) from None


def _log_uri(uri: str) -> str:
    from credit_api.request_log import check_log_uri

    return check_log_uri(uri)


def _store_uri(uri: str) -> str:
    try:
        parse_uri(uri)
    except StoreUriError as exc:
        raise ValueError(str(exc)) from None
    return uri


def _decisions_uri(uri: str) -> str:
    try:
        parse_decisions_uri(uri)
    except DecisionStoreUriError as exc:
        raise ValueError(str(exc)) from None
    return uri


class Settings(EnvSettings):
    model_uri: str = env("MODEL_URI", default="data/bundles", min_length=1)
    model_version: Annotated[str, AfterValidator(_plain_version)] | None = env(
        "MODEL_VERSION", default=None
    )
    model_sha256: str | None = env(
        "MODEL_SHA256", default=None, pattern=r"^[0-9a-fA-F]{64}$", description="sha256 pin"
    )
    log_uri: Annotated[str, AfterValidator(_log_uri)] = env(
        "LOG_URI",
        default="data/requests",
        min_length=1,
        description="request log: firehose://STREAM, s3://bucket/prefix or a folder",
    )
    log_timeout_seconds: float = env(
        "LOG_TIMEOUT_SECONDS",
        default=0.3,
        gt=0,
        le=8,
        description="time budget of one request-log write before the structured-log fallback",
    )
    log_breaker_failures: int = env(
        "LOG_BREAKER_FAILURES",
        default=5,
        gt=0,
        description="consecutive failed request-log writes that open the circuit",
    )
    log_breaker_cooldown_seconds: float = env(
        "LOG_BREAKER_COOLDOWN_SECONDS",
        default=30.0,
        gt=0,
        description="an open circuit lets one write try again after this long",
    )
    features_uri: Annotated[str, AfterValidator(_store_uri)] | None = env(
        "FEATURES_URI",
        default=None,
        description="client-history feature store: sqlite:///path or dynamodb://table",
    )
    without_history: bool = env(
        "SCORE_WITHOUT_HISTORY",
        default=False,
        description="local only: a with-history model served with no feature store scores "
        "every applicant as a client without history (and says so) instead of answering 503",
    )
    decisions_uri: Annotated[str, AfterValidator(_decisions_uri)] | None = env(
        "DECISIONS_URI",
        default=None,
        description="decision store (records, reviews, idempotency keys): sqlite:///path or "
        "dynamodb://table",
    )
    decisions_retention_days: int = env(
        "DECISIONS_RETENTION_DAYS", default=400, ge=1, le=3650, description="records, reviews"
    )
    idempotency_key_hours: int = env(
        "IDEMPOTENCY_KEY_HOURS", default=24, ge=1, le=720, description="a key's answer is kept"
    )
    cache_dir: str = env("BUNDLE_CACHE_DIR", default="/tmp/credit-bundle", min_length=1)
    api_key_parameter: str | None = env(
        "API_KEY_PARAMETER", default=None, pattern=r"^/[A-Za-z0-9_./-]+$"
    )
    api_key: SecretStr | None = env("CREDIT_API_KEY", default=None, description="local only")
    api_key_max_stale_seconds: float = env(
        "API_KEY_MAX_STALE_SECONDS",
        default=900.0,
        gt=0,
        description="while SSM cannot be read, the last hashes read are trusted this long",
    )
    client_ref_kms_key: str | None = env(
        "CLIENT_REF_KMS_KEY",
        default=None,
        min_length=1,
        description="KMS HMAC key (id or ARN) the client_ref key is derived from",
    )
    client_ref_key: SecretStr | None = env(
        "CLIENT_REF_KEY",
        default=None,
        description="local only: the client_ref HMAC key (default: the public development key)",
    )
    oidc_issuer: str | None = env(
        "OIDC_ISSUER",
        default=None,
        pattern=r"^https?://[^\s]+$",
        description="local: the officers' token issuer `credit serve` verifies against "
        "(in AWS the HTTP API's JWT authorizer verifies tokens)",
    )
    oidc_audience: str | None = env(
        "OIDC_AUDIENCE", default=None, min_length=1, description="local: the UI's client id"
    )
    max_batch: int = env("MAX_BATCH", default=1000, gt=0, le=100_000)
    max_body_bytes: int = env("MAX_BODY_BYTES", default=5 * 1024 * 1024, gt=0, le=MAX_BODY_LIMIT)
    reload_seconds: float = env("MODEL_RELOAD_SECONDS", default=30.0, ge=0)
    stage_prefix: str = env(
        "STAGE_PREFIX",
        default="",
        pattern=r"^(/[A-Za-z0-9_.-]+)*$",
        description="path prefix of an API Gateway stage (empty for $default)",
    )

    @model_validator(mode="after")
    def _safe_for_stage(self) -> Settings:
        if self.api_key is not None and self.api_key_parameter:
            raise ValueError("set CREDIT_API_KEY or API_KEY_PARAMETER, not both")
        if (self.oidc_issuer is None) != (self.oidc_audience is None):
            raise ValueError("set OIDC_ISSUER and OIDC_AUDIENCE together")
        if self.without_history and self.features_uri:
            raise ValueError("set FEATURES_URI or SCORE_WITHOUT_HISTORY, not both")
        if self.stage == LOCAL:
            return self
        unsafe = []
        if self.api_key is not None:
            unsafe.append("CREDIT_API_KEY: a plain key is for local use only")
        if not self.api_key_parameter:
            unsafe.append("API_KEY_PARAMETER: required (the keys' hashes in SSM)")
        if self.client_ref_key is not None:
            unsafe.append("CLIENT_REF_KEY: a plain pseudonymisation key is for local use only")
        if not self.client_ref_kms_key:
            unsafe.append("CLIENT_REF_KMS_KEY: required (the client ids' pseudonymisation key)")
        unsafe += require_s3(MODEL_URI=self.model_uri)
        if not self.log_uri.startswith(("s3://", "firehose://")):
            unsafe.append(f"LOG_URI: a local folder ({self.log_uri!r}), not firehose:// or s3://")
        if self.features_uri and not self.features_uri.startswith("dynamodb://"):
            unsafe.append("FEATURES_URI: a dynamodb:// table (a SQLite file is for local use)")
        if self.without_history:
            unsafe.append("SCORE_WITHOUT_HISTORY: local only (known clients scored history-free)")
        if unsafe:
            raise ValueError(f"unsafe in stage {self.stage}: " + "; ".join(unsafe))
        return self

    @property
    def plain_api_key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key is not None else None
