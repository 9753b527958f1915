"""The app's flows under AppTest, against the real scoring API served on loopback."""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from credit_core.contracts import DriftSummary, Window, encode_pretty, read_published_card
from credit_frontend.batch import prepare
from tests.ui.conftest import API_KEY, APP, SAMPLE, free_port

pytestmark = pytest.mark.slow  # trains the tiny model once per session


def make_app(url: str, key: str | None = API_KEY, **secrets: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["API_URL"] = url
    at.secrets["API_KEY"] = key or ""
    at.secrets["REPORTS_URI"] = ""
    for k, v in secrets.items():
        at.secrets[k] = v
    return at.run()


def texts(at: AppTest) -> str:
    """Every text the page shows (markdown, captions, alerts, metrics), one string."""
    parts = [
        e.value
        for e in (
            *at.markdown,
            *at.caption,
            *at.error,
            *at.info,
            *at.warning,
            *at.success,
            *at.title,
            *at.subheader,
        )
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page by their element key suffix -> figure JSON."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[el.proto.id.split("-")[-1] if el.proto.id else str(len(out))] = spec
    return out


def chart_types(at: AppTest) -> set[str]:
    return {t["type"] for fig in charts(at).values() for t in fig["data"]}


def pick_and_score(at: AppTest, client_id: int) -> AppTest:
    at.selectbox(key="client_pick").select(client_id).run()
    return at.button(key="score_button").click().run()


def api_post(api, path: str, body: dict) -> httpx.Response:
    return httpx.post(api.url + path, json=body, headers={"X-API-Key": API_KEY}, timeout=10)


def contract_fields(api) -> list[str]:
    card = httpx.get(api.url + "/v1/model", headers={"X-API-Key": API_KEY}, timeout=10).json()
    return list(read_published_card(card).contract.fields)


def test_pick_client_score_shows_the_apis_decision_gauge_and_waterfall(api):
    # Given a sample client
    sample = pd.read_csv(SAMPLE)
    client_id = int(sample["SK_ID_CURR"].iloc[1])
    at = make_app(api.url)
    assert not at.exception
    # When the officer picks the client and presses Score
    pick_and_score(at, client_id)
    # Then the decision is the API's for that client's row as filed (durations round-trip
    # through years unchanged, missing values stay missing)
    rows, _ = prepare(sample[sample["SK_ID_CURR"] == client_id], contract_fields(api))
    expected = api_post(api, "/v1/score", rows[0]).json()
    result = at.session_state["result"]
    assert result["body"] == rows[0]
    assert result["score"]["probability"] == pytest.approx(expected["probability"])
    word = "Approve" if expected["decision"] in ("approve", "accept") else "Refuse"
    shown = texts(at)
    assert f"Decision: **{word}**" in shown
    assert f"{100 * expected['probability']:.1f}%" in shown
    assert expected["risk_grade"] in [m.value for m in at.metric]
    assert f"Model version {expected['model_version']} · reference of this score: " in shown
    # the gauge, the waterfall and the global importance are drawn, each with a text summary
    assert {"indicator", "waterfall", "bar"} <= chart_types(at)
    assert "decision threshold" in shown and "Starting from the average client" in shown
    assert "Against the application" in shown


def test_form_shows_durations_in_years_and_missing_values_as_missing(api):
    sample = pd.read_csv(SAMPLE)
    row = sample.iloc[0]
    at = make_app(api.url)
    at.selectbox(key="client_pick").select(int(row["SK_ID_CURR"])).run()
    age = at.number_input(key="f:DAYS_BIRTH")
    assert age.value == pytest.approx(-row["DAYS_BIRTH"] / 365.25)
    assert "(years)" in age.label
    missing = [c for c in sample.columns if pd.isna(row[c]) and f"f:{c}" in at.session_state]
    assert missing, "the fixture's first client has missing values"
    for name in missing:
        assert at.session_state[f"f:{name}"] is None


def test_french_translates_every_page_label(api):
    at = make_app(api.url)
    at.segmented_control(key="lang").set_value("fr").run()
    assert at.title[0].value == "Dossier client"
    assert at.button(key="score_button").label == "Scorer"
    pick_and_score(at, int(pd.read_csv(SAMPLE)["SK_ID_CURR"].iloc[1]))
    shown = texts(at)
    assert "Décision : **" in shown and "Probabilité de défaut" in shown
    assert "Decision:" not in shown


def test_reasons_give_values_in_peoples_units_in_the_chosen_language(api):
    # the sentences the API's reasons use (credit_core.units): years, percentages, French
    # number formatting; never a raw fraction such as 0.03925
    from credit_core import feature_meta, units

    at = make_app(api.url)
    at.segmented_control(key="lang").set_value("fr").run()
    pick_and_score(at, int(pd.read_csv(SAMPLE)["SK_ID_CURR"].iloc[1]))
    lines = [m.value for m in at.markdown if "le risque" in m.value]
    contributions = at.session_state["result"]["explain"]["contributions"]
    shown = [c for c in contributions if c["contribution"] > 0][:5]
    shown += [c for c in contributions if c["contribution"] < 0][:5]
    assert len(lines) == len(shown) >= 6
    for line, c in zip(lines, shown, strict=True):
        if isinstance(c["value"], str):  # a category level, in French too
            value = feature_meta.level_label(c["feature"], c["value"], "fr")
        else:
            value = units.format_value(c["feature"], c["value"], "fr")
        assert f"({value})" in line, (line, c)
        if units.unit_of(c["feature"]) == "percent" and c["value"] is not None:
            assert value.endswith("%")


def test_population_comparison_draws_the_apis_bins_and_marks_the_clients_group(api):
    at = make_app(api.url)
    pick_and_score(at, int(pd.read_csv(SAMPLE)["SK_ID_CURR"].iloc[1]))
    figs = {k: f for k, f in charts(at).items() if k.startswith("population_")} or charts(at)
    bars = [t for f in figs.values() for t in f["data"] if t["type"] == "bar"]
    assert {t["name"] for t in bars} >= {"Repaid", "Defaulted"}
    # two 1-D views (the two chosen fields), each a handful of groups, never a point per client
    pops = [f for f in figs.values() if any(t.get("name") == "Default rate in the group"
                                            for t in f["data"])]  # fmt: skip
    assert len(pops) == 2
    for f in pops:
        for t in f["data"]:
            assert len(t.get("x") or []) <= 20
    assert not [t for f in figs.values() for t in f["data"] if t["type"] == "scattergl"]
    shown = texts(at)
    assert "this client (" in shown or "falls in no published group" in shown
    assert "shown in groups of at least" in shown
    assert any(t["name"] == "This client" for f in pops for t in f["data"])


def _batch_csv(bad_row: int) -> bytes:
    df = pd.concat([pd.read_csv(SAMPLE)] * 2, ignore_index=True).head(20)
    df["SK_ID_CURR"] = range(500000, 500020)
    df.loc[bad_row, "AMT_CREDIT"] = -1000.0  # below the contract's minimum
    return df.to_csv(index=False).encode()


def test_a_french_excel_file_with_one_text_cell_refuses_that_row_alone_in_french(api):
    # Given the file as French Excel saves it (";", decimal commas, Windows-1252), one income
    # cell typed as text, and the app in French
    df = pd.concat([pd.read_csv(SAMPLE)] * 2, ignore_index=True).head(20)
    df["SK_ID_CURR"] = range(600000, 600020)
    df["AMT_INCOME_TOTAL"] = df["AMT_INCOME_TOTAL"].astype(object)
    df.loc[3, "AMT_INCOME_TOTAL"] = "trente mille"
    df["COMMENTAIRE"] = "dossier reçu à l'agence"  # not a model field: ignored, but not UTF-8
    data = df.to_csv(index=False, sep=";", decimal=",").encode("cp1252", errors="replace")
    at = make_app(api.url)
    at.segmented_control(key="lang").set_value("fr").run()
    at.switch_page("app_pages/batch.py").run()
    at.file_uploader(key="batch_csv").set_value(("clients.csv", data, "text/csv")).run()
    at.button(key="batch_run").click().run()
    # Then the file is read (the page says how) and only row 3 is refused, its reason in French
    assert not at.exception and not at.error
    assert "« ; »" in texts(at) and "cp1252" in texts(at)
    table = at.dataframe[0].value
    reasons = table["Motif du non-scoring"]
    assert (reasons != "").sum() == 1, list(reasons)
    assert reasons[3].startswith("Revenu annuel : La valeur doit être un nombre"), reasons[3]
    assert table["Probabilité de défaut"].notna().sum() == 19
    assert "19 lignes scorées, 1 non scorées" in at.warning[0].value


def test_a_file_that_is_no_table_is_refused_without_parser_text(api):
    at = make_app(api.url)
    at.switch_page("app_pages/batch.py").run()
    bad = b'SK_ID_CURR,AMT_CREDIT\n1,"100\n2,200\n'
    at.file_uploader(key="batch_csv").set_value(("clients.csv", bad, "text/csv")).run()
    assert not at.exception
    assert "cannot be read as a table" in at.error[0].value
    assert "tokenizing" not in at.error[0].value and "C error" not in at.error[0].value


def test_batch_scores_every_row_in_chunks_and_gives_the_refusal_reason(api):
    # Given a 20-row file whose row 5 has a negative credit amount, scored 7 rows per call
    at = make_app(api.url, BATCH_CHUNK="7")
    at.switch_page("app_pages/batch.py").run()
    at.file_uploader(key="batch_csv").set_value(("clients.csv", _batch_csv(5), "text/csv")).run()
    # When the officer scores the file
    at.button(key="batch_run").click().run()
    # Then 19 rows come back scored, in order, and row 5 carries the API's reason
    assert not at.exception
    assert "19 rows scored, 1 not scored (invalid data: see the reason)." in texts(at)
    table = at.dataframe[0].value
    assert list(table["SK_ID_CURR"]) == list(range(500000, 500020))
    reasons = table["Why not scored"]
    assert (reasons != "").sum() == 1 and reasons[5].startswith("Credit amount: must be above 0")
    # and the box says some rows were not scored: a warning, never a success
    assert not at.success and "1 not scored" in at.warning[0].value
    assert table["Probability of default"].notna().sum() == 19
    assert table["Decision"][5] == "" and set(table["Decision"].drop(5)) <= {"Approve", "Refuse"}
    assert at.get("download_button"), "the scored file can be downloaded"


def test_monitoring_page_shows_latest_drift_trend_and_report(api, reports_dir):
    at = make_app(api.url, REPORTS_URI=str(reports_dir))
    at.switch_page("app_pages/monitoring.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Share of drifted features"] == "25.0%"
    assert metrics["Estimated default rate"] == "10.4%"
    shown = texts(at)
    assert "against 8.1% in training" in shown
    assert "3 runs from 2026-11-28 to 2026-11-30" in shown
    table = at.dataframe[0].value
    assert list(table["Feature"])[:2] == ["External score 3", "Annual income"]
    assert "scatter" in chart_types(at)  # the trend
    assert at.get("download_button"), "the HTML report is offered"


def test_monitoring_page_says_when_no_reports_are_configured(api):
    at = make_app(api.url)
    at.switch_page("app_pages/monitoring.py").run()
    assert "No reports location is configured" in texts(at)


# --- honest failures ---------------------------------------------------------------------------


def test_unreachable_api_is_named_in_the_chosen_language():
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    at = make_app(url)
    assert not at.exception
    assert f"cannot be reached at {url}" in texts(at)
    at.segmented_control(key="lang").set_value("fr").run()
    assert "injoignable" in texts(at)


def test_wrong_key_is_a_401_message(api):
    at = make_app(api.url, key="not-the-key")
    if "client_pick" in [w.key for w in at.selectbox]:  # an API whose model card is public
        pick_and_score(at, int(pd.read_csv(SAMPLE)["SK_ID_CURR"].iloc[0]))
    assert not at.exception
    assert "refused the access key (401)" in texts(at)
    assert "result" not in at.session_state


def test_invalid_application_names_the_field_in_the_message_and_beside_it(api):
    sample = pd.read_csv(SAMPLE)
    at = make_app(api.url)
    at.selectbox(key="client_pick").select(int(sample["SK_ID_CURR"].iloc[0])).run()
    at.number_input(key="f:AMT_CREDIT").set_value(-5.0)  # in the form: sent on Score
    at.button(key="score_button").click().run()
    rows, _ = prepare(sample.head(1).assign(AMT_CREDIT=-5.0), contract_fields(api))
    refused = api_post(api, "/v1/score", rows[0])
    assert refused.status_code == 422
    message = next(e["message"] for e in refused.json()["errors"] if e["field"] == "AMT_CREDIT")
    assert "Input should be" in message  # the API's own words, for developers...
    shown = texts(at)
    # ...the page words it for officers: no status code, no "refused" (the credit decision)
    assert "Some values cannot be scored" in shown and "Credit amount: must be" in shown
    assert "422" not in shown and "refused" not in shown.lower()
    assert ":orange[⚠ must be" in shown  # under the field
    assert "result" not in at.session_state
    at.segmented_control(key="lang").set_value("fr").run()
    assert "Certaines valeurs ne peuvent pas être scorées" in texts(at)
    assert "Montant du crédit : doit" in texts(at)


def test_a_refused_duration_reads_in_years_without_the_code(api):
    # Given a client whose age is typed as 300 years (the form shows years)
    at = make_app(api.url)
    at.selectbox(key="client_pick").select(int(pd.read_csv(SAMPLE)["SK_ID_CURR"].iloc[0])).run()
    at.number_input(key="f:DAYS_EMPLOYED").set_value(150.0)  # more years in the job than alive
    at.number_input(key="f:DAYS_BIRTH").set_value(190.0)
    at.button(key="score_button").click().run()
    # Then the limits read in years, never in days nor as the 365243 code
    error = at.error[0].value
    assert "Age: must be between 0 years and" in error and "years" in error, error
    assert "365243" not in error and "365 243" not in error and "days" not in error, error


def test_a_refused_score_clears_the_previous_decision(api):
    at = make_app(api.url)
    pick_and_score(at, int(pd.read_csv(SAMPLE)["SK_ID_CURR"].iloc[0]))
    assert "result" in at.session_state and any("Decision" in m.value for m in at.markdown)
    at.number_input(key="f:AMT_CREDIT").set_value(-5.0)
    at.button(key="score_button").click().run()
    assert "result" not in at.session_state
    assert not any("Decision: " in m.value for m in at.markdown)


def test_model_not_loaded_is_a_503_message(api_without_model):
    at = make_app(api_without_model.url)
    assert not at.exception
    assert "No model is loaded on the scoring service (503)" in texts(at)


def test_value_outside_training_is_scored_with_a_warning_beside_the_field(api):
    card = httpx.get(api.url + "/v1/model", headers={"X-API-Key": API_KEY}, timeout=10).json()
    spec = read_published_card(card).contract.fields["AMT_INCOME_TOTAL"]
    value = 3 * spec.training.max
    assert spec.domain.max is None or value <= spec.domain.max
    at = make_app(api.url)
    at.selectbox(key="client_pick").select(int(pd.read_csv(SAMPLE)["SK_ID_CURR"].iloc[0])).run()
    at.number_input(key="f:AMT_INCOME_TOTAL").set_value(value)
    at.button(key="score_button").click().run()
    warnings = at.session_state["result"]["score"]["warnings"]
    assert [w["field"] for w in warnings] == ["AMT_INCOME_TOTAL"]
    shown = texts(at)
    assert "Values to check" in at.warning[0].value
    assert "Annual income = " in shown and "outside what the model was trained on" in shown
    assert ":orange[⚠ Annual income = " in shown  # beside the field too


def test_monitoring_page_says_when_the_window_had_no_scored_requests(api, tmp_path):
    no_data = DriftSummary(
        status="no_data", generated_at="2026-11-30T06:00:00Z",
        window=Window(since="2026-11-23", until="2026-11-30"), rows=0,
        drift_share=0.0, drifted_columns=0, columns=[], top_drifted=[],
        report_key="dt=2026-11-30/r/report.html",
    )  # fmt: skip
    (tmp_path / "latest.json").write_bytes(encode_pretty(no_data))
    at = make_app(api.url, REPORTS_URI=str(tmp_path))
    at.switch_page("app_pages/monitoring.py").run()
    assert not at.exception
    assert "No scored requests in the window 2026-11-23 to 2026-11-30" in texts(at)


def test_client_from_an_uploaded_file_and_a_blank_application(api):
    at = make_app(api.url)
    at.radio(key="source@en").set_value("upload").run()
    upload = pd.read_csv(SAMPLE).head(3).assign(SK_ID_CURR=[900001, 900002, 900003])
    at.file_uploader(key="clients_csv").set_value(
        ("mine.csv", upload.to_csv(index=False).encode(), "text/csv")
    ).run()
    assert at.selectbox(key="client_pick").options == ["900001", "900002", "900003"]
    pick_and_score(at, 900002)
    assert at.session_state["result"]["score"]["sk_id_curr"] == 900002
    # a blank application sends nothing: the API names the required fields
    at.radio(key="source@en").set_value("blank").run()
    at.button(key="blank_button").click().run()
    assert at.session_state["f:DAYS_BIRTH"] is None
    at.button(key="score_button").click().run()
    refused = [e.value for e in at.error if e.value.startswith("Some values cannot be scored")]
    assert len(refused) == 1 and refused[0].count("required field is missing") >= 1
    # switching language keeps the officer's choices
    at.segmented_control(key="lang").set_value("fr").run()
    assert at.radio(key="source@fr").value == "blank"


def test_drift_table_gives_the_threshold_and_no_internal_test_codes(api, reports_dir):
    latest = json.loads((reports_dir / "latest.json").read_text())
    codes = ["psi_missing_rate", "psi_deciles", "psi_levels"]
    for c, method in zip(latest["columns"], codes, strict=True):
        c["method"] = method
    (reports_dir / "latest.json").write_text(json.dumps(latest))
    at = make_app(api.url, REPORTS_URI=str(reports_dir))
    at.switch_page("app_pages/monitoring.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["Drift threshold"].tolist()[:2] == [0.1, 0.1]
    assert table["What changed"].tolist()[:2] == [
        "share of missing values",
        "distribution of the values",
    ]
    assert not table.astype(str).apply(lambda col: col.str.contains("psi_")).any().any()


def test_category_levels_read_in_french_and_the_level_sent_stays_the_models(api):
    sample = pd.read_csv(SAMPLE)
    at = make_app(api.url)
    at.selectbox(key="client_pick").select(int(sample["SK_ID_CURR"].iloc[0])).run()
    at.segmented_control(key="lang").set_value("fr").run()
    box = at.selectbox(key="f:NAME_CONTRACT_TYPE@fr")
    assert "Prêt personnel" in box.options and "Cash loans" not in box.options
    box.set_value("Revolving loans")
    at.button(key="score_button").click().run()
    assert not at.exception
    assert at.session_state["result"]["body"]["NAME_CONTRACT_TYPE"] == "Revolving loans"
    # back in English: the officer's choice is kept, in English words
    at.segmented_control(key="lang").set_value("en").run()
    assert at.selectbox(key="f:NAME_CONTRACT_TYPE@en").value == "Revolving loans"
    assert "Revolving loan" in at.selectbox(key="f:NAME_CONTRACT_TYPE@en").options
