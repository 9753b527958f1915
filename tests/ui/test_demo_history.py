"""The demo's store (``make demo``'s publish steps on a 2,000-row twin, tests/ui/conftest.py's
``demo_store``): the twin reuses the sample clients' ``SK_ID_CURR`` values for other people, so
the store must hold each sample client's own history (features and summary, computed from
frontend/data/sample_history alone) and none for the samples without history. Then what an
officer sees, under AppTest and in Chromium (screenshots in build/screenshots/demo_history_*)."""

from __future__ import annotations

import csv
from datetime import date

import numpy as np
import pytest

from credit_core.history import store
from credit_core.history.definitions import feature_set
from credit_core.history.engine import batch_features, connect_folder
from credit_core.history.summary import client_summary, unpack
from tests.ui.conftest import NO_HISTORY_CLIENT, REPO, RICH_CLIENT, SAMPLE, SAMPLE_HISTORY

NO_HISTORY = {100008, 100010, 100096, 100150, 100166}  # frontend/README.md: none on purpose


def _features(folder):
    con = connect_folder(folder, memory_limit="1GB")
    try:
        return batch_features(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def samples() -> list[int]:
    with SAMPLE.open(newline="") as f:
        return [int(row["SK_ID_CURR"]) for row in csv.DictReader(f)]


def test_the_demo_store_holds_each_sample_clients_own_history(demo_store, samples):
    own, twin = _features(SAMPLE_HISTORY), _features(demo_store["twin"])
    assert set(samples) - set(own.index) == NO_HISTORY
    # the twin has other people under the samples' ids, with and without history: what the
    # store would serve without the overlay
    assert RICH_CLIENT in twin.index and NO_HISTORY_CLIENT in twin.index
    assert not np.array_equal(twin.loc[RICH_CLIENT].to_numpy(), own.loc[RICH_CLIENT].to_numpy())
    reader, summaries = store.open_store(demo_store["uri"]), store.open_summaries(demo_store["uri"])
    meta = reader.metadata()
    assert meta.digest == feature_set()["digest"]  # the API's feature-set check still holds
    as_of = date.fromisoformat(meta.as_of)
    con = connect_folder(SAMPLE_HISTORY, memory_limit="1GB")
    try:
        for sk_id in sorted(set(samples) - NO_HISTORY):
            np.testing.assert_array_equal(reader.get(sk_id), own.loc[sk_id].to_numpy())
            assert unpack(summaries.get_summary(sk_id)) == client_summary(con, sk_id, as_of)
    finally:
        con.close()
    for sk_id in NO_HISTORY:
        assert reader.get(sk_id) is None and summaries.get_summary(sk_id) is None
    # the twin's other clients are untouched; the count follows the overlay
    others = sorted(set(twin.index) - set(samples))
    found = reader.get_many(others)
    assert len(found) == len(others)
    np.testing.assert_array_equal(np.stack([found[i] for i in others]), twin.loc[others])
    assert meta.count == len(others) + len(set(samples) - NO_HISTORY)


def load(url: str, client_id: int, lang: str = "en"):
    from tests.ui.test_history import load as load_client

    return load_client(url, client_id, lang)


@pytest.mark.slow  # trains the tiny model once per session
def test_the_demo_shows_the_sample_clients_own_history(demo_api):
    from tests.ui.test_app import texts

    at = load(demo_api.url, RICH_CLIENT)
    shown = texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Closed credits"] == "3" and metrics["Approved"] == "8"
    assert (
        "Instalments due over the last 24 months: 65; paid on time 59; paid late 6; not paid 0."
        in shown
    )
    at = load(demo_api.url, NO_HISTORY_CLIENT, "fr")
    assert f"Aucun historique de crédit : le client {NO_HISTORY_CLIENT}" in at.info[-1].value


@pytest.mark.slow
def test_the_demo_history_in_chromium(demo_api, tmp_path_factory):
    from tests.ui.test_browser import pick
    from tests.ui.test_history_browser import SECTION, open_page, run_app, shot

    folder = REPO / "build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    app = run_app(demo_api.url, tmp_path_factory)
    page = open_page(next(app))
    try:
        pg = next(page)
        pick(pg, RICH_CLIENT)
        section = pg.locator(SECTION)
        section.get_by_text("Credits at other lenders (credit bureau)").wait_for()
        section.locator(".js-plotly-plot .barlayer").first.wait_for()
        assert section.get_by_text("Instalments due over the last 24 months: 65;").count() == 1
        shot(pg, f"demo_history_{RICH_CLIENT}_en", folder)
        pick(pg, NO_HISTORY_CLIENT)
        section.get_by_text(f"No credit history: client {NO_HISTORY_CLIENT}").wait_for()
        assert section.locator(".js-plotly-plot").count() == 0
        shot(pg, f"demo_history_{NO_HISTORY_CLIENT}_en", folder)
    finally:
        page.close()
        app.close()
