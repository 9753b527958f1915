"""Powertools Logger, Metrics and Tracer, shared by the app and the handler.

They work without AWS: the logger writes JSON to stdout, metrics are EMF lines flushed by the
Lambda handler, and the tracer disables itself outside Lambda. Service and namespace are given
here, not through the environment (nothing is written to it at import).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "credit-scoring-api"
NAMESPACE = "CreditScoring"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)
