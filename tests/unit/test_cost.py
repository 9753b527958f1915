"""Business cost and threshold selection."""

import numpy as np
import pytest

from credit_training.cost import CostWeights, best_threshold, business_cost, cost_curve

W = CostWeights(fn=10, fp=1)


def test_cost_counts_missed_defaulters_ten_times():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.2, 0.8, 0.1, 0.1])
    # threshold 0.5: one defaulter missed (10), one good client refused (1) -> 11 / 5
    assert business_cost(y, p, 0.5, W) == pytest.approx(11 / 5)
    assert business_cost(y, p, 0.0, W) == pytest.approx(3 / 5)  # refuse all: 3 FP
    assert business_cost(y, p, 1.01, W) == pytest.approx(20 / 5)  # accept all: 2 FN


def test_cost_weights_are_configurable():
    y, p = np.array([1, 0]), np.array([0.1, 0.9])
    assert business_cost(y, p, 0.5, CostWeights(fn=5, fp=2)) == pytest.approx((5 + 2) / 2)


def test_cost_curve_matches_brute_force():
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.1
    p = np.round(rng.random(500), 2)  # ties on purpose
    thresholds, costs = cost_curve(y, p, W)
    for t, c in zip(thresholds, costs, strict=True):
        assert c == pytest.approx(business_cost(y, p, t, W))


def test_best_threshold_is_the_minimum_of_the_curve():
    rng = np.random.default_rng(1)
    y = rng.random(2000) < 0.08
    p = np.clip(0.08 + 0.3 * (y - 0.08) + rng.normal(0, 0.1, 2000), 0, 1)
    t, c = best_threshold(y, p, W)
    grid = np.linspace(0, 1, 1001)
    assert c <= min(business_cost(y, p, g, W) for g in grid) + 1e-12
    assert business_cost(y, p, t, W) == pytest.approx(c)
    assert t < 0.5  # with FN ten times dearer the threshold sits well below 0.5


def test_beta_follows_the_cost_ratio():
    assert CostWeights(fn=9, fp=1).beta == pytest.approx(3.0)
