"""The model card: what training writes beside the booster and every stage reads.

``model_card.json`` in the bundle (and the MLflow run's ``bundle/`` artifacts). Version history:

1. written before versions existed (no ``schema_version``); the same parts, some optional
   (``calibration.fit_rows``/``calibration_rows`` and contract ``domain``s came later).
2. ``schema_version`` added.

New parts are added as optional fields (a default of ``None``), so older cards still decode;
a change of meaning bumps :data:`CARD_VERSION` with an upgrade function in :data:`UPGRADES`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec

from credit_core.contracts import versions

CARD_VERSION = 2

DEFAULT_FN_COST = 10.0  # a missed defaulter (accepted, then defaults)
DEFAULT_FP_COST = 1.0  # a good client refused

Number = int | float


class CostWeights(msgspec.Struct, frozen=True, kw_only=True):
    """Business cost of one wrong decision, in units of a refused good client."""

    fn: float = DEFAULT_FN_COST
    fp: float = DEFAULT_FP_COST

    def __post_init__(self) -> None:
        for name in ("fn", "fp"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"the {name} cost must be a positive number, got {value!r}")

    @property
    def beta(self) -> float:
        """F-beta weight matching the cost ratio (recall weighs sqrt(fn/fp) times precision)."""
        return math.sqrt(self.fn / self.fp)


DEFAULT_COST_WEIGHTS = CostWeights()


class DataSource(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    fingerprint: str
    rows: int
    target_col: str = "TARGET"
    id_col: str = "SK_ID_CURR"


class FieldDomain(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The values a field may hold (``credit_core.domain.Domain.to_dict``): bounds (``None``
    open) with exclusivity and sentinel codes for numbers, ``levels`` for categories."""

    min: Number | None = None
    max: Number | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    sentinels: list[Number] = []
    levels: list[str] = []


class FieldTraining(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What training saw: the range of numbers (sentinels excluded) or the levels."""

    min: Number | None = None
    max: Number | None = None
    levels: list[str] | None = None


class FieldContract(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One raw input of the model. Cards older than field domains have no ``domain`` and put
    ``min``/``max``/``levels`` (the training range) at this level instead."""

    type: Literal["number", "integer", "category"]
    domain: FieldDomain | None = None
    training: FieldTraining | None = None
    required: bool = False
    missing_rate_in_training: float | None = None
    min: Number | None = None  # cards before domains
    max: Number | None = None
    levels: list[str] | None = None


class FeatureContract(msgspec.Struct, frozen=True, kw_only=True):
    """The request contract: fields in the model's raw-input order, the required ones and the
    cross-field rules (``None``: every rule that applies to the fields)."""

    fields: dict[str, FieldContract]
    required: list[str] = []
    rules: list[str] | None = None


class FeatureList(msgspec.Struct, frozen=True, kw_only=True):
    """``credit_core.features.FeatureSpec.to_dict`` plus ``names``, the model's column order."""

    numeric: list[str]
    categorical: dict[str, list[str]]
    derived: list[str]
    names: list[str]

    def spec_dict(self) -> dict[str, Any]:
        """The mapping ``FeatureSpec.from_dict`` takes."""
        return {"numeric": self.numeric, "categorical": self.categorical, "derived": self.derived}


class Calibration(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The Platt map ``p = sigmoid(a * raw_score + b)`` and how it was fitted."""

    method: str
    a: float
    b: float
    fit_rows: int | None = None  # rows the served booster was fitted on (version 2 cards)
    calibration_rows: int | None = None  # rows the map was fitted on


class HoldoutMetrics(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``credit_training.metrics.evaluate`` on the holdout: costs per application."""

    roc_auc: float
    business_cost: float
    accuracy: float | None = None
    precision: float | None = None
    recall: float | None = None
    f_beta: float | None = None
    business_cost_at_0_5: float | None = None
    brier: float | None = None
    ece: float | None = None
    refusal_rate: float | None = None


class CvMetrics(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    roc_auc: float
    business_cost: float
    oof_business_cost: float | None = None


class Metrics(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    holdout: HoldoutMetrics
    holdout_uncalibrated: HoldoutMetrics | None = None
    cv: CvMetrics | None = None


class ModelCard(msgspec.Struct, frozen=True, kw_only=True):
    """The card of one trained model. ``model_version``, ``run_id`` and ``aliases`` are filled
    by the export from the registry. Add a part as an optional field (default ``None``)."""

    schema_version: int = CARD_VERSION
    model_name: str
    created_at: str  # ISO 8601, UTC
    data: DataSource
    contract: FeatureContract
    features: FeatureList
    threshold: float  # refuse when the probability of default >= threshold
    cost_weights: CostWeights = DEFAULT_COST_WEIGHTS
    calibration: Calibration
    strategy: str
    params: dict[str, Any] = {}
    metrics: Metrics
    comparison: list[dict[str, Any]] = []
    library_versions: dict[str, str] = {}
    run_id: str | None = None
    model_version: str | None = None
    aliases: list[str] = []


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (no ``schema_version``) has the same parts: only the stamp is added."""
    return doc


UPGRADES: dict[int, versions.Upgrade] = {1: _v1_to_v2}


def read_card(data: bytes | str) -> ModelCard:
    """``model_card.json`` as a :class:`ModelCard`, upgraded if older. Raises
    ``ContractVersionError`` (newer version) or ``ContractError`` (field named)."""
    return versions.decode(data, ModelCard, CARD_VERSION, UPGRADES)


def card_from(doc: Any) -> ModelCard:
    """An already decoded card (a dict, e.g. the API's ``/v1/model`` answer) as a ModelCard."""
    return versions.convert(doc, ModelCard, CARD_VERSION, UPGRADES)
