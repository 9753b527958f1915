"""What the scoring API answers: scores, explanations, batches, the model's published card,
and RFC 9457 problem details for every refusal.

Version history: 1. before versions existed; 2. ``schema_version`` added to each body.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from credit_core.contracts.card import Calibration, CostWeights, FeatureContract, Metrics
from credit_core.contracts.decision import Decision, HistoryUse, Probability, ScoreWarning

RESPONSE_VERSION = 2
PROBLEM_MEDIA_TYPE = "application/problem+json"

RiskGrade = Literal["A", "B", "C", "D", "E"]


class Score(msgspec.Struct, frozen=True, kw_only=True):
    """One scored application."""

    schema_version: int = RESPONSE_VERSION
    request_id: str
    sk_id_curr: int | None
    probability: Probability  # of default, calibrated
    decision: Decision  # refuse when probability >= threshold
    risk_grade: RiskGrade
    threshold: float
    model_version: str
    warnings: list[ScoreWarning] = []
    # only for a model trained on the client-history tables
    history: HistoryUse | UnsetType = UNSET


class Contribution(msgspec.Struct, frozen=True, kw_only=True):
    """A feature's TreeSHAP contribution to the calibrated log-odds of default."""

    feature: str
    label: str
    value: Any
    contribution: float


class Explanation(Score, frozen=True, kw_only=True):
    """A score with its additive explanation and the top reasons each way."""

    base_value: float
    contributions: list[Contribution]
    reasons_against: list[str]
    reasons_for: list[str]


class FieldError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    field: str
    message: str
    allowed: Any = None


class ProblemDetails(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9457 problem details (``application/problem+json``) with the API's extensions, each
    present only when set: the refused fields (``errors``, at most 50, and ``error_count``),
    the ``allowed`` values, the health check's ``model_loaded`` and ``model_version``."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | UnsetType = UNSET
    error_count: int | UnsetType = UNSET
    allowed: Any | UnsetType = UNSET
    model_loaded: bool | UnsetType = UNSET
    model_version: str | UnsetType | None = UNSET
    schema_version: int = RESPONSE_VERSION


class ItemScore(Score, frozen=True, kw_only=True, tag_field="kind", tag="scored"):
    """A scored batch item (``"kind": "scored"``)."""

    index: int  # position of the application in the request


class ItemRefusal(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field="kind", tag="invalid"
):
    """A batch item refused alone for invalid input (``"kind": "invalid"``; the other items
    are scored)."""

    index: int
    sk_id_curr: int | None = None
    error: ProblemDetails


class BatchScore(msgspec.Struct, frozen=True, kw_only=True):
    """One result per application, in input order."""

    schema_version: int = RESPONSE_VERSION
    request_id: str
    model_version: str
    scored: int
    refused: int
    results: list[ItemScore | ItemRefusal]


class ImportanceRow(msgspec.Struct, frozen=True, kw_only=True):
    feature: str
    mean_abs_shap: float
    rank: int | None = None


class PublishedCard(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v1/model``: the parts of the model card the UI and clients need, the feature
    names in the model's order and the 20 most important features."""

    schema_version: int = RESPONSE_VERSION
    model_name: str
    model_version: str | None
    run_id: str | None
    created_at: str
    threshold: float
    cost_weights: CostWeights
    calibration: Calibration
    metrics: Metrics
    contract: FeatureContract
    strategy: str
    features: list[str]
    importance: list[ImportanceRow] = []


def read_published_card(doc: Any) -> PublishedCard:
    """The ``/v1/model`` JSON (already decoded) as a :class:`PublishedCard`; an answer of an
    older API (no ``schema_version``) has the same parts. Raises ``ContractVersionError`` or
    ``ContractError``."""
    from credit_core.contracts import versions

    return versions.convert(doc, PublishedCard, RESPONSE_VERSION, {1: lambda d: d})
