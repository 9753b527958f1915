"""The app's pure parts: settings, form conversions, batch merging, reports, API errors."""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest

from credit_core.contracts import (
    FeatureContract,
    FieldContract,
    FieldDomain,
    FieldError,
    FieldTraining,
    ItemRefusal,
    ItemScore,
    ProblemDetails,
    to_builtins,
)
from credit_frontend import batch, reports
from credit_frontend.client import ApiClient, ApiError
from credit_frontend.config import load_settings
from credit_frontend.form import (
    Field,
    application,
    days_to_years,
    fields_from_card,
    grouped,
    record_from_row,
    to_api,
    to_widget,
    years_to_days,
)
from credit_frontend.i18n import TEXT, api_message, tr

CONTRACT = FeatureContract(
    fields={
        "DAYS_BIRTH": FieldContract(
            type="integer", domain=FieldDomain(min=-40000, max=0),
            training=FieldTraining(min=-25000, max=-7000), required=True,
            missing_rate_in_training=0.0,
        ),
        "DAYS_EMPLOYED": FieldContract(
            type="integer", domain=FieldDomain(min=-40000, max=0, sentinels=[365243]),
            training=FieldTraining(min=-17000, max=0), missing_rate_in_training=0.0,
        ),
        # a card from before field domains: the training range at the field's level
        "AMT_CREDIT": FieldContract(type="number", min=0.0, max=4e6),
        "EXT_SOURCE_1": FieldContract(
            type="number", domain=FieldDomain(min=0, max=1),
            training=FieldTraining(min=0.01, max=0.96), missing_rate_in_training=0.56,
        ),
        "CODE_GENDER": FieldContract(
            type="category", domain=FieldDomain(levels=["F", "M"]),
            training=FieldTraining(levels=["F", "M"]),
        ),
        "SOMETHING_NEW": FieldContract(type="number", domain=FieldDomain(min=0, max=1)),
    },
    required=["DAYS_BIRTH"],
)  # fmt: skip


def test_settings_prefer_secrets_then_environment_and_ignore_blanks():
    s = load_settings({"API_URL": "https://api.example/", "API_KEY": ""},
                      {"API_KEY": "from-env", "REPORTS_URI": "s3://r/p"})  # fmt: skip
    assert (s.api_url, s.api_key, s.reports_uri) == ("https://api.example", "from-env", "s3://r/p")
    assert load_settings({}, {}).api_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("secrets", "named"),
    [
        ({"API_URL": "http://scoring.example.com"}, "API_URL"),  # the key in clear
        ({"API_URL": "api.example.com"}, "API_URL"),
        ({"BATCH_CHUNK": "0"}, "BATCH_CHUNK"),
        ({"BATCH_CHUNK": "5000"}, "BATCH_CHUNK"),
        ({"BATCH_CHUNK": "ten"}, "BATCH_CHUNK"),
        ({"REPORTS_URI": "ftp://host/reports"}, "REPORTS_URI"),
    ],
)
def test_unusable_settings_are_refused_naming_the_setting(secrets, named):
    from credit_frontend.config import SettingsError

    with pytest.raises(SettingsError, match=named):
        load_settings(secrets, {})


def test_loopback_http_and_remote_https_are_accepted():
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        assert load_settings({"API_URL": url}, {}).api_url == url
    assert load_settings({"API_URL": "https://api.example/prod"}, {}).batch_chunk == 200


def test_fields_read_both_contract_shapes_and_group_unknown_fields_as_other():
    fields = {f.name: f for f in fields_from_card(CONTRACT)}
    assert fields["DAYS_EMPLOYED"].sentinels == (365243.0,)
    assert (fields["AMT_CREDIT"].lo, fields["AMT_CREDIT"].hi) == (0.0, 4e6)  # older flat shape
    assert fields["CODE_GENDER"].levels == ("F", "M")
    groups = dict(grouped(list(fields.values())))
    assert [f.name for f in groups["group_external"]] == ["EXT_SOURCE_1"]
    assert [f.name for f in groups["group_other"]] == ["SOMETHING_NEW"]
    assert groups["group_identity"][0].name == "DAYS_BIRTH"  # required first


@pytest.mark.parametrize("days", [-13568, -1, -25000, -9131])
def test_durations_round_trip_through_years_exactly(days):
    assert years_to_days(days_to_years(days)) == days


