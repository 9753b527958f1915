"""The versioned model bundle: layout, checksums and loading (local folder or S3).

    <root>/current.json              {"version": "<v>"}: the pointer to the served version
    <root>/<v>/model.txt             native LightGBM model (from the registry, not retrained)
    <root>/<v>/model_card.json       name, version, run id, contract, features, threshold, ...
    <root>/<v>/importance.json       global mean |SHAP| ranking (for the UI)
    <root>/<v>/reference_sample.csv.gz  raw training rows with their scores (drift reference)
    <root>/<v>/checksums.json        sha256 of every file above

Whoever loads a bundle verifies the checksums of the files it reads.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb

from credit_core import storage
from credit_core.features import FeatureSpec
from credit_core.model import ScoringModel

POINTER = "current.json"
MODEL = "model.txt"
CARD = "model_card.json"
IMPORTANCE = "importance.json"
REFERENCE = "reference_sample.csv.gz"
CHECKSUMS = "checksums.json"
SERVING_FILES = (MODEL, CARD, IMPORTANCE)


class BundleError(RuntimeError):
    """The bundle is missing, incomplete or corrupt."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def current_version(root: str) -> str:
    try:
        return str(json.loads(storage.read_bytes(storage.join(root, POINTER)))["version"])
    except Exception as exc:
        raise BundleError(f"no readable {POINTER} under {root}: {exc}") from exc


@dataclass(frozen=True)
class Bundle:
    version: str
    card: dict[str, Any]
    importance: list[dict[str, Any]]
    model: ScoringModel
    directory: Path


def fetch(root: str, version: str, names: tuple[str, ...], cache_dir: Path) -> Path:
    """Copy ``names`` of one version into ``cache_dir`` and verify them against checksums.json."""
    target = cache_dir / version
    target.mkdir(parents=True, exist_ok=True)
    try:
        sums = json.loads(storage.read_bytes(storage.join(root, version, CHECKSUMS)))
    except Exception as exc:
        raise BundleError(
            f"cannot read {CHECKSUMS} of version {version} under {root}: {exc}"
        ) from exc
    for name in names:
        if name not in sums:
            raise BundleError(f"{name} is not listed in {CHECKSUMS} of version {version}")
        local = target / name
        if local.exists() and sha256(local.read_bytes()) == sums[name]:
            continue  # warm cache (Lambda /tmp survives between invocations)
        try:
            data = storage.read_bytes(storage.join(root, version, name))
        except Exception as exc:
            raise BundleError(f"cannot read {name} of version {version}: {exc}") from exc
        if sha256(data) != sums[name]:
            raise BundleError(f"checksum mismatch for {name} of version {version}")
        local.write_bytes(data)
    return target


def load_bundle(
    root: str, version: str | None = None, cache_dir: Path | str = "/tmp/credit-bundle"
) -> Bundle:
    """Load the serving files of ``version`` (default: the pointer's) from ``root``."""
    version = version or current_version(root)
    directory = fetch(root, version, SERVING_FILES, Path(cache_dir))
    card = json.loads((directory / CARD).read_text("utf-8"))
    spec = FeatureSpec.from_dict(card["features"])
    booster = lgb.Booster(model_file=str(directory / MODEL))
    if booster.num_feature() != len(spec.names):
        raise BundleError(
            f"model expects {booster.num_feature()} features, card lists {len(spec.names)}"
        )
    model = ScoringModel(
        booster=booster,
        spec=spec,
        threshold=float(card["threshold"]),
        platt_a=float(card["calibration"]["a"]),
        platt_b=float(card["calibration"]["b"]),
    )
    importance = json.loads((directory / IMPORTANCE).read_text("utf-8"))
    return Bundle(
        version=version, card=card, importance=importance, model=model, directory=directory
    )
