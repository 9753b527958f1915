"""Drift monitoring: the reference/current drift study, the scheduled production drift job over
the API's request log, performance estimated without labels, and demo traffic.

Uses only ``credit_core`` from the other stages (schema, features, bundle, storage).
"""
