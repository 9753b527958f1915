"""The drift summary: ``summary.json`` (and ``latest.json``) of the drift study and job.

Written by ``credit_monitoring.study`` (reference vs current tables) and
``credit_monitoring.production`` (the request log of a window), read by the UI's monitoring
page. The parts only one of them writes are optional. Version history:

1. written before versions existed (no ``schema_version``), the same parts.
2. ``schema_version`` added; absent parts are left out rather than written as null.
3. ``history``: the share of applicants without client history (scored as clients without
   history) against the reference, per day of the window, with its warning; absent when the
   model takes no history features (and in every summary upgraded from version 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from credit_core.contracts import versions

SUMMARY_VERSION = 3

# "failed": columns expected by the model are missing from the current data (named in
# ``missing_columns``); "no_data": no current rows (an empty file, an empty log window)
Status = Literal["ok", "no_data", "failed"]


class _Part(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    pass


class ColumnDrift(_Part, frozen=True, kw_only=True):
    """One column: the drift score (PSI of the stronger of values and missing rate) and its
    calibrated threshold; ``importance_share`` is the column's share of the model's importance
    (``None`` without a model)."""

    name: str
    method: str  # "psi_deciles" | "psi_levels" | "psi_missing_rate" ...
    score: float
    threshold: float
    drifted: bool
    missing_rate_reference: float
    missing_rate_current: float
    importance_share: float | None = None
    values_psi: float | None = None
    missing_psi: float | None = None


class RankedColumn(_Part, frozen=True, kw_only=True):
    """A drifted column in the ranking (most important first)."""

    rank: int
    name: str
    method: str
    score: float
    threshold: float
    importance_share: float | None = None
    priority: float | None = None  # score x importance share
    rank_by_score: int | None = None
    rank_by_importance: int | None = None


class PredictionDrift(_Part, frozen=True, kw_only=True):
    method: str
    score: float
    threshold: float
    drifted: bool
    mean_reference: float | None = None
    mean_current: float | None = None


class Performance(_Part, frozen=True, kw_only=True):
    """Default rate, business cost per application, refusal rate and ROC AUC of a window."""

    default_rate: float | None = None
    business_cost_per_application: float | None = None
    refusal_rate: float | None = None
    roc_auc: float | None = None
    mean_probability: float | None = None  # the training baseline only


class Window(_Part, frozen=True, kw_only=True):
    since: str
    until: str


class Sampling(_Part, frozen=True, kw_only=True):
    objects_listed: int
    objects_read: int
    bytes_listed: int
    bytes_read: int
    fraction: float
    sampled: bool


class OtherVersion(_Part, frozen=True, kw_only=True):
    """Lines of another model version (or feature contract), kept out of the analysis."""

    rows: int
    mean_probability: float
    refusal_rate: float


class EstimateCalibration(_Part, frozen=True, kw_only=True):
    """How the study calibrated the scores for the label-free estimate."""

    method: str  # "bundle" | "isotonic_on_reference"
    reference_rows: int | None = None
    reference_default_rate: float | None = None
    reference_mean_probability: float | None = None
    note: str | None = None


class GroupRefusalRule(_Part, frozen=True, kw_only=True):
    """The alarm rule (docs/drift.md, "Refusal rate per group")."""

    max_shift_pt: float  # |current - reference refusal rate|, percentage points
    min_decisions: int  # decisions of a group in the window before it can alarm
    min_reference_rows: int  # reference rows of a group before its rate is compared
    four_fifths: float


class GroupRefusal(_Part, frozen=True, kw_only=True):
    """One group in the window against the reference: rates are fractions (None without rows),
    the shift in percentage points (None when not comparable), the alarm's reasons."""

    group: str
    count: int
    refusal_rate: float | None
    reference_count: int
    reference_refusal_rate: float | None
    shift_pt: float | None
    alarm: list[Literal["shift", "four_fifths"]]


class AttributeRefusals(_Part, frozen=True, kw_only=True):
    groups: list[GroupRefusal]
    disparate_impact: float | None  # of approval rates, groups known on both sides
    reference_disparate_impact: float | None
    lowest_group: str | None
    alarm: bool


class GroupRefusals(_Part, frozen=True, kw_only=True):
    """``credit_monitoring.group_monitor.group_refusals``: the refusal rate per group of the
    sensitive attributes; ``reference_source`` per attribute: ``"reference_sample"``,
    ``"model_card"`` or None (no reference)."""

    rule: GroupRefusalRule
    reference_source: dict[str, str | None]
    attributes: dict[str, AttributeRefusals]
    groups_in_alarm: int
    alarms: list[str]  # each alarm in a sentence


