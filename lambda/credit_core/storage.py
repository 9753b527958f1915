"""Bytes in and out of a local folder or an S3 prefix, addressed by one URI string.

``s3://bucket/prefix`` or a filesystem path; keys are joined with '/'. boto3 is imported only
when an S3 URI is used, and the client is created once per process (Lambda reuses it).
"""

from __future__ import annotations

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


def join(uri: str, *parts: str) -> str:
    tail = "/".join(p.strip("/") for p in parts if p)
    if is_s3(uri):
        return f"{uri.rstrip('/')}/{tail}" if tail else uri
    return str(Path(uri, *[p for p in parts if p]))


@cache
def s3_client() -> Any:
    import boto3

    return boto3.client("s3")


def read_bytes(uri: str) -> bytes:
    if is_s3(uri):
        bucket, key = split_s3(uri)
        return s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return Path(uri).read_bytes()


def write_bytes(
    uri: str, data: bytes, content_type: str = "application/octet-stream", atomic: bool = True
) -> None:
    """Write one object. Locally ``atomic`` writes a temporary file then renames it, so readers
    never see half a file (the bundle pointer needs that); an object written once under a unique
    key (a request log) can skip the rename, which costs more than the write itself."""
    if is_s3(uri):
        bucket, key = split_s3(uri)
        s3_client().put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
        return
    path = Path(uri)
    if not atomic:
        try:  # the folder usually exists: no mkdir per request
            fh = open(uri, "wb")  # noqa: SIM115
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(uri, "wb")  # noqa: SIM115
        with fh:
            fh.write(data)
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
