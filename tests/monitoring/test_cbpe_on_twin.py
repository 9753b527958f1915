"""Performance estimated without labels against the truth on the twin's test set: a LightGBM
model fitted on the session twin's train rows, Platt-calibrated on a held-out part (as the
training pipeline does), then scored on the drifted test rows whose labels the twin wrote."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from credit_monitoring import estimate
from credit_training.calibration import fit_platt
from credit_training.cost import CostWeights, best_threshold
from credit_training.featurize import feature_matrix, spec_for_frame

pytestmark = pytest.mark.slow  # fits a 200-tree model on ~100,000 rows


@pytest.fixture(scope="module")
def scored(twin):
    train = twin.train
    spec = spec_for_frame(train, exclude=("SK_ID_CURR", "TARGET"))
    x, y = feature_matrix(spec, train), train["TARGET"].to_numpy()
    rng = np.random.default_rng(0)
    calib = rng.uniform(size=len(y)) < 0.25
    booster = lgb.train(
        {
            "objective": "binary",
            "num_leaves": 31,
            "learning_rate": 0.05,
            "min_data_in_leaf": 100,
            "verbose": -1,
            "num_threads": 2,
        },
        lgb.Dataset(x[~calib], y[~calib], categorical_feature=spec.categorical_indices),
        num_boost_round=200,
    )
    platt = fit_platt(booster.predict(x[calib], raw_score=True), y[calib])
    threshold, _ = best_threshold(
        y[calib], platt(booster.predict(x[calib], raw_score=True)), CostWeights()
    )
    test = twin.test.merge(twin.test_labels, on="SK_ID_CURR")
    p = platt(booster.predict(feature_matrix(spec, test), raw_score=True))
    return p, test["TARGET"].to_numpy(), threshold


def test_cbpe_cost_and_auc_within_the_bootstrap_interval_of_the_truth(scored):
    # The default rate itself is missed by 5-7% relative (0.0797 estimated vs 0.085 [0.082,
    # 0.088] on this twin, 0.0865 vs 0.0811 [0.076, 0.086] on a 40,000-row one): the model's
    # calibration-in-the-large error exceeds the truth's bootstrap width on tens of thousands
    # of rows (docs/drift.md, "Known gap"). The cost at the served threshold and the AUC hold.
    p, y, threshold = scored
    est = estimate.expected(p, threshold, 10, 1)
    interval = estimate.bootstrap_interval(y, p, threshold, 10, 1, resamples=400)
    for metric in ("business_cost_per_application", "roc_auc"):
        lo, hi = interval[metric]
        value = getattr(est, metric)
        assert lo <= value <= hi, f"{metric}: estimate {value:.4f} outside [{lo:.4f}, {hi:.4f}]"
