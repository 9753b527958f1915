"""Schema versions of the contracts, and reading an older version.

Every contract carries ``schema_version``; a document written before versions existed has none
and is version 1. A reader meets three cases: the current version (decoded as is), an older one
(upgraded step by step by the contract's upgrade functions, then decoded) or a newer one
(:class:`ContractVersionError`, naming the version: this reader is too old for it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec

T = TypeVar("T", bound=msgspec.Struct)
Upgrade = Callable[[dict[str, Any]], dict[str, Any]]
UNVERSIONED = 1  # what a document without ``schema_version`` is


class ContractVersionError(ValueError):
    """A document of a contract version this reader cannot read."""


class ContractError(ValueError):
    """A document that does not match its contract (the message names the field)."""


def version_of(doc: Mapping[str, Any], name: str) -> int:
    version = doc.get("schema_version", UNVERSIONED)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ContractVersionError(f"{name}: schema_version {version!r} is not a version number")
    return version


def upgrade(
    doc: dict[str, Any], name: str, current: int, upgrades: Mapping[int, Upgrade]
) -> dict[str, Any]:
    """``doc`` brought to version ``current``: ``upgrades[v]`` turns version v into v + 1.

    Raises :class:`ContractVersionError` for a newer version or one no upgrade starts from."""
    version = version_of(doc, name)
    if version > current:
        raise ContractVersionError(
            f"{name} schema_version {version} is newer than this reader's {current}: "
            "update credit_core to read it"
        )
    while version < current:
        step = upgrades.get(version)
        if step is None:
            raise ContractVersionError(
                f"{name} schema_version {version} cannot be upgraded to {current}"
            )
        doc = step(dict(doc)) | {"schema_version": version + 1}
        version += 1
    return doc


def convert(doc: Any, kind: type[T], current: int, upgrades: Mapping[int, Upgrade]) -> T:
    """A decoded JSON document (dict) as the contract ``kind``, upgraded if older.

    Raises :class:`ContractVersionError` (version) or :class:`ContractError` (shape)."""
    name = kind.__name__
    if not isinstance(doc, dict):
        raise ContractError(f"{name}: expected a JSON object, got {type(doc).__name__}")
    doc = upgrade(doc, name, current, upgrades)
    try:
        return msgspec.convert(doc, kind)
    except msgspec.ValidationError as exc:
        raise ContractError(f"{name}: {exc}") from None


def decode(data: bytes | str, kind: type[T], current: int, upgrades: Mapping[int, Upgrade]) -> T:
    """JSON text as the contract ``kind`` (see :func:`convert`)."""
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise ContractError(f"{kind.__name__}: not JSON: {exc}") from None
    return convert(doc, kind, current, upgrades)


def to_builtins(obj: msgspec.Struct) -> Any:
    """A contract as plain JSON types (dicts, lists, numbers, strings)."""
    return msgspec.to_builtins(obj)


def encode(obj: msgspec.Struct) -> bytes:
    return msgspec.json.encode(obj)


def encode_pretty(obj: msgspec.Struct) -> bytes:
    """Indented JSON (files people read: the card, the drift summary)."""
    return msgspec.json.format(msgspec.json.encode(obj), indent=1)
