"""Code shared by training, serving and monitoring: the application schema, the feature
engineering, the typed contracts between the stages, the model bundle and scoring. NumPy,
LightGBM and msgspec only (boto3 when a URI is on S3), so the Lambda package carries it without
pandas or scikit-learn; ``credit_core.contracts`` needs msgspec alone (the UI imports it)."""
