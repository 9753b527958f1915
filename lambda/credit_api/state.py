"""The loaded model, or why it could not be loaded (the function still starts without it).

A failed load is retried, at most every ``Settings.reload_seconds``, so a bundle that was
missing or unreadable at init (S3 throttled, the pointer written a moment later) is picked up
without waiting for a new container. The cause of a failure goes to the log only: responses say
the model is unavailable, never why (paths, bucket names, S3 errors).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from credit_api.observability import logger
from credit_api.settings import Settings
from credit_core.bundle import Bundle, load_bundle

UNAVAILABLE = "the model is not loaded; please retry later"


@dataclass(frozen=True)
class ModelState:
    bundle: Bundle | None
    cause: str | None = None  # why no model is loaded: for the log only

    @property
    def error(self) -> str | None:
        """The reason a 503 gives: generic, never the cause."""
        return None if self.bundle is not None else UNAVAILABLE


def load_state(settings: Settings) -> ModelState:
    try:
        bundle = load_bundle(
            settings.model_uri,
            settings.model_version,
            Path(settings.cache_dir),
            expected_sha256=settings.model_sha256,
        )
    except Exception as exc:  # a missing or corrupt bundle must not stop the function
        cause = f"model bundle not loaded from {settings.model_uri}: {exc}"
        logger.error("model bundle not loaded", extra={"uri": settings.model_uri, "cause": cause})
        return ModelState(None, cause)
    logger.info("model bundle loaded", extra={"uri": settings.model_uri, "version": bundle.version})
    return ModelState(bundle)


class ModelLoader:
    """The current :class:`ModelState`; :meth:`retry` reloads after a failure when due."""

    def __init__(
        self,
        settings: Settings,
        load: Callable[[Settings], ModelState] = load_state,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings, self._load, self._clock = settings, load, clock
        self.state = load(settings)
        self._tried_at = clock()

    def retry(self) -> bool:
        """Try loading again if no model is loaded and the last try is ``reload_seconds`` old;
        True when this call loaded the model (the caller rebuilds what depends on it)."""
        if self.state.bundle is not None:
            return False
        if self._clock() - self._tried_at < self.settings.reload_seconds:
            return False
        self._tried_at = self._clock()
        logger.info("retrying the model bundle load", extra={"uri": self.settings.model_uri})
        self.state = self._load(self.settings)
        return self.state.bundle is not None
