"""The ``credit`` command: a thin dispatcher to each stage's own subcommands.

Stages register their subcommands through the ``credit.commands`` entry-point group
(``register(subparsers)``), so this module imports none of them and no stage imports another.
A :class:`UsageError` raised by a subcommand (bad input, missing data, nothing to export) is
reported as one line on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

GROUP = "credit.commands"
USAGE_EXIT = 2


class UsageError(Exception):
    """A user error: the message is shown as is, the command exits with status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The ``credit`` parser with every installed stage's subcommands."""
    parser = argparse.ArgumentParser(
        prog="credit",
        description="Prêt à Dépenser credit scoring: data, training, serving and monitoring.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; returns its exit status (2 for a user error)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    for noisy in ("mlflow", "alembic", "urllib3", "botocore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"credit {args.command}: error: {exc}", file=sys.stderr)
        return USAGE_EXIT
    except KeyboardInterrupt:
        print(f"credit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
