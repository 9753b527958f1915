"""Export to a folder and to S3, load back with the serving loader, same scores; parity; SHAP."""

import json

import boto3
import numpy as np
import pandas as pd
import pytest
from moto import mock_aws

from credit_api.validation import RequestDecoder
from credit_core import storage
from credit_core.bundle import BundleError, load_bundle, sha256
from credit_core.contracts import CARD_VERSION
from credit_core.features import columns_from_records, transform, transform_raw
from credit_training import registry
from credit_training.data import load_application
from credit_training.explain import shap_values
from credit_training.export import export_bundle
from credit_training.featurize import feature_matrix

pytestmark = pytest.mark.slow


@pytest.fixture
def champion(trained, trained_store):
    version = trained["summary"]["registered_version"]
    return registry.load_registered("credit-scoring", version)


@pytest.fixture(scope="module")
def rows(trained):
    return load_application(trained["root"] / "twin", "test").head(300)


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as an API client would send them: JSON text (exact floats), null for missing."""
    rows = [
        {k: None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in df.to_dict("records")
    ]
    return json.loads(json.dumps(rows))


def test_training_and_serving_paths_give_identical_inputs_and_scores(trained, rows, champion):
    """The API's own decoder (JSON bytes -> validated raw matrix) and the shared transform give
    the matrix training built from the DataFrame, bit for bit, for a batch and for one row."""
    spec = load_bundle_spec(champion)
    decoder = RequestDecoder(champion.card.contract, "SK_ID_CURR", spec, max_batch=1000)
    x_train_path = feature_matrix(spec, rows)
    records = _records(rows)
    body = json.dumps({"applications": records}).encode()
    served, refused = decoder.batch(body)
    assert not refused
    x_serve_path = transform_raw(spec, served.matrix)
    np.testing.assert_array_equal(x_train_path, x_serve_path)  # NaN == NaN here
    np.testing.assert_array_equal(
        champion.booster.predict(x_train_path), champion.booster.predict(x_serve_path)
    )
    one = transform_raw(spec, decoder.one(json.dumps(records[17]).encode()).matrix)
    np.testing.assert_array_equal(one, x_train_path[[17]])
    # the generic records path (monitoring reads logged inputs with it) agrees too
    x_records = transform(spec, columns_from_records(spec, records))
    np.testing.assert_array_equal(x_train_path, x_records)


def load_bundle_spec(champion):
    from credit_core.features import FeatureSpec

    return FeatureSpec.from_dict(champion.card.features.spec_dict())


def test_pred_contrib_equals_shap_tree_explainer(rows, champion):
    x = feature_matrix(load_bundle_spec(champion), rows)
    contrib = champion.booster.predict(x, pred_contrib=True)
    values, expected = shap_values(champion.booster, x)
    np.testing.assert_allclose(contrib[:, :-1], values, atol=1e-6)
    np.testing.assert_allclose(contrib[:, -1], expected, atol=1e-6)
    np.testing.assert_allclose(
        contrib.sum(axis=1), champion.booster.predict(x, raw_score=True), atol=1e-6
    )


def _assert_same_scores(bundle, champion, rows):
    spec = bundle.model.spec
    x = feature_matrix(spec, rows)
    card = champion.card
    expected = 1 / (
        1
        + np.exp(
            -(card.calibration.a * champion.booster.predict(x, raw_score=True) + card.calibration.b)
        )
    )
    np.testing.assert_allclose(bundle.model.probability(x), expected, rtol=1e-12)
    contrib, base = bundle.model.contributions(x)
    np.testing.assert_allclose(contrib.sum(axis=1) + base, bundle.model.logit(x), atol=1e-9)


def test_export_to_folder_round_trip(trained_store, rows, champion, tmp_path):
    out = tmp_path / "bundles"
    result = export_bundle(str(out))
    version = trained_store["summary"]["registered_version"]
    assert result["version"] == version
    assert json.loads((out / "current.json").read_text())["version"] == version
    files = {p.name for p in (out / version).iterdir()}
    assert {
        "model.txt",
        "model_card.json",
        "importance.json",
        "reference_sample.csv.gz",
        "checksums.json",
    } <= files
    bundle = load_bundle(str(out), cache_dir=tmp_path / "cache")
    card = bundle.card
    assert card.model_version == version and card.run_id == champion.run_id
    assert card.schema_version == CARD_VERSION and card.contract.fields and card.data.rows
    assert card.features.names == bundle.model.spec.names and card.library_versions
    assert card.metrics.holdout.business_cost >= 0 and card.created_at
    assert bundle.sha256 == sha256((out / version / "checksums.json").read_bytes())
    assert bundle.importance[0]["rank"] == 1
    _assert_same_scores(bundle, champion, rows)
    reference = pd.read_csv(out / version / "reference_sample.csv.gz")
    assert "score" in reference and "TARGET" in reference and len(reference) == 1000


def test_export_to_s3_round_trip(trained_store, rows, champion, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        storage.s3_client.cache_clear()
        boto3.client("s3").create_bucket(
            Bucket="models", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        export_bundle("s3://models/credit")
        keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="models")["Contents"]}
        version = trained_store["summary"]["registered_version"]
        assert f"credit/{version}/model.txt" in keys and "credit/current.json" in keys
        bundle = load_bundle("s3://models/credit", cache_dir=tmp_path / "s3cache")
        _assert_same_scores(bundle, champion, rows)
        # a corrupted file is refused, whoever serves it
        boto3.client("s3").put_object(
            Bucket="models", Key=f"credit/{version}/model.txt", Body=b"tree\nbroken"
        )
        with pytest.raises(BundleError, match=r"checksum mismatch for model\.txt"):
            load_bundle("s3://models/credit", cache_dir=tmp_path / "s3cache2")
    storage.s3_client.cache_clear()


def _rewrite_card(root, version: str, change) -> None:
    """Edit the card of an exported version and its checksum (as an older or newer export)."""
    folder = root / version
    card = json.loads((folder / "model_card.json").read_text())
    (folder / "model_card.json").write_text(json.dumps(change(card)))
    sums = json.loads((folder / "checksums.json").read_text())
    sums["model_card.json"] = sha256((folder / "model_card.json").read_bytes())
    (folder / "checksums.json").write_text(json.dumps(sums))


def test_cards_of_older_and_newer_versions(trained_store, champion, tmp_path):
    version = champion.version
    out = tmp_path / "bundles"
    export_bundle(str(out), version=version)

    # a card as exports wrote it before versions (no schema_version) is read, upgraded
    _rewrite_card(out, version, lambda c: {k: v for k, v in c.items() if k != "schema_version"})
    card = load_bundle(str(out), cache_dir=tmp_path / "c1").card
    assert card.schema_version == CARD_VERSION and card.threshold == champion.card.threshold

    # a newer card: the load says which version it cannot read
    _rewrite_card(out, version, lambda c: c | {"schema_version": CARD_VERSION + 1})
    with pytest.raises(BundleError, match=f"schema_version {CARD_VERSION + 1} is newer"):
        load_bundle(str(out), cache_dir=tmp_path / "c2")


def test_missing_pointer_is_a_bundle_error(tmp_path):
    with pytest.raises(BundleError, match=r"current\.json"):
        load_bundle(str(tmp_path / "nothing"), cache_dir=tmp_path / "c")
