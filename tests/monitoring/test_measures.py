"""Drift measures, importance shares, ranking and label-free performance estimation (pure)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from credit_core.features import build_spec
from credit_core.schema import Column
from credit_monitoring import estimate
from credit_monitoring.drift import (
    UNSEEN_LEVEL,
    as_float,
    drift_table,
    importance_shares,
    ranked,
)
from credit_monitoring.measures import (
    PSI_THRESHOLD,
    fit_bins,
    null_threshold,
    psi_from_counts,
    score_column,
)

RNG = np.random.default_rng(7)


def test_same_distribution_is_not_drift_at_any_size():
    for n in (500, 5_000, 200_000):
        ref, cur = RNG.normal(size=n), RNG.normal(size=n // 5)
        s = score_column(ref, cur)
        assert not s.drifted, (n, s)


def test_shift_of_half_a_standard_deviation_is_drift():
    s = score_column(RNG.normal(size=50_000), RNG.normal(0.5, 1, size=10_000))
    assert s.drifted_values and s.values_psi > 0.2 and not s.drifted_missing


def test_missing_rate_change_is_seen_though_values_keep_their_shape():
    ref = RNG.normal(size=40_000)
    ref[: 40_000 * 56 // 100] = np.nan
    cur = RNG.normal(size=10_000)
    cur[: 10_000 * 42 // 100] = np.nan
    s = score_column(ref, cur)
    assert s.drifted_missing and not s.drifted_values
    assert s.missing_rate_reference == pytest.approx(0.56) and s.missing_rate_current == 0.42


def test_small_samples_raise_the_threshold_to_the_noise_level():
    assert null_threshold(300_000, 50_000, 10) < PSI_THRESHOLD
    assert null_threshold(1_000, 50, 10) > PSI_THRESHOLD
    s = score_column(RNG.normal(size=1_000), RNG.normal(size=50))
    assert s.values_threshold == pytest.approx(null_threshold(1_000, 50, s.bins))


def test_null_threshold_holds_its_false_alarm_rate():
    # 200 no-drift draws: the 99.9% threshold is crossed at most a few times
    alarms = sum(
        score_column(RNG.exponential(size=5_000), RNG.exponential(size=1_000)).values_psi
        > null_threshold(5_000, 1_000, 11)
        for _ in range(200)
    )
    assert alarms <= 3


def test_discrete_columns_binned_by_value_and_unseen_values_counted():
    bins = fit_bins(np.array([0.0, 1.0, 1.0, np.nan]))
    assert bins.kind == "levels" and bins.count == 3
    assert list(bins.assign(np.array([0.0, 1.0, 7.0]))) == [0, 1, 2]
    assert fit_bins(RNG.normal(size=1_000)).kind == "deciles"


def test_psi_is_zero_for_equal_shares_and_symmetric():
    assert psi_from_counts(np.array([10.0, 30.0, 0.0]), np.array([20.0, 60.0, 0.0])) < 1e-3
    a, b = np.array([50.0, 30.0, 20.0]), np.array([20.0, 30.0, 50.0])
    assert psi_from_counts(a, b) == pytest.approx(psi_from_counts(b, a))


def test_unknown_category_level_is_not_missing():
    col = Column("NAME_CONTRACT_TYPE", "category", True, ("Cash loans", "Revolving loans"))
    out = as_float(["Cash loans", None, "Mortgage"], col)
    assert out[0] == 0.0 and np.isnan(out[1]) and out[2] == UNSEEN_LEVEL


def test_importance_shares_split_derived_features_among_their_inputs():
    spec = build_spec(["AMT_CREDIT", "AMT_INCOME_TOTAL", "DAYS_BIRTH"], {})
    importance = [
        {"feature": "CREDIT_INCOME_RATIO", "mean_abs_shap": 0.4},
        {"feature": "DAYS_BIRTH", "mean_abs_shap": 0.4},
        {"feature": "AMT_CREDIT", "mean_abs_shap": 0.2},
    ]
    shares = importance_shares(importance, spec)
    assert shares == pytest.approx({"AMT_CREDIT": 0.4, "AMT_INCOME_TOTAL": 0.2, "DAYS_BIRTH": 0.4})


def test_ranking_puts_an_important_drift_before_a_larger_unused_one():
    cols = [Column("A", "float64", True), Column("B", "float64", True)]
    ref = {"A": RNG.normal(size=20_000), "B": RNG.normal(size=20_000)}
    cur = {"A": RNG.normal(0.4, 1, 5_000), "B": RNG.normal(1.0, 1, 5_000)}
    top = ranked(drift_table(ref, cur, cols, {"A": 0.5, "B": 0.01}))
    assert [r["name"] for r in top] == ["A", "B"]
    assert top[0]["rank_by_score"] == 2 and top[0]["rank_by_importance"] == 1


def test_expected_auc_of_binary_weights_is_the_usual_auc():
    p = RNG.uniform(size=2_000)
    y = (RNG.uniform(size=2_000) < p).astype(float)
    assert estimate.actual(y, p, 0.5, 10, 1).roc_auc == pytest.approx(roc_auc_score(y, p))


def test_cbpe_estimate_matches_labels_drawn_from_calibrated_probabilities():
    # Given calibrated probabilities and labels drawn from them
    p = RNG.beta(1, 9, size=20_000)
    y = (RNG.uniform(size=p.size) < p).astype(float)
    # Then the estimate without labels lies in the bootstrap interval of the actual figures
    est = estimate.expected(p, 0.2, 10, 1)
    interval = estimate.bootstrap_interval(y, p, 0.2, 10, 1, resamples=200)
    for metric in ("default_rate", "business_cost_per_application", "roc_auc"):
        lo, hi = interval[metric]
        assert lo <= getattr(est, metric) <= hi, metric
    assert est.refusal_rate == pytest.approx(np.mean(p >= 0.2))


def test_cbpe_on_an_empty_window_has_no_figures():
    est = estimate.expected(np.array([]), 0.2, 10, 1)
    assert np.isnan(est.default_rate) and est.roc_auc is None


SEED = 11


def test_cbpe_with_scores_calibrated_on_the_reference_recovers_a_miscalibrated_model():
    # Given scores that overstate risk (true probability sigmoid(0.8 logit(s) - 0.4)), a labelled
    # reference and a shifted current population (riskier applicants), labels from the truth
    def truth(s):
        return 1 / (1 + np.exp(-(0.8 * np.log(s / (1 - s)) - 0.4)))

    rng = np.random.default_rng(SEED)
    s_ref = rng.beta(1.2, 9, size=100_000)
    y_ref = (rng.uniform(size=s_ref.size) < truth(s_ref)).astype(float)
    s_cur = rng.beta(1.5, 9, size=30_000)
    y_cur = (rng.uniform(size=s_cur.size) < truth(s_cur)).astype(float)
    calibration = estimate.fit_calibration(s_ref, y_ref)
    # Then the isotonic map is non-decreasing and close to the truth where the scores are
    q = calibration(s_cur)
    assert np.all(np.diff(calibration.probabilities) >= 0)
    assert np.mean(np.abs(q - truth(s_cur))) < 0.01
    assert abs(q.mean() - truth(s_cur).mean()) < 0.002
    # and the estimate lies in the truth's bootstrap interval, where the raw scores' does not
    est = estimate.expected(s_cur, 0.2, 10, 1, calibrated=q)
    raw = estimate.expected(s_cur, 0.2, 10, 1)
    interval = estimate.bootstrap_interval(y_cur, s_cur, 0.2, 10, 1, resamples=200)
    for metric in ("default_rate", "business_cost_per_application", "roc_auc"):
        lo, hi = interval[metric]
        assert lo <= getattr(est, metric) <= hi, metric
    lo, hi = interval["default_rate"]
    assert not lo <= raw.default_rate <= hi
    assert est.refusal_rate == raw.refusal_rate  # decisions stay on the served scores


def test_calibration_refuses_mismatched_inputs():
    with pytest.raises(ValueError):
        estimate.fit_calibration(np.array([0.1, 0.2]), np.array([1.0]))
    with pytest.raises(ValueError):
        estimate.expected(np.array([0.1, 0.2]), 0.2, 10, 1, calibrated=np.array([0.1]))


def test_a_new_level_of_a_many_level_categorical_registers():
    # 30 levels, the first holding a fifth of the rows; in the current data a new level takes
    # its place (a renamed category): binned by deciles of the codes, that scored ~0 (sampling noise)
    levels = tuple(f"L{i:02d}" for i in range(30))
    col = Column("ORGANIZATION_TYPE", "category", True, levels)
    share = np.r_[0.2, np.full(29, 0.8 / 29)]
    ref = as_float(RNG.choice(levels, size=30_000, p=share), col)
    cur = as_float(RNG.choice(levels, size=10_000, p=share), col)
    cur[cur == 0] = UNSEEN_LEVEL
    assert not score_column(ref, cur).drifted  # numeric reading of the codes: blind (~0.001)
    (drift,) = drift_table({col.name: ref}, {col.name: cur}, [col])
    assert drift.score.binning == "levels" and drift.score.bins == 31
    assert drift.drifted and drift.value > 10 * drift.threshold


def test_a_level_absent_from_the_reference_has_its_own_bin():
    bins = fit_bins(np.array([0.0, 1.0, 3.0] * 20), by_value=True)
    assert bins.kind == "levels"
    assert list(bins.assign(np.array([0.0, 2.0, UNSEEN_LEVEL, 3.0]))) == [0, 3, 3, 2]
