"""The production drift job: the serving bundle's reference sample against the request-log
lines of a window, with prediction drift, refusal rate (overall and per group of the sensitive
attributes), the API's data-quality warnings and the model's performance estimated without labels.
For a with-history model the history features the API used (each record's ``features`` row) are
scored against the reference sample's, and the share of applicants without history is followed
day by day against training's (``history``).

Outputs (S3 prefix or folder): ``REPORTS/dt=YYYY-MM-DD/<run id>/report.html`` and
``summary.json``, then ``REPORTS/latest.json`` (the summary with ``report_key``), written last.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from credit_core import storage
from credit_core.bundle import REFERENCE, Bundle, load_bundle, read_verified
from credit_core.contracts import ModelCard, encode_pretty, summary_from
from credit_core.groups import ATTRIBUTES, assign_groups
from credit_core.schema import Column, application_schema
from credit_monitoring import estimate, group_monitor, history_monitor, jsonout, logs, report
from credit_monitoring.drift import (
    UNSEEN_LEVEL,
    as_float,
    drift_table,
    importance_shares,
    ranked,
    share_drifted,
)
from credit_monitoring.measures import score_column

LATEST = "latest.json"
CACHE = Path(tempfile.gettempdir()) / "credit-drift-bundle"


@dataclass(frozen=True, slots=True)
class JobConfig:
    bundle_uri: str
    log_uri: str
    reports_uri: str
    since: datetime
    until: datetime
    max_bytes: int = logs.MAX_BYTES

    @classmethod
    def window(
        cls,
        bundle_uri: str,
        log_uri: str,
        reports_uri: str,
        since: datetime | None = None,
        until: datetime | None = None,
        days: float = 7,
        max_bytes: int = logs.MAX_BYTES,
    ) -> JobConfig:
        """Default window: the ``days`` before ``until`` (default now, UTC)."""
        until = _utc(until) if until else datetime.now(UTC)
        since = _utc(since) if since else until - timedelta(days=days)
        if since >= until:
            raise ValueError(
                f"empty window: since {since.isoformat()} >= until {until.isoformat()}"
            )
        return cls(bundle_uri, log_uri, reports_uri, since, until, max_bytes)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def model_input_columns(bundle: Bundle) -> list[Column]:
    """The model's raw inputs as schema columns (the spec's levels when not in the schema)."""
    schema = application_schema()
    spec = bundle.model.spec
    known = {c.name: c for c in schema.columns}
    cats = dict(spec.categorical)
    out = []
    for name in spec.raw_inputs:
        if name in known:
            out.append(known[name])
        elif name in cats:
            out.append(Column(name, "category", True, cats[name]))
        else:
            out.append(Column(name, "float64", True))
    return out


def read_reference(bundle_uri: str, bundle: Bundle) -> pd.DataFrame:
    """The loaded bundle's reference sample (raw training rows, TARGET, calibrated ``score``),
    checked against the checksums the bundle was loaded with (BundleError if it changed)."""
    data = read_verified(bundle_uri, bundle.version, REFERENCE, CACHE, bundle.checksums)
    return pd.read_csv(io.BytesIO(data), compression="gzip")


def _decode(codes: np.ndarray, column: Column) -> np.ndarray | pd.Series:
    """Level codes back to level strings (for Evidently's widgets)."""
    if not column.is_categorical:
        return codes
    levels = np.array([*column.levels, "(unseen level)"], dtype=object)
    idx = np.where(codes == UNSEEN_LEVEL, len(column.levels), np.nan_to_num(codes)).astype(int)
    out = levels[idx]
    out[np.isnan(codes)] = None
    return out


def run_job(cfg: JobConfig, run_id: str | None = None) -> dict[str, Any]:
    """Run the job once; returns the summary (also written with the report).

    Raises ValueError, before writing anything, when the log root is a folder that does not
    exist (a mistyped path must not publish a ``no_data`` run over the latest report)."""
    bundle = load_bundle(cfg.bundle_uri, cache_dir=CACHE)
    if not storage.is_s3(cfg.log_uri) and not Path(cfg.log_uri).is_dir():
        raise ValueError(f"--logs {cfg.log_uri}: no such folder")
    columns = model_input_columns(bundle)
    spec = bundle.model.spec
    positions = {name: spec.names.index(name) for name in spec.history}
    objects = [
        o
        for p in logs.day_prefixes(cfg.log_uri, cfg.since, cfg.until)
        for o in logs.list_objects(p)
    ]
    chosen = logs.choose(objects, cfg.max_bytes, seed=int(cfg.until.timestamp()))
    sampling = logs.Sampling(
        len(objects), len(chosen), sum(o.size for o in objects), sum(o.size for o in chosen)
    )
    window = logs.collect(
        logs.read_all(chosen),
        bundle.version,
        len(bundle.model.spec.names),
        columns,
        cfg.since,
        cfg.until,
        positions,
    )
    now = datetime.now(UTC)
    run_id = run_id or f"{now:%H%M%S}-{uuid.uuid4().hex[:8]}"
    run_prefix = f"dt={now:%Y-%m-%d}/{run_id}"
    card = bundle.card
    fn, fp = card.cost_weights.fn, card.cost_weights.fp
    threshold = bundle.model.threshold
    summary: dict[str, Any] = {
        "status": "ok" if window.rows else "no_data",
        "generated_at": now.isoformat(timespec="seconds"),
        "window": {"since": cfg.since.isoformat(), "until": cfg.until.isoformat()},
        "model_version": bundle.version,
        "rows": window.rows,
        "malformed_lines": window.malformed,
        "outside_window_lines": window.outside_window,
        "other_versions": window.others,
        "sampling": sampling.as_dict(),
        "threshold": threshold,
        "warnings_by_field": {f: dict(k) for f, k in sorted(window.warnings.items())},
        "warnings_by_kind": _by_kind(window.warnings),
    }
    reference = read_reference(cfg.bundle_uri, bundle)
    target = application_schema().target_column
    ref_p = reference["score"].to_numpy(np.float64)
    summary["training"] = {
        "default_rate": round(float(reference[target].mean()), 6) if target in reference else None,
        "business_cost_per_application": _training_cost(card),
        "refusal_rate": round(float(np.mean(ref_p >= threshold)), 6),
        "mean_probability": round(float(ref_p.mean()), 6),
    }
    if not window.rows:
        summary |= {
            "drift_share": 0.0,
            "drifted_columns": 0,
            "columns": [],
            "top_drifted": [],
            "prediction_drift": None,
            "refusal_rate": None,
            "mean_probability": None,
            "estimated": None,
            "untrusted_estimates": [],
            "fairness": None,
            "history": None,
        }
        page = report.STYLE + report.summary_section(summary, "Production drift: no data")
        return _write(cfg.reports_uri, run_prefix, summary, f"<html><body>{page}</body></html>")

    shares = importance_shares(bundle.importance, bundle.model.spec)
    ref_cols = {c.name: as_float(reference[c.name], c) for c in columns if c.name in reference}
    present = [c for c in columns if c.name in ref_cols]
    cur_cols = {c.name: window.column(c.name) for c in present}
    history = [Column(n, "float64", True) for n in spec.history if n in reference]
    for c in history:  # as the model used them: the records' feature rows
        ref_cols[c.name] = reference[c.name].to_numpy(np.float64)
        cur_cols[c.name] = window.feature(c.name)
    present += history
    table = drift_table(ref_cols, cur_cols, present, shares)
    p = window.probabilities()
    pred = score_column(ref_p, p)
    summary |= {
        "drift_share": round(share_drifted(table), 6),
        "drifted_columns": sum(c.drifted for c in table),
        "columns": [c.entry() for c in table],
        "top_drifted": ranked(table),
        "prediction_drift": {
            "method": "psi_deciles",
            "score": round(pred.values_psi, 6),
            "threshold": round(pred.values_threshold, 6),
            "drifted": pred.drifted_values,
            "mean_reference": round(float(ref_p.mean()), 6),
            "mean_current": round(float(p.mean()), 6),
        },
        "refusal_rate": round(float(window.refusals().mean()), 6),
        "mean_probability": round(float(p.mean()), 6),
        "estimated": estimate.expected(p, threshold, fn, fp).as_dict(),
        "untrusted_estimates": list(estimate.UNTRUSTED_WITH_BUNDLE_CALIBRATION),
        "fairness": group_fairness(window, reference, ref_p >= threshold, card),
        "history": history_monitor.coverage(
            window.found(),
            history_monitor.reference_from_card(card),
            "model_card",
            window.row_days(),
        )
        if spec.history
        else None,
    }
    ref_frame = pd.DataFrame({c.name: _decode(ref_cols[c.name], c) for c in present})
    ref_frame["probability"] = ref_p
    cur_frame = pd.DataFrame({c.name: _decode(cur_cols[c.name], c) for c in present})
    cur_frame["probability"] = p
    page = report.evidently_html(
        ref_frame, cur_frame, table, extra=[("probability", pred.values_threshold)]
    )
    section = report.summary_section(summary, f"Production drift: model {bundle.version}")
    return _write(cfg.reports_uri, run_prefix, summary, report.compose(page, section))


def group_fairness(
    window: logs.Window, reference: pd.DataFrame, ref_refused: np.ndarray, card: ModelCard
) -> dict[str, Any]:
    """Refusal rate per group in the window against the reference: the bundle's reference
    sample scored at the threshold where it holds the attribute's column, else the model
    card's fairness report (training's holdout)."""
    present = {a.column for a in ATTRIBUTES} & set(reference.columns)
    ref_groups = assign_groups({c: reference[c].astype(object).to_numpy() for c in present})
    reference_rates = group_monitor.rates(ref_groups, ref_refused)
    card_rates = group_monitor.rates_from_card(card)
    sources: dict[str, str | None] = {}
    for a in ATTRIBUTES:
        if a.name in reference_rates:
            sources[a.name] = "reference_sample"
        elif a.name in card_rates:
            reference_rates[a.name] = card_rates[a.name]
            sources[a.name] = "model_card"
        else:
            sources[a.name] = None
    current = group_monitor.rates(window.groups(), window.refusals())
    return group_monitor.group_refusals(current, reference_rates, sources)


def _by_kind(warnings: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for kinds in warnings.values():
        for kind, n in kinds.items():
            out[kind] = out.get(kind, 0) + n
    return dict(sorted(out.items()))


def _training_cost(card: ModelCard) -> float:
    """The holdout cost per application from the model card."""
    return round(card.metrics.holdout.business_cost, 6)


def _write(reports_uri: str, run_prefix: str, summary: dict[str, Any], page: str) -> dict[str, Any]:
    report_key = f"{run_prefix}/report.html"
    summary["report_key"] = report_key
    storage.write_bytes(
        storage.join(reports_uri, report_key), page.encode("utf-8"), "text/html; charset=utf-8"
    )
    body = encode_pretty(summary_from(jsonout.finite(summary)))
    storage.write_bytes(
        storage.join(reports_uri, run_prefix, "summary.json"), body, "application/json"
    )
    storage.write_bytes(storage.join(reports_uri, LATEST), body, "application/json")
    return summary


__all__ = ["JobConfig", "run_job"]
