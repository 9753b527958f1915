"""A synthetic twin of the Kaggle Home Credit application tables, calibrated on public stats."""
