"""Generate the twin tables and write them as the real files are laid out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from credit_core.schema import application_schema
from credit_training.twin.builder import TableBuilder
from credit_training.twin.building import build_housing
from credit_training.twin.drift import Marginals, Side, manifest
from credit_training.twin.history import FILES, build_history, history_risk, write_history
from credit_training.twin.history_drift import history_manifest
from credit_training.twin.history_rows import Applicants
from credit_training.twin.loan import build_loan
from credit_training.twin.population import build_people
from credit_training.twin.target import TargetModel, build_target

ID_START = 100001
TRAIN_FILE = "application_train.csv"
TEST_FILE = "application_test.csv"
MANIFEST_FILE = "drift_manifest.json"
LABELS_FILE = "application_test_labels.csv"
# the default model behind TARGET is solved on the train rows: below ~100 its moment
# equations are singular (1 row: a traceback; 20-50 rows: divisions by zero); 200 leaves margin
MIN_TRAIN_ROWS = 200
Tables = Literal["all", "application"]


def build_table(
    n: int, side: Side, rng: np.random.Generator, target: TargetModel | None = None
) -> tuple[TableBuilder, TargetModel]:
    """All columns of one table (ids excepted), kept as arrays plus the latents behind them.

    TARGET is drawn on both sides; the test side uses the train side's ``target`` model, so
    what a model learns on train transfers. Returns the builder and the target model used.
    """
    b = TableBuilder(n=n, rng=rng, marginals=Marginals(side))
    build_people(b)
    build_loan(b)
    build_housing(b)
    model = build_target(b, target)
    return b, model


def to_frame(b: TableBuilder, ids: np.ndarray, side: Side) -> pd.DataFrame:
    """The table as pandas reads the real CSV back: schema order, dtypes and levels."""
    schema = application_schema()
    data: dict[str, object] = {}
    for col in schema.columns:
        if side == "test" and not col.in_test:
            continue
        if col.name == schema.id_column:
            data[col.name] = ids
        elif col.is_categorical:
            data[col.name] = pd.Categorical.from_codes(b.cols[col.name], categories=col.levels)
        else:
            data[col.name] = b.cols[col.name].astype(col.dtype)
    return pd.DataFrame(data)


def split_ids(train_rows: int, test_rows: int, rng: np.random.Generator):
    """Train and test ids interleave over one contiguous range, as in the real files."""
    ids = np.arange(ID_START, ID_START + train_rows + test_rows, dtype=np.int64)
    is_test = np.zeros(len(ids), dtype=bool)
    is_test[rng.choice(len(ids), size=test_rows, replace=False)] = True
    return ids[~is_test], ids[is_test]


@dataclass(frozen=True, slots=True)
class Twin:
    train: pd.DataFrame
    test: pd.DataFrame  # the real test schema: no TARGET
    test_labels: pd.DataFrame  # SK_ID_CURR, TARGET of the test rows (same order as ``test``)
    # each row's hidden probability of default (train order, test order): drives the history
    probability: tuple[np.ndarray, np.ndarray] | None = None


def generate_twin(train_rows: int = 307_511, test_rows: int = 48_744, seed: int = 42) -> Twin:
    """Deterministic for a given seed; train and test come from independent streams.

    Raises ValueError below ``MIN_TRAIN_ROWS`` train rows or one test row."""
    if train_rows < MIN_TRAIN_ROWS or test_rows < 1:
        raise ValueError(
            f"a twin needs at least {MIN_TRAIN_ROWS} train rows and 1 test row, "
            f"got {train_rows} and {test_rows}"
        )
    train_ids, test_ids = split_ids(train_rows, test_rows, np.random.default_rng([seed, 0]))
    train, model = build_table(train_rows, "train", np.random.default_rng([seed, 1]))
    test, _ = build_table(test_rows, "test", np.random.default_rng([seed, 2]), model)
    labels = pd.DataFrame({"SK_ID_CURR": test_ids, "TARGET": test.cols["TARGET"]})
    probability = (train.latent["default_probability"], test.latent["default_probability"])
    return Twin(
        to_frame(train, train_ids, "train"), to_frame(test, test_ids, "test"), labels, probability
    )


def applicants(twin: Twin, seed: int) -> Applicants:
    """Train and test applicants with their hidden history risk (see :mod:`.history`)."""
    assert twin.probability is not None
    ids = np.r_[twin.train["SK_ID_CURR"].to_numpy(), twin.test["SK_ID_CURR"].to_numpy()]
    target = np.r_[twin.train["TARGET"].to_numpy(), twin.test_labels["TARGET"].to_numpy()]
    p = np.r_[twin.probability[0], twin.probability[1]]
    risk = history_risk(p, target, np.random.default_rng([seed, 9]))
    is_test = np.r_[np.zeros(len(twin.train), bool), np.ones(len(twin.test), bool)]
    order = np.argsort(ids, kind="stable")
    return Applicants(ids=ids[order], is_test=is_test[order], risk=risk[order])


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """pandas' own CSV writer: ints without decimals, floats with '.0', NaN as an empty field."""
    frame.to_csv(path, index=False)


def write_twin(
    out: Path, train_rows: int, test_rows: int, seed: int, tables: Tables = "all"
) -> dict[str, Path]:
    """Write the application files, test labels and drift manifest, plus (``tables='all'``) the
    six history tables under their Kaggle names. Returns the written paths by role/table."""
    out.mkdir(parents=True, exist_ok=True)
    twin = generate_twin(train_rows, test_rows, seed)
    paths = {
        "train": out / TRAIN_FILE,
        "test": out / TEST_FILE,
        "labels": out / LABELS_FILE,
        "manifest": out / MANIFEST_FILE,
    }
    write_csv(twin.train, paths["train"])
    write_csv(twin.test, paths["test"])
    write_csv(twin.test_labels, paths["labels"])
    meta = {
        "generator": "credit_training.twin",
        "seed": seed,
        "train_rows": train_rows,
        "test_rows": test_rows,
        **manifest(twin.train, twin.test),
    }
    if tables == "all":
        history = build_history(applicants(twin, seed), seed)
        meta["history_tables"] = history_manifest(
            history, twin.train["SK_ID_CURR"].to_numpy(), twin.test["SK_ID_CURR"].to_numpy()
        )
        meta["history_files"] = {t: FILES[t] for t in history}
        paths.update(write_history(history, out))
        del history
    paths["manifest"].write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    return paths
