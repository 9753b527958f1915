"""The model row with history: one assembly (application features + a history mapping) for
training's featurisation and for serving, the no-history values, the spec's feature set."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_core.features import (
    FeatureSpec,
    columns_from_records,
    history_columns,
    transform,
    transform_raw,
)
from credit_core.history.definitions import (
    definitions_digest,
    feature_names,
    feature_set,
    no_history_values,
)
from credit_core.history.engine import HistoryFolderError, client_features, connect_folder
from credit_training.featurize import feature_matrix, spec_for_frame
from credit_training.history import load_history

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "history_fixture"
CLIENTS = [200001, 200002, 200003, 299999]  # 299999 has no record in any table


@pytest.fixture(scope="module")
def applications() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "SK_ID_CURR": CLIENTS,
            "AMT_CREDIT": [450_000.0, 135_000.0, np.nan, 900_000.0],
            "AMT_INCOME_TOTAL": [180_000.0, 90_000.0, 67_500.0, 202_500.0],
            "NAME_CONTRACT_TYPE": pd.Categorical(
                ["Cash loans", "Revolving loans", None, "Cash loans"]
            ),
        }
    )


def _with_history(spec: FeatureSpec) -> FeatureSpec:
    fs = feature_set()
    return FeatureSpec(
        spec.numeric, spec.categorical, spec.derived, tuple(fs["names"]), fs["digest"]
    )


@pytest.fixture(scope="module")
def spec(applications) -> FeatureSpec:
    return _with_history(spec_for_frame(applications, ("SK_ID_CURR",)))


def test_the_spec_lists_history_last_and_keeps_names_and_digest(spec):
    assert spec.names == spec.application_names + feature_names()
    assert spec.raw_inputs == ["AMT_CREDIT", "AMT_INCOME_TOTAL", "NAME_CONTRACT_TYPE"]
    card = spec.to_dict()
    assert card["history"] == {"names": feature_names(), "digest": definitions_digest()}
    assert FeatureSpec.from_dict(card) == spec
    plain = spec.without_history()
    assert "history" not in plain.to_dict() and plain.feature_set is None
    assert FeatureSpec.from_dict(plain.to_dict()).history == ()  # cards before history load


def test_a_history_part_needs_known_names_and_a_digest(spec):
    with pytest.raises(ValueError, match="digest"):
        FeatureSpec(spec.numeric, spec.categorical, spec.derived, ("INST_COUNT",), None)
    with pytest.raises(ValueError, match="NOT_A_FEATURE"):
        FeatureSpec(spec.numeric, spec.categorical, spec.derived, ("NOT_A_FEATURE",), "sha256:x")


def test_without_a_history_mapping_every_row_gets_exactly_the_no_history_values(spec):
    raw = np.array([[100_000.0, 50_000.0, 0.0], [np.nan, 1.0, np.nan]])
    x = transform_raw(spec, raw)
    k = len(spec.application_names)
    expected = np.array([no_history_values()[n] for n in spec.history])
    assert x.shape == (2, len(spec.names))
    for row in x[:, k:]:
        np.testing.assert_array_equal(row, expected)
    np.testing.assert_array_equal(x[:, :k], transform_raw(spec.without_history(), raw))


def test_history_columns_fill_absent_clients_and_refuse_a_foreign_record(spec):
    record = dict.fromkeys(spec.history, 2.0) | {"INST_LATE_SHARE": None}
    cols = history_columns(spec, [record, None])
    assert cols["INST_COUNT"].tolist() == [2.0, 0.0]  # a count: 0 without history
    assert np.isnan(cols["INST_LATE_SHARE"]).all()  # None and "no history" are missing
    with pytest.raises(ValueError, match="INST_COUNT"):
        history_columns(spec, [{n: 1.0 for n in spec.history if n != "INST_COUNT"}])
    with pytest.raises(ValueError, match="history columns missing"):
        transform_raw(spec, np.zeros((1, 3)), {"INST_COUNT": np.zeros(1)})


def test_training_and_serving_assemble_the_same_rows(spec, applications):
    """Training: the batch query over the folder, joined by SK_ID_CURR, through the DataFrame
    featurisation. Serving: JSON-like records, one history mapping per client as a store would
    return it (the per-client query; None for the client the store does not know)."""
    history = load_history(FIXTURE, applications, "SK_ID_CURR")
    assert history.status == "used" and history.digest == spec.history_digest
    x_train = feature_matrix(spec, applications, history.frame)

    con = connect_folder(FIXTURE, load=True)
    try:
        found = [client_features(con, c) for c in CLIENTS[:3]]
    finally:
        con.close()
    records = [
        {k: (None if pd.isna(v) else v) for k, v in r.items()}
        for r in applications.astype(object).to_dict("records")
    ]
    cols = columns_from_records(spec, records)
    raw = np.column_stack([cols[n] for n in spec.raw_inputs])
    x_serve = transform_raw(spec, raw, history_columns(spec, [*found, None]))
    np.testing.assert_array_equal(x_train, x_serve)  # NaN == NaN here
    np.testing.assert_array_equal(
        x_train, transform(spec, cols, history_columns(spec, [*found, None]))
    )
    # the client without a record: exactly the no-history values on both paths
    k = len(spec.application_names)
    expected = np.array([no_history_values()[n] for n in spec.history])
    np.testing.assert_array_equal(x_train[3, k:], expected)
    assert x_train[0, spec.names.index("INST_COUNT")] > 0


def test_an_application_only_folder_and_a_broken_one(tmp_path, applications):
    absent = load_history(tmp_path, applications, "SK_ID_CURR")
    assert absent.status == "absent" and absent.frame is None
    assert "application-only" in absent.note
    assert load_history(FIXTURE, applications, "SK_ID_CURR", enabled=False).status == "off"
    (tmp_path / "bureau.csv").write_text((FIXTURE / "bureau.csv").read_text())
    with pytest.raises(HistoryFolderError, match="missing"):
        load_history(tmp_path, applications, "SK_ID_CURR")


def test_the_rows_served_from_a_store_are_training_rows(spec, applications, tmp_path):
    """Serving's own path: the folder published to the embedded store, the API's history
    source reads the four clients in one call (the unknown one gets the no-history values),
    and the block assembled with the application part is training's matrix, bit for bit."""
    from datetime import date

    from credit_api.history import HistorySource
    from credit_core.history import store
    from credit_core.history.engine import batch_features

    con = connect_folder(FIXTURE)
    try:
        frame = batch_features(con)
    finally:
        con.close()
    uri = f"sqlite:///{tmp_path}/features.sqlite"
    store.publish(uri, frame.index.to_numpy(), frame.to_numpy(), feature_set(), date(2026, 11, 30))
    source = HistorySource(spec, uri)
    assert source.ready
    rows = source.rows(CLIENTS)
    assert [u.found for u in rows.uses] == [True, True, True, False]
    assert {u.as_of for u in rows.uses} == {"2026-11-30"}
    history = load_history(FIXTURE, applications, "SK_ID_CURR")
    x_train = feature_matrix(spec, applications, history.frame)
    records = [
        {k: (None if pd.isna(v) else v) for k, v in r.items()}
        for r in applications.astype(object).to_dict("records")
    ]
    cols = columns_from_records(spec, records)
    raw = np.column_stack([cols[n] for n in spec.raw_inputs])
    np.testing.assert_array_equal(transform_raw(spec, raw, rows.block), x_train)
    (one,) = [source.rows([c]) for c in CLIENTS[:1]]
    np.testing.assert_array_equal(transform_raw(spec, raw[:1], one.block), x_train[:1])
    with pytest.raises(ValueError, match="history block of shape"):
        transform_raw(spec, raw, rows.block[:2])
