"""credit_core.population: bins with a minimum count of each outcome, never a row or a label."""

from __future__ import annotations

import json
import random
from dataclasses import asdict

import pytest

from credit_core.population import MIN_COUNT, summarise


def sample(n: int = 2000, seed: int = 1):
    r = random.Random(seed)
    income = [r.lognormvariate(11.5, 0.5) if r.random() > 0.004 else None for _ in range(n)]
    target = [int(r.random() < (0.15 if v is not None and v < 60_000 else 0.07)) for v in income]
    probability = [min(0.99, 0.04 + 0.2 * r.random() + 0.05 * y) for y in target]
    return income, target, probability


def least(b) -> int:
    return min(b.repaid, b.defaulted)


def test_numeric_bins_keep_the_minimum_of_each_outcome_and_open_ends():
    income, target, probability = sample()
    f = summarise(income, target, probability, categorical=False)
    assert f.kind == "numeric" and 3 <= len(f.bins) <= 10
    assert all(least(b) >= MIN_COUNT for b in f.bins)
    assert f.bins[0].lo is None and f.bins[-1].hi is None  # no client's extreme value
    assert all(a.hi == b.lo and a.hi is not None for a, b in zip(f.bins, f.bins[1:], strict=False))
    # edges rounded to 3 significant digits: no client's exact income published as an edge
    assert all(len(f"{b.hi:.6g}".replace(".", "").strip("0")) <= 3 for b in f.bins[:-1])
    # 8 missing incomes: too few for a group, they join the smallest bin (no group of fewer
    # than MIN_COUNT can be found by difference: the bins add up to every client)
    assert all(b.level != "missing" for b in f.bins)
    assert [b.with_missing for b in f.bins].count(True) == 1
    assert sum(b.repaid + b.defaulted for b in f.bins) == len(income)
    assert 0 < f.bins[0].mean_probability < 1


def test_small_bins_merge_until_each_holds_the_minimum():
    # 300 clients, 30 defaulted, all in the upper values: the lower bins have no defaulter
    xs = list(range(300))
    target = [int(x >= 270) for x in xs]
    f = summarise(xs, target, [0.1] * 300, categorical=False, min_count=10)
    assert all(least(b) >= 10 for b in f.bins)
    assert sum(b.repaid + b.defaulted for b in f.bins) == 300
    assert f.bins[-1].defaulted == 30


def test_a_rare_level_goes_into_other_and_a_rare_other_takes_the_smallest_level():
    levels = ["A"] * 800 + ["B"] * 400 + ["C"] * 150 + ["D"] * 3
    target = [i % 10 == 0 for i in range(len(levels))]
    target = [int(y) for y in target]
    f = summarise(levels, target, [0.2] * len(levels), categorical=True, min_count=10)
    names = [b.level for b in f.bins]
    assert names == ["A", "B", "other"]  # D (3 clients) alone is too small: C joins it
    assert f.bins[-1].levels == ["D", "C"]
    assert all(least(b) >= 10 for b in f.bins)


def test_enough_missing_values_make_a_group_of_their_own():
    xs = [None] * 100 + [float(i) for i in range(400)]
    target = [int(i % 5 == 0) for i in range(500)]
    f = summarise(xs, target, [0.1] * 500, categorical=False, min_count=10)
    assert f.bins[-1].level == "missing" and f.bins[-1].repaid + f.bins[-1].defaulted == 100
    assert not any(b.with_missing for b in f.bins)


def test_a_group_that_cannot_reach_the_minimum_is_left_out():
    f = summarise(["A"] * 15, [0] * 14 + [1], [0.1] * 15, categorical=True, min_count=10)
    assert f.bins == []
    f = summarise([1.0] * 15, [0] * 14 + [1], [0.1] * 15, categorical=False, min_count=10)
    assert f.bins == []


def test_the_answer_holds_no_row_no_label_and_is_the_same_every_time():
    income, target, probability = sample()
    a = json.dumps(asdict(summarise(income, target, probability, False)))
    b = json.dumps(asdict(summarise(income, target, probability, False)))
    assert a == b and len(a) < 5_000
    assert "target" not in a


def test_lengths_must_agree():
    with pytest.raises(ValueError, match="length"):
        summarise([1.0, 2.0], [0], [0.1, 0.2], categorical=False)
