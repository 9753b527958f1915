"""infra/smoke.py (the post-deploy smoke test) against a stand-in API on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, get_args

import pytest

from credit_core.contracts import (
    FeatureContract,
    FieldContract,
    FieldDomain,
    FieldTraining,
    Score,
    to_builtins,
)
from credit_core.contracts.decision import Decision
from tests.infra.cfn import ROOT

spec = importlib.util.spec_from_file_location("smoke", ROOT / "infra/smoke.py")
smoke = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smoke)

CONTRACT = to_builtins(
    FeatureContract(
        fields={
            "SK_ID_CURR": FieldContract(
                type="integer", domain=FieldDomain(min=100000),
                training=FieldTraining(min=100002, max=456255), required=True,
            ),
            "AMT_CREDIT": FieldContract(
                type="number", domain=FieldDomain(min=0, min_exclusive=True),
                training=FieldTraining(min=45000.0, max=4050000.0), required=True,
            ),
            "NAME_CONTRACT_TYPE": FieldContract(
                type="category", domain=FieldDomain(levels=["Cash loans", "Revolving loans"]),
                training=FieldTraining(levels=["Cash loans", "Revolving loans"]), required=True,
            ),
            "EXT_SOURCE_1": FieldContract(
                type="number", domain=FieldDomain(min=0, max=1),
                training=FieldTraining(min=0.01, max=0.96),
            ),
        },
        required=["SK_ID_CURR", "AMT_CREDIT", "NAME_CONTRACT_TYPE"],
    )
)  # fmt: skip


def scored(probability: float = 0.12, decision: str = "accept") -> dict:
    """A /v1/score answer as the API writes it (the contract's Score)."""
    return to_builtins(
        Score(
            request_id="r", sk_id_curr=100002, probability=probability, decision=decision,
            risk_grade="A", threshold=0.4, model_version="1",
        )
    )  # fmt: skip


KEY = "k" * 32


def test_sample_application_sets_required_fields_to_training_values():
    application = smoke.sample_application(CONTRACT)
    assert application == {
        "SK_ID_CURR": 100002,
        "AMT_CREDIT": 45000.0,
        "NAME_CONTRACT_TYPE": "Cash loans",
    }
    assert isinstance(application["SK_ID_CURR"], int)


class StandIn(BaseHTTPRequestHandler):
    """Answers like the scoring API; ``score`` sets what POST /v1/score returns."""

    score: ClassVar[tuple[int, dict]] = (200, scored())
    received: ClassVar[list[dict]] = []

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self._reply(200, {"status": "ok"})
        if self.headers.get("X-API-Key") != KEY:
            return self._reply(401, {"title": "Unauthorized"})
        return self._reply(200, {"contract": CONTRACT})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StandIn.received.append(body)
        if self.headers.get("X-API-Key") != KEY:
            return self._reply(401, {"title": "Unauthorized"})
        return self._reply(*StandIn.score)

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StandIn.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    StandIn.score = (200, scored())


def test_smoke_passes_on_a_scored_application(api, capsys):
    assert smoke.main(api, KEY) == 0
    assert StandIn.received == [smoke.sample_application(CONTRACT)]
    assert "POST /v1/score -> 200" in capsys.readouterr().out


def test_smoke_knows_the_contracts_decisions():
    assert get_args(Decision) == smoke.DECISIONS


def test_smoke_passes_on_a_refusal_too(api):
    StandIn.score = (200, scored(0.8, "refuse"))
    assert smoke.main(api, KEY) == 0


def test_smoke_fails_on_a_wrong_key(api):
    assert smoke.main(api, "wrong") == 1


@pytest.mark.parametrize(
    "score",
    [
        (503, {"title": "Model unavailable"}),
        (200, scored(probability=1.5)),
        (200, scored(decision="approve")),  # not a decision of the contract
        (200, {"probability": 0.2}),
    ],
)
def test_smoke_fails_when_the_score_is_not_a_valid_answer(api, score):
    StandIn.score = score
    assert smoke.main(api, KEY) == 1