def test_widget_values_are_years_missing_stays_missing_and_codes_pass_through():
    f = {f.name: f for f in fields_from_card(CONTRACT)}
    assert to_widget(f["DAYS_BIRTH"], -14610) == pytest.approx(40.0)
    assert to_api(f["DAYS_BIRTH"], 40.0) == -14610
    assert to_widget(f["EXT_SOURCE_1"], float("nan")) is None
    assert to_api(f["EXT_SOURCE_1"], None) is None
    assert to_widget(f["DAYS_EMPLOYED"], 365243) == 365243.0  # the pensioner code, not 1000 years
    assert to_api(f["DAYS_EMPLOYED"], 365243.0) == 365243
    body = application(list(f.values()), {"DAYS_BIRTH": 40.0, "EXT_SOURCE_1": None,
                                          "CODE_GENDER": "F"}, 100001)  # fmt: skip
    assert body == {"SK_ID_CURR": 100001, "DAYS_BIRTH": -14610, "CODE_GENDER": "F"}


def test_csv_rows_become_json_with_whole_numbers_as_ints_and_missing_left_out():
    row = pd.read_csv(pd.io.common.StringIO("A,B,C,D\n1.0,,x,0.25\n")).iloc[0].to_dict()
    assert record_from_row(row) == {"A": 1, "C": "x", "D": 0.25}


def test_every_label_has_english_and_french():
    assert all(set(v) == {"en", "fr"} and all(v.values()) for v in TEXT.values())
    assert tr("fr", "decision_line", decision="Refuser") == "Décision : **Refuser**"
    assert api_message("fr", "required field is missing") == "champ obligatoire manquant"
    assert api_message("en", "required field is missing") == "required field is missing"


def _transport(handler):
    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, "unauthorized"), (422, "invalid"), (503, "unavailable"), (500, "unexpected")],
)
def test_api_errors_have_a_kind_and_keep_the_refused_fields(status, kind):
    body = {
        "title": "x",
        "status": status,
        "detail": "d",
        "errors": [{"field": "AMT_CREDIT", "message": "m"}],
    }
    api = ApiClient(
        "http://api", "k", transport=_transport(lambda r: httpx.Response(status, json=body))
    )
    with pytest.raises(ApiError) as err:
        api.score({})
    assert (err.value.kind, err.value.status) == (kind, status)
    assert err.value.errors == body["errors"]


def test_connection_failure_is_unreachable():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ApiError) as err:
        ApiClient("http://api", None, transport=_transport(refuse)).model_card()
    assert err.value.kind == "unreachable"


def test_one_text_cell_leaves_the_rest_of_its_numeric_column_numbers():
    data = (
        b"SK_ID_CURR,AMT_CREDIT,EXT_SOURCE_2,CODE_GENDER\n1,100.5,0.3,F\n2,oops,0.4,M\n3,,1e999,F\n"
    )
    df, dialect = batch.read_table(data, {"SK_ID_CURR", "AMT_CREDIT", "EXT_SOURCE_2"})
    rows, _ = batch.prepare(df, ["AMT_CREDIT", "EXT_SOURCE_2", "CODE_GENDER"])
    assert dialect == batch.Dialect(",", ".", "utf-8")
    assert rows == [
        {"SK_ID_CURR": 1, "AMT_CREDIT": 100.5, "EXT_SOURCE_2": 0.3, "CODE_GENDER": "F"},
        {"SK_ID_CURR": 2, "AMT_CREDIT": "oops", "EXT_SOURCE_2": 0.4, "CODE_GENDER": "M"},
        {"SK_ID_CURR": 3, "EXT_SOURCE_2": "1e999", "CODE_GENDER": "F"},  # no JSON number: as is
    ]


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("SK_ID_CURR;AMT_CREDIT;EXT_SOURCE_2;NAME\n1;346500,00;0,62;Élodie\n2;1 234,5;0.5;Zoé\n", "cp1252", ";,"),
        ("SK_ID_CURR;AMT_CREDIT;EXT_SOURCE_2;NAME\n1;346500,00;0,62;Élodie\n2;1 234,5;0.5;Zoé\n", "utf-8-sig", ";,"),
        ("SK_ID_CURR\tAMT_CREDIT\tEXT_SOURCE_2\tNAME\n1\t346500\t0.62\tÉlodie\n2\t1234.5\t0.5\tZoé\n", "utf-8", "\t."),
    ],
)  # fmt: skip
def test_french_excel_and_other_dialects_are_detected(text, encoding, expected):
    df, dialect = batch.read_table(
        text.encode(encoding), {"SK_ID_CURR", "AMT_CREDIT", "EXT_SOURCE_2"}
    )
    assert dialect.separator + dialect.decimal == expected
    assert dialect.encoding == ("cp1252" if encoding == "cp1252" else "utf-8")
    assert df["AMT_CREDIT"].tolist() == [346500, 1234.5]
    assert df["EXT_SOURCE_2"].tolist() == [0.62, 0.5]
    assert df["NAME"].tolist() == ["Élodie", "Zoé"]


def test_a_file_that_is_no_table_raises_a_csv_error():
    with pytest.raises(batch.CsvError):
        batch.read_table(b'a,b\n"1,2\n', set())


