"""The decision record: one line of the API's request log per scored application.

Written by ``credit_api.request_log``, read by the drift job (``credit_monitoring.logs``).
Version history:

1. written before versions existed: request id, item, timestamp, model version, inputs,
   features, probability, decision, warnings.
2. ``schema_version``, ``threshold`` (the decision's cut-off) and ``bundle_sha256`` (sha256 of
   the bundle's checksums.json: the exact bundle that decided) added.
3. ``history`` (whether the client's history was found, its date and feature set; the history
   features themselves are in ``features``), ``client_ref`` (pseudonymised client id),
   ``reasons`` (the reasons given, most important first), ``idempotency_key`` and ``caller``
   (who asked: a signed-in officer or a machine client) added; all empty when upgraded.

Later fields come with a version bump and an upgrade in :data:`UPGRADES`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from credit_core.contracts import versions

DECISION_VERSION = 3

Number = int | float
Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Decision = Literal["accept", "refuse"]
InputValue = str | int | float | bool | None  # an application's field as sent


class ScoreWarning(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Inside the domain but outside what training saw: the application is scored anyway."""

    field: str
    kind: Literal["outside_training_range", "unseen_level"]
    value: Any
    message: str
    training_min: Number | None = None
    training_max: Number | None = None
    scored_as: Literal["missing"] | None = None  # an unseen level is scored as missing


class HistoryUse(msgspec.Struct, frozen=True, kw_only=True):
    """For a model trained on client history: whether the applicant's history was found."""

    found: bool  # false: scored as a client without history
    as_of: str | None = None  # date of the history features used
    feature_set: str  # digest of the history definitions the model uses


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    """Who asked for a decision: a signed-in credit officer (``subject`` from the identity
    provider's token) or a machine client (``subject``: the API key's name, never the key)."""

    kind: Literal["officer", "machine", "anonymous"]
    subject: str | None = None
    issuer: str | None = None


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    """A reason given with the decision: the feature, its SHAP contribution (log-odds; positive
    raises the probability of default) and the sentence shown."""

    feature: str
    contribution: float
    text: str


class DecisionRecord(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``inputs`` is the application's JSON as received (validated: kept as raw JSON text);
    ``features`` the row the model saw, in the card's ``features.names`` order (null: NaN)."""

    schema_version: int = DECISION_VERSION
    request_id: str
    item: int  # position of the application in the request
    timestamp: str  # ISO 8601 with offset, milliseconds
    model_version: str
    inputs: msgspec.Raw
    features: list[float | None]
    probability: Probability  # of default, calibrated
    decision: Decision
    warnings: list[ScoreWarning] = []
    threshold: float | None = None  # version 2; None when upgraded from version 1
    bundle_sha256: str | None = None  # version 2; None when upgraded from version 1
    history: HistoryUse | None = None  # version 3; None: a model without history features
    client_ref: str | None = None  # version 3; keyed HMAC of SK_ID_CURR, never the id itself
    reasons: list[Reason] = []  # version 3
    idempotency_key: str | None = None  # version 3; the client's Idempotency-Key header
    caller: Caller | None = None  # version 3

    def input_values(self) -> dict[str, InputValue]:
        """The inputs as a mapping of scalars; ``ContractError`` if they are not a JSON object
        of numbers, strings and nulls (a value logged as a list or an object, say)."""
        try:
            return _INPUTS.decode(self.inputs)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise versions.ContractError(f"DecisionRecord: {exc} - at `$.inputs`") from None


_INPUTS = msgspec.json.Decoder(dict[str, InputValue])


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 lines lack the threshold and the bundle digest: both unknown (null)."""
    return doc | {"threshold": None, "bundle_sha256": None}


def _v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 lines lack history use, client reference, reasons, idempotency key, caller."""
    return doc | {
        "history": None,
        "client_ref": None,
        "reasons": [],
        "idempotency_key": None,
        "caller": None,
    }


UPGRADES: dict[int, versions.Upgrade] = {1: _v1_to_v2, 2: _v2_to_v3}


class _Stamp(msgspec.Struct):
    schema_version: int = versions.UNVERSIONED


_STAMP = msgspec.json.Decoder(_Stamp)
_RECORD = msgspec.json.Decoder(DecisionRecord)
_ENCODER = msgspec.json.Encoder()


def read_record(line: bytes) -> DecisionRecord:
    """One log line as a :class:`DecisionRecord`, upgraded if older.

    Raises ``ContractVersionError`` (a newer version) or ``ContractError`` (not a record; the
    message names the field)."""
    try:
        version = _STAMP.decode(line).schema_version
        if version == DECISION_VERSION:
            return _RECORD.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise versions.ContractError(f"DecisionRecord: {exc}") from None
    try:
        doc = msgspec.json.decode(line)
    except msgspec.DecodeError as exc:
        raise versions.ContractError(f"DecisionRecord: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("inputs"), dict):
        doc["inputs"] = msgspec.Raw(_ENCODER.encode(doc["inputs"]))
    return versions.convert(doc, DecisionRecord, DECISION_VERSION, UPGRADES)


def encode_lines(records: list[DecisionRecord]) -> bytes:
    """JSON lines, one per record (each ends with a newline)."""
    return _ENCODER.encode_lines(records)
