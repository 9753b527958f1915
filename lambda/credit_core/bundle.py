"""The versioned model bundle: layout, checksums and loading (local folder or S3).

    <root>/current.json              {"version": "<v>"}: the pointer to the served version
    <root>/<v>/model.txt             native LightGBM model (from the registry, not retrained)
    <root>/<v>/model_card.json       name, version, run id, contract, features, threshold, ...
    <root>/<v>/importance.json       global mean |SHAP| ranking (for the UI)
    <root>/<v>/reference_sample.csv.gz  raw training rows with their scores (drift reference)
    <root>/<v>/checksums.json        sha256 of every file above

Whoever loads a bundle verifies the checksums of the files it reads. A version is a plain name
(letters, digits, ``.``, ``_``, ``-``; no ``..``), so neither the pointer nor a pinned version
can lead outside the bundle root or the local cache. ``expected_sha256`` (the sha256 of a
version's checksums.json, the API's ``MODEL_SHA256``) pins one exact bundle.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb

from credit_core import storage
from credit_core.contracts import ContractError, ContractVersionError, ModelCard, read_card
from credit_core.features import FeatureSpec
from credit_core.model import ScoringModel

POINTER = "current.json"
MODEL = "model.txt"
CARD = "model_card.json"
IMPORTANCE = "importance.json"
REFERENCE = "reference_sample.csv.gz"
CHECKSUMS = "checksums.json"
SERVING_FILES = (MODEL, CARD, IMPORTANCE)
VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class BundleError(RuntimeError):
    """The bundle is missing, incomplete or corrupt."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_version(version: object) -> str:
    """``version`` if it is a plain version name, else :class:`BundleError`."""
    if (
        not isinstance(version, str | int)
        or isinstance(version, bool)
        or not VERSION_NAME.fullmatch(str(version))
        or ".." in str(version)
    ):
        raise BundleError(f"not a plain version name: {str(version)[:80]!r}")
    return str(version)


def current_version(root: str) -> str:
    """The version ``current.json`` points to, checked to be a plain version name."""
    try:
        version = json.loads(storage.read_bytes(storage.join(root, POINTER)))["version"]
    except Exception as exc:
        raise BundleError(f"no readable {POINTER} under {root}: {exc}") from exc
    return check_version(version)


@dataclass(frozen=True)
class Bundle:
    version: str
    card: ModelCard
    importance: list[dict[str, Any]]
    model: ScoringModel
    directory: Path
    sha256: str | None = None  # of the version's checksums.json: names this exact bundle


def fetch(
    root: str,
    version: str,
    names: tuple[str, ...],
    cache_dir: Path,
    expected_sha256: str | None = None,
) -> Path:
    """Copy ``names`` of one version into ``cache_dir`` and verify them against checksums.json
    (itself checked against ``expected_sha256`` when given)."""
    return _fetch(root, version, names, cache_dir, expected_sha256)[0]


def _fetch(
    root: str,
    version: str,
    names: tuple[str, ...],
    cache_dir: Path,
    expected_sha256: str | None = None,
) -> tuple[Path, str]:
    """:func:`fetch`, and the sha256 of the version's checksums.json."""
    version = check_version(version)
    cache = Path(cache_dir).resolve()
    target = (cache / version).resolve()
    if target.parent != cache:  # belt and braces: the name check already rules this out
        raise BundleError(f"version {version!r} leads outside the cache directory")
    try:
        raw_sums = storage.read_bytes(storage.join(root, version, CHECKSUMS))
        sums = json.loads(raw_sums)
    except Exception as exc:
        raise BundleError(
            f"cannot read {CHECKSUMS} of version {version} under {root}: {exc}"
        ) from exc
    if expected_sha256 is not None and not hmac.compare_digest(
        sha256(raw_sums).encode(), expected_sha256.strip().lower().encode()
    ):
        raise BundleError(
            f"{CHECKSUMS} of version {version} has sha256 {sha256(raw_sums)}, "
            f"not the pinned {expected_sha256.strip().lower()} (MODEL_SHA256)"
        )
    if not isinstance(sums, dict):
        raise BundleError(f"{CHECKSUMS} of version {version} is not an object")
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name not in sums:
            raise BundleError(f"{name} is not listed in {CHECKSUMS} of version {version}")
        local = target / name
        if _cached(local) == sums[name]:
            continue  # warm cache (Lambda /tmp survives between invocations)
        try:
            data = storage.read_bytes(storage.join(root, version, name))
        except Exception as exc:
            raise BundleError(f"cannot read {name} of version {version}: {exc}") from exc
        if sha256(data) != sums[name]:
            raise BundleError(f"checksum mismatch for {name} of version {version}")
        _write_cached(local, data)
    return target, sha256(raw_sums)


def _cached(path: Path) -> str | None:
    """sha256 of a cached file, None if absent or not a regular file (a symlink planted in a
    shared /tmp is never followed)."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)  # non-blocking: a planted FIFO cannot hang the open
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        return sha256(f.read())


def _write_cached(path: Path, data: bytes) -> None:
    """Write through a new file renamed over ``path``: a symlink at ``path`` is replaced, never
    followed, and a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_bundle(
    root: str,
    version: str | None = None,
    cache_dir: Path | str = "/tmp/credit-bundle",
    expected_sha256: str | None = None,
) -> Bundle:
    """Load the serving files of ``version`` (default: the pointer's) from ``root``.

    Raises :class:`BundleError` if the version is not a plain name, a file is missing or does
    not match its checksum, or checksums.json does not have the sha256 ``expected_sha256``."""
    version = check_version(version) if version else current_version(root)
    directory, digest = _fetch(root, version, SERVING_FILES, Path(cache_dir), expected_sha256)
    try:
        card = read_card((directory / CARD).read_bytes())
    except (ContractError, ContractVersionError) as exc:
        raise BundleError(f"{CARD} of version {version}: {exc}") from exc
    spec = FeatureSpec.from_dict(card.features.spec_dict())
    booster = lgb.Booster(model_file=str(directory / MODEL))
    if booster.num_feature() != len(spec.names):
        raise BundleError(
            f"model expects {booster.num_feature()} features, card lists {len(spec.names)}"
        )
    model = ScoringModel(
        booster=booster,
        spec=spec,
        threshold=card.threshold,
        platt_a=card.calibration.a,
        platt_b=card.calibration.b,
    )
    importance = json.loads((directory / IMPORTANCE).read_text("utf-8"))
    return Bundle(
        version=version,
        card=card,
        importance=importance,
        model=model,
        directory=directory,
        sha256=digest,
    )
