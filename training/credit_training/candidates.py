"""Model candidates, imbalance strategies and their grids, per training profile.

Every (candidate, strategy) is an imbalanced-learn Pipeline, so a resampler runs inside each
training fold only, never before the split. SMOTE needs complete rows: it interpolates on
median-imputed values, then the original rows get their missing values back, so LightGBM still
learns from missingness and the fitted booster consumes the same raw matrix as the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
from imblearn import FunctionSampler
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

# A grid key, not a LightGBM parameter: min_child_samples = factor * sqrt(training rows), so a
# leaf holds about 100 or 400 rows at 240,000 rows (factors 0.2, 0.8) but 11 or 45 at 3,200.
LEAF_FACTOR = "min_child_samples_per_sqrt_row"
DEFAULT_LEAF_FACTOR = 0.4  # lightgbm grid points that name no leaf size
MIN_LEAF = 5

# One sensible fixed LightGBM configuration a new user would try first (issue 19 §3). Profiles with
# ``plain_candidate`` search it in stage 2 under strategy "none" (its trees sized by early stopping
# like the grid's, the 300 being the user's guess), so the champion's CV AUC is never below it;
# ``bench/plain_vs_pipeline.py`` fits it alone, 300 trees, as the yardstick.
PLAIN = {
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 0.0,
}
PLAIN_STRATEGY = "none"

STRATEGIES = ("none", "class_weight", "undersample", "smote")
CANDIDATES = ("dummy", "logreg", "lightgbm")
SERVABLE = "lightgbm"  # the API scores with a native LightGBM booster


@dataclass(frozen=True)
class Profile:
    name: str
    folds: int
    grids: dict[str, list[dict[str, list[Any]]]]
    champion_grid: dict[str, list[Any]]
    strategies: tuple[str, ...] = STRATEGIES
    shap_rows: int = 2000
    reference_rows: int = 50_000
    holdout: float = 0.2
    calibration_slice: float = 0.15  # of the training part: the final model's Platt map only
    seed: int = 42
    # early stopping on the CV folds sizes every stage-2 point's trees, up to this many, and the
    # final model's when the champion is a stage-1 point; stage-2 grids then name no tree count.
    # 0: the grids' own counts everywhere (stage 1 always uses its grid's count)
    max_trees: int = 0
    # stage 2 also searches the PLAIN configuration (strategy "none"), as given
    plain_candidate: bool = False
    # stage 1 (candidates x imbalance strategies) on a stratified sample of at most this many
    # training rows (0: all); its ranking of strategies settles long before 250,000 rows
    stage1_rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


PROFILES = {
    # the test suite's model (8,000-row twins); the bench scripts that reproduce its figures
    # use it too
    "tiny": Profile(
        name="tiny",
        folds=2,
        grids={
            "dummy": [{}],
            "logreg": [{"model__model__C": [0.1]}],
            "lightgbm": [{"model__num_leaves": [7], "model__n_estimators": [30]}],
        },
        champion_grid={"model__num_leaves": [7, 15]},
        shap_rows=300,
        reference_rows=1000,
        max_trees=80,
    ),
    # the whole pipeline in seconds, for system tests and smoke runs: same code, tiny grids
    "smoke": Profile(
        name="smoke",
        folds=2,
        grids={
            "dummy": [{}],
            "logreg": [{"model__model__C": [0.05]}],
            "lightgbm": [{"model__num_leaves": [7], "model__n_estimators": [30]}],
        },
        champion_grid={"model__num_leaves": [7, 15], "model__n_estimators": [60]},
        shap_rows=300,
        reference_rows=2000,
    ),
    # the default (``credit train``, ``make demo``): 3-fold CV; stage 1 at 120 trees on a sample
    # of at most 50,000 rows; stage 2 two leaf counts at learning rate 0.05 and the plain
    # configuration on every row, each point's trees early-stopped on the folds (up to 600)
    "fast": Profile(
        name="fast",
        folds=3,
        grids={
            "dummy": [{}],
            "logreg": [{"model__model__C": [0.05]}],
            "lightgbm": [{"model__num_leaves": [15, 31], "model__n_estimators": [120]}],
        },
        champion_grid={
            "model__num_leaves": [15, 31],
            "model__learning_rate": [0.05],
            LEAF_FACTOR: [0.4],
        },
        reference_rows=20_000,
        max_trees=600,
        plain_candidate=True,
        stage1_rows=50_000,
    ),
    # the bench's (``make bench-grid``): 5-fold CV, stage 2 six points and the plain
    # configuration, trees early-stopped up to 1,000
    "full": Profile(
        name="full",
        folds=5,
        grids={
            "dummy": [{}],
            "logreg": [{"model__model__C": [0.05]}],
            "lightgbm": [{"model__num_leaves": [31], "model__n_estimators": [150]}],
        },
        champion_grid={
            "model__num_leaves": [15, 31, 63],
            "model__learning_rate": [0.05],
            LEAF_FACTOR: [0.2, 0.8],
            "model__colsample_bytree": [0.5],
        },
        shap_rows=5000,
        max_trees=1000,
        plain_candidate=True,
    ),
}


def min_child_samples(n_rows: int, factor: float) -> int:
    """Rows per LightGBM leaf for a training set of ``n_rows``: ``factor * sqrt(n_rows)``, at least
    ``MIN_LEAF`` (a fixed count that suits 300,000 rows starves a few thousand of splits)."""
    return max(MIN_LEAF, round(factor * float(np.sqrt(n_rows))))


def scale_grid(
    candidate: str, grid: dict[str, list[Any]] | list[dict[str, list[Any]]], n_rows: int
) -> list[dict[str, list[Any]]]:
    """The grid with its leaf size set for ``n_rows`` training rows: ``LEAF_FACTOR`` values become
    ``model__min_child_samples`` counts; a lightgbm point naming neither gets
    ``DEFAULT_LEAF_FACTOR``. Explicit ``model__min_child_samples`` values are kept as given."""
    points = [grid] if isinstance(grid, dict) else list(grid)
    if candidate != "lightgbm":
        return [dict(p) for p in points]
    out = []
    for point in points:
        point = dict(point)
        factors = point.pop(LEAF_FACTOR, None)
        if "model__min_child_samples" not in point:
            factors = factors or [DEFAULT_LEAF_FACTOR]
            counts = sorted({min_child_samples(n_rows, f) for f in factors})
            point["model__min_child_samples"] = counts
        out.append(point)
    return out


def plain_point() -> dict[str, list[Any]]:
    """The PLAIN configuration as a one-point grid of the servable pipeline."""
    return {f"model__{k}": [v] for k, v in PLAIN.items()}


def smote_keep_missing(x: np.ndarray, y: np.ndarray, seed: int = 0):
    """SMOTE on imputed values; the original rows keep their missing values."""
    filled = SimpleImputer(strategy="median", keep_empty_features=True).fit_transform(x)
    x_res, y_res = SMOTE(random_state=seed).fit_resample(filled, y)
    x_res[: len(x)] = x  # imblearn appends the synthetic rows after the originals
    return x_res, y_res


def sampler(strategy: str, seed: int):
    if strategy == "undersample":
        return RandomUnderSampler(random_state=seed)
    if strategy == "smote":
        return FunctionSampler(func=smote_keep_missing, kw_args={"seed": seed}, validate=False)
    return None


def estimator(candidate: str, strategy: str, categorical: list[int], n_features: int, seed: int):
    weight = "balanced" if strategy == "class_weight" else None
    if candidate == "dummy":
        return DummyClassifier(strategy="prior")
    if candidate == "logreg":
        numeric = [i for i in range(n_features) if i not in set(categorical)]
        prep = ColumnTransformer(
            [
                (
                    "num",
                    Pipeline(
                        [
                            (
                                "impute",
                                SimpleImputer(
                                    strategy="median", add_indicator=True, keep_empty_features=True
                                ),
                            ),
                            ("scale", StandardScaler()),
                        ]
                    ),
                    numeric,
                ),
                (
                    "cat",
                    Pipeline(
                        [
                            ("impute", SimpleImputer(strategy="constant", fill_value=-1)),
                            ("onehot", OneHotEncoder(handle_unknown="ignore", min_frequency=50)),
                        ]
                    ),
                    categorical,
                ),
            ]
        )
        model = LogisticRegression(max_iter=300, class_weight=weight)
        return Pipeline([("prep", prep), ("model", model)])
    if candidate == "lightgbm":
        return lgb.LGBMClassifier(
            class_weight=weight,
            learning_rate=0.08,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.7,
            min_child_samples=100,
            reg_lambda=1.0,
            random_state=seed,
            n_jobs=2,
            verbose=-1,
        )
    raise ValueError(f"unknown candidate {candidate!r}")


def pipeline(candidate: str, strategy: str, categorical: list[int], n_features: int, seed: int):
    steps = []
    s = sampler(strategy, seed)
    if s is not None:
        steps.append(("sampler", s))
    steps.append(("model", estimator(candidate, strategy, categorical, n_features, seed)))
    return Pipeline(steps)


def fit_params(candidate: str, categorical: list[int]) -> dict[str, Any]:
    """LightGBM learns the categoricals natively from their level codes."""
    return {"model__categorical_feature": categorical} if candidate == "lightgbm" else {}


def combinations(profile: Profile) -> list[tuple[str, str]]:
    out = [("dummy", "none")]
    out += [(c, s) for c in ("logreg", "lightgbm") for s in profile.strategies]
    return out
