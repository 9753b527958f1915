"""Schemathesis against the app's own OpenAPI schema: whatever the input, never a 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from credit_api import auth
from credit_api.app import create_app
from credit_api.settings import Settings
from credit_api.state import load_state
from tests.api.conftest import API_KEY
from tests.unit.test_feature_store import _publish_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_schema(bundle_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    features = f"sqlite:///{tmp / 'features.sqlite'}"  # the client-history route reads it
    assert _publish_cli(features, "--as-of", "2026-11-30") == 0
    s = Settings(
        features_uri=features,
        model_uri=str(bundle_dir),
        log_uri=str(tmp / "log"),
        cache_dir=str(tmp / "c"),
        decisions_uri=f"sqlite:///{tmp / 'decisions.sqlite'}",  # the review routes work too
    )
    app = create_app(s, load_state(s), auth.static_hash_provider(API_KEY))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_is_fuzzed_without_server_errors(fuzz_schema):
    """Schema-conforming and (through the key variants) unauthenticated calls; 25 cases each.

    Schemathesis' pytest plugin does not load under this pytest, so the operations are driven
    through its Hypothesis strategies directly.
    """
    operations = [r.ok() for r in fuzz_schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {"/v1/score", "/v1/score/batch", "/v1/explain", "/health", "/v1/model"} <= paths
    seen: dict[str, set[int]] = {}
    for op in operations:
        _fuzz(op, seen)
    assert 200 in seen["/v1/score"] and 401 in seen["/v1/score"]


def _fuzz(op, seen: dict[str, set[int]]) -> None:
    @given(case=op.as_strategy())
    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case):
        for key in (API_KEY, None):
            response = case.call(headers={"X-API-Key": key} if key else {})
            seen.setdefault(op.path, set()).add(response.status_code)
            assert response.status_code < 500, (op.path, response.text[:300])

    check()
