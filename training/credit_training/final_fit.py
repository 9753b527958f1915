"""The served model: fit the final booster, calibrate it, choose its decision threshold.

Two calibration methods, both a Platt map of the booster's raw score (``calibration.py``):

- ``platt_on_final_model_slice`` (default): a stratified calibration slice of the training part
  is set aside; the final booster learns from the rest and the Platt map is fitted on ITS raw
  scores on the slice, which it never learned from. The map fits the model actually served.
- ``platt_on_oof_raw_score`` (cross-fitted): the map is fitted on out-of-fold scores of the CV
  models, each trained on (folds-1)/folds of the rows, then applied to a final model trained on
  all of them, whose scores are more extreme: its probabilities of default are biased upward,
  the more so the fewer the folds.

Which one ``credit train`` uses depends on the folds (``calibration_method``): with at least
``CROSS_FIT_MIN_FOLDS`` folds each CV model learns from >= 80 % of the rows and the OOF map's
bias is within the slice's own noise, while the slice costs the booster 15 % of its rows: the
map is cross-fitted and the final booster learns from every row, at any size (5 folds,
100,000-row twins, seeds 1-3, each champion configuration scored on 200,000 fresh rows:
AUC +0.0010, +0.0006, +0.0012 over the slice; mean PD / observed 0.994, 1.019, 1.006 against
the slice's 0.980, 1.005, 1.009; ``bench/calibration_bias.py``). With fewer folds (``fast``:
3) the slice: there the OOF map over-stated the default rate by 4.6 % (docs/drift.md).

The final booster's tree count is the one early stopping on the CV folds chose in stage 2
(``Profile.max_trees``), or is sized here for a configuration that did not go through it.

Both choose the threshold on the calibrated out-of-fold probabilities of the whole training part
(probability space, so it transfers to any calibrated model; more rows than the slice alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.model_selection import train_test_split

from credit_training import candidates
from credit_training.calibration import Platt, fit_platt, margin_from_probability
from credit_training.cost import CostWeights, best_threshold
from credit_training.selection import early_stopped_trees, oof_probabilities

SLICE = "platt_on_final_model_slice"
OOF = "platt_on_oof_raw_score"
METHODS = (SLICE, OOF)
CROSS_FIT_MIN_FOLDS = 5  # folds from which the OOF (cross-fitted) map is the default


def calibration_method(folds: int) -> str:
    """The default calibration method under ``folds``-fold CV (OOF from ``CROSS_FIT_MIN_FOLDS``,
    SLICE below), whatever the number of rows."""
    return OOF if folds >= CROSS_FIT_MIN_FOLDS else SLICE


@dataclass(frozen=True)
class FinalModel:
    booster: lgb.Booster
    platt: Platt
    method: str
    threshold: float
    oof_cost: float
    oof_calibrated: np.ndarray  # (n_train,) calibrated OOF probabilities, for the cost curve
    fit_rows: int
    calibration_rows: int
    params: dict[str, Any]  # the booster's parameters as fitted (tree count after early stopping)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """(n,) calibrated probabilities of default for the (n, n_features) matrix ``x``."""
        return self.platt(self.booster.predict(x, raw_score=True))


def fit_final(
    strategy: str,
    params: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    categorical: list[int],
    profile: candidates.Profile,
    w: CostWeights,
    method: str = SLICE,
    size_trees: bool | None = None,
) -> FinalModel:
    """Fit the servable candidate with ``params`` on the (n, f) training part ``x``, labels ``y``
    (0/1), calibrated by ``method`` (one of METHODS, ValueError otherwise; ``credit train`` passes
    ``calibration_method``'s choice). Early stopping sets the trees when ``size_trees`` (default:
    ``profile.max_trees`` is set); ``False`` keeps ``params``' count (stage 2 already sized it)."""
    if method not in METHODS:
        raise ValueError(f"unknown calibration method {method!r}; one of {', '.join(METHODS)}")

    params = dict(params)

    def new_model():
        model = candidates.pipeline(
            candidates.SERVABLE, strategy, categorical, x.shape[1], profile.seed
        )
        return model.set_params(**params)

    if size_trees is None:
        size_trees = bool(profile.max_trees)
    if size_trees and profile.max_trees:
        params["model__n_estimators"] = early_stopped_trees(
            new_model(), x, y, categorical, profile, profile.max_trees
        )
    oof = oof_probabilities(new_model(), x, y, categorical, profile, candidates.SERVABLE)
    oof_platt = fit_platt(margin_from_probability(oof), y)
    oof_cal = oof_platt(margin_from_probability(oof))
    threshold, oof_cost = best_threshold(y, oof_cal, w)

    fit_idx = np.arange(len(y))
    cal_idx = fit_idx[:0]
    if method == SLICE and _slice_can_calibrate(y, profile.calibration_slice):
        fit_idx, cal_idx = train_test_split(
            fit_idx,
            test_size=profile.calibration_slice,
            stratify=y,
            random_state=profile.seed,
        )
    elif method == SLICE:  # too few of a class to fit a map on a slice: the OOF map it is
        method = OOF
    model = new_model()
    model.fit(x[fit_idx], y[fit_idx], **candidates.fit_params(candidates.SERVABLE, categorical))
    booster: lgb.Booster = model.named_steps["model"].booster_
    if method == SLICE:
        platt = fit_platt(booster.predict(x[cal_idx], raw_score=True), y[cal_idx])
    else:
        platt = oof_platt
    return FinalModel(
        booster=booster,
        platt=platt,
        method=method,
        threshold=threshold,
        oof_cost=oof_cost,
        oof_calibrated=oof_cal,
        fit_rows=len(fit_idx),
        calibration_rows=len(cal_idx),
        params=params,
    )


MIN_SLICE_CLASS = 20  # rows of each class the calibration slice needs for a Platt fit


def _slice_can_calibrate(y: np.ndarray, share: float) -> bool:
    """Whether a stratified slice of ``share`` of the 0/1 labels ``y`` holds at least
    ``MIN_SLICE_CLASS`` rows of each class (tiny or very unbalanced training sets do not)."""
    positives = int(np.sum(y))
    return min(positives, len(y) - positives) * share >= MIN_SLICE_CLASS
