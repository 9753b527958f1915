"""The loaded model, or why it could not be loaded (the function still starts without it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from credit_api.observability import logger
from credit_api.settings import Settings
from credit_core.bundle import Bundle, load_bundle


@dataclass(frozen=True)
class ModelState:
    bundle: Bundle | None
    error: str | None = None


def load_state(settings: Settings) -> ModelState:
    try:
        bundle = load_bundle(settings.model_uri, settings.model_version, Path(settings.cache_dir))
    except Exception as exc:  # a missing or corrupt bundle must not stop the function
        logger.error(
            "model bundle not loaded", extra={"uri": settings.model_uri, "error": str(exc)}
        )
        return ModelState(None, f"model bundle not loaded from {settings.model_uri}: {exc}")
    logger.info("model bundle loaded", extra={"uri": settings.model_uri, "version": bundle.version})
    return ModelState(bundle)
