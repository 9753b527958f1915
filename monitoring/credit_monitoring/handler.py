"""The scheduled drift Lambda (container image): wiring only; the job is ``production.run_job``.

Environment: ``MODEL_URI`` (bundle root), ``LOG_URI`` (request-log root), ``REPORTS_URI``
(reports root), ``WINDOW_DAYS`` (default 7), ``MAX_LOG_BYTES`` (default 512 MiB read per run),
``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE`` (``CreditScoring``). An event may
carry ``since``/``until`` (ISO 8601) to re-run a past window.
EMF metrics: DriftShare, DriftedColumns, RowsAnalysed, MalformedLines, EstimatedBusinessCost,
EstimatedDefaultRate, ScoringWarnings (dimension ``kind``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from credit_monitoring import logs
from credit_monitoring.production import JobConfig, run_job

SERVICE = "credit-drift-monitor"
NAMESPACE = "CreditScoring"
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", SERVICE)
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)

logger = Logger()
metrics = Metrics()


@dataclass(frozen=True, slots=True)
class Settings:
    model_uri: str
    log_uri: str
    reports_uri: str
    window_days: float
    max_bytes: int

    @classmethod
    def from_env(cls) -> Settings:
        missing = [k for k in ("MODEL_URI", "LOG_URI", "REPORTS_URI") if not os.environ.get(k)]
        if missing:
            raise RuntimeError(f"missing environment variables: {', '.join(missing)}")
        return cls(
            model_uri=os.environ["MODEL_URI"],
            log_uri=os.environ["LOG_URI"],
            reports_uri=os.environ["REPORTS_URI"],
            window_days=float(os.environ.get("WINDOW_DAYS", "7")),
            max_bytes=int(os.environ.get("MAX_LOG_BYTES", str(logs.MAX_BYTES))),
        )


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
        with single_metric(name="ScoringWarnings", unit=MetricUnit.Count, value=count) as metric:
            metric.add_dimension(name="kind", value=kind)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = Settings.from_env()
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