def test_batch_merge_words_reasons_and_warnings_for_people():
    df = pd.DataFrame({"SK_ID_CURR": [1, 2]})
    results = [
        {"index": 0, "error": {"errors": [{"field": "applications[0].AMT_CREDIT", "message": "m"}]}},
        {"index": 1, "probability": 0.1, "decision": "accept", "risk_grade": "A",
         "warnings": [{"field": "AMT_INCOME_TOTAL", "message": "outside"}]},
    ]  # fmt: skip
    cols = {"probability": "p", "decision": "d", "grade": "g", "reason": "r", "warnings": "w"}
    out = batch.merge(
        df,
        results,
        cols,
        lambda e: batch.reason(e, lambda f, err: f"{f} -> {err['message'].upper()}"),
        lambda w: f"{w['field']} {w['message']}",
    )
    assert out["r"].tolist() == ["AMT_CREDIT -> M", None]
    assert out["w"].tolist() == [None, "AMT_INCOME_TOTAL outside"]


def _item(index: int, probability: float, decision: str, grade: str) -> ItemScore:
    return ItemScore(
        index=index, request_id="r", sk_id_curr=index + 1, probability=probability,
        decision=decision, risk_grade=grade, threshold=0.4, model_version="1",
    )  # fmt: skip


def test_batch_merges_results_in_input_order_with_reasons():
    df = pd.DataFrame({"SK_ID_CURR": [1, 2, 3], "TARGET": [0, 1, 0]})
    rows, ignored = batch.prepare(df, ["AMT_CREDIT"])
    assert ignored == ["TARGET"] and rows == [
        {"SK_ID_CURR": 1},
        {"SK_ID_CURR": 2},
        {"SK_ID_CURR": 3},
    ]
    results = [
        to_builtins(_item(0, 0.1, "accept", "A")),
        to_builtins(
            ItemRefusal(
                index=1,
                error=ProblemDetails(
                    type="about:blank", title="Invalid application", status=422,
                    detail="invalid field(s): applications[1].AMT_CREDIT",
                    errors=[FieldError(field="applications[1].AMT_CREDIT", message="too low")],
                    error_count=1,
                ),
            )
        ),
        to_builtins(_item(2, 0.7, "refuse", "E")),
    ]  # fmt: skip
    cols = {"probability": "p", "decision": "d", "grade": "g", "reason": "r"}
    out = batch.merge(df, results, cols)
    assert out["p"].tolist()[::2] == [0.1, 0.7] and out["r"].tolist()[1] == "AMT_CREDIT: too low"
    assert out["r"].isna().tolist() == [True, False, True]


def test_batch_chunks_report_progress_and_keep_global_indexes():
    calls = []

    def handler(request):
        apps = json.loads(request.content)["applications"]
        calls.append(len(apps))
        return httpx.Response(200, json={"results": [
            to_builtins(_item(i, 0.2, "accept", "B")) for i in range(len(apps))]})  # fmt: skip

    api = ApiClient("http://api", "k", transport=_transport(handler))
    seen = []
    out = batch.score_all(api, [{}] * 5, 2, lambda d, t: seen.append((d, t)))
    assert calls == [2, 2, 1] and [r["index"] for r in out] == [0, 1, 2, 3, 4]
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_reports_read_latest_and_history_from_a_folder(reports_dir):
    latest = reports.latest(str(reports_dir))
    assert latest.drift_share == 0.25
    runs = reports.history(str(reports_dir))
    assert [r.drift_share for r in runs] == [0.05, 0.12, 0.25]
    key = reports.relative_key(str(reports_dir), latest.report_key)
    assert b"Drift report r3" in reports.read_bytes(str(reports_dir), key)
    assert (
        reports.relative_key("s3://b/reports", "reports/dt=1/r/report.html") == "dt=1/r/report.html"
    )
    with pytest.raises(reports.ReportsError):
        reports.latest(str(reports_dir / "nowhere"))


def test_field_dataclass_knows_codes():
    f = Field("DAYS_EMPLOYED", "integer", False, sentinels=(365243.0,))
    assert f.in_years and f.is_code(365243) and not f.is_code(-100)


def test_a_value_and_the_bound_it_passes_never_read_alike():
    from credit_frontend.form import distinct_values

    age = Field("DAYS_BIRTH", "integer", False)
    # -7450 and -7489 days are both "20 years" in people's units: exact figures then
    value, bound = distinct_values(age, [-7450, -7489], "en", "years")
    assert value != bound and value == "20.40 years" and bound == "20.50 years"
    score = Field("EXT_SOURCE_2", "number", False)
    assert distinct_values(score, [0.0003, 0.000527, None], "fr", "ans") == [
        "0,0003",
        "0,000527",
        "non renseigné",
    ]
    # distinct after rounding: people's units stay
    assert distinct_values(age, [-7450, -25000], "en", "years") == ["20 years", "68 years"]


