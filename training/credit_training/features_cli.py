"""``credit features publish``: computes every client's history features of a folder with the
one definition (:mod:`credit_core.history.engine`) and writes them to the online store
(:mod:`credit_core.history.store`). Registered on its own: the engine (DuckDB) is a
training-side dependency, the scoring side only reads the store."""

from __future__ import annotations

import argparse
import sqlite3
import time
from datetime import UTC, date, datetime
from pathlib import Path

from credit_core.cli import UsageError


def _as_of(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--as-of {text!r}: not a date (YYYY-MM-DD)") from exc


def _publish(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from credit_core.history import store
    from credit_core.history.definitions import feature_set
    from credit_core.history.layout import check_history_folder

    as_of = _as_of(args.as_of)
    try:
        store.parse_uri(args.to)
        store.check_writable(args.to)
    except store.StoreUriError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot write the feature store {args.to}: {exc}") from exc
    folder = Path(args.history)
    if not folder.is_dir():
        raise UsageError(f"no history folder {folder}")
    layout = check_history_folder(folder)
    if layout.absent:
        raise UsageError(f"{folder} holds no history tables (bureau.csv, ...): nothing to publish")
    if layout.problems:
        raise UsageError("history: " + "; ".join(layout.problems))

    from credit_core.history.engine import batch_features, connect_folder

    start = time.perf_counter()
    con = connect_folder(folder, memory_limit=args.memory_limit)
    try:
        frame = batch_features(con)
    finally:
        con.close()
    computed = time.perf_counter() - start
    try:
        meta = store.publish(
            args.to, frame.index.to_numpy(), frame.to_numpy(), feature_set(), as_of
        )
    except (OSError, sqlite3.Error, BotoCoreError, ClientError) as exc:
        raise UsageError(f"cannot write the feature store {args.to}: {exc}") from exc
    print(
        f"published {meta.count:,} clients x {len(meta.names)} history features "
        f"(as of {meta.as_of}, {meta.digest[:19]}) to {args.to}: computed in {computed:.1f} s, "
        f"written in {time.perf_counter() - start - computed:.1f} s"
    )
    _publish_summaries(args, folder, as_of)
    return 0


def _publish_summaries(args: argparse.Namespace, folder: Path, as_of: date) -> None:
    """The officers' history summaries (credit_core.history.summary) into the same store."""
    import msgspec
    from botocore.exceptions import BotoCoreError, ClientError

    from credit_core.history import store
    from credit_core.history.engine import connect_folder
    from credit_core.history.summary import batch_summaries, pack

    start = time.perf_counter()
    con = connect_folder(folder, memory_limit=args.memory_limit)
    try:
        items = ((s.sk_id_curr, pack(s)) for s in batch_summaries(con, as_of))
        count = store.publish_summaries(args.to, items)
    except msgspec.ValidationError as exc:
        raise UsageError(f"history: a value outside the history summary's contract: {exc}") from exc
    except (OSError, sqlite3.Error, BotoCoreError, ClientError) as exc:
        raise UsageError(f"cannot write the history summaries to {args.to}: {exc}") from exc
    finally:
        con.close()
    print(
        f"published {count:,} clients' history summaries to {args.to} "
        f"in {time.perf_counter() - start:.1f} s"
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``credit features publish`` to the ``credit`` dispatcher."""
    features = sub.add_parser("features", help="the online feature store of client history")
    actions = features.add_subparsers(dest="action", required=True, metavar="ACTION")
    publish = actions.add_parser(
        "publish", help="compute every client's history features and write them to a store"
    )
    publish.add_argument("--history", required=True, help="folder with the six history tables")
    publish.add_argument(
        "--to", required=True, help="sqlite:///path/features.sqlite or dynamodb://table"
    )
    publish.add_argument("--as-of", default=None, help="date of the history (default: today)")
    publish.add_argument("--memory-limit", default="6GB", help="DuckDB's memory limit")
    publish.set_defaults(func=_publish)
