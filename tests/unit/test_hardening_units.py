"""Pure pieces of the API's hardening: version names, time budgets, the load retry."""

import json

import pytest

from credit_api import deadline
from credit_api.settings import Settings
from credit_api.state import UNAVAILABLE, ModelLoader, ModelState
from credit_core import bundle, storage


@pytest.mark.parametrize("version", ["1", "12", "v2.3.1", "2026-11-28_a", 7])
def test_plain_version_names_are_accepted(version):
    assert bundle.check_version(version) == str(version)


@pytest.mark.parametrize(
    "version",
    ["..", "../1", "1/../../etc", "/etc", "a/b", "1\\..\\x", ".hidden", "", "1 2", None, True, {}],
)
def test_other_versions_are_refused(version):
    with pytest.raises(bundle.BundleError, match="not a plain version name"):
        bundle.check_version(version)


def test_a_pointer_to_a_path_is_refused_before_anything_is_read(tmp_path):
    (tmp_path / "current.json").write_text(json.dumps({"version": "../../outside"}))
    with pytest.raises(bundle.BundleError, match="not a plain version name"):
        bundle.load_bundle(str(tmp_path), cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("budget", [0.25, 0.4, 0.9, 1.5, 2.0, 3.9, 4.0, 5.5, 8.0, 14.0])
def test_s3_client_settings_fit_in_the_budget(budget):
    connect, read, attempts = storage.bounded_client_settings(budget)
    worst = attempts * (connect + read) + (storage.RETRY_BACKOFF_MAX if attempts > 1 else 0)
    assert connect > 0 and read > 0
    assert worst <= budget
    assert worst >= budget / 3  # and does not waste most of it


class Context:
    def __init__(self, ms: int):
        self.ms = ms

    def get_remaining_time_in_millis(self) -> int:
        return self.ms


def test_the_write_budget_follows_the_invocation_deadline():
    deadline.start(Context(3000))
    assert deadline.budget() == pytest.approx(3.0 - deadline.RESERVE_SECONDS, abs=0.05)
    deadline.start(Context(900))
    assert deadline.budget() < 0  # no time left: the write is skipped, the fallback runs
    deadline.start(Context(60_000))
    assert deadline.budget() == deadline.CAP_SECONDS
    deadline.start(object())  # not in Lambda
    assert deadline.budget() == deadline.CAP_SECONDS


def test_a_failed_load_is_retried_at_most_every_reload_seconds():
    now = [100.0]
    outcomes = [ModelState(None, "s3 timeout"), ModelState(None, "still down"), "loaded"]
    calls = []

    def load(settings):
        calls.append(now[0])
        out = outcomes.pop(0)
        return ModelState(object()) if out == "loaded" else out  # type: ignore[arg-type]

    loader = ModelLoader(Settings(reload_seconds=30), load=load, clock=lambda: now[0])
    assert loader.state.bundle is None and loader.state.error == UNAVAILABLE
    assert "s3 timeout" not in loader.state.error and loader.state.cause == "s3 timeout"
    now[0] = 129.0
    assert loader.retry() is False and calls == [100.0]  # not yet 30 s
    now[0] = 130.0
    assert loader.retry() is False and calls == [100.0, 130.0]  # tried, failed again
    now[0] = 150.0
    assert loader.retry() is False and len(calls) == 2
    now[0] = 160.0
    assert loader.retry() is True and loader.state.bundle is not None
    now[0] = 1000.0
    assert loader.retry() is False and len(calls) == 3  # loaded: never again


def _tiny_bundle(root, files: dict[str, bytes]) -> None:
    (root / "1").mkdir(parents=True)
    for name, data in files.items():
        (root / "1" / name).write_bytes(data)
    sums = {name: bundle.sha256(data) for name, data in files.items()}
    (root / "1" / bundle.CHECKSUMS).write_text(json.dumps(sums))


def test_the_bundle_cache_replaces_a_planted_symlink_instead_of_writing_through_it(tmp_path):
    """Issue 21 #10: a symlink planted in the shared cache folder must never be followed."""
    _tiny_bundle(tmp_path / "models", {"importance.json": b"[]"})
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    cache = tmp_path / "cache"
    (cache / "1").mkdir(parents=True)
    (cache / "1" / "importance.json").symlink_to(victim)
    out = bundle.fetch(str(tmp_path / "models"), "1", ("importance.json",), cache)
    assert victim.read_text() == "keep me"
    assert not (out / "importance.json").is_symlink()
    assert (out / "importance.json").read_bytes() == b"[]"


def test_a_cached_file_that_is_not_a_regular_file_is_fetched_again(tmp_path):
    import os

    _tiny_bundle(tmp_path / "models", {"importance.json": b"[]"})
    cache = tmp_path / "cache"
    (cache / "1").mkdir(parents=True)
    os.mkfifo(cache / "1" / "importance.json")  # would block a plain open for reading
    out = bundle.fetch(str(tmp_path / "models"), "1", ("importance.json",), cache)
    assert (out / "importance.json").read_bytes() == b"[]"


def test_a_cached_version_folder_that_links_elsewhere_is_refused(tmp_path):
    _tiny_bundle(tmp_path / "models", {"importance.json": b"[]"})
    cache = tmp_path / "cache"
    cache.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (cache / "1").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(bundle.BundleError, match="outside the cache"):
        bundle.fetch(str(tmp_path / "models"), "1", ("importance.json",), cache)
    assert not list((tmp_path / "elsewhere").iterdir())
