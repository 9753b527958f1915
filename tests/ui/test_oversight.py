"""Human oversight in the app (AppTest on the real API): a refused client's reasons as told to
the client (FR/EN), confirm / override with a reason code and a note, the history of reviews;
the model card page."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest

from credit_core import review_reasons
from tests.ui.conftest import API_KEY, SAMPLE
from tests.ui.test_app import make_app, pick_and_score, texts

pytestmark = pytest.mark.slow  # trains the tiny model once per session


def refused_client(at) -> int:
    """A sample client the model refuses (scored through the app)."""
    for client_id in pd.read_csv(SAMPLE)["SK_ID_CURR"].head(40):
        pick_and_score(at, int(client_id))
        if at.session_state["result"]["score"]["decision"] == "refuse":
            return int(client_id)
    pytest.fail("no refused client among the first 40 samples: the test cannot check a refusal")


def decision(api, rid: str) -> dict:
    url = f"{api.url}/v1/decisions/{rid}"
    return httpx.get(url, headers={"X-API-Key": API_KEY}, timeout=10).json()


def test_a_refusal_shows_the_four_recorded_reasons_as_the_client_is_told(api):
    at = make_app(api.url)
    refused_client(at)
    rid = at.session_state["result"]["score"]["request_id"]
    recorded = decision(api, rid)["decisions"][0]["reasons"]
    assert 1 <= len(recorded) <= 4
    shown = texts(at)
    assert "What the client is told" in shown and "has been refused" in shown
    (told,) = [m.value for m in at.markdown if m.value.startswith("1. ")]
    assert len(told.splitlines()) == len(recorded)
    from credit_core import feature_meta

    for line, reason in zip(told.splitlines(), recorded, strict=True):
        label = feature_meta.label(reason["feature"], "en")
        assert label[:1].upper() + label[1:] in line, (line, reason)
    at.segmented_control(key="lang").set_value("fr").run()
    shown = texts(at)
    assert "Ce qui est dit au client" in shown and "What the client is told" not in shown
    (told_fr,) = [m.value for m in at.markdown if m.value.startswith("1. ")]
    label = feature_meta.label(recorded[0]["feature"], "fr")
    assert label[:1].upper() + label[1:] in told_fr.splitlines()[0]


def test_an_officer_overrides_then_confirms_and_sees_the_history(api):
    at = make_app(api.url)
    refused_client(at)
    rid = at.session_state["result"]["score"]["request_id"]
    assert "No review yet." in texts(at)
    # the reason list follows the outcome
    at.radio(key="review_outcome@en").set_value("override").run()
    reasons = at.selectbox(key="review_reason_override@en")
    assert list(reasons.options) == [
        review_reasons.label(c) for c in review_reasons.codes_for("override")
    ]
    reasons.select("documents_verified").run()
    at.text_area(key="review_note").input("payslips of the last 3 months seen").run()
    at.button(key="review_submit").click().run()
    assert not at.exception
    assert "Review recorded. Decision now standing: Approve." in texts(at)
    # 'other' without a note is refused by the API, named in the app
    at.selectbox(key="review_reason_override@en").select("other").run()
    at.text_area(key="review_note").input("").run()
    at.button(key="review_submit").click().run()
    assert "note" in "\n".join(e.value for e in at.error)
    at.radio(key="review_outcome@en").set_value("confirm").run()
    at.selectbox(key="review_reason_confirm@en").select("model_consistent").run()
    at.button(key="review_submit").click().run()
    history = [m.value for m in at.markdown if m.value.startswith("- ") and "→" in m.value]
    assert len(history) == 2
    assert "**Override** (Income and documents verified): Refuse → Approve" in history[0]
    assert "payslips of the last 3 months seen" in history[0]
    assert "**Confirm** (The file supports the model's assessment): Approve → Approve" in history[1]
    reviews = decision(api, rid)["reviews"]
    assert [r["outcome"] for r in reviews] == ["override", "confirm"]
    # in French, the same history
    at.segmented_control(key="lang").set_value("fr").run()
    shown = texts(at)
    assert "Revues de cette décision" in shown and "**Infirmer** (Revenus et justificatifs" in shown


def test_the_model_card_page_shows_the_card_for_people(api):
    at = make_app(api.url)
    at.switch_page("app_pages/model_card.py").run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    for heading in ("Intended use and users", "Uses it must not serve"):
        assert heading in labels
    assert "compliance" in texts(at)
    at.segmented_control(key="lang").set_value("fr").run()
    assert at.title[0].value == "Fiche du modèle"
