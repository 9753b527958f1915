"""The online feature store (credit_core.history.store) through one code path on both backends:
SQLite (embedded) and DynamoDB (moto, table made from template.yaml's definition)."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from credit_core.cli import main
from credit_core.history import store
from credit_core.history.definitions import feature_names, feature_set
from credit_core.history.engine import batch_features, connect_folder
from tests.infra.cfn import load_template

FIXTURE = Path(__file__).resolve().parents[1] / "data/history_fixture"
REGION = "eu-west-3"
TABLE = "credit-scoring-features"
AS_OF = "2026-11-30"


def _template_table(name: str = "FeatureTable") -> dict:
    """The feature table's key schema and billing as template.yaml declares them."""
    resources = load_template("template.yaml")["Resources"]
    props = resources[name]["Properties"]
    return {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props["BillingMode"],
    }


@pytest.fixture
def dynamodb(monkeypatch):
    """moto's DynamoDB with the template's feature and history tables; yields the client."""
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(TableName=TABLE, **_template_table())
        # the officers' history summaries, published beside the features
        client.create_table(
            TableName=store.summary_table(TABLE), **_template_table("FeatureHistoryTable")
        )
        yield client


@pytest.fixture(params=["sqlite", "dynamodb"])
def uri(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store/features.sqlite"
    request.getfixturevalue("dynamodb")
    return f"dynamodb://{TABLE}"


@pytest.fixture(scope="module")
def fixture_features():
    con = connect_folder(FIXTURE)
    try:
        return batch_features(con)
    finally:
        con.close()


def _publish_cli(uri: str, *extra: str) -> int:
    return main(["features", "publish", "--history", str(FIXTURE), "--to", uri, *extra])


def test_publish_reads_back_the_batch_values(uri, fixture_features, capsys):
    assert _publish_cli(uri, "--as-of", AS_OF) == 0
    assert "published 3 clients x 78" in capsys.readouterr().out
    reader = store.open_store(uri)
    meta = reader.metadata()
    assert meta.digest == feature_set()["digest"]
    assert list(meta.names) == feature_names()
    assert (meta.as_of, meta.count) == (AS_OF, len(fixture_features))
    for sk_id, expected in fixture_features.iterrows():
        got = reader.get(int(sk_id))
        assert got is not None
        np.testing.assert_array_equal(got, expected.to_numpy())  # NaN where NaN, bit for bit
    many = reader.get_many([*fixture_features.index, 999_999])
    assert sorted(many) == sorted(int(i) for i in fixture_features.index)
    for sk_id, values in many.items():
        np.testing.assert_array_equal(values, fixture_features.loc[sk_id].to_numpy())


def test_a_client_without_history_is_none_not_an_error(uri, fixture_features):
    assert _publish_cli(uri) == 0
    reader = store.open_store(uri)
    assert reader.get(123) is None
    assert reader.get_many([123, 456]) == {}
    assert reader.metadata().as_of == datetime.now(UTC).date().isoformat()


def test_a_store_never_published_is_not_ready(uri):
    reader = store.open_store(uri)
    with pytest.raises(store.StoreError):
        reader.get(100_002)
    with pytest.raises(store.StoreError):
        reader.metadata()


def _synthetic(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    ids = np.arange(100_002, 100_002 + n, dtype=np.int64)
    values = rng.normal(size=(n, len(feature_names())))
    values[::7, 3] = np.nan
    return ids, values


def test_republishing_sqlite_replaces_it_whole_and_a_reader_follows(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path}/f.sqlite"
    ids, values = _synthetic(10)
    store.publish(uri, ids, values, feature_set(), date(2026, 1, 1))
    reader = store.open_store(uri)
    assert reader.get(int(ids[0])) is not None
    monkeypatch.setattr(store, "SQLITE_RECHECK", 0.0)
    store.publish(uri, ids[5:], values[5:] + 1, feature_set(), date(2026, 2, 1))
    assert reader.get(int(ids[0])) is None  # not left over from the old publication
    np.testing.assert_array_equal(reader.get(int(ids[6])), values[6] + 1)
    assert reader.metadata().as_of == "2026-02-01"
    assert [p.name for p in tmp_path.iterdir()] == ["f.sqlite"]  # no temporary file left


def test_150_ids_take_two_batch_get_calls(dynamodb):
    ids, values = _synthetic(150)
    uri = f"dynamodb://{TABLE}"
    store.publish(uri, ids, values, feature_set(), date(2026, 1, 1))
    reader = store.open_store(uri)
    reader.metadata()
    calls: list[int] = []
    reader.client.meta.events.register(
        "before-parameter-build.dynamodb.BatchGetItem",
        lambda params, **_: calls.append(len(params["RequestItems"][TABLE]["Keys"])),
    )
    found = reader.get_many([*ids.tolist(), *ids[:10].tolist()])  # duplicates asked once
    assert calls == [100, 50]
    assert len(found) == 150
    np.testing.assert_array_equal(found[int(ids[149])], values[149])


def test_unprocessed_keys_are_retried(dynamodb, monkeypatch):
    ids, values = _synthetic(30)
    uri = f"dynamodb://{TABLE}"
    store.publish(uri, ids, values, feature_set(), date(2026, 1, 1))
    monkeypatch.setattr(store, "BACKOFF_BASE", 0.001)
    reader = store.open_store(uri)
    reader.metadata()
    calls: list[int] = []

    def throttle_half(parsed, **_):  # DynamoDB's answer under load: part of the keys unprocessed
        calls.append(1)
        if len(calls) > 2:
            return
        items = parsed["Responses"][TABLE]
        kept, left = items[: len(items) // 2], items[len(items) // 2 :]
        parsed["Responses"][TABLE] = kept
        parsed["UnprocessedKeys"] = {
            TABLE: {"Keys": [{"SK_ID_CURR": i["SK_ID_CURR"]} for i in left]}
        }

    reader.client.meta.events.register("after-call.dynamodb.BatchGetItem", throttle_half)
    found = reader.get_many(ids.tolist())
    assert len(calls) == 3
    assert sorted(found) == ids.tolist()
    for k, sk_id in enumerate(ids):
        np.testing.assert_array_equal(found[int(sk_id)], values[k])


def test_keys_never_processed_raise_unavailable(dynamodb, monkeypatch):
    ids, values = _synthetic(5)
    uri = f"dynamodb://{TABLE}"
    store.publish(uri, ids, values, feature_set(), date(2026, 1, 1))
    monkeypatch.setattr(store, "BACKOFF_BASE", 0.001)
    reader = store.open_store(uri)
    reader.metadata()

    def nothing_processed(parsed, **_):
        keys = [{"SK_ID_CURR": i["SK_ID_CURR"]} for i in parsed["Responses"][TABLE]]
        parsed["Responses"][TABLE] = []
        parsed["UnprocessedKeys"] = {TABLE: {"Keys": keys}}

    reader.client.meta.events.register("after-call.dynamodb.BatchGetItem", nothing_processed)
    with pytest.raises(store.StoreUnavailable, match="unprocessed"):
        reader.get_many(ids.tolist())


def test_records_of_another_feature_set_are_refused(dynamodb):
    """A republish with other definitions is under way: its records never pass as the old set."""
    ids, values = _synthetic(3)
    uri = f"dynamodb://{TABLE}"
    store.publish(uri, ids, values, feature_set(), date(2026, 1, 1))
    dynamodb.put_item(
        TableName=TABLE,
        Item={
            "SK_ID_CURR": {"N": str(ids[0])},
            "v": {"B": values[0].tobytes()},
            "d": {"S": "sha256:other"},
        },
    )
    reader = store.open_store(uri)
    with pytest.raises(store.StoreNotReady):
        reader.get(int(ids[0]))
    with pytest.raises(store.StoreNotReady):
        reader.get_many(ids.tolist())
    np.testing.assert_array_equal(reader.get(int(ids[1])), values[1])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_dynamodb_raises_unavailable(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{_closed_port()}")
    reader = store.open_store(f"dynamodb://{TABLE}")  # no I/O yet: a process still starts
    with pytest.raises(store.StoreUnavailable):
        reader.get(100_002)
    with pytest.raises(store.StoreUnavailable):
        reader.get_many([100_002])


def test_a_missing_dynamodb_table_is_not_ready(dynamodb):
    with pytest.raises(store.StoreNotReady, match="no such table"):
        store.open_store("dynamodb://other-table").get(1)


def test_a_missing_sqlite_file_is_unavailable(tmp_path):
    reader = store.open_store(f"sqlite:///{tmp_path}/absent.sqlite")
    with pytest.raises(store.StoreUnavailable):
        reader.get(1)
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all, just bytes" * 10)
    with pytest.raises(store.StoreError):
        store.open_store(f"sqlite:///{tmp_path}/junk.sqlite").get(1)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("redis://host/0", "scheme 'redis'"),
        ("features.sqlite", "unsupported feature store"),
        ("sqlite://", "no file"),
        ("dynamodb://", "no table"),
    ],
)
def test_bad_uris_are_refused(uri, message):
    with pytest.raises(store.StoreUriError, match=message):
        store.open_store(uri)


def test_publish_refuses_misshapen_values(tmp_path):
    ids, values = _synthetic(4)
    uri = f"sqlite:///{tmp_path}/f.sqlite"
    with pytest.raises(ValueError, match="shape"):
        store.publish(uri, ids, values[:, :5], feature_set(), date(2026, 1, 1))
    with pytest.raises(ValueError, match="duplicated"):
        store.publish(uri, [1, 1, 2, 3], values, feature_set(), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "redis://host"], "scheme 'redis'"),
        (["--to", "sqlite:///{tmp}/f.sqlite", "--as-of", "30/11/2026"], "--as-of '30/11/2026'"),
        (["--to", "sqlite:///{tmp}/blocker/f.sqlite"], "cannot write the feature store"),
        (["--to", "sqlite:///{tmp}", "--as-of", "2026-01-01"], "cannot write the feature store"),
        (["--history", "{tmp}/empty"], "holds no history tables"),
        (["--history", "{tmp}/nowhere"], "no history folder"),
        (["--history", "{tmp}/partial"], "history file(s) missing"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(args, message, tmp_path, capsys):
    (tmp_path / "blocker").write_text("a file where the folder should be")
    (tmp_path / "empty").mkdir()
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial/bureau.csv").write_text((FIXTURE / "bureau.csv").read_text())
    argv = {"--history": str(FIXTURE), "--to": f"sqlite:///{tmp_path}/ok.sqlite"}
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    argv.update({k: v.format(tmp=tmp_path) for k, v in pairs.items()})
    code = main(["features", "publish", *[x for kv in argv.items() for x in kv]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("credit features: error:")
    assert message in err
    assert not (tmp_path / "ok.sqlite").exists()


def test_reading_imports_no_engine_pandas_or_boto3_until_dynamodb_is_used(tmp_path):
    """The scoring Lambda imports the reader: stdlib + numpy; boto3 only for a DynamoDB store."""
    import subprocess
    import sys

    uri = f"sqlite:///{tmp_path}/f.sqlite"
    ids, values = _synthetic(3)
    store.publish(uri, ids, values, feature_set(), date(2026, 1, 1))
    code = (
        "import sys; from credit_core.history import store;"
        f"r = store.open_store({uri!r}); r.get_many([{int(ids[0])}]); r.metadata();"
        "print([m for m in ('duckdb', 'sqlglot', 'pandas', 'boto3') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lookup_reads_values_with_the_publication_that_answered(uri, fixture_features):
    assert _publish_cli(uri, "--as-of", AS_OF) == 0
    reader = store.open_store(uri)
    ids = [int(i) for i in fixture_features.index]
    one = reader.lookup([ids[0], ids[0]])  # one client: a primary-key read
    assert (one.meta.as_of, one.meta.digest) == (AS_OF, feature_set()["digest"])
    assert list(one.found) == [ids[0]]
    np.testing.assert_array_equal(one.found[ids[0]], fixture_features.loc[ids[0]].to_numpy())
    many = reader.lookup([*ids, 999_999])
    assert many.meta == one.meta and sorted(many.found) == sorted(ids)
    assert reader.lookup([999_999]).found == {}


# ---------------------------------------------------------------------------- overlay (the demo)
SAMPLES = Path(__file__).resolve().parents[2] / "frontend/data"
STRANGER, NO_HISTORY, OTHER = 100_009, 100_008, 7  # sample ids the base store gives to others


def _base_store(uri: str, digest: str | None = None) -> np.ndarray:
    """A published store holding other people under two sample ids (as the demo's twin does)
    and one client outside the samples; returns the values written."""
    rng = np.random.default_rng(1)
    values = rng.normal(size=(3, len(feature_names())))
    fs = feature_set() | ({"digest": digest} if digest else {})
    store.publish(uri, [STRANGER, NO_HISTORY, OTHER], values, fs, date.fromisoformat(AS_OF))
    store.publish_summaries(uri, [(STRANGER, b"s1"), (NO_HISTORY, b"s2"), (OTHER, b"s3")])
    return values


def _overlay_cli(uri: str, *extra: str) -> int:
    history, clients = SAMPLES / "sample_history", SAMPLES / "sample_clients.csv"
    argv = ["features", "publish", "--history", str(history), "--to", uri, "--overlay"]
    return main([*argv, "--clients-from", str(clients), "--memory-limit", "1GB", *extra])


def test_overlay_writes_the_samples_own_history_and_deletes_those_without(uri, capsys, monkeypatch):
    from credit_core.history.summary import client_summary, unpack

    base = _base_store(uri)
    serving = store.open_store(uri)  # a reader open before the overlay (the API's)
    np.testing.assert_array_equal(serving.get(STRANGER), base[0])
    monkeypatch.setattr(store, "SQLITE_RECHECK", 0.0)
    monkeypatch.setattr(store, "METADATA_TTL", 0.0)
    assert _overlay_cli(uri) == 0
    assert "removed 5 listed clients without history" in capsys.readouterr().out
    con = connect_folder(SAMPLES / "sample_history", memory_limit="1GB")
    try:
        own = batch_features(con)
        reader, summaries = store.open_store(uri), store.open_summaries(uri)
        np.testing.assert_array_equal(reader.get(STRANGER), own.loc[STRANGER].to_numpy())
        expected = client_summary(con, STRANGER, date.fromisoformat(AS_OF))
        assert unpack(summaries.get_summary(STRANGER)) == expected
    finally:
        con.close()
    assert reader.get(NO_HISTORY) is None and summaries.get_summary(NO_HISTORY) is None
    np.testing.assert_array_equal(reader.get(OTHER), base[2])  # outside the samples: kept
    assert summaries.get_summary(OTHER) == b"s3"
    meta = reader.metadata()
    assert (meta.digest, meta.as_of) == (feature_set()["digest"], AS_OF)
    assert meta.count == 1 + len(own) == 21
    assert len(reader.get_many([*own.index, OTHER, NO_HISTORY])) == 21
    np.testing.assert_array_equal(serving.get(STRANGER), own.loc[STRANGER].to_numpy())
    assert serving.get(NO_HISTORY) is None and serving.metadata().count == 21
    assert _overlay_cli(uri) == 0 and store.open_store(uri).metadata().count == 21  # idempotent


def test_a_publish_landing_during_a_dynamodb_overlay_keeps_its_metadata(dynamodb, monkeypatch):
    """The overlay's last write (the metadata) is conditional on the metadata it read: a full
    publish of another feature set meanwhile is never overwritten with the older digest."""
    uri = f"dynamodb://{TABLE}"
    _base_store(uri)
    republished = feature_set() | {"digest": "sha256:" + "1" * 64}
    read_ids = store.DynamoStore.get_many

    def publish_meanwhile(self, ids):
        found = read_ids(self, ids)
        zeros = np.zeros((1, len(feature_names())))
        store.publish(uri, [OTHER], zeros, republished, date.fromisoformat(AS_OF))
        return found

    monkeypatch.setattr(store.DynamoStore, "get_many", publish_meanwhile)
    with pytest.raises(store.StoreNotReady, match="published again during the overlay"):
        store.overlay(uri, [STRANGER], np.ones((1, len(feature_names()))), feature_set(), [], [])
    monkeypatch.setattr(store, "METADATA_TTL", 0.0)
    assert store.open_store(uri).metadata().digest == republished["digest"]


def test_the_metadata_record_can_never_be_removed_by_an_overlay(tmp_path):
    uri = f"sqlite:///{tmp_path}/features.sqlite"
    _base_store(uri)
    empty = np.zeros((0, len(feature_names())))
    with pytest.raises(ValueError, match="to remove must be non-negative"):
        store.overlay(uri, [], empty, feature_set(), [], [-1])


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other digest", "publish the whole store again first"),
        ("other as-of", "the store's history is as of 2026-11-30"),
        ("never published", "--overlay needs a published store"),
        ("no --overlay", "--clients-from goes with --overlay"),
        ("no id column", "no SK_ID_CURR column"),
    ],
)
def test_overlay_refusals_are_one_line_exit_2_and_leave_the_store(uri, case, message, capsys):
    if case != "never published":
        base = _base_store(uri, "sha256:" + "0" * 64 if case == "other digest" else None)
    if case == "other as-of":
        code = _overlay_cli(uri, "--as-of", "2026-12-01")
    elif case == "no --overlay":
        history = str(SAMPLES / "sample_history")
        argv = ["features", "publish", "--history", history, "--to", uri]
        code = main([*argv, "--clients-from", str(SAMPLES / "sample_clients.csv")])
    elif case == "no id column":
        history, clients = str(SAMPLES / "sample_history"), str(FIXTURE / "bureau_balance.csv")
        argv = ["features", "publish", "--history", history, "--to", uri, "--overlay"]
        code = main([*argv, "--clients-from", clients])
    else:
        code = _overlay_cli(uri)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("credit features: error:")
    assert message in err, err
    if case != "never published":
        reader = store.open_store(uri)
        if case != "other digest":
            np.testing.assert_array_equal(reader.get(STRANGER), base[0])
        assert reader.metadata().count == 3
