"""Scoring with the exported model: native LightGBM booster + calibration + threshold.

No scikit-learn, pandas or MLflow: what the API and the drift job need to turn a feature matrix
into calibrated probabilities, decisions and additive explanations.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from credit_core.features import FeatureSpec


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class ScoringModel:
    booster: lgb.Booster
    spec: FeatureSpec
    threshold: float
    platt_a: float = 1.0
    platt_b: float = 0.0

    def logit(self, x: np.ndarray) -> np.ndarray:
        """Calibrated log-odds of default."""
        return self.platt_a * self.booster.predict(x, raw_score=True) + self.platt_b

    def probability(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.logit(x))

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """TreeSHAP contributions on the calibrated log-odds and the base value per row.

        LightGBM's ``pred_contrib`` gives exact TreeSHAP values on the raw score plus the expected
        raw score; the calibration is affine in the raw score, so scaling keeps them additive.
        """
        raw = self.booster.predict(x, pred_contrib=True)
        return self.platt_a * raw[:, :-1], self.platt_a * raw[:, -1] + self.platt_b

    def decide(self, p: np.ndarray) -> np.ndarray:
        return np.where(p >= self.threshold, "refuse", "accept")
