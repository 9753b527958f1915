"""Bundle integrity without a model: a file read after the load is checked against the
checksums the bundle was loaded with (never a checksums.json read again), a cached file that
changed is read again from the bundle, and the pin covers checksums.json at load."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from credit_core import bundle as bundles


def _write_bundle(root: Path, files: dict[str, bytes], version: str = "7") -> dict[str, str]:
    folder = root / version
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    sums = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    (folder / bundles.CHECKSUMS).write_text(json.dumps(sums))
    return sums


ORIGINAL = gzip.compress(b"AMT_CREDIT,TARGET\n1,0\n")
SWAPPED = gzip.compress(b"AMT_CREDIT,TARGET\n999,1\n")


def test_a_reference_swapped_with_its_checksums_after_the_load_is_refused(tmp_path):
    root, cache = tmp_path / "bundles", tmp_path / "cache"
    sums = _write_bundle(root, {bundles.REFERENCE: ORIGINAL})
    assert bundles.read_verified(str(root), "7", bundles.REFERENCE, cache, sums) == ORIGINAL
    # both the sample and checksums.json replaced, consistent with each other
    _write_bundle(root, {bundles.REFERENCE: SWAPPED})
    (cache / "7" / bundles.REFERENCE).unlink()  # a cold cache (another instance)
    with pytest.raises(bundles.BundleError, match="checksum mismatch for reference"):
        bundles.read_verified(str(root), "7", bundles.REFERENCE, cache, sums)


def test_a_cached_file_changed_on_disk_is_read_again_from_the_bundle(tmp_path):
    root, cache = tmp_path / "bundles", tmp_path / "cache"
    sums = _write_bundle(root, {bundles.REFERENCE: ORIGINAL})
    bundles.read_verified(str(root), "7", bundles.REFERENCE, cache, sums)
    (cache / "7" / bundles.REFERENCE).write_bytes(SWAPPED)  # /tmp tampered with
    assert bundles.read_verified(str(root), "7", bundles.REFERENCE, cache, sums) == ORIGINAL
    assert (cache / "7" / bundles.REFERENCE).read_bytes() == ORIGINAL


def test_a_file_not_listed_at_load_is_refused(tmp_path):
    root = tmp_path / "bundles"
    sums = _write_bundle(root, {bundles.MODEL: b"model"})
    with pytest.raises(bundles.BundleError, match="not listed"):
        bundles.read_verified(str(root), "7", bundles.REFERENCE, tmp_path / "c", sums)


def test_the_pin_refuses_a_checksums_file_swapped_before_the_load(tmp_path):
    root = tmp_path / "bundles"
    _write_bundle(root, {bundles.REFERENCE: ORIGINAL})
    pin = hashlib.sha256((root / "7" / bundles.CHECKSUMS).read_bytes()).hexdigest()
    assert bundles.fetch(str(root), "7", (bundles.REFERENCE,), tmp_path / "c1", pin)
    _write_bundle(root, {bundles.REFERENCE: SWAPPED})
    with pytest.raises(bundles.BundleError, match="not the pinned"):
        bundles.fetch(str(root), "7", (bundles.REFERENCE,), tmp_path / "c2", pin)
