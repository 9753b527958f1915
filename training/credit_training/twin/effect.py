"""How large each listed train -> test change is, measured on the generated tables.

The measures are plain distances between the two samples, chosen independently of any drift-test
method (no p-values, no test statistic a drift detector would use as its score):

- ``total_variation``: half the L1 distance between the level shares of the non-missing values
  (categorical columns, 0/1 flags, small counts): the share of applications that would have to
  change level to turn one distribution into the other.
- ``missing_rate_change``: the absolute change of the missing rate.
- ``sentinel_share_change``: the absolute change of the share of a sentinel value (DAYS_EMPLOYED
  = 365243); the other values keep their shape, so this is the total-variation distance.
- ``wasserstein_iqr``: the 1-Wasserstein distance between the non-missing values (the average
  displacement of a value under the cheapest transport), divided by the train interquartile range.

A change is *material* when its effect size reaches the threshold of its measure
(:data:`MATERIALITY`): 5 % of the applications moving level, losing or gaining a value, or moving
to the sentinel; or values moving by a tenth of the train IQR on average (about 0.13 standard
deviations for a normal column, i.e. below Cohen's "small" effect of 0.2 is not material).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance

Measure = Literal[
    "total_variation", "missing_rate_change", "sentinel_share_change", "wasserstein_iqr"
]

MATERIALITY: dict[str, dict[str, float | str]] = {
    "total_variation": {
        "threshold": 0.05,
        "definition": "0.5 * sum |share_train(level) - share_test(level)| over non-missing values",
    },
    "missing_rate_change": {
        "threshold": 0.05,
        "definition": "|missing_rate_test - missing_rate_train|",
    },
    "sentinel_share_change": {
        "threshold": 0.05,
        "definition": "|share_test(sentinel) - share_train(sentinel)| (DAYS_EMPLOYED = 365243)",
    },
    "wasserstein_iqr": {
        "threshold": 0.1,
        "definition": "W1(train, test) on non-missing values / (p75 - p25 of train)",
    },
}

SENTINELS = {"DAYS_EMPLOYED": 365243}


def total_variation(train: pd.Series, test: pd.Series) -> float:
    """0.5 * L1 distance of the level shares among non-missing values (0 = same, 1 = disjoint)."""
    a = train.dropna().astype(str).value_counts(normalize=True)
    b = test.dropna().astype(str).value_counts(normalize=True)
    a, b = a.align(b, fill_value=0.0)
    return float(0.5 * np.abs(a - b).sum())


def missing_rate_change(train: pd.Series, test: pd.Series) -> float:
    return float(abs(test.isna().mean() - train.isna().mean()))


def sentinel_share_change(train: pd.Series, test: pd.Series, sentinel: float) -> float:
    return float(abs((test == sentinel).mean() - (train == sentinel).mean()))


def wasserstein_iqr(train: pd.Series, test: pd.Series) -> float:
    """W1 between the non-missing values over the train IQR (train std if the IQR is zero)."""
    a = train.dropna().to_numpy(dtype=float)
    b = test.dropna().to_numpy(dtype=float)
    p25, p75 = np.quantile(a, [0.25, 0.75])
    scale = p75 - p25 if p75 > p25 else a.std()
    return float(wasserstein_distance(a, b) / scale) if scale > 0 else 0.0


def effect_size(name: str, measure: Measure, train: pd.Series, test: pd.Series) -> float:
    """Effect size of column ``name`` between the train and test samples, by ``measure``."""
    if measure == "total_variation":
        return total_variation(train, test)
    if measure == "missing_rate_change":
        return missing_rate_change(train, test)
    if measure == "sentinel_share_change":
        return sentinel_share_change(train, test, SENTINELS[name])
    if measure == "wasserstein_iqr":
        return wasserstein_iqr(train, test)
    raise ValueError(f"unknown effect measure {measure!r}")


def is_material(measure: Measure, size: float) -> bool:
    return size >= float(MATERIALITY[measure]["threshold"])
