"""One settings object for the API, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Settings:
    model_uri: str = "data/bundles"  # local folder or s3://bucket/prefix
    model_version: str | None = None  # pin a version; default: the pointer's current version
    model_sha256: str | None = None  # pin an exact bundle: sha256 of its checksums.json
    log_uri: str = "data/requests"  # where scored requests go (folder or s3://bucket/prefix)
    cache_dir: str = "/tmp/credit-bundle"
    api_key_parameter: str | None = None  # SSM parameter holding the key's sha256 (Lambda)
    api_key: str | None = field(default=None, repr=False)  # plain key (local use only)
    max_batch: int = 1000
    max_body_bytes: int = 5 * 1024 * 1024
    reload_seconds: float = 30.0  # after a failed bundle load, retry at most this often

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        return cls(
            model_uri=env("MODEL_URI", cls.model_uri),
            model_version=env("MODEL_VERSION") or None,
            model_sha256=env("MODEL_SHA256") or None,
            log_uri=env("LOG_URI", cls.log_uri),
            cache_dir=env("BUNDLE_CACHE_DIR", cls.cache_dir),
            api_key_parameter=env("API_KEY_PARAMETER") or None,
            api_key=env("CREDIT_API_KEY") or None,
            max_batch=int(env("MAX_BATCH", str(cls.max_batch))),
            max_body_bytes=int(env("MAX_BODY_BYTES", str(cls.max_body_bytes))),
            reload_seconds=float(env("MODEL_RELOAD_SECONDS", str(cls.reload_seconds))),
        )
