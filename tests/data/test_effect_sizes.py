"""The manifest's effect sizes: the measures themselves, and the sizes the twin writes."""

import numpy as np
import pandas as pd
import pytest

from credit_training.twin.drift import TEST_DRIFTS, ZERO_DOCUMENTS, manifest
from credit_training.twin.effect import (
    MATERIALITY,
    effect_size,
    is_material,
    missing_rate_change,
    sentinel_share_change,
    total_variation,
    wasserstein_iqr,
)


def test_total_variation_is_the_share_of_rows_that_change_level():
    a = pd.Series(["x"] * 60 + ["y"] * 40 + [None] * 10)
    b = pd.Series(["x"] * 50 + ["y"] * 30 + ["z"] * 20)
    # shares (0.6, 0.4, 0) vs (0.5, 0.3, 0.2): half of 0.1 + 0.1 + 0.2
    assert total_variation(a, b) == pytest.approx(0.2)
    assert total_variation(a, a.sample(frac=1, random_state=0)) == 0.0


def test_wasserstein_over_iqr_of_a_pure_shift_is_the_shift_in_iqr_units():
    x = pd.Series(np.random.default_rng(0).normal(size=20_000))
    iqr = np.subtract(*np.quantile(x, [0.75, 0.25]))
    assert wasserstein_iqr(x, x + 0.1 * iqr) == pytest.approx(0.1, rel=1e-6)
    # counts whose IQR is zero fall back to the standard deviation
    counts = pd.Series([0.0] * 90 + [1.0] * 10)
    assert wasserstein_iqr(counts, counts + 1) == pytest.approx(1 / counts.std(ddof=0))


def test_missing_and_sentinel_share_changes():
    a = pd.Series([1.0, np.nan, 3.0, np.nan])
    b = pd.Series([1.0, 2.0, 3.0, np.nan])
    assert missing_rate_change(a, b) == pytest.approx(0.25)
    days = pd.Series([-100, 365243, -200, -300])
    assert sentinel_share_change(days, pd.Series([365243, 365243, -1, -2]), 365243) == 0.25


def test_materiality_is_a_threshold_per_measure():
    assert set(MATERIALITY) == {
        "total_variation",
        "missing_rate_change",
        "sentinel_share_change",
        "wasserstein_iqr",
    }
    assert is_material("total_variation", 0.05) and not is_material("total_variation", 0.049)
    assert is_material("wasserstein_iqr", 0.1) and not is_material("wasserstein_iqr", 0.099)
    with pytest.raises(ValueError, match="unknown effect measure"):
        effect_size("X", "ks", pd.Series([1.0]), pd.Series([1.0]))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def drifts(twin):
    return manifest(twin.train, twin.test)


@pytest.mark.slow
def test_every_listed_change_has_a_size_a_measure_and_a_materiality(drifts):
    entries = drifts["drifted_columns"]
    assert set(entries) == set(TEST_DRIFTS)
    for name, e in entries.items():
        assert e["effect_measure"] in drifts["materiality"], name
        threshold = drifts["materiality"][e["effect_measure"]]["threshold"]
        assert e["material"] == (e["effect_size"] >= threshold), name
        assert 0.0 <= e["effect_size"] < 5.0, name


@pytest.mark.slow
def test_the_large_public_shifts_are_material_and_the_small_ones_are_not(drifts):
    entries = drifts["drifted_columns"]
    material = {n for n, e in entries.items() if e["material"]}
    assert {
        "NAME_CONTRACT_TYPE",  # revolving 9.5% -> 0.9%
        "FLAG_EMAIL",  # 5.7% -> 16.3%
        "FLAG_DOCUMENT_3",  # 71% -> 78.7%
        "EXT_SOURCE_1",  # missing 56% -> 42%
        "AMT_CREDIT",
        "AMT_GOODS_PRICE",
        "AMT_REQ_CREDIT_BUREAU_MON",
        "AMT_REQ_CREDIT_BUREAU_QRT",
    } <= material
    assert not material & {
        "CODE_GENDER",
        "DAYS_EMPLOYED",
        "OCCUPATION_TYPE",
        "AMT_REQ_CREDIT_BUREAU_YEAR",
        *ZERO_DOCUMENTS,
    }


@pytest.mark.slow
def test_sizes_agree_with_the_public_statistics(drifts, twin):
    entries = drifts["drifted_columns"]
    # a binary column's total variation is the change of its share
    assert entries["NAME_CONTRACT_TYPE"]["effect_size"] == pytest.approx(0.095 - 0.009, abs=0.005)
    assert entries["FLAG_EMAIL"]["effect_size"] == pytest.approx(0.163 - 0.057, abs=0.005)
    assert entries["EXT_SOURCE_1"]["effect_size"] == pytest.approx(0.564 - 0.421, abs=0.005)
    assert entries["DAYS_EMPLOYED"]["effect_size"] == pytest.approx(0.190 - 0.180, abs=0.005)
    # W1 by its quantile-function definition, on an even grid of probabilities
    u = (np.arange(10_000) + 0.5) / 10_000
    for col in ("AMT_CREDIT", "AMT_INCOME_TOTAL"):
        a, b = twin.train[col].dropna(), twin.test[col].dropna()
        w1 = np.mean(np.abs(np.quantile(a, u) - np.quantile(b, u)))
        iqr = a.quantile(0.75) - a.quantile(0.25)
        assert entries[col]["effect_size"] == pytest.approx(w1 / iqr, rel=0.02), col
