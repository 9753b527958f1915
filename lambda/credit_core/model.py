"""Scoring with the exported model: native LightGBM booster + calibration + threshold.

No scikit-learn, pandas or MLflow: what the API and the drift job need to turn a feature matrix
into calibrated probabilities, decisions and additive explanations.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from lightgbm import basic

from credit_core.features import FeatureSpec

RAW_SCORE, CONTRIB = basic._C_API_PREDICT_RAW_SCORE, basic._C_API_PREDICT_CONTRIB


class OneRow:
    """One-row predictions through LightGBM's ``SingleRowFast`` C API: parameters are parsed and
    buffers allocated once, not per call (``Booster.predict`` re-validates its input and builds a
    predictor each time, several times the cost of scoring one row with a few hundred trees).
    Results are identical (tests compare them with ``Booster.predict``)."""

    def __init__(self, booster: lgb.Booster, predict_type: int, width: int) -> None:
        if booster.num_model_per_iteration() != 1:
            raise ValueError("one-row predictions are sized for binary or regression models")
        self._booster = booster  # the fast config points into it: keep it alive as long
        self.width = width
        outputs = width + 1 if predict_type == CONTRIB else 1
        self._out = np.empty(outputs, dtype=np.float64)
        self._out_ptr = self._out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        self._out_len = ctypes.c_int64()
        self._config = ctypes.c_void_p()
        self._lock = threading.Lock()  # the config owns one buffer: one call at a time
        basic._safe_call(
            basic._LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
                booster._handle,
                ctypes.c_int(predict_type),
                ctypes.c_int(0),  # start iteration
                ctypes.c_int(-1),  # all iterations
                ctypes.c_int(basic._C_API_DTYPE_FLOAT64),
                ctypes.c_int32(width),
                basic._c_str("num_threads=1"),
                ctypes.byref(self._config),
            )
        )

    def __call__(self, row: np.ndarray) -> np.ndarray:
        row = np.ascontiguousarray(row, dtype=np.float64).reshape(self.width)
        with self._lock:
            basic._safe_call(
                basic._LIB.LGBM_BoosterPredictForMatSingleRowFast(
                    self._config,
                    row.ctypes.data_as(ctypes.c_void_p),
                    ctypes.byref(self._out_len),
                    self._out_ptr,
                )
            )
            return self._out.copy()

    def __del__(self) -> None:
        if getattr(self, "_config", None):
            basic._LIB.LGBM_FastConfigFree(self._config)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class ScoringModel:
    booster: lgb.Booster
    spec: FeatureSpec
    threshold: float
    platt_a: float = 1.0
    platt_b: float = 0.0
    _one_raw: OneRow = field(init=False, repr=False, compare=False)
    _one_contrib: OneRow = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        width = self.booster.num_feature()
        object.__setattr__(self, "_one_raw", OneRow(self.booster, RAW_SCORE, width))
        object.__setattr__(self, "_one_contrib", OneRow(self.booster, CONTRIB, width))

    def raw_score(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 1:
            return self._one_raw(x)
        return np.asarray(self.booster.predict(x, raw_score=True))

    def logit(self, x: np.ndarray) -> np.ndarray:
        """Calibrated log-odds of default."""
        return self.platt_a * self.raw_score(x) + self.platt_b

    def probability(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.logit(x))

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """TreeSHAP contributions on the calibrated log-odds and the base value per row.

        LightGBM's ``pred_contrib`` gives exact TreeSHAP values on the raw score plus the expected
        raw score; the calibration is affine in the raw score, so scaling keeps them additive.
        """
        raw = (
            self._one_contrib(x)[None, :]
            if len(x) == 1
            else np.asarray(self.booster.predict(x, pred_contrib=True))
        )
        return self.platt_a * raw[:, :-1], self.platt_a * raw[:, -1] + self.platt_b

    def decide(self, p: np.ndarray) -> np.ndarray:
        return np.where(p >= self.threshold, "refuse", "accept")
