"""A small evaluator of GitHub Actions expressions (the subset workflows here use): literals,
context paths, ``!``, ``==``, ``!=``, ``&&``, ``||`` and parentheses, with GitHub's semantics
(``&&``/``||`` return an operand; strings compare case-insensitively). Enough to decide an ``if``
or a ``ref`` for a given event, in tests."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(\|\||&&|==|!=|!|\(|\))|'((?:[^']|'')*)'|(true|false|null)\b|([A-Za-z_][\w.-]*))"
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    text = text.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    out, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"cannot read expression at {text[pos:]!r}")
        op, string, literal, path = match.groups()
        if op:
            out.append(("op", op))
        elif string is not None:
            out.append(("value", string.replace("''", "'")))
        elif literal:
            out.append(("value", {"true": True, "false": False, "null": None}[literal]))
        else:
            out.append(("path", path))
        pos = match.end()
    return out


def _lookup(context: dict[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    tokens = _tokens(expression)
    pos = 0

    def peek() -> tuple[str, Any] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, Any]:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def primary() -> Any:
        kind, value = take()
        if (kind, value) == ("op", "("):
            result = disjunction()
            assert take() == ("op", ")")
            return result
        if (kind, value) == ("op", "!"):
            return not _truthy(primary())
        if kind == "value":
            return value
        if kind == "path":
            return _lookup(context, value)
        raise ValueError(f"unexpected {value!r}")

    def comparison() -> Any:
        left = primary()
        while peek() in (("op", "=="), ("op", "!=")):
            op = take()[1]
            right = primary()
            left = _equal(left, right) if op == "==" else not _equal(left, right)
        return left

    def conjunction() -> Any:
        left = comparison()
        while peek() == ("op", "&&"):
            take()
            right = comparison()
            left = right if _truthy(left) else left
        return left

    def disjunction() -> Any:
        left = conjunction()
        while peek() == ("op", "||"):
            take()
            right = conjunction()
            left = left if _truthy(left) else right
        return left

    result = disjunction()
    if pos != len(tokens):
        raise ValueError(f"trailing tokens in {expression!r}")
    return result


def condition(expression: str, context: dict[str, Any]) -> bool:
    """An ``if:`` (with or without ``${{ }}``) decided for ``context``."""
    return _truthy(evaluate(expression, context))
