"""The app's settings: one validated object, Streamlit secrets first (Community Cloud), then the
environment; built on each page run and passed to what needs it.

A plain dataclass checked in ``__post_init__`` rather than pydantic: the hosted app installs
only ``frontend/requirements.txt``, which has no pydantic, and four values need no library.
Refused anywhere (a :class:`SettingsError` naming the setting): an API URL that is not http(s),
plain ``http://`` to a host other than this machine (the API key would cross the network in
clear), a batch chunk outside 1-1000, a timeout that is not positive.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

DEFAULT_API_URL = "http://127.0.0.1:8000"
MAX_BATCH_CHUNK = 1000  # the API's batch limit
REPORT_SCHEMES = ("", "file", "s3", "http", "https")


class SettingsError(ValueError):
    """A setting the app cannot use; the message names it."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    reports_uri: str | None = None  # folder, http(s):// or s3:// root holding latest.json
    timeout_s: float = 15.0
    batch_chunk: int = 200  # rows per POST /v1/score/batch call

    def __post_init__(self) -> None:
        url = urlsplit(self.api_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise SettingsError(f"API_URL: not an http(s) URL: {self.api_url!r}")
        if url.scheme == "http" and not _loopback(url.hostname):
            raise SettingsError(
                f"API_URL: plain http to {url.hostname} would send the API key in clear; "
                "use https (http only to this machine)"
            )
        if not 1 <= self.batch_chunk <= MAX_BATCH_CHUNK:
            raise SettingsError(
                f"BATCH_CHUNK: between 1 and {MAX_BATCH_CHUNK}, not {self.batch_chunk}"
            )
        if not self.timeout_s > 0:
            raise SettingsError(f"timeout: must be positive, not {self.timeout_s}")
        if self.reports_uri is not None:
            scheme = urlsplit(self.reports_uri).scheme
            if len(scheme) > 1 and scheme not in REPORT_SCHEMES:  # "C:" is a drive, not a scheme
                raise SettingsError(f"REPORTS_URI: unsupported location {self.reports_uri!r}")


def load_settings(secrets: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> Settings:
    """``API_URL``, ``API_KEY``, ``REPORTS_URI`` (and optional ``BATCH_CHUNK``) from ``secrets``,
    else from ``env``; blank values count as absent. Raises :class:`SettingsError`."""

    def get(name: str) -> str | None:
        value = secrets.get(name) or env.get(name)
        return str(value).strip() or None if value is not None else None

    chunk = get("BATCH_CHUNK")
    if chunk is not None and not chunk.lstrip("-").isdigit():
        raise SettingsError(f"BATCH_CHUNK: a whole number, not {chunk!r}")
    return Settings(
        api_url=(get("API_URL") or DEFAULT_API_URL).rstrip("/"),
        api_key=get("API_KEY"),
        reports_uri=get("REPORTS_URI"),
        batch_chunk=int(chunk) if chunk else 200,
    )
