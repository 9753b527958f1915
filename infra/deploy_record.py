"""Record a production deployment: which bundle (version and digest) went to which stack, from
which commit and workflow run, triggered by whom and approved by whom (the reviewers of the
GitHub `production` environment). infra/deploy.sh runs it after `sam deploy`.

    python infra/deploy_record.py --bucket MODEL_BUCKET --stack credit-scoring-prod \
        --version 7 --sha256 HEX --approved-by alice,bob

The record is written to ``s3://MODEL_BUCKET/deployments/STACK/<UTC time>-<run id>.json`` (the
bucket locks every object version: an append-only trail); with ``MLFLOW_TRACKING_URI`` set, the
registry's model version also gets the tags ``approved_by``, ``deployed_to`` and ``deployed_at``.
GitHub's ``GITHUB_*`` variables fill in commit, run and actor. A bad argument is one line on
stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

PREFIX = "deployments"
_APPROVER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")  # a GitHub login


def approvers(text: str) -> list[str]:
    """The logins in a comma-separated list, in order, without repeats; ValueError if empty or
    not GitHub logins ("none" is what the workflow writes when nobody approved)."""
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names or names == ["none"]:
        raise ValueError("nobody approved this deployment")
    bad = [n for n in names if not _APPROVER.match(n)]
    if bad:
        raise ValueError(f"not a GitHub login: {bad[0]!r}")
    return names


def build_record(
    *,
    stack: str,
    version: str,
    sha256: str,
    approved_by: list[str],
    env: Mapping[str, str],
    now: datetime,
) -> dict:
    """The deployment record (JSON-ready). ``sha256``: 64 hex characters (MODEL_SHA256)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("sha256 must be 64 lowercase hex characters")
    return {
        "stack": stack,
        "model_version": version,
        "model_sha256": sha256,
        "deployed_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "approved_by": approved_by,
        "triggered_by": env.get("GITHUB_TRIGGERING_ACTOR") or env.get("GITHUB_ACTOR"),
        "commit": env.get("GITHUB_SHA"),
        "repository": env.get("GITHUB_REPOSITORY"),
        "run_id": env.get("GITHUB_RUN_ID"),
        "event": env.get("GITHUB_EVENT_NAME"),
    }


def record_key(record: Mapping) -> str:
    stamp = record["deployed_at"].replace(":", "").replace("+0000", "Z")
    return f"{PREFIX}/{record['stack']}/{stamp}-{record['run_id'] or 'local'}.json"


def write(s3, bucket: str, record: Mapping) -> str:
    """Put the record (never over an existing key); returns its key."""
    key = record_key(record)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(record, indent=1).encode(),
        ContentType="application/json",
        IfNoneMatch="*",
    )
    return key


def tag_model_version(tracking_uri: str, record: Mapping) -> None:
    from mlflow import MlflowClient

    from credit_training import registry

    client = MlflowClient(tracking_uri=tracking_uri)
    tags = {
        "approved_by": ",".join(record["approved_by"]),
        "deployed_to": record["stack"],
        "deployed_at": record["deployed_at"],
    }
    for key, value in tags.items():
        client.set_model_version_tag(registry.MODEL_NAME, record["model_version"], key, value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--sha256", required=True)
    parser.add_argument("--approved-by", required=True, help="comma-separated GitHub logins")
    args = parser.parse_args(argv)
    try:
        record = build_record(
            stack=args.stack,
            version=args.version,
            sha256=args.sha256,
            approved_by=approvers(args.approved_by),
            env=os.environ,
            now=datetime.now(UTC),
        )
    except ValueError as error:
        print(f"deploy_record: {error}", file=sys.stderr)
        return 2
    import boto3

    key = write(boto3.client("s3"), args.bucket, record)
    print(f"deployment recorded: s3://{args.bucket}/{key}")
    if os.environ.get("MLFLOW_TRACKING_URI"):
        tag_model_version(os.environ["MLFLOW_TRACKING_URI"], record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
