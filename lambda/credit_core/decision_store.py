"""The decision store: every decision record, every review, and the idempotency keys' answers,
append-only, behind one URI (``DECISIONS_URI``):

* ``sqlite:///path/decisions.sqlite``: an embedded file (local runs and the demo);
* ``dynamodb://table``: a DynamoDB table (AWS; region, credentials and endpoint from the usual
  boto3 settings, e.g. ``AWS_ENDPOINT_URL_DYNAMODB``).

Both hold items ``(pk, sk) -> bytes`` with an expiry (epoch seconds; DynamoDB's TTL attribute
``expires_at``) and offer two operations only: :meth:`DecisionStore.put_new`, a conditional
write that never replaces an item (``attribute_not_exists``; SQLite's primary key), and
:meth:`DecisionStore.query`, every live item of a partition. Nothing here updates or deletes:
in AWS the scoring role is also denied ``UpdateItem``/``DeleteItem`` (template.yaml).

Layout (``pk`` / ``sk``):

* ``req#{request_id}`` / ``decision#{n}#{i}``: the request's :class:`DecisionRecord` JSON lines,
  zlib-compressed, cut into ``n`` chunks (a DynamoDB item holds at most 400 KB);
* ``req#{request_id}`` / ``review#{reviewed_at}#{review_id}``: one :class:`Review` each;
* ``idem#{sha256(scope, key)}`` / ``claim#{k}``: the k-th claim of an idempotency key (the
  request id and a fingerprint of the request); ``reply#{k}#{n}#{i}``: the answer given.

Every call is bounded in time (DynamoDB: 0.5 s connect, 1 s read, 2 attempts); a store that
cannot answer raises :class:`DecisionStoreUnavailable`, never a silent "not found".
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import msgspec

from credit_core.contracts import DecisionRecord, Review, read_record, read_review
from credit_core.contracts.versions import ContractError, ContractVersionError

CHUNK_BYTES = 350_000  # under DynamoDB's 400 KB item limit, with room for the keys
DAY = 86_400


class DecisionStoreUriError(ValueError):
    """A URI this module cannot open."""


class DecisionStoreUnavailable(Exception):
    """The store did not answer (connection, timeout, permissions, unwritable file)."""


class DecisionStore(Protocol):
    uri: str

    def put_new(self, pk: str, sk: str, value: bytes, expires_at: int) -> bool:
        """Write the item unless ``(pk, sk)`` exists; False if it exists (never replaced)."""
        ...

    def query(self, pk: str) -> list[tuple[str, bytes]]:
        """The live (unexpired) items of ``pk`` as ``(sk, value)``, ordered by ``sk``."""
        ...

    def scan(self, sk_prefix: str) -> list[tuple[str, str, bytes]]:
        """Every live item whose ``sk`` starts with ``sk_prefix``, as ``(pk, sk, value)``
        (reports only: a full read of the store; the scoring role may not scan)."""
        ...


def parse_uri(uri: str) -> tuple[str, str]:
    """``("sqlite", path)`` or ``("dynamodb", table)``; DecisionStoreUriError otherwise."""
    scheme, sep, rest = uri.partition("://")
    if sep and scheme == "sqlite":
        path = rest[1:] if rest.startswith("/") else rest
        if path.strip():
            return scheme, path
    elif sep and scheme == "dynamodb":
        table = rest.strip("/")
        if table and "/" not in table:
            return scheme, table
    raise DecisionStoreUriError(
        f"unsupported decision store {uri!r}: use sqlite:///path/decisions.sqlite or "
        "dynamodb://table"
    )


def open_store(uri: str) -> DecisionStore:
    """A store at ``uri``; no I/O until the first call (a store that is down does not stop the
    API from starting). DecisionStoreUriError on a bad URI."""
    scheme, target = parse_uri(uri)
    if scheme == "sqlite":
        return SqliteDecisionStore(uri, Path(target))
    return DynamoDecisionStore(uri, target)


# ---------------------------------------------------------------------------- SQLite


class SqliteDecisionStore:
    def __init__(self, uri: str, path: Path):
        self.uri, self.path = uri, path
        self._con: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = sqlite3.connect(self.path, timeout=1.0, check_same_thread=False)
                con.execute("PRAGMA journal_mode = WAL")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS items (pk TEXT NOT NULL, sk TEXT NOT NULL, "
                    "v BLOB NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (pk, sk))"
                )
            except (OSError, sqlite3.Error) as exc:
                raise DecisionStoreUnavailable(f"decision store {self.uri}: {exc}") from exc
            self._con = con
        return self._con

    def put_new(self, pk: str, sk: str, value: bytes, expires_at: int) -> bool:
        with self._lock:
            con = self._connection()
            try:
                with con:
                    con.execute(
                        "INSERT INTO items (pk, sk, v, expires_at) VALUES (?, ?, ?, ?)",
                        (pk, sk, value, expires_at),
                    )
            except sqlite3.IntegrityError:
                return False
            except sqlite3.Error as exc:
                raise DecisionStoreUnavailable(f"decision store {self.uri}: {exc}") from exc
        return True

    def query(self, pk: str) -> list[tuple[str, bytes]]:
        with self._lock:
            con = self._connection()
            try:
                rows = con.execute(
                    "SELECT sk, v FROM items WHERE pk = ? AND expires_at > ? ORDER BY sk",
                    (pk, int(time.time())),
                ).fetchall()
            except sqlite3.Error as exc:
                raise DecisionStoreUnavailable(f"decision store {self.uri}: {exc}") from exc
        return [(sk, bytes(v)) for sk, v in rows]

    def scan(self, sk_prefix: str) -> list[tuple[str, str, bytes]]:
        with self._lock:
            con = self._connection()
            try:
                rows = con.execute(
                    "SELECT pk, sk, v FROM items WHERE substr(sk, 1, ?) = ? AND expires_at > ? "
                    "ORDER BY pk, sk",
                    (len(sk_prefix), sk_prefix, int(time.time())),
                ).fetchall()
            except sqlite3.Error as exc:
                raise DecisionStoreUnavailable(f"decision store {self.uri}: {exc}") from exc
        return [(pk, sk, bytes(v)) for pk, sk, v in rows]


# ---------------------------------------------------------------------------- DynamoDB


def dynamodb_client() -> Any:
    """Short timeouts: the store is on the request's path (2 attempts of at most 1.5 s)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=0.5,
        read_timeout=1.0,
        retries={"mode": "standard", "total_max_attempts": 2},
    )
    return boto3.client("dynamodb", config=config)


