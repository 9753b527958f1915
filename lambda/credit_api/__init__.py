"""The scoring API: FastAPI app (``app.py``) wrapped for AWS Lambda by Mangum (``handler.py``)."""
