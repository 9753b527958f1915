"""Read CloudFormation/SAM templates and GitHub workflows as plain data for the infra tests.

CloudFormation short tags (``!Ref X``, ``!Sub s``, ``!If [...]``) load as ``{"Ref": X}``,
``{"Fn::Sub": s}``...; workflows load with ``on`` kept as a string key (YAML 1.1 reads it as True).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: str | Path) -> dict[str, Any]:
    return yaml.load(Path(ROOT, path).read_text(), Loader=_CfnLoader)


class _WorkflowLoader(yaml.SafeLoader):
    pass


# keep `on:` a string: drop the YAML 1.1 boolean resolver for on/off/yes/no
_WorkflowLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_workflow(name: str) -> dict[str, Any]:
    return yaml.load(Path(ROOT, ".github/workflows", name).read_text(), Loader=_WorkflowLoader)


def walk(node: Any):
    """Every dict and list inside ``node`` (depth first), ``node`` included."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.environ\.setdefault|os\.getenv|\benv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\](?!\s*=[^=])"""
)


def env_reads(paths: list[Path]) -> set[str]:
    """Names of the environment variables the Python files read (``os.environ.get("X")``,
    ``os.environ["X"]`` not assigned, ``os.getenv``, ``setdefault`` and ``env = os.environ.get``
    aliases called as ``env("X")``)."""
    names: set[str] = set()
    for path in paths:
        for match in _ENV_READ.finditer(path.read_text()):
            names.add(match.group(1) or match.group(2))
    return names
