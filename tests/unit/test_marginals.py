"""The building blocks of the twin: quantile curves, ranks and level cuts."""

import numpy as np
import pytest

from credit_training.twin.marginals import (
    curve_from_summary,
    cut_levels,
    neg_binomial,
    rank_uniform,
)
from credit_training.twin.reference import Numeric

INCOME = Numeric(
    mean=168797.9,
    std=237123.1,
    min=25650.0,
    p25=112500.0,
    p50=147150.0,
    p75=202500.0,
    max=117000000.0,
    missing_rate=0.0,
)


def test_curve_hits_quartiles_and_mean_and_stays_in_range():
    curve = curve_from_summary(INCOME)
    u = (np.arange(200_000) + 0.5) / 200_000
    x = curve(u)
    assert np.quantile(x, [0.25, 0.5, 0.75]) == pytest.approx([112500, 147150, 202500], rel=1e-3)
    assert x.mean() == pytest.approx(INCOME.mean, rel=1e-3)
    assert x.min() >= INCOME.min and x.max() <= INCOME.max


def test_curve_places_quartiles_at_other_probabilities_for_a_subpopulation():
    curve = curve_from_summary(INCOME, probs=(0.3, 0.6, 0.9), mean=160_000.0)
    assert curve(np.array([0.3, 0.6, 0.9])) == pytest.approx([112500, 147150, 202500])


def test_rank_uniform_is_the_empirical_cdf_whatever_the_latent():
    z = np.random.default_rng(0).lognormal(size=1000)
    u = rank_uniform(z)
    assert np.array_equal(np.argsort(u), np.argsort(z))
    assert u.min() == pytest.approx(0.0005) and u.max() == pytest.approx(0.9995)


def test_cut_levels_meets_shares_and_orders_levels_along_the_latent():
    z = np.random.default_rng(1).normal(size=10_000)
    codes = cut_levels(z, [0.2, 0.5, 0.3])
    assert np.bincount(codes).tolist() == [2000, 5000, 3000]
    assert z[codes == 0].max() < z[codes == 1].min() < z[codes == 2].min()


def test_negative_binomial_matches_mean_and_dispersion():
    x = neg_binomial(np.random.default_rng(2), 200_000, mean=1.9, std=1.87, cap=25)
    assert x.mean() == pytest.approx(1.9, rel=0.02)
    assert x.std() == pytest.approx(1.87, rel=0.03)
    assert x.max() <= 25
