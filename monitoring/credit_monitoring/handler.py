"""The scheduled drift Lambda (container image): wiring only; the job is ``production.run_job``.

Settings: :class:`~credit_monitoring.settings.DriftSettings`, read from the environment once,
on the first invocation (the module imports without any), then passed to the job; tests build
the handler from explicit settings with :func:`build`. An event may carry ``since``/``until``
(ISO 8601) to re-run a past window.
EMF metrics: DriftShare, DriftedColumns, RowsAnalysed, MalformedLines, EstimatedBusinessCost,
EstimatedDefaultRate, ScoringWarnings (dimension ``kind``), GroupsInAlarm (groups of the
sensitive attributes breaking the alarm rule, docs/drift.md) and GroupRefusalShift (dimension
``attribute``: the largest shift of its groups with enough decisions, percentage points); for a
with-history model NoHistoryShare (applicants scored without history), NoHistoryShareShift
(against training, percentage points) and NoHistoryShareWarning (1 when the shift breaks the
rule of ``history_monitor``, else 0).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from credit_monitoring.production import JobConfig, run_job
from credit_monitoring.settings import DriftSettings

SERVICE = "credit-scoring-drift"  # the service dimension the template's alarms name
NAMESPACE = "CreditScoring"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def _when(event: dict[str, Any], key: str) -> datetime | None:
    value = event.get(key) if isinstance(event, dict) else None
    return datetime.fromisoformat(value) if value else None


def emit(summary: dict[str, Any]) -> None:
    """The summary's figures as EMF metrics (flushed by ``log_metrics``)."""
    metrics.add_metric(name="RowsAnalysed", unit=MetricUnit.Count, value=summary["rows"])
    metrics.add_metric(
        name="MalformedLines", unit=MetricUnit.Count, value=summary["malformed_lines"]
    )
    if summary["status"] != "ok":
        return
    metrics.add_metric(name="DriftShare", unit=MetricUnit.NoUnit, value=summary["drift_share"])
    metrics.add_metric(
        name="DriftedColumns", unit=MetricUnit.Count, value=summary["drifted_columns"]
    )
    est = summary["estimated"]
    metrics.add_metric(
        name="EstimatedBusinessCost",
        unit=MetricUnit.NoUnit,
        value=est["business_cost_per_application"],
    )
    metrics.add_metric(
        name="EstimatedDefaultRate", unit=MetricUnit.NoUnit, value=est["default_rate"]
    )
    for kind, count in summary["warnings_by_kind"].items():
        with single_metric(
            name="ScoringWarnings",
            unit=MetricUnit.Count,
            value=count,
            namespace=NAMESPACE,
            default_dimensions={"service": SERVICE},
        ) as metric:
            metric.add_dimension(name="kind", value=kind)
    fairness = summary["fairness"]
    metrics.add_metric(
        name="GroupsInAlarm", unit=MetricUnit.Count, value=fairness["groups_in_alarm"]
    )
    for attribute, a in fairness["attributes"].items():
        # one series per attribute (custom metrics are billed per series): its largest shift
        shifts = [
            g["shift_pt"]
            for g in a["groups"]
            if g["shift_pt"] is not None and g["count"] >= fairness["rule"]["min_decisions"]
        ]
        if not shifts:
            continue
        with single_metric(
            name="GroupRefusalShift",
            unit=MetricUnit.NoUnit,
            value=max(shifts, key=abs),
            namespace=NAMESPACE,
            default_dimensions={"service": SERVICE},
        ) as metric:
            metric.add_dimension(name="attribute", value=attribute)
    emit_history(summary.get("history"))


def emit_history(history: dict[str, Any] | None) -> None:
    """The share of applicants without history, its shift and its warning (with-history
    models whose records say whether history was found)."""
    if not history or history["share_without"] is None:
        return
    metrics.add_metric(
        name="NoHistoryShare", unit=MetricUnit.NoUnit, value=history["share_without"]
    )
    if history["shift_pt"] is not None:
        metrics.add_metric(
            name="NoHistoryShareShift", unit=MetricUnit.NoUnit, value=history["shift_pt"]
        )
    metrics.add_metric(
        name="NoHistoryShareWarning", unit=MetricUnit.Count, value=int(history["warning"])
    )


def run(settings: DriftSettings, event: Any) -> dict[str, Any]:
    """One run of the job over the event's window (default: the last ``window_days``)."""
    cfg = JobConfig.window(
        settings.model_uri,
        settings.log_uri,
        settings.reports_uri,
        since=_when(event, "since"),
        until=_when(event, "until"),
        days=settings.window_days,
        max_bytes=settings.max_bytes,
    )
    summary = run_job(cfg)
    emit(summary)
    result = {
        k: summary[k] for k in ("status", "rows", "drift_share", "drifted_columns", "report_key")
    }
    logger.info("drift_run", extra=result | {"malformed_lines": summary["malformed_lines"]})
    return result


Handler = Callable[[Any, Any], dict[str, Any]]


def build(settings: DriftSettings) -> Handler:
    """The Lambda entry for ``settings`` (Powertools-wrapped: EMF flush, context in the log)."""

    @metrics.log_metrics
    @logger.inject_lambda_context
    def entry(event: Any, context: Any) -> dict[str, Any]:
        return run(settings, event)

    return entry


_entry: Handler | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _entry
    if _entry is None:  # the first invocation of this container reads the settings, once
        _entry = build(DriftSettings.from_env())
    return _entry(event, context)
