"""Training side of the credit-scoring product: data twin, loading, model training and export."""