class HistoryShareRule(_Part, frozen=True, kw_only=True):
    """The warning rule (docs/drift.md, "Applicants without history")."""

    max_shift_pt: float  # |current - reference share without history|, percentage points
    min_rows: int  # applicants of the window (or of a day) before the shift can warn


class HistoryDay(_Part, frozen=True, kw_only=True):
    """One UTC day of the window: applicants scored, how many without history."""

    day: str  # YYYY-MM-DD
    rows: int
    without_history: int
    share_without: float
    shift_pt: float | None = None  # against the reference; None without one


class HistoryCoverage(_Part, frozen=True, kw_only=True):
    """Applicants without client history (a with-history model scores them with the no-history
    values): their share in the current data against the reference, over time in the job.

    ``rows`` counts the applicants whose history use is known (decision records of version 3
    or later carry it); ``reference_source``: ``"reference"`` (the study's reference table),
    ``"model_card"`` (training's share of clients with a record) or None."""

    rows: int
    without_history: int
    share_without: float | None
    reference_share_without: float | None
    reference_source: str | None
    shift_pt: float | None  # percentage points; None when not comparable
    rule: HistoryShareRule
    warning: bool
    message: str | None = None  # the warning in a sentence
    unknown_rows: int = 0  # records without history use (older record versions)
    days: list[HistoryDay] = []  # the job: one entry per day of the window with records


class DriftSummary(_Part, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Unknown fields are refused: a part a producer adds must be added here first."""

    schema_version: int = SUMMARY_VERSION
    status: Status
    generated_at: str  # ISO 8601, UTC
    model_version: str | None = None
    rows: int  # current rows analysed
    drift_share: float  # share of the columns that drifted
    drifted_columns: int
    columns: list[ColumnDrift]
    top_drifted: list[RankedColumn]
    estimated: Performance | None = None  # without labels (CBPE)
    untrusted_estimates: list[str] | None = None  # estimates the calibration cannot support
    missing_columns: list[str] | None = None  # expected but absent from the current data
    threshold: float | None = None
    report_key: str | None = None
    # the production job
    window: Window | None = None
    malformed_lines: int | None = None
    outside_window_lines: int | None = None
    other_versions: dict[str, OtherVersion] | None = None
    sampling: Sampling | None = None
    warnings_by_field: dict[str, dict[str, int]] | None = None  # field -> kind -> count
    warnings_by_kind: dict[str, int] | None = None
    training: Performance | None = None
    prediction_drift: PredictionDrift | None = None
    refusal_rate: float | None = None
    mean_probability: float | None = None
    fairness: GroupRefusals | None = None  # refusal rate per group (the job's window)
    history: HistoryCoverage | None = None  # version 3; applicants without client history
    # the study
    reference_rows: int | None = None
    calibration: EstimateCalibration | None = None
    estimated_bundle_calibration: Performance | None = None
    actual: Performance | None = None
    actual_interval: dict[str, list[float]] | None = None  # metric -> [low, high], 95 %
    reference: str | None = None
    current: str | None = None
    labels: str | None = None


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 wrote null for the parts a run did not have: left out in version 2."""
    return {k: v for k, v in doc.items() if v is not None}


def _v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 did not measure the share without history: ``history`` stays absent."""
    return doc


UPGRADES: dict[int, versions.Upgrade] = {1: _v1_to_v2, 2: _v2_to_v3}


def read_summary(data: bytes | str) -> DriftSummary:
    """``summary.json`` as a :class:`DriftSummary`, upgraded if older. Raises
    ``ContractVersionError`` (newer version) or ``ContractError`` (field named)."""
    return versions.decode(data, DriftSummary, SUMMARY_VERSION, UPGRADES)


def summary_from(doc: Mapping[str, Any]) -> DriftSummary:
    """A summary built as a mapping by this version's code (NumPy scalars allowed), checked
    against the contract; nulls stand for absent parts. Raises ``ContractError``."""
    raw = msgspec.json.encode({"schema_version": SUMMARY_VERSION, **doc}, enc_hook=_plain)
    return versions.decode(raw, DriftSummary, SUMMARY_VERSION, UPGRADES)


def _plain(value: Any) -> Any:
    """NumPy scalars (``np.bool_``, ``np.int64``) as Python ones, without importing NumPy."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise NotImplementedError(f"not JSON serialisable: {type(value).__name__}")
