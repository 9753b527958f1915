"""The app's settings: Streamlit secrets first (Community Cloud), then the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Settings:
    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    reports_uri: str | None = None  # folder, http(s):// or s3:// root holding latest.json
    timeout_s: float = 15.0
    batch_chunk: int = 200  # rows per POST /v1/score/batch call


def load_settings(secrets: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> Settings:
    """``API_URL``, ``API_KEY``, ``REPORTS_URI`` (and optional ``BATCH_CHUNK``) from ``secrets``,
    else from ``env``; blank values count as absent."""

    def get(name: str) -> str | None:
        value = secrets.get(name) or env.get(name)
        return str(value).strip() or None if value is not None else None

    chunk = get("BATCH_CHUNK")
    return Settings(
        api_url=(get("API_URL") or DEFAULT_API_URL).rstrip("/"),
        api_key=get("API_KEY"),
        reports_uri=get("REPORTS_URI"),
        batch_chunk=int(chunk) if chunk and chunk.isdigit() and int(chunk) > 0 else 200,
    )
