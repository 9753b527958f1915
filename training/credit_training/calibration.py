"""Probability calibration that survives export: a logistic map of the booster's raw score.

Resampling and class weights shift a model's probabilities away from the true default rate.
Platt scaling on out-of-fold raw scores (p = sigmoid(a * margin + b)) repairs that with two
numbers that the model card carries, so the API calibrates without scikit-learn, and TreeSHAP
contributions stay additive on the calibrated log-odds (each one times ``a``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression


@dataclass(frozen=True, slots=True)
class Platt:
    a: float = 1.0
    b: float = 0.0

    def __call__(self, margin: np.ndarray) -> np.ndarray:
        return expit(self.a * np.asarray(margin) + self.b)


def margin_from_probability(p: np.ndarray) -> np.ndarray:
    return logit(np.clip(p, 1e-12, 1 - 1e-12))


def fit_platt(margin: np.ndarray, y: np.ndarray) -> Platt:
    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit(np.asarray(margin).reshape(-1, 1), np.asarray(y).astype(int))
    return Platt(a=float(lr.coef_[0, 0]), b=float(lr.intercept_[0]))
