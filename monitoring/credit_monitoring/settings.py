"""The drift job's settings: one validated object, read from the environment once at start.

``MODEL_URI`` (bundle root), ``LOG_URI`` (request-log root), ``REPORTS_URI`` (reports root),
``WINDOW_DAYS`` (default 7), ``MAX_LOG_BYTES`` (default 512 MiB read per run), ``STAGE``.
Outside the ``local`` stage every location must be ``s3://`` (a folder would be the Lambda's
ephemeral disk). The base (environment names, one-line errors) is :mod:`credit_core.settings`.
"""

from __future__ import annotations

from pydantic import model_validator

from credit_core.settings import LOCAL, EnvSettings, SettingsError, env, require_s3
from credit_monitoring.logs import MAX_BYTES

__all__ = ["DriftSettings", "SettingsError"]


class DriftSettings(EnvSettings):
    model_uri: str = env("MODEL_URI", min_length=1)
    log_uri: str = env("LOG_URI", min_length=1)
    reports_uri: str = env("REPORTS_URI", min_length=1)
    window_days: float = env("WINDOW_DAYS", default=7.0, gt=0, le=366)
    max_bytes: int = env("MAX_LOG_BYTES", default=MAX_BYTES, gt=0)

    @model_validator(mode="after")
    def _safe_for_stage(self) -> DriftSettings:
        if self.stage == LOCAL:
            return self
        unsafe = require_s3(
            MODEL_URI=self.model_uri, LOG_URI=self.log_uri, REPORTS_URI=self.reports_uri
        )
        if unsafe:
            raise ValueError(f"unsafe in stage {self.stage}: " + "; ".join(unsafe))
        return self