class DynamoDecisionStore:
    """Items ``{pk: S, sk: S, v: B, expires_at: N}``; ``expires_at`` is the table's TTL."""

    def __init__(self, uri: str, table: str, client: Any | None = None):
        self.uri, self.table = uri, table
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = dynamodb_client()
        return self._client

    def _unavailable(self, exc: BaseException) -> DecisionStoreUnavailable:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        return DecisionStoreUnavailable(
            f"decision store {self.uri}: {code or type(exc).__name__}: {exc}"
        )

    def put_new(self, pk: str, sk: str, value: bytes, expires_at: int) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": pk},
                    "sk": {"S": sk},
                    "v": {"B": value},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc
        return True

    def query(self, pk: str) -> list[tuple[str, bytes]]:
        from botocore.exceptions import BotoCoreError, ClientError

        now = int(time.time())
        out: list[tuple[str, bytes]] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        try:
            while True:
                page = self.client.query(**request)
                for item in page.get("Items", []):
                    if int(item["expires_at"]["N"]) > now:  # TTL deletes lazily
                        out.append((item["sk"]["S"], bytes(item["v"]["B"])))
                last = page.get("LastEvaluatedKey")
                if not last:
                    break
                request["ExclusiveStartKey"] = last
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc
        return sorted(out)

    def scan(self, sk_prefix: str) -> list[tuple[str, str, bytes]]:
        from botocore.exceptions import BotoCoreError, ClientError

        now = int(time.time())
        out: list[tuple[str, str, bytes]] = []
        pages = self.client.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="begins_with(sk, :p)",
            ExpressionAttributeValues={":p": {"S": sk_prefix}},
        )
        try:
            for page in pages:
                for item in page.get("Items", []):
                    if int(item["expires_at"]["N"]) > now:
                        out.append((item["pk"]["S"], item["sk"]["S"], bytes(item["v"]["B"])))
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc
        return sorted(out)


# ---------------------------------------------------------------------------- chunked values


def _chunks(data: bytes) -> list[bytes]:
    packed = zlib.compress(data, 6)
    return [packed[i : i + CHUNK_BYTES] for i in range(0, len(packed), CHUNK_BYTES)] or [b""]


def _put_chunked(store: DecisionStore, pk: str, prefix: str, data: bytes, expires_at: int) -> bool:
    """``data`` under ``{prefix}#{n}#{i}``; False if its first chunk already existed."""
    parts = _chunks(data)
    n = len(parts)
    for i, part in enumerate(parts):
        if not store.put_new(pk, f"{prefix}#{n:04d}#{i:04d}", part, expires_at) and i == 0:
            return False
    return True


