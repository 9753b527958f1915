"""Code shared by training, serving and monitoring: the application schema, the feature
engineering, the model bundle and scoring. NumPy and LightGBM only (boto3 when a URI is on S3),
so the Lambda package carries it without pandas or scikit-learn."""
