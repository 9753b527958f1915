"""Rebuilding a decision from its record alone: the inputs as received and the history features
the model used (both in the record) are scored again with the bundle that decided, and every
part of the decision is compared with what was recorded.

The record names its bundle (``model_version``) and that bundle's digest (``bundle_sha256``,
sha256 of its checksums.json): a bundle whose digest differs is reported, since another model
under the same version would not rebuild the same decision. What is compared: the feature row
(the application's part recomputed from the inputs, the history part as recorded), the
probability of default (to :data:`TOLERANCE`), the threshold, the decision and the features of
the reasons given. Any difference is a record that was altered or a bundle that is not the one
that decided.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from credit_core import decision_store, storage
from credit_core.bundle import Bundle, BundleError, load_bundle
from credit_core.contracts import ContractError, ContractVersionError, DecisionRecord, read_record
from credit_core.features import columns_from_records, transform

TOLERANCE = 1e-12  # probabilities: one row scored alone or in a batch may differ in the last bits
REASONS = 4


class ReconstructError(Exception):
    """Bad input: no such request, unreadable records, no such bundle (one line)."""


@dataclass
class Rebuilt:
    """One application's decision rebuilt (``differences`` empty: identical to the record)."""

    record: DecisionRecord
    bundle_sha256: str | None
    probability: float
    decision: str
    threshold: float
    reasons: list[str]
    features_compared: int
    differences: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.differences


def records_for(request_id: str, source: str) -> list[DecisionRecord]:
    """The request's records from a decision store URI (``sqlite:///...``, ``dynamodb://...``),
    a JSON-lines file, or a request-log folder (searched for the request's lines)."""
    if source.startswith(("sqlite://", "dynamodb://")):
        try:
            store = decision_store.open_store(source)
            records, _ = decision_store.read_decision(store, request_id)
        except (
            decision_store.DecisionStoreUriError,
            decision_store.DecisionStoreUnavailable,
            decision_store.StoredRecordError,
        ) as exc:
            raise ReconstructError(str(exc)) from exc
    else:
        records = [r for r in _lines(source, request_id) if r.request_id == request_id]
    if not records:
        raise ReconstructError(f"no decision record of request {request_id} in {source}")
    return sorted(records, key=lambda r: r.item)


def _lines(source: str, request_id: str) -> Iterable[DecisionRecord]:
    if storage.is_s3(source):
        raise ReconstructError("read the records from the decision store or a local file")
    path = Path(source)
    if path.is_dir():
        files = sorted(path.rglob(f"*-{request_id}.jsonl")) or sorted(path.rglob("*.jsonl"))
    elif path.is_file():
        files = [path]
    else:
        raise ReconstructError(f"{source}: no such file, folder or decision store")
    needle = request_id.encode()
    for file in files:
        for n, line in enumerate(file.read_bytes().splitlines(), start=1):
            if needle not in line:
                continue
            try:
                yield read_record(line)
            except (ContractError, ContractVersionError) as exc:
                raise ReconstructError(f"{file}:{n}: {exc}") from exc


def bundle_for(record: DecisionRecord, bundle_uri: str, cache_dir: Path) -> Bundle:
    try:
        return load_bundle(bundle_uri, record.model_version, cache_dir)
    except (BundleError, OSError) as exc:
        raise ReconstructError(
            f"bundle version {record.model_version} at {bundle_uri}: {exc}"
        ) from exc


def _same(a: float | None, b: float) -> bool:
    if a is None:
        return math.isnan(b)
    return a == b or (math.isnan(a) and math.isnan(b))


def rebuild(record: DecisionRecord, bundle: Bundle) -> Rebuilt:
    """Score the record's inputs again with ``bundle`` and compare (see the module)."""
    model, spec = bundle.model, bundle.model.spec
    diffs: list[str] = []
    if record.bundle_sha256 and bundle.sha256 != record.bundle_sha256:
        diffs.append(f"bundle digest {bundle.sha256} is not the recorded {record.bundle_sha256}")
    if len(record.features) != len(spec.names):
        raise ReconstructError(
            f"the record holds {len(record.features)} features, bundle "
            f"{bundle.version} uses {len(spec.names)}"
        )
    try:
        inputs = record.input_values()
    except ContractError as exc:
        raise ReconstructError(str(exc)) from exc
    history = None
    if spec.history:
        start = len(spec.names) - len(spec.history)
        history = {
            name: np.array([np.nan if v is None else v], dtype=np.float64)
            for name, v in zip(spec.history, record.features[start:], strict=True)
        }
    x = transform(spec, columns_from_records(spec, [inputs]), history)
    row = x[0].tolist()
    changed = [
        name
        for name, got, was in zip(spec.names, row, record.features, strict=True)
        if not _same(was, got)
    ]
    if changed:
        diffs.append(f"{len(changed)} feature(s) differ from the record: {', '.join(changed[:8])}")
    p = float(model.probability(x)[0])
    if abs(p - record.probability) > TOLERANCE:
        diffs.append(f"probability {p!r} is not the recorded {record.probability!r}")
    decision = str(model.decide(np.array([p]))[0])
    if decision != record.decision:
        diffs.append(f"decision {decision} is not the recorded {record.decision}")
    if record.threshold is not None and record.threshold != model.threshold:
        diffs.append(f"threshold {model.threshold} is not the recorded {record.threshold}")
    reasons: list[str] = []
    if decision == "refuse":
        contrib, _ = model.contributions(x)
        order = np.argsort(-contrib[0], kind="stable")[:REASONS]
        reasons = [spec.names[i] for i in order.tolist() if contrib[0][i] > 0]
    recorded = [r.feature for r in record.reasons]
    if record.reasons and recorded != reasons:
        diffs.append(f"reasons {reasons} are not the recorded {recorded}")
    return Rebuilt(
        record=record,
        bundle_sha256=bundle.sha256,
        probability=p,
        decision=decision,
        threshold=model.threshold,
        reasons=reasons,
        features_compared=len(row),
        differences=diffs,
    )


def report(rebuilt: Sequence[Rebuilt]) -> list[str]:
    """The lines ``credit decisions reconstruct`` prints."""
    lines = []
    for r in rebuilt:
        rec = r.record
        digest = (r.bundle_sha256 or "?")[:12]
        lines += [
            f"request {rec.request_id} item {rec.item} ({rec.timestamp}), model {rec.model_version}"
            f", bundle sha256 {digest}...",
            f"  probability of default {r.probability:.12f} (recorded {rec.probability:.12f})",
            f"  decision {r.decision} at threshold {r.threshold:.6f} (recorded {rec.decision})",
            f"  features compared: {r.features_compared}; reasons: {', '.join(r.reasons) or '-'}",
        ]
        if r.same:
            lines.append("  SAME: the record rebuilds the decision exactly")
        else:
            lines += [f"  DIFFERS: {d}" for d in r.differences]
    return lines
