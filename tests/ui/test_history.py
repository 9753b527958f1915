"""The client file's History section under AppTest, against the real API and a store published
from the sample clients' history: a rich history, none, both languages, an unreadable store."""

from __future__ import annotations

import pytest

from tests.ui.conftest import NO_HISTORY_CLIENT, RICH_CLIENT
from tests.ui.test_app import charts, make_app, texts

pytestmark = pytest.mark.slow  # trains the tiny model once per session


def load(url: str, client_id: int, lang: str = "en"):
    at = make_app(url)
    if lang != "en":
        at.segmented_control(key="lang").set_value(lang).run()
    at.selectbox(key="client_pick").select(client_id).run()
    assert not at.exception
    return at


def test_a_client_with_history_shows_bureau_previous_punctuality_and_cards(history_api):
    at = load(history_api.url, RICH_CLIENT)
    shown = texts(at)
    assert "Credit history" in shown and "History as of 2026-11-30" in shown
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Closed credits"] == "3" and metrics["Active credits"] == "0"
    assert metrics["Approved"] == "8" and metrics["Refused"] == "1"
    # the two tables: bureau credits and previous applications, in people's units
    bureau, previous = (df.value for df in at.dataframe)
    assert list(bureau.columns) == [
        "Status",
        "Amount",
        "Still owed",
        "Overdue",
        "Opened",
        "Ends / ended",
    ]
    assert bureau.iloc[0].tolist()[:2] == ["Closed", "121,500"]
    assert bureau.iloc[0]["Opened"] == "36 days ago"
    assert set(previous["Status"]) == {"Approved", "Refused", "Cancelled"}
    assert previous.iloc[0]["Amount granted"] == "–"  # cancelled: nothing granted
    assert "4.1 years ago" in previous["Decided"].tolist()
    # punctuality stacked by how instalments were paid; card use as a share of the limit
    figs = charts(at)
    bars = figs["punctuality"]["data"]
    assert [b["name"] for b in bars] == ["Paid on time", "Paid late", "Not paid"]
    assert sum(sum(b["y"]) for b in bars[1:2]) == 6  # late instalments over 24 months
    assert max(figs["card_use"]["data"][0]["y"]) == pytest.approx(92.12, abs=0.01)
    assert (
        "Instalments due over the last 24 months: 65; paid on time 59; paid late 6; not paid 0."
        in shown
    )
    assert "Card use in the latest month: 65% of the limit" in shown


def test_a_client_without_history_is_told_plainly_in_both_languages(history_api):
    at = load(history_api.url, NO_HISTORY_CLIENT)
    assert f"No credit history: client {NO_HISTORY_CLIENT}" in at.info[-1].value
    assert not at.dataframe and "punctuality" not in charts(at)
    at.segmented_control(key="lang").set_value("fr").run()
    assert "Historique de crédit" in texts(at)
    assert f"Aucun historique de crédit : le client {NO_HISTORY_CLIENT}" in at.info[-1].value


def test_the_history_in_french(history_api):
    at = load(history_api.url, RICH_CLIENT, "fr")
    shown = texts(at)
    assert "Crédits chez d'autres prêteurs (bureau de crédit)" in shown
    bureau, previous = (df.value for df in at.dataframe)
    assert bureau.iloc[0]["Statut"] == "Clôturé" and bureau.iloc[0]["Montant"] == "121\u202f500"
    assert bureau.iloc[0]["Ouvert"] == "il y a 36 jours"
    assert "il y a 4,1 ans" in previous["Décidée"].tolist()
    assert [b["name"] for b in charts(at)["punctuality"]["data"]] == [
        "Payées à temps", "Payées en retard", "Non payées",
    ]  # fmt: skip
    assert "Échéances dues sur les 24 derniers mois : 65 ;" in shown


def test_a_store_that_cannot_be_read_is_not_shown_as_no_history(api):
    # the API started without a feature store answers 503 for every history
    at = load(api.url, RICH_CLIENT)
    assert "cannot be read right now" in at.warning[-1].value
    assert "No credit history" not in texts(at)