def _read_chunked(items: Iterable[tuple[str, bytes]], prefix: str) -> bytes | None:
    """The value written under ``prefix`` (None if absent or incomplete)."""
    parts: dict[int, bytes] = {}
    n = 0
    for sk, value in items:
        if sk.startswith(prefix + "#"):
            count, index = sk[len(prefix) + 1 :].split("#")
            n, parts[int(index)] = int(count), value
    if not n or len(parts) != n:
        return None
    return zlib.decompress(b"".join(parts[i] for i in range(n)))


# ---------------------------------------------------------------------------- decisions, reviews


def _request_pk(request_id: str) -> str:
    return f"req#{request_id}"


def expiry(retention_days: int, now: float | None = None) -> int:
    return int((time.time() if now is None else now) + retention_days * DAY)


def put_decisions(store: DecisionStore, request_id: str, lines: bytes, retention_days: int) -> bool:
    """The request's decision records (JSON lines); False if they were already stored."""
    return _put_chunked(store, _request_pk(request_id), "decision", lines, expiry(retention_days))


def put_review(store: DecisionStore, review: Review, retention_days: int) -> None:
    """Append one review (a new item, keyed by time and its own id: never an edit)."""
    sk = f"review#{review.reviewed_at}#{review.review_id}"
    store.put_new(
        _request_pk(review.request_id), sk, msgspec.json.encode(review), expiry(retention_days)
    )


class StoredRecordError(Exception):
    """A stored item that is not a readable record or review (the message names it)."""


def read_decision(
    store: DecisionStore, request_id: str
) -> tuple[list[DecisionRecord], list[Review]]:
    """The request's decision records (empty if unknown) and its reviews, oldest first."""
    items = store.query(_request_pk(request_id))
    lines = _read_chunked(items, "decision")
    try:
        records = [read_record(line) for line in lines.splitlines()] if lines else []
        reviews = [read_review(v) for sk, v in items if sk.startswith("review#")]
    except (ContractError, ContractVersionError) as exc:
        raise StoredRecordError(f"request {request_id}: {exc}") from exc
    return records, reviews


def all_reviews(store: DecisionStore) -> list[Review]:
    """Every review in the store, by request then time (reports: a full scan)."""
    try:
        return [read_review(v) for _, _, v in store.scan("review#")]
    except (ContractError, ContractVersionError) as exc:
        raise StoredRecordError(str(exc)) from exc


# ---------------------------------------------------------------------------- idempotency


class Claim(msgspec.Struct, frozen=True):
    request_id: str
    fingerprint: str
    claimed_at: float  # epoch seconds


class StoredReply(msgspec.Struct, frozen=True):
    status: int
    content_type: str
    body: bytes


def idempotency_pk(scope: str, key: str) -> str:
    """The key's partition: a digest, so a client's key never becomes part of a table key."""
    return "idem#" + hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()


class KeyState(msgspec.Struct, frozen=True):
    """What the store knows of a key: its latest claim (None: never used), its number, and the
    reply stored under it (None: no answer recorded yet)."""

    claim: Claim | None = None
    number: int = -1
    reply: StoredReply | None = None


def key_state(store: DecisionStore, pk: str) -> KeyState:
    items = store.query(pk)
    claims = [(sk, v) for sk, v in items if sk.startswith("claim#")]
    if not claims:
        return KeyState()
    sk, value = claims[-1]
    number = int(sk.split("#")[1])
    reply = _read_chunked(items, f"reply#{number:04d}")
    return KeyState(
        claim=msgspec.json.decode(value, type=Claim),
        number=number,
        reply=msgspec.json.decode(reply, type=StoredReply) if reply is not None else None,
    )


def put_claim(store: DecisionStore, pk: str, number: int, claim: Claim, ttl_seconds: int) -> bool:
    """Claim the key for a request (the ``number``-th claim); False if another request did."""
    return store.put_new(
        pk, f"claim#{number:04d}", msgspec.json.encode(claim), int(time.time() + ttl_seconds)
    )


def put_reply(
    store: DecisionStore, pk: str, number: int, reply: StoredReply, ttl_seconds: int
) -> None:
    _put_chunked(
        store, pk, f"reply#{number:04d}", msgspec.json.encode(reply), int(time.time() + ttl_seconds)
    )
