"""`credit export`: copy a registered model into a versioned, checksummed bundle (folder or S3).

The booster file is the registry's own (never retrained); the card is completed with the
registry's name and version. The pointer ``current.json`` is written last, so a reader never
follows it to a half-written version.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import mlflow
import msgspec
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from credit_core import bundle, contracts, storage
from credit_training import registry


def export_bundle(
    to: str,
    model_name: str = registry.MODEL_NAME,
    alias: str = registry.CHAMPION,
    version: str | None = None,
) -> dict[str, Any]:
    """Export one registered version (default: the one with ``alias``) to ``to``.

    Raises LookupError when there is no such version (no champion yet, a wrong number)."""
    client = MlflowClient()
    if version is None:
        version = registry.alias_version(client, model_name, alias)
        if version is None:
            raise LookupError(
                f"model {model_name!r} has no version with alias {alias!r}: "
                "train one with `credit train --promote` first"
            )
    try:
        client.get_model_version(model_name, version)
    except MlflowException as exc:
        raise LookupError(f"model {model_name!r} has no version {version!r}") from exc
    with tempfile.TemporaryDirectory() as tmp:
        registered = registry.load_registered(model_name, version, Path(tmp))
        files: dict[str, bytes] = {bundle.MODEL: registered.model_file.read_bytes()}
        card = msgspec.structs.replace(
            registered.card,
            model_name=model_name,
            model_version=version,
            run_id=registered.run_id,
            aliases=sorted(client.get_model_version(model_name, version).aliases),
        )
        files[bundle.CARD] = contracts.encode_pretty(card)
        for name in (bundle.IMPORTANCE, bundle.REFERENCE):
            path = mlflow.artifacts.download_artifacts(
                run_id=registered.run_id, artifact_path=f"bundle/{name}", dst_path=tmp
            )
            files[name] = Path(path).read_bytes()
    checksums = {name: bundle.sha256(data) for name, data in files.items()}
    files[bundle.CHECKSUMS] = json.dumps(checksums, indent=1).encode()
    for name, data in files.items():
        storage.write_bytes(storage.join(to, version, name), data)
    pointer = {"version": version, "model_name": model_name, "run_id": registered.run_id}
    storage.write_bytes(
        storage.join(to, bundle.POINTER), json.dumps(pointer).encode(), "application/json"
    )
    return {"to": to, "version": version, "files": sorted(files), "checksums": checksums}
