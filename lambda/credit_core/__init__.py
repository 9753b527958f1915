"""Definitions shared by training, serving and monitoring: the application schema (and, later,
the feature engineering). Pure Python + NumPy only, so the Lambda package can carry it."""
