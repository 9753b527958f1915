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
    synthetic_twin: SyntheticTwin | None = None  # None: real (or other) data


class SyntheticTwin(msgspec.Struct, frozen=True, kw_only=True):
    """The data twin that generated the training data (its manifest's generator and seed)."""

    generator: str
    seed: int | None = None
    train_rows: int | None = None
    test_rows: int | None = None


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


class UnscoredField(msgspec.Struct, frozen=True, kw_only=True):
    """A field of the table the model does not take (the protected-input policy): a request
    may carry it, it is checked against its domain and never reaches the model."""

    type: Literal["number", "integer", "category"]
    domain: FieldDomain


class FeatureContract(msgspec.Struct, frozen=True, kw_only=True):
    """The request contract: fields in the model's raw-input order, the required ones, the
    cross-field rules (``None``: every rule that applies to the fields) and the ``unscored``
    fields (accepted, checked, never scored; none in cards before the fairness work)."""

    fields: dict[str, FieldContract]
    required: list[str] = []
    rules: list[str] | None = None
    unscored: dict[str, UnscoredField] = {}


class HistoryFeatureSet(msgspec.Struct, frozen=True, kw_only=True):
    """The client-history features a model takes (``credit_core.history``) and the digest of
    their definitions: a store published with another digest is never used."""

    names: list[str]
    digest: str


class FeatureList(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``credit_core.features.FeatureSpec.to_dict`` plus ``names``, the model's column order."""

    numeric: list[str]
    categorical: dict[str, list[str]]
    derived: list[str]
    names: list[str]
    history: HistoryFeatureSet | None = None  # application-only models have none

    def spec_dict(self) -> dict[str, Any]:
        """The mapping ``FeatureSpec.from_dict`` takes."""
        out: dict[str, Any] = {
            "numeric": self.numeric,
            "categorical": self.categorical,
            "derived": self.derived,
        }
        if self.history is not None:
            out["history"] = {"names": self.history.names, "digest": self.history.digest}
        return out


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


class GroupFigures(msgspec.Struct, frozen=True, kw_only=True):
    """One group of a sensitive attribute on the holdout (rates in [0, 1]); ``auc`` is None
    when the group holds one class only, ``small`` when it has fewer than the report's
    ``min_group_rows`` (then left out of the ratios)."""

    group: str
    count: int
    share: float
    refusal_rate: float
    approval_rate: float
    default_rate: float
    auc: float | None
    false_refusal_rate: float | None  # of the good clients (who repaid)
    mean_pd: float
    calibration_ratio: float | None  # mean probability of default / observed default rate
    small: bool


class AttributeFairness(msgspec.Struct, frozen=True, kw_only=True):
    """The groups of one attribute and its ratios (None with fewer than two large groups)."""

    groups: list[GroupFigures]
    disparate_impact: float | None  # lowest / highest approval rate (the 4/5 rule)
    lowest_group: str | None
    highest_group: str | None
    four_fifths: bool | None
    equal_opportunity_difference: float | None


class FairnessReport(msgspec.Struct, frozen=True, kw_only=True):
    """``credit_training.fairness.fairness_report``: every attribute and the worst ratio."""

    min_group_rows: int
    attributes: dict[str, AttributeFairness]
    worst_attribute: str | None
    worst_ratio: float | None


class FairnessPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """The protected-input policy: the columns left out of the model's inputs, the attribute
    -> column measured, and whether age is a model input (``"input"`` or ``"absent"``)."""

    protected_inputs: list[str]
    measured_attributes: dict[str, str]
    age: str


class AgeEffect(msgspec.Struct, frozen=True, kw_only=True):
    """A feature built on the age: its importance rank and share of mean |SHAP|."""

    feature: str
    rank: int
    share_of_importance: float


class FairnessGate(msgspec.Struct, frozen=True, kw_only=True):
    """The promotion gate: tolerance on the disparate impact against the champion, the
    champion's worst ratio on the same holdout (None without a champion), why it failed."""

    tolerance: float
    champion_worst_ratio: float | None
    failures: list[str]


class Fairness(msgspec.Struct, frozen=True, kw_only=True):
    """The card's ``fairness`` section (training's fairness on the holdout)."""

    policy: FairnessPolicy
    age_effect: list[AgeEffect]
    evaluated_on: str  # "holdout"
    report: FairnessReport
    gate: FairnessGate


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
    fairness: Fairness | None = None  # cards before the fairness work have none
    # training's client-history section (status, feature set, share of clients with a record,
    # top history features, the application-only comparison): read by people, not by code
    history: dict[str, Any] | None = None
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
