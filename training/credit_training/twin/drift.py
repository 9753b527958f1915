"""How the twin's application_test differs from application_train: the single source of truth.

The generator reads its per-side marginals through :class:`Marginals`, which takes the test-side
public statistics exactly for the columns listed in :data:`TEST_DRIFTS`; every other column keeps
its train distribution. The same list is written out as ``drift_manifest.json``, the ground truth
that the drift monitoring is scored against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from credit_training.twin import reference
from credit_training.twin.effect import MATERIALITY, Measure, effect_size, is_material
from credit_training.twin.reference import Categorical, Numeric

Side = Literal["train", "test"]

ZERO_DOCUMENTS = tuple(f"FLAG_DOCUMENT_{i}" for i in (2, 10, 12, 13, 14, 15, 16, 17, 19, 20, 21))


Kind = Literal["distribution", "category_shares", "missing_rate", "mean", "all_zero"]
DEFAULT_MEASURE: dict[str, Measure] = {
    "distribution": "wasserstein_iqr",
    "category_shares": "total_variation",
    "missing_rate": "missing_rate_change",
    "mean": "total_variation",
    "all_zero": "total_variation",
}


@dataclass(frozen=True, slots=True)
class Drift:
    kind: Kind
    how: str
    uses_test_marginal: bool = True
    measure_override: Measure | None = None

    @property
    def measure(self) -> Measure:
        """How the change's effect size is measured (see :mod:`credit_training.twin.effect`)."""
        return self.measure_override or DEFAULT_MEASURE[self.kind]


TEST_DRIFTS: dict[str, Drift] = {
    "NAME_CONTRACT_TYPE": Drift("category_shares", "Revolving loans 9.5% in train -> 0.9% in test"),
    "CODE_GENDER": Drift("category_shares", "level XNA absent from test; F share 65.8% -> 67.0%"),
    "NAME_INCOME_TYPE": Drift(
        "category_shares",
        "Maternity leave absent; Pensioner 18.0% -> 19.0% (with the DAYS_EMPLOYED sentinel)",
    ),
    "NAME_FAMILY_STATUS": Drift("category_shares", "level Unknown absent; Married 63.9% -> 66.2%"),
    "DAYS_EMPLOYED": Drift(
        "distribution",
        "sentinel 365243 (no employer) 18.0% -> 19.0% of rows",
        False,
        "sentinel_share_change",
    ),
    "ORGANIZATION_TYPE": Drift(
        "category_shares", "XNA follows the DAYS_EMPLOYED sentinel: 18.0% -> 19.0%", False
    ),
    "OCCUPATION_TYPE": Drift(
        "missing_rate", "missing 31.3% -> 32.0% (no occupation without an employer)"
    ),
    "FLAG_EMP_PHONE": Drift("mean", "follows the DAYS_EMPLOYED sentinel: 0.820 -> 0.810", False),
    "FLAG_EMAIL": Drift("mean", "0.057 -> 0.163"),
    "EXT_SOURCE_1": Drift("missing_rate", "missing 56.4% -> 42.1%"),
    "EXT_SOURCE_3": Drift("missing_rate", "missing 19.8% -> 17.8%"),
    "AMT_INCOME_TOTAL": Drift("distribution", "median 147,150 -> 157,500; max 4.41 M"),
    "AMT_CREDIT": Drift("distribution", "median 513,531 -> 450,000; max 4.05 M -> 2.2455 M"),
    "AMT_GOODS_PRICE": Drift("distribution", "median 450,000 -> 396,000; max 4.05 M -> 2.2455 M"),
    "AMT_ANNUITY": Drift("distribution", "median 24,903 -> 26,199; max 258,026 -> 180,576"),
    "DAYS_LAST_PHONE_CHANGE": Drift("distribution", "median -757 -> -863 days"),
    "WEEKDAY_APPR_PROCESS_START": Drift(
        "category_shares", "TUESDAY 17.5% -> 20.0%; SATURDAY/SUNDAY less frequent"
    ),
    **{
        f"AMT_REQ_CREDIT_BUREAU_{p}": Drift(
            "missing_rate", "the bureau block is missing together: 13.5% -> 12.4%"
        )
        for p in ("HOUR", "DAY", "YEAR")
    },
    "AMT_REQ_CREDIT_BUREAU_WEEK": Drift(
        "distribution", "mean 0.034 -> 0.0028; max 8 -> 2", measure_override="total_variation"
    ),
    "AMT_REQ_CREDIT_BUREAU_MON": Drift(
        "distribution", "mean 0.267 -> 0.0093; max 27 -> 6", measure_override="total_variation"
    ),
    "AMT_REQ_CREDIT_BUREAU_QRT": Drift(
        "distribution", "mean 0.265 -> 0.547; max 261 -> 7", measure_override="total_variation"
    ),
    "FLAG_DOCUMENT_3": Drift("mean", "0.710 -> 0.787"),
    "FLAG_DOCUMENT_8": Drift("mean", "0.081 -> 0.088"),
    "FLAG_DOCUMENT_11": Drift("mean", "0.0039 -> 0.0012"),
    "FLAG_DOCUMENT_18": Drift("mean", "0.0081 -> 0.0016"),
    **{doc: Drift("all_zero", "rare in train, never present in test") for doc in ZERO_DOCUMENTS},
}


@dataclass(frozen=True, slots=True)
class Marginals:
    """Public marginals for one side of the twin (test differs only where TEST_DRIFTS says)."""

    side: Side

    def _side_for(self, name: str) -> str:
        drift = TEST_DRIFTS.get(name)
        use_test = self.side == "test" and drift is not None and drift.uses_test_marginal
        return "test" if use_test else "train"

    def num(self, name: str) -> Numeric:
        return reference.numeric(name, self._side_for(name))

    def cat(self, name: str) -> Categorical:
        return reference.categorical(name, self._side_for(name))

    def sentinel_share(self) -> float:
        """Share of rows without an employer (DAYS_EMPLOYED = 365243)."""
        anomaly = reference.load_stats()["target_relations"]["days_employed_anomaly"]
        return anomaly["train_share"] if self.side == "train" else anomaly["test_share"]


def manifest(train: pd.DataFrame, test: pd.DataFrame) -> dict:
    """The drift ground truth written next to the CSVs, with each change's effect size.

    Effect sizes are measured on the generated ``train`` and ``test`` tables themselves (what a
    drift detector sees), by the measure named in each entry; ``material`` compares the size
    with the measure's threshold in ``materiality``.
    """
    drifted = {}
    for name, d in sorted(TEST_DRIFTS.items()):
        size = effect_size(name, d.measure, train[name], test[name])
        drifted[name] = {
            "kind": d.kind,
            "how": d.how,
            "effect_size": round(size, 6),
            "effect_measure": d.measure,
            "material": is_material(d.measure, size),
        }
    return {
        "reference": "application_train.csv",
        "current": "application_test.csv",
        "labels": "application_test_labels.csv",
        "note": "Columns not listed keep the train distribution in test.",
        "effect_sizes_from": "the generated tables (train vs test), see credit_training.twin.effect",
        "materiality": MATERIALITY,
        "drifted_columns": drifted,
    }
