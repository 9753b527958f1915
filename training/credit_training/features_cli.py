"""``credit features publish``: computes every client's history features of a folder with the
one definition (:mod:`credit_core.history.engine`) and writes them to the online store
(:mod:`credit_core.history.store`). Registered on its own: the engine (DuckDB) is a
training-side dependency, the scoring side only reads the store.

``--overlay`` writes a folder's clients into a store already published (same feature set)
instead of replacing it, and with ``--clients-from`` deletes the listed clients the folder holds
no history for: the demo lays the UI's sample clients' own history over the twin's, whose
clients reuse the same ``SK_ID_CURR`` values."""

from __future__ import annotations

import argparse
import csv
import sqlite3
import time
from datetime import UTC, date, datetime
from pathlib import Path

from credit_core.cli import UsageError

ID = "SK_ID_CURR"


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

    if args.clients_from and not args.overlay:
        raise UsageError("--clients-from goes with --overlay")
    if args.overlay:
        return _overlay(args)
    as_of = _as_of(args.as_of)
    try:
        store.parse_uri(args.to)
        store.check_writable(args.to)
    except store.StoreUriError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot write the feature store {args.to}: {exc}") from exc
    folder = _history_folder(args.history)

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


def _history_folder(text: str) -> Path:
    """The ``--history`` folder, checked (UsageError naming the problem)."""
    from credit_core.history.layout import check_history_folder

    folder = Path(text)
    if not folder.is_dir():
        raise UsageError(f"no history folder {folder}")
    layout = check_history_folder(folder)
    if layout.absent:
        raise UsageError(f"{folder} holds no history tables (bureau.csv, ...): nothing to publish")
    if layout.problems:
        raise UsageError("history: " + "; ".join(layout.problems))
    return folder


def _client_ids(text: str) -> list[int]:
    """The ``SK_ID_CURR`` column of the CSV file ``text`` (UsageError if absent or not ids)."""
    path = Path(text)
    try:
        with path.open(newline="") as f:
            rows = csv.DictReader(f)
            if ID not in (rows.fieldnames or []):
                raise UsageError(f"--clients-from {path}: no {ID} column")
            return [int(row[ID]) for row in rows]
    except OSError as exc:
        raise UsageError(f"--clients-from {path}: {exc.strerror or exc}") from exc
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--clients-from {path}: a {ID} that is not a client number") from exc


def _overlay(args: argparse.Namespace) -> int:
    """``--overlay``: the folder's clients written into the published store, the clients of
    ``--clients-from`` without history there deleted; the store's as-of date is kept."""
    import msgspec
    from botocore.exceptions import BotoCoreError, ClientError

    from credit_core.history import store
    from credit_core.history.definitions import feature_set
    from credit_core.history.engine import batch_features, connect_folder
    from credit_core.history.summary import batch_summaries, pack

    try:
        reader = store.open_store(args.to)
    except store.StoreUriError as exc:
        raise UsageError(str(exc)) from exc
    listed = _client_ids(args.clients_from) if args.clients_from else []
    folder = _history_folder(args.history)
    try:
        published = reader.metadata()
    except store.StoreError as exc:
        raise UsageError(f"--overlay needs a published store: {exc}") from exc
    if args.as_of is not None and _as_of(args.as_of).isoformat() != published.as_of:
        raise UsageError(f"--as-of {args.as_of}: the store's history is as of {published.as_of}")
    as_of = date.fromisoformat(published.as_of)
    con = connect_folder(folder, memory_limit=args.memory_limit)
    try:
        frame = batch_features(con)
        summaries = [(s.sk_id_curr, pack(s)) for s in batch_summaries(con, as_of)]
    except msgspec.ValidationError as exc:
        raise UsageError(f"history: a value outside the history summary's contract: {exc}") from exc
    finally:
        con.close()
    written = set(frame.index.tolist()) | {i for i, _ in summaries}
    remove = sorted(set(listed) - written)
    try:
        meta = store.overlay(
            args.to, frame.index.to_numpy(), frame.to_numpy(), feature_set(), summaries, remove
        )
    except store.StoreError as exc:
        raise UsageError(f"cannot overlay the feature store: {exc}") from exc
    except (OSError, sqlite3.Error, BotoCoreError, ClientError) as exc:
        raise UsageError(f"cannot write the feature store {args.to}: {exc}") from exc
    print(
        f"overlaid {len(frame):,} clients' history features and {len(summaries):,} summaries "
        f"from {folder} on {args.to}; removed {len(remove):,} listed clients without history "
        f"there; the store holds {meta.count:,} clients (as of {meta.as_of}, {meta.digest[:19]})"
    )
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
    publish.add_argument(
        "--overlay",
        action="store_true",
        help="write the folder's clients into the published store (same feature set and as-of "
        "date) instead of replacing it",
    )
    publish.add_argument(
        "--clients-from",
        default=None,
        metavar="CSV",
        help="with --overlay: a CSV with SK_ID_CURR; its clients without history in the folder "
        "are deleted from the store",
    )
    publish.set_defaults(func=_publish)
