"""Bytes in and out of a local folder or an S3 prefix, addressed by one URI string.

``s3://bucket/prefix`` or a filesystem path; keys are joined with '/'. boto3 is imported only
when an S3 URI is used, and the client is created once per process (Lambda reuses it). Every
client has explicit connect/read timeouts; a write given a ``timeout`` uses a client whose
timeouts and retries fit inside it (``AWS_ENDPOINT_URL_S3`` points them at another endpoint).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://")


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {uri!r}")
    return bucket, prefix.strip("/")


def check_uri(uri: str) -> str:
    """``uri`` if it is ``s3://bucket[/prefix]`` or a filesystem path, else ValueError."""
    if is_s3(uri):
        split_s3(uri)
        return uri
    if "://" in uri:
        raise ValueError(f"unsupported location {uri!r}: use a folder or s3://bucket/prefix")
    if not uri.strip():
        raise ValueError("empty location: use a folder or s3://bucket/prefix")
    return uri


def join(uri: str, *parts: str) -> str:
    tail = "/".join(p.strip("/") for p in parts if p)
    if is_s3(uri):
        return f"{uri.rstrip('/')}/{tail}" if tail else uri
    return os.path.join(uri, *[p for p in parts if p])  # Path() costs 5 us a request-log key


CONNECT_TIMEOUT, READ_TIMEOUT, MAX_ATTEMPTS = 5.0, 20.0, 3  # default client: bundle reads
RETRY_BACKOFF_MAX = 1.0  # botocore "standard" mode waits at most 1 s before the 1st retry
STEPS = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0)  # per-attempt budgets: a few clients, reused


@cache
def s3_client(
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    max_attempts: int = MAX_ATTEMPTS,
) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
    )
    return boto3.client("s3", config=config)


def bounded_client_settings(timeout: float) -> tuple[float, float, int]:
    """(connect timeout, read timeout, attempts) whose worst case fits in ``timeout`` seconds:
    attempts x (connect + read) + the backoff between two attempts. A second attempt only when
    the budget allows a useful one; budgets are rounded down to a few steps so a warm Lambda
    reuses one client."""
    attempts = 2 if timeout >= 4.0 else 1
    per_attempt = (timeout - (RETRY_BACKOFF_MAX if attempts == 2 else 0.0)) / attempts
    step = max([s for s in STEPS if s <= per_attempt], default=STEPS[0])
    connect = min(1.0, step / 2)
    return connect, step - connect, attempts


def read_bytes(uri: str) -> bytes:
    if is_s3(uri):
        bucket, key = split_s3(uri)
        return s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return Path(uri).read_bytes()


def write_bytes(
    uri: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    atomic: bool = True,
    timeout: float | None = None,
) -> None:
    """Write one object. Locally ``atomic`` writes a temporary file then renames it, so readers
    never see half a file (the bundle pointer needs that); an object written once under a unique
    key (a request log) can skip the rename, which costs more than the write itself. On S3,
    ``timeout`` (seconds) bounds the time spent, retries included (see
    :func:`bounded_client_settings`); a write that runs out of it raises."""
    if is_s3(uri):
        bucket, key = split_s3(uri)
        client = s3_client(*bounded_client_settings(timeout)) if timeout else s3_client()
        client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
        return
    path = Path(uri)
    if not atomic:  # raw descriptors: a Python file object costs a fifth of a small write
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        try:  # the folder usually exists: no mkdir per request
            fd = os.open(uri, flags, 0o644)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(uri, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # readers never see a half-written file


def exists(uri: str) -> bool:
    if is_s3(uri):
        from botocore.exceptions import ClientError

        bucket, key = split_s3(uri)
        try:
            s3_client().head_object(Bucket=bucket, Key=key)
        except ClientError:
            return False
        return True
    return Path(uri).exists()
