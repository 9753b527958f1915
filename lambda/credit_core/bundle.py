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
version's checksums.json, the API's ``MODEL_SHA256``) pins one exact bundle. A loaded
:class:`Bundle` keeps the checksums it was loaded with: a file read later (the reference sample,
on first use) is checked against them by :func:`read_verified`, never against a checksums.json
read again, so a bundle changed after start-up is refused rather than served.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    checksums: Mapping[str, str] = field(default_factory=dict)  # name -> sha256, as loaded


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


def _target(cache_dir: Path, version: str) -> Path:
    cache = Path(cache_dir).resolve()
    target = (cache / version).resolve()
    if target.parent != cache:  # belt and braces: the name check already rules this out
        raise BundleError(f"version {version!r} leads outside the cache directory")
    return target


def _verified(root: str, version: str, name: str, target: Path, sums: Mapping[str, str]) -> bytes:
    """One file's bytes, from the cache when its sha256 is the listed one, else from ``root``
    (then cached); BundleError when it is not listed or does not match."""
    expected = sums.get(name)
    if not isinstance(expected, str):
        raise BundleError(f"{name} is not listed in {CHECKSUMS} of version {version}")
    local = target / name
    data = _cached_data(local)
    if data is not None and sha256(data) == expected:
        return data  # warm cache (Lambda /tmp survives between invocations)
    try:
        data = storage.read_bytes(storage.join(root, version, name))
    except Exception as exc:
        raise BundleError(f"cannot read {name} of version {version}: {exc}") from exc
    if sha256(data) != expected:
        raise BundleError(f"checksum mismatch for {name} of version {version}")
    target.mkdir(parents=True, exist_ok=True)
    _write_cached(local, data)
    return data


def read_verified(
    root: str, version: str, name: str, cache_dir: Path, checksums: Mapping[str, str]
) -> bytes:
    """The bytes of one file of a loaded bundle, checked against ``checksums`` (the
    :attr:`Bundle.checksums` read, and pinned, when it was loaded). Raises BundleError if the
    file is not listed or its content is not the one listed (changed since the load)."""
    version = check_version(version)
    return _verified(root, version, name, _target(cache_dir, version), checksums)


def _fetch(
    root: str,
    version: str,
    names: tuple[str, ...],
    cache_dir: Path,
    expected_sha256: str | None = None,
) -> tuple[Path, str, dict[str, str], dict[str, bytes]]:
    """:func:`fetch`, the sha256 of the version's checksums.json, its entries and the verified
    bytes of ``names`` (read from memory afterwards: a cached file changed in between is
    never the one used)."""
    version = check_version(version)
    target = _target(cache_dir, version)
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
    if not isinstance(sums, dict) or not all(isinstance(v, str) for v in sums.values()):
        raise BundleError(f"{CHECKSUMS} of version {version} is not an object of digests")
    target.mkdir(parents=True, exist_ok=True)
    data = {name: _verified(root, version, name, target, sums) for name in names}
    return target, sha256(raw_sums), sums, data


def _cached_data(path: Path) -> bytes | None:
    """A cached file's bytes, None if absent or not a regular file (a symlink planted in a
    shared /tmp is never followed)."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)  # non-blocking: a planted FIFO cannot hang the open
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        return f.read()


def _cached(path: Path) -> str | None:
    """sha256 of a cached file, None if absent or not a regular file."""
    data = _cached_data(path)
    return None if data is None else sha256(data)


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
    directory, digest, sums, data = _fetch(
        root, version, SERVING_FILES, Path(cache_dir), expected_sha256
    )
    try:
        card = read_card(data[CARD])
    except (ContractError, ContractVersionError) as exc:
        raise BundleError(f"{CARD} of version {version}: {exc}") from exc
    spec = FeatureSpec.from_dict(card.features.spec_dict())
    booster = lgb.Booster(model_str=data[MODEL].decode("utf-8"))
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
    importance = json.loads(data[IMPORTANCE].decode("utf-8"))
    return Bundle(
        version=version,
        card=card,
        importance=importance,
        model=model,
        directory=directory,
        sha256=digest,
        checksums=sums,
    )
