"""Powertools Logger, Metrics and Tracer, shared by the app and the handler.

They work without AWS: the logger writes JSON to stdout, metrics are EMF lines flushed by the
Lambda handler, and tracing is off unless running in Lambda.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "credit-scoring-api"
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", SERVICE)
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CreditScoring")
if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CreditScoring", service=SERVICE)
tracer = Tracer(service=SERVICE)
