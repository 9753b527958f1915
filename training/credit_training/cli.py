"""The ``credit`` command line: one entry point, one subcommand per product stage.

Handlers stay thin: they parse arguments, call one library function and report where the
outputs are.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def _twin(args: argparse.Namespace) -> int:
    from credit_training.twin.generate import write_twin

    start = time.perf_counter()
    paths = write_twin(Path(args.out), args.train_rows, args.test_rows, args.seed)
    elapsed = time.perf_counter() - start
    print(
        f"twin: {args.train_rows:,} train + {args.test_rows:,} test rows "
        f"(seed {args.seed}) in {elapsed:.1f} s"
    )
    for label, path in paths.items():
        print(f"  {label:9s}{path.resolve()}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from credit_training.data import SchemaError, load_application

    try:
        for kind in ("train", "test"):
            frame = load_application(Path(args.data), kind)
            print(f"{kind}: {len(frame):,} rows x {frame.shape[1]} columns, schema OK")
    except (SchemaError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="credit", description="Prêt à Dépenser credit scoring: data, training and serving."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    twin = sub.add_parser("twin", help="generate the Home Credit data twin (CSV + drift manifest)")
    twin.add_argument("--out", required=True, help="output directory")
    twin.add_argument("--train-rows", type=int, default=307_511)
    twin.add_argument("--test-rows", type=int, default=48_744)
    twin.add_argument("--seed", type=int, default=42)
    twin.set_defaults(func=_twin)

    validate = sub.add_parser("validate", help="check application_train/test.csv in a directory")
    validate.add_argument("--data", required=True, help="directory holding the two CSV files")
    validate.set_defaults(func=_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
