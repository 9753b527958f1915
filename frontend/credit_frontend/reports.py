"""Drift reports written by the monitoring job, read from ``REPORTS_URI`` (no Streamlit here).

Layout (issue 9): ``<root>/latest.json`` (the last summary, with ``report_key``) and
``<root>/dt=YYYY-MM-DD/<run id>/summary.json`` + ``report.html``. The root is a local folder,
``file://``, ``s3://bucket/prefix`` (boto3, the environment's credentials) or ``http(s)://``
(a static site or bucket website: only ``latest.json`` and the report can be read there).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import httpx

from credit_core.contracts import ContractError, ContractVersionError, DriftSummary, read_summary

LATEST = "latest.json"
SUMMARY = "summary.json"


class ReportsError(Exception):
    """The reports location cannot be read."""


def _kind(root: str) -> str:
    scheme = urlparse(root).scheme
    return {"s3": "s3", "http": "http", "https": "http", "file": "file"}.get(scheme, "file")


def _local(root: str) -> Path:
    return Path(urlparse(root).path if root.startswith("file://") else root)


def _s3():
    import boto3  # only for s3:// roots

    return boto3.client("s3")


def _split(root: str) -> tuple[str, str]:
    u = urlparse(root)
    return u.netloc, u.path.strip("/")


def relative_key(root: str, key: str) -> str:
    """``report_key`` relative to the root (it may be given with the root's prefix or as a URI)."""
    if "://" in key:
        key = urlparse(key).path
    key = key.lstrip("/")
    prefix = _split(root)[1] if _kind(root) == "s3" else ""
    if prefix and key.startswith(prefix + "/"):
        key = key[len(prefix) + 1 :]
    return key


def read_bytes(root: str, key: str) -> bytes:
    try:
        kind = _kind(root)
        if kind == "file":
            return (_local(root) / key).read_bytes()
        if kind == "s3":
            bucket, prefix = _split(root)
            name = f"{prefix}/{key}" if prefix else key
            return _s3().get_object(Bucket=bucket, Key=name)["Body"].read()
        response = httpx.get(f"{root.rstrip('/')}/{key}", timeout=10.0)
        response.raise_for_status()
        return response.content
    except Exception as exc:  # missing file, no credentials, HTTP error: one message for the page
        raise ReportsError(f"{type(exc).__name__}: {exc}") from exc


def latest(root: str) -> DriftSummary:
    """The last summary (an older summary version is upgraded); ReportsError if unreadable, not
    a summary or of a version this app cannot read."""
    try:
        return read_summary(read_bytes(root, LATEST))
    except (ContractError, ContractVersionError) as exc:
        raise ReportsError(f"{LATEST}: {exc}") from exc


def _summary_keys(root: str) -> list[str]:
    kind = _kind(root)
    if kind == "file":
        base = _local(root)
        return [str(p.relative_to(base)) for p in base.glob(f"dt=*/*/{SUMMARY}")]
    if kind == "s3":
        bucket, prefix = _split(root)
        pages = (
            _s3()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=bucket, Prefix=f"{prefix}/dt=" if prefix else "dt=")
        )
        keys = [
            o["Key"] for p in pages for o in p.get("Contents", []) if o["Key"].endswith(SUMMARY)
        ]
        return [relative_key(root, k) for k in keys]
    return []  # a web location cannot be listed


def history(root: str, limit: int = 60) -> list[DriftSummary]:
    """Past summaries with data (``status`` "ok"), oldest first, at most ``limit``."""
    runs = []
    try:
        keys = _summary_keys(root)
    except Exception as exc:
        raise ReportsError(f"{type(exc).__name__}: {exc}") from exc
    for key in keys:
        try:
            s = read_summary(read_bytes(root, key))
        except (ReportsError, ContractError, ContractVersionError):
            continue  # one unreadable run does not hide the others
        if s.status == "ok":
            runs.append(s)
    runs.sort(key=lambda s: s.generated_at)
    return runs[-limit:]


def report_url(root: str, key: str) -> str | None:
    """A link a browser can open: the web address, or a presigned S3 URL (1 hour); None for a
    local folder (the page offers the file as a download instead)."""
    kind = _kind(root)
    if kind == "http":
        return f"{root.rstrip('/')}/{relative_key(root, key)}"
    if kind == "s3":
        bucket, prefix = _split(root)
        rel = relative_key(root, key)
        try:
            return _s3().generate_presigned_url(
                "get_object",
                Params={"Bucket": bucket, "Key": f"{prefix}/{rel}" if prefix else rel},
                ExpiresIn=3600,
            )
        except Exception:  # no credentials: the download button still works if reads do
            return None
    return None