def test_the_comparison_opens_on_the_most_important_continuous_fields():
    from credit_frontend.page_client import default_comparison

    fields = {
        "FLAG_DOCUMENT_3": Field("FLAG_DOCUMENT_3", "integer", False, train_lo=0, train_hi=1),
        "REG_CITY_NOT_WORK_CITY": Field("REG_CITY_NOT_WORK_CITY", "integer", False, 0, 1),
        "CODE_GENDER": Field("CODE_GENDER", "category", False, levels=("F", "M")),
        "REGION_RATING_CLIENT": Field("REGION_RATING_CLIENT", "integer", False, train_lo=1, train_hi=3),
        "EXT_SOURCE_3": Field("EXT_SOURCE_3", "number", False, 0, 1),
        "DAYS_BIRTH": Field("DAYS_BIRTH", "integer", True, -40000, 0, train_lo=-25000, train_hi=-7000),
    }  # fmt: skip
    assert default_comparison(list(fields), fields) == ["EXT_SOURCE_3", "DAYS_BIRTH"]


def test_percentages_follow_the_language_typography():
    from credit_frontend.charts import pct

    assert pct(0.0083) == "0.8%" and pct(0.0083, 1, "fr") == "0,8\u202f%"
    assert pct(None, 1, "fr") == "n.d."


# --- the reference population from its bins ---------------------------------------------------

AGE_BINS = [  # raw days before the application, as the API serves them
    {"repaid": 40, "defaulted": 10, "mean_probability": 0.05, "lo": None, "hi": -18250.0,
     "level": None, "levels": []},
    {"repaid": 60, "defaulted": 15, "mean_probability": 0.08, "lo": -18250.0, "hi": -10950.0,
     "level": None, "levels": []},
    {"repaid": 30, "defaulted": 20, "mean_probability": 0.12, "lo": -10950.0, "hi": None,
     "level": None, "levels": []},
    {"repaid": 12, "defaulted": 10, "mean_probability": 0.1, "lo": None, "hi": None,
     "level": "missing", "levels": []},
]  # fmt: skip


def test_the_clients_group_is_found_by_range_level_other_or_missing():
    from credit_frontend.charts import group_of

    assert group_of(AGE_BINS, -20000) == 0
    assert group_of(AGE_BINS, -18250) == 1  # a bin holds its lower edge
    assert group_of(AGE_BINS, -5000) == 2
    assert group_of(AGE_BINS, None) == 3
    levels = [{"level": "F", "levels": ["F"]}, {"level": "other", "levels": ["XNA", "M"]}]
    assert group_of(levels, "M") == 1 and group_of(levels, "F") == 0
    assert group_of(levels, None) is None  # no published missing group
    levels[0]["with_missing"] = True  # the few missing values joined the smallest group
    assert group_of(levels, None) == 0
    assert group_of(levels, "Z") is None


def test_group_labels_read_in_the_fields_units_and_turn_days_round():
    from credit_frontend.charts import group_labels

    words = {"other": "other", "missing": "missing", "with_missing": " or missing"}
    years = lambda x: f"{-x / 365:.0f} years"  # noqa: E731
    shown = group_labels(AGE_BINS, years, str, words, reverse=True)
    assert shown == ["> 50 years", "30 years – 50 years", "≤ 30 years", "missing"]
    plain = group_labels(AGE_BINS[:3], str, str, words)
    assert plain == ["< -18250.0", "-18250.0 – -10950.0", "≥ -10950.0"]
    cats = [{"level": "F"}, {"level": "other", "with_missing": True}]
    shown = group_labels(cats, str, lambda v: {"F": "Woman"}[v], words)
    assert shown == ["Woman", "other or missing"]


def test_population_bars_draw_shares_default_rate_and_the_client():
    from credit_frontend.charts import population_bars

    names = {"repaid": "Repaid", "defaulted": "Defaulted", "share": "Share",
             "default_rate": "Default rate", "client": "This client", "title": "Age"}  # fmt: skip
    fig = population_bars(AGE_BINS, ["a", "b", "c", "d"], 2, names).to_dict()
    bars = {t["name"]: t for t in fig["data"] if t["type"] == "bar"}
    assert sum(bars["Repaid"]["y"]) == pytest.approx(100)
    assert bars["Defaulted"]["y"][2] == pytest.approx(100 * 20 / 55)
    (rate,) = [t for t in fig["data"] if t["name"] == "Default rate"]
    assert rate["y"][2] == pytest.approx(40.0)
    (star,) = [t for t in fig["data"] if t["name"] == "This client"]
    assert list(star["x"]) == ["c"]
    none = population_bars(AGE_BINS, ["a", "b", "c", "d"], None, names).to_dict()
    assert not [t for t in none["data"] if t["name"] == "This client"]
