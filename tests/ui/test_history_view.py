"""The History section's pure parts: times, amounts and statuses as people read them, the
sentences that follow each chart, the charts' traces and history reasons, in EN and FR."""

from __future__ import annotations

import math

import pytest

from credit_core.contracts.history import (
    BureauCredit,
    BureauTotals,
    CardMonth,
    HistorySummary,
    PreviousApplication,
    PunctualityMonth,
)
from credit_frontend import history_view as view
from credit_frontend.i18n import tr


def t_in(lang: str):
    return lambda key, **values: tr(lang, key, **values)


SUMMARY = HistorySummary(
    sk_id_curr=7,
    as_of="2026-11-30",
    bureau_totals=BureauTotals(active=1, closed=1, other=1, debt=150_000.0, overdue=500.0),
    bureau=[
        BureauCredit(status="Active", amount=200_000.0, debt=150_000.0, overdue=500.0,
                     opened_day=-200, end_day=300.0),
        BureauCredit(status="Sold", amount=None, debt=None, overdue=None, opened_day=-2000,
                     end_day=None),
    ],
    previous=[
        PreviousApplication(status="Refused", asked=300_000.0, granted=None, decided_day=-60),
        PreviousApplication(status="Approved", asked=100_000.0, granted=90_000.0, decided_day=-400),
        PreviousApplication(status="Canceled", asked=0.0, granted=None, decided_day=0),
    ],
    punctuality=[
        PunctualityMonth(month=-3, on_time=2, late=0, missed=0),
        PunctualityMonth(month=-1, on_time=1, late=1, missed=1),
    ],
    cards=[
        CardMonth(month=-2, balance=10_000.0, limit=50_000.0, utilisation=0.2),
        CardMonth(month=-1, balance=5_000.0, limit=0.0, utilisation=None),
        CardMonth(month=0, balance=40_000.0, limit=50_000.0, utilisation=0.8),
    ],
)  # fmt: skip


@pytest.mark.parametrize(
    ("days", "en", "fr"),
    [
        (0, "application day", "jour de la demande"),
        (-1, "1 day ago", "il y a 1 jour"),
        (-59, "59 days ago", "il y a 59 jours"),
        (-200, "7 months ago", "il y a 7 mois"),
        (-1496, "4.1 years ago", "il y a 4,1 ans"),
        (-4000, "11 years ago", "il y a 11 ans"),
        (300.0, "in 10 months", "dans 10 mois"),
        (None, "–", "–"),
    ],
)
def test_times_read_as_people_say_them(days, en, fr):
    assert view.when(days, t_in("en"), "en") == en
    assert view.when(days, t_in("fr"), "fr") == fr


def test_bureau_and_previous_rows_in_both_languages():
    en = view.bureau_rows(SUMMARY, t_in("en"), "en")
    assert en[0] == {
        "Status": "Active", "Amount": "200,000", "Still owed": "150,000", "Overdue": "500",
        "Opened": "7 months ago", "Ends / ended": "in 10 months",
    }  # fmt: skip
    assert en[1]["Status"] == "Sold to a collector" and en[1]["Amount"] == "–"
    fr = view.previous_rows(SUMMARY, t_in("fr"), "fr")
    assert fr[0] == {
        "Statut": "Refusée", "Montant demandé": "300\u202f000", "Montant accordé": "–",
        "Décidée": "il y a 2 mois",
    }  # fmt: skip
    assert fr[2]["Statut"] == "Annulée"


def test_sentences_state_what_the_tables_and_charts_show():
    en = t_in("en")
    assert view.bureau_sentence(SUMMARY, en, "en") == (
        "Credits at other lenders: active 1; closed 1; written off or sold to a collector 1; "
        "still owed 150,000; overdue now 500."
    )
    assert view.previous_sentence(SUMMARY, en) == (
        "Previous applications: 3; approved 1; refused 1; cancelled or not used 1."
    )
    assert view.punctuality_sentence(SUMMARY, t_in("fr")) == (
        "Échéances dues sur les 24 derniers mois : 5 ; payées à temps 3 ; payées en retard 1 ; "
        "non payées 1."
    )
    assert (view.as_of("2026-11-30", "fr"), view.as_of("2026-11-30", "en")) == (
        "30/11/2026",
        "2026-11-30",
    )
    # the month without a limit is left out of the figures, not read as 0%
    assert view.card_figures(SUMMARY) == {"last": 0.8, "mean": 0.5, "max": 0.8}
    assert view.cards_sentence(SUMMARY, t_in("fr"), "fr") == (
        "Utilisation des cartes le dernier mois : 80\u202f% du plafond ; 50\u202f% en moyenne et "
        "80\u202f% au plus sur les 24 derniers mois."
    )
    empty = HistorySummary(sk_id_curr=8, as_of="2026-11-30", bureau_totals=SUMMARY.bureau_totals,
                           bureau=[], previous=[], punctuality=[], cards=[])  # fmt: skip
    assert empty.empty and view.card_figures(empty) is None
    assert view.punctuality_sentence(empty, en) == "No instalment fell due in the last 24 months."
    assert view.bureau_sentence(empty, en, "en") == "No credit reported by the credit bureau."


def test_the_charts_stack_how_instalments_were_paid_and_plot_use_against_the_limit():
    bars = view.punctuality_chart(SUMMARY, t_in("en"))
    assert [b.name for b in bars.data] == ["Paid on time", "Paid late", "Not paid"]
    assert bars.layout.barmode == "stack"
    assert [list(b.y) for b in bars.data] == [[2, 1], [0, 1], [0, 1]]
    # patterns, not colour alone
    assert [b.marker.pattern.shape for b in bars.data] == ["", ".", "/"]
    line = view.cards_chart(SUMMARY, t_in("fr"))
    assert list(line.data[0].x) == [-2, 0] and list(line.data[0].y) == [20.0, 80.0]
    assert line.layout.yaxis.title.text == "Part du plafond utilisée (%)"


def test_history_reasons_are_phrases_in_the_chosen_language():
    row = {"INST_LATE_COUNT": 3.0, "INST_COUNT": 24.0}
    c = {"feature": "INST_LATE_COUNT", "value": 3.0, "contribution": 0.2}
    assert (
        view.reason(c, row, t_in("en"), "en") == "3 of 24 instalments paid late: raises the risk."
    )
    fr = view.reason(c, row, t_in("fr"), "fr")
    assert fr == "3 échéances sur 24 payées en retard : augmente le risque."
    card = {"feature": "CC_UTILISATION_LAST", "value": 0.92, "contribution": -0.1}
    assert view.reason(card, None, t_in("en"), "en") == (
        "Card used at 92% of its limit: lowers the risk."
    )
    missing = {"feature": "CC_UTILISATION_LAST", "value": math.nan, "contribution": 0.1}
    assert "missing" in view.reason(missing, None, t_in("en"), "en")
