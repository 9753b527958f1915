"""The monitoring page's Client history part under AppTest (DriftSummary v3 ``history`` and the
history features among the drift results), in English and French. The page reads reports only:
the app is pointed at a loopback port where nothing listens (no model needed)."""

from __future__ import annotations

import msgspec

from credit_core.contracts import (
    ColumnDrift,
    HistoryCoverage,
    HistoryDay,
    HistoryShareRule,
    RankedColumn,
    encode_pretty,
)
from tests.ui.conftest import free_port, summary
from tests.ui.test_app import charts, make_app, texts

DAYS = [("2026-11-28", 400, 124), ("2026-11-29", 400, 168), ("2026-11-30", 400, 212)]


def _history_summary(**coverage):
    base = summary("2026-11-30T06:00:00Z", 0.4, 0.1, "r1")
    history_columns = [
        ColumnDrift(
            name="BUREAU_CREDIT_COUNT",
            method="psi_deciles",
            score=0.27,
            threshold=0.1,
            drifted=True,
            missing_rate_reference=0.0,
            missing_rate_current=0.0,
            importance_share=0.08,
            values_psi=0.27,
            missing_psi=0.0,
        ),
        ColumnDrift(
            name="BUREAU_ACTIVE_COUNT",
            method="psi_deciles",
            score=0.03,
            threshold=0.1,
            drifted=False,
            missing_rate_reference=0.0,
            missing_rate_current=0.0,
            importance_share=0.02,
            values_psi=0.03,
            missing_psi=0.0,
        ),
    ]
    c = history_columns[0]
    top = [
        RankedColumn(
            rank=1,
            name=c.name,
            method=c.method,
            score=c.score,
            threshold=c.threshold,
            importance_share=c.importance_share,
            priority=c.score * c.importance_share,
            rank_by_score=2,
            rank_by_importance=2,
        ),
        *(msgspec.structs.replace(r, rank=r.rank + 1) for r in base.top_drifted),
    ]
    days = [
        HistoryDay(
            day=d,
            rows=n,
            without_history=w,
            share_without=w / n,
            shift_pt=round(100 * (w / n - 0.3), 6),
        )
        for d, n, w in DAYS
    ]
    history = {
        "rows": 1200,
        "without_history": 504,
        "share_without": 0.42,
        "reference_share_without": 0.3,
        "reference_source": "model_card",
        "shift_pt": 12.0,
        "rule": HistoryShareRule(max_shift_pt=5.0, min_rows=500),
        "warning": True,
        "message": "applicants without history: 42.0 % vs 30.0 % in the reference",
        "unknown_rows": 7,
        "days": days,
    } | coverage
    return msgspec.structs.replace(
        base,
        columns=[*base.columns, *history_columns],
        drifted_columns=base.drifted_columns + 1,
        top_drifted=top,
        history=HistoryCoverage(**history),
    )


def _monitoring(tmp_path, s, lang: str = "en"):
    (tmp_path / "latest.json").write_bytes(encode_pretty(s))
    at = make_app(f"http://127.0.0.1:{free_port()}", REPORTS_URI=str(tmp_path))
    if lang != "en":
        at.segmented_control(key="lang").set_value(lang).run()
    at.switch_page("app_pages/monitoring.py").run()
    assert not at.exception
    return at


def test_the_share_without_history_warns_and_the_history_features_drift_shows(tmp_path):
    at = _monitoring(tmp_path, _history_summary())
    shown = texts(at)
    assert "Client history" in shown
    metrics = {m.label: m for m in at.metric}
    assert metrics["Applicants without history"].value == "42.0%"
    assert metrics["Applicants without history"].delta == "+12.0 pt"
    assert metrics["Reference"].value == "30.0%" and metrics["Applicants counted"].value == "1,200"
    (warning,) = at.warning
    assert warning.value.startswith(
        "The share of applicants without history moved by +12.0 pt: 42.0% against 30.0% in "
        "training (model card) (1,200 applicants)."
    )
    assert "7 older records do not say whether history was found" in shown
    fig = charts(at)["history_days"]
    share, reference, band, _ = fig["data"]
    assert share["x"] == [d for d, _, _ in DAYS]
    assert share["y"] == [31.0, 42.0, 53.0] and reference["y"] == [30.0] * 3
    assert band["y"] == [35.0] * 3
    assert "History features drifted: 1 of 2." in shown
    table = next(df.value for df in at.dataframe if "Rank (drift × importance)" in df.value)
    assert table["Feature"].tolist() == ["Credits reported by the credit bureau"]
    assert table["Rank (drift × importance)"].tolist() == [1]
    assert table["What changed"].tolist() == ["distribution of the values"]


def test_the_history_part_in_french(tmp_path):
    at = _monitoring(tmp_path, _history_summary(), "fr")
    shown = texts(at)
    assert "Historique client" in shown
    metrics = {m.label: m for m in at.metric}
    assert metrics["Demandeurs sans historique"].value == "42,0\u202f%"
    assert metrics["Demandeurs sans historique"].delta == "+12,0 pt"
    assert metrics["Demandeurs comptés"].value == "1\u202f200"
    # the headline's cost and its change read in French too (decimal comma)
    cost = metrics["Coût estimé par dossier"]
    assert "," in cost.value and "." not in cost.value
    assert "," in metrics["Taux de défaut estimé"].delta
    assert at.warning[0].value.startswith(
        "La part des demandeurs sans historique a bougé de +12,0 pt : 42,0\u202f% contre "
        "30,0\u202f% dans l'entraînement (fiche du modèle) (1\u202f200 demandeurs)."
    )
    assert "Caractéristiques d'historique en dérive : 1 sur 2." in shown
    table = next(df.value for df in at.dataframe if "Rang (dérive × importance)" in df.value)
    assert table["Caractéristique"].tolist() == ["Crédits déclarés au bureau de crédit"]
    assert charts(at)["history_days"]["data"][0]["name"] == "Demandeurs sans historique"


def test_a_share_within_the_rule_or_without_reference_is_said_not_warned(tmp_path):
    within = _history_summary(shift_pt=2.0, share_without=0.32, warning=False, message=None)
    at = _monitoring(tmp_path, within)
    assert not at.warning
    assert (
        "32.0% without history against 30.0% in training (model card): within the rule "
        "(a warning when the share moves by 5 pt or more over at least 500 applicants)."
    ) in texts(at)
    alone = _history_summary(
        reference_share_without=None,
        reference_source=None,
        shift_pt=None,
        warning=False,
        message=None,
        days=[],
        unknown_rows=0,
    )
    at = _monitoring(tmp_path, alone)
    shown = texts(at)
    assert "42.0% without history; no reference share to compare with" in shown
    assert "history_days" not in charts(at) and "older records" not in shown


def test_a_model_without_history_shows_no_history_part(tmp_path):
    at = _monitoring(tmp_path, summary("2026-11-30T06:00:00Z", 0.25, 0.1, "r1"))
    assert "Client history" not in texts(at)
    assert "history_days" not in charts(at)
