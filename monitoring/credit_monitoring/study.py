"""The drift study: a reference table (application_train) against a current one
(application_test), every column scored, ranked by drift and by the model's use of it.

When the reference table's folder also holds the six client-history tables (as the twin writes
them), every applicant of both tables gets the history features of ``credit_core.history`` (one
DuckDB query) and they are scored like the application columns, with the share of applicants
without any history record (``history``).

With a model bundle the study also weighs each column by its share of the model's importance
and estimates the model's performance on the current table without labels (CBPE, with the scores
calibrated on the labelled reference when the reference is not the model's training data); when
the true labels sit beside the current file (``<stem>_labels.csv``, as the twin writes them) it
compares the estimate with the truth and its bootstrap interval.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from credit_core.bundle import Bundle, load_bundle
from credit_core.schema import Column, application_schema
from credit_monitoring import estimate, history_monitor, jsonout, report
from credit_monitoring.drift import (
    ColumnDrift,
    as_float,
    drift_table,
    importance_shares,
    ranked,
    share_drifted,
)


class StudyError(ValueError):
    """Unreadable or incompatible input tables."""


def read_table(path: Path) -> pd.DataFrame:
    """An application CSV with the schema's categoricals as pandas categories (sorted levels,
    empty field = missing): the frame ``pd.read_csv(path, engine="pyarrow", dtype=category)``
    gives, read with about 270 MB less peak memory for the full-size application_train.

    The Arrow table is converted column by column and each column's buffers are released as soon
    as it is converted (``self_destruct``), so the table and the frame are never both whole in
    memory; the categoricals are parsed straight into Arrow dictionaries.
    """
    import pyarrow as pa
    from pyarrow import csv

    if not path.exists():
        raise StudyError(f"{path}: no such file")
    categorical = [c.name for c in application_schema().categorical]
    convert = csv.ConvertOptions(
        column_types={name: pa.dictionary(pa.int32(), pa.string()) for name in categorical},
        strings_can_be_null=True,
    )
    try:
        table = csv.read_csv(path, convert_options=convert)
    except Exception as exc:  # pyarrow raises several types for a malformed CSV
        raise StudyError(f"{path}: cannot read as CSV: {exc}") from exc
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for column in application_schema().numeric:
        # an all-empty column is read as Arrow's null type (object dtype): numbers, all missing
        if column.name in frame and not pd.api.types.is_numeric_dtype(frame[column.name]):
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce").astype(
                np.float64
            )
    for name in categorical:
        if name in frame:
            series = frame[name]
            if series.notna().any():
                frame[name] = series.cat.reorder_categories(sorted(series.cat.categories))
            else:  # no value at all: pandas reads the empty column as float, then categories
                frame[name] = series.astype(np.float64).astype("category")
    return frame


def study_columns(reference: pd.DataFrame, current: pd.DataFrame) -> list:
    """The schema's feature columns present in both tables (the id and the target excluded)."""
    schema = application_schema()
    skip = {schema.id_column, schema.target_column}
    columns = [
        c
        for c in schema.columns
        if c.name not in skip and c.name in reference and c.name in current
    ]
    if not columns:
        raise StudyError("the two tables share no column of the application schema")
    return columns


def missing_columns(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    required: tuple[str, ...] = (),
    shares: dict[str, float] | None = None,
) -> list[str]:
    """The columns the study cannot score because ``current`` lacks them: the reference's
    schema feature columns and the model's ``required`` raw inputs, most important first (by
    ``shares``), then by name."""
    schema = application_schema()
    skip = {schema.id_column, schema.target_column}
    expected = {c.name for c in schema.columns if c.name in reference} | set(required)
    names = {n for n in expected - skip if n not in current}
    weight = shares or {}
    return sorted(names, key=lambda n: (-weight.get(n, 0.0), n))


HistoryFrames = tuple[pd.DataFrame, pd.DataFrame]  # (reference, current): features by row


def history_columns(names: list[str]) -> list[Column]:
    """History features as (numeric) columns of the drift table."""
    return [Column(name, "float64", True) for name in names]


def read_history(
    folder: Path, reference: pd.DataFrame, current: pd.DataFrame
) -> HistoryFrames | None:
    """The history features of both tables' applicants (rows in each table's order) from the
    six history tables in ``folder``; None when the folder holds none of them. Raises
    :class:`StudyError` when it holds some but not the six Kaggle files."""
    from credit_core.history.layout import check_history_folder

    layout = check_history_folder(folder)
    if layout.problems:
        raise StudyError(f"{folder}: " + "; ".join(layout.problems))
    if not layout.complete:
        return None
    from credit_core.history.definitions import feature_names
    from credit_core.history.engine import batch_features, connect_folder

    key = application_schema().id_column
    if key not in reference or key not in current:
        raise StudyError(f"{key} is needed to join the history tables")
    ids = np.concatenate([reference[key].to_numpy(), current[key].to_numpy()])
    con = connect_folder(folder)
    try:
        features = batch_features(con, np.unique(ids))
    finally:
        con.close()
    names = feature_names()
    return (
        features.reindex(reference[key].to_numpy())[names].set_axis(reference.index),
        features.reindex(current[key].to_numpy())[names].set_axis(current.index),
    )


def labels_beside(current: Path) -> Path:
    return current.with_name(f"{current.stem}_labels.csv")


def run_study(
    reference_path: Path, current_path: Path, bundle_uri: str | None = None
) -> tuple[dict[str, Any], list[ColumnDrift], str]:
    """(summary, table, html) of the study on two CSV files; the current file's labels are
    used when they sit beside it (``<stem>_labels.csv``), the history tables when they sit
    beside the reference, and the bundle's reference sample (its training rows) tells whether
    the reference table is the model's training data."""
    reference = read_table(reference_path)
    current = read_table(current_path)
    history = read_history(reference_path.parent, reference, current)
    bundle = training_sample = None
    if bundle_uri:
        from credit_monitoring.production import read_reference

        bundle = load_bundle(bundle_uri, cache_dir=Path(tempfile.gettempdir()) / "credit-bundle")
        training_sample = read_reference(bundle_uri, bundle)
    labels_path = labels_beside(current_path)
    labels = pd.read_csv(labels_path) if labels_path.exists() else None
    summary, table, page = study(reference, current, bundle, labels, training_sample, history)
    summary |= {"reference": str(reference_path), "current": str(current_path)}
    if labels is not None:
        summary["labels"] = str(labels_path)
    return summary, table, page


def study(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    bundle: Bundle | None = None,
    labels: pd.DataFrame | None = None,
    training_sample: pd.DataFrame | None = None,
    history: HistoryFrames | None = None,
) -> tuple[dict[str, Any], list[ColumnDrift], str]:
    """(summary, table, html): every shared schema column scored, then the history features
    of ``history`` (see :func:`read_history`); with a bundle, importance shares and the
    estimated performance on ``current`` (and the actual one with ``labels``: SK_ID_CURR,
    TARGET); see :func:`performance` for ``training_sample``."""
    columns = study_columns(reference, current)
    spec = bundle.model.spec if bundle is not None else None
    shares = importance_shares(bundle.importance, spec) if bundle is not None else None
    required = (*spec.raw_inputs, *(spec.history if history is None else ())) if spec else ()
    missing = missing_columns(reference, current, required, shares)
    if len(current) == 0:
        return no_data(reference, bundle, missing)
    ref_cols = {c.name: as_float(reference[c.name], c) for c in columns}
    cur_cols = {c.name: as_float(current[c.name], c) for c in columns}
    if history is not None:
        extra = history_columns([n for n in history[0].columns if n not in ref_cols])
        for c in extra:
            ref_cols[c.name] = history[0][c.name].to_numpy(np.float64)
            cur_cols[c.name] = history[1][c.name].to_numpy(np.float64)
        columns = [*columns, *extra]
    table = drift_table(ref_cols, cur_cols, columns, shares)
    del ref_cols, cur_cols
    summary: dict[str, Any] = {
        "status": "failed" if missing else "ok",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reference_rows": len(reference),
        "rows": len(current),
        "model_version": bundle.version if bundle else None,
        "missing_columns": missing,
        "drift_share": round(share_drifted(table), 6),
        "drifted_columns": sum(c.drifted for c in table),
        "columns": [c.entry() for c in table],
        "top_drifted": ranked(table),
    }
    if history is not None:
        ref_share = float(history_monitor.without_history(history[0]).mean())
        found = (~history_monitor.without_history(history[1])).astype(np.float64)
        summary["history"] = history_monitor.coverage(found, round(ref_share, 6), "reference")
    if bundle is not None:
        summary |= performance(bundle, current, labels, reference, training_sample, history)
    if history is not None:  # rows in the same order (the indexes may differ)
        reference = pd.concat([reference, history[0].set_axis(reference.index)], axis=1)
        current = pd.concat([current, history[1].set_axis(current.index)], axis=1)
    page = report.evidently_html(reference, current, table)
    section = report.summary_section(summary, "Drift study: reference vs current")
    return summary, table, report.compose(page, section)


def no_data(
    reference: pd.DataFrame, bundle: Bundle | None, missing: list[str]
) -> tuple[dict[str, Any], list[ColumnDrift], str]:
    """The study of a current table without rows: nothing to score, status ``no_data``."""
    summary: dict[str, Any] = {
        "status": "no_data",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reference_rows": len(reference),
        "rows": 0,
        "model_version": bundle.version if bundle else None,
        "missing_columns": missing,
        "drift_share": 0.0,
        "drifted_columns": 0,
        "columns": [],
        "top_drifted": [],
    }
    page = report.STYLE + report.summary_section(summary, "Drift study: no current rows")
    return summary, [], f"<html><body>{page}</body></html>"


SCORE_CHUNK = 50_000  # reference rows scored at a time (feature matrices stay ~50 MB)
TRAINING_MATCH = ("TARGET", "DAYS_BIRTH", "AMT_CREDIT", "AMT_INCOME_TOTAL")


def learned_from(reference: pd.DataFrame, training_sample: pd.DataFrame | None) -> bool:
    """Whether ``reference`` holds the model's training rows: where the ids of the bundle's
    reference sample (training rows) occur in ``reference``, at least half are the very same
    applications (same target, age, credit and income). False without a sample or shared ids."""
    key = application_schema().id_column
    if training_sample is None or key not in training_sample or key not in reference:
        return False
    cols = [c for c in TRAINING_MATCH if c in reference and c in training_sample]
    merged = training_sample[[key, *cols]].merge(
        reference[[key, *cols]], on=key, suffixes=("_t", "_r")
    )
    if merged.empty or not cols:
        return False
    same = np.ones(len(merged), dtype=bool)
    for c in cols:
        same &= merged[f"{c}_t"].to_numpy(np.float64) == merged[f"{c}_r"].to_numpy(np.float64)
    return bool(same.mean() >= 0.5)


def scores(bundle: Bundle, frame: pd.DataFrame, history: pd.DataFrame | None = None) -> np.ndarray:
    """The bundle's probabilities for ``frame`` (and its rows' ``history`` features), scored
    ``SCORE_CHUNK`` rows at a time."""
    from credit_monitoring.scoring import probabilities

    parts = [
        probabilities(
            bundle,
            frame.iloc[i : i + SCORE_CHUNK],
            None if history is None else history.iloc[i : i + SCORE_CHUNK],
        )
        for i in range(0, len(frame), SCORE_CHUNK)
    ]
    return np.concatenate(parts) if parts else np.empty(0)


def performance(
    bundle: Bundle,
    current: pd.DataFrame,
    labels: pd.DataFrame | None = None,
    reference: pd.DataFrame | None = None,
    training_sample: pd.DataFrame | None = None,
    history: HistoryFrames | None = None,
) -> dict[str, Any]:
    """The model's estimated performance on ``current`` (CBPE), and with ``labels`` the actual
    one and its 95% bootstrap interval; ``history``: the history features of ``reference``'s
    and ``current``'s rows (None: every applicant scored as a client without history).

    When ``reference`` carries TARGET and is not the model's training data (checked against
    ``training_sample``, the bundle's reference sample, by :func:`learned_from`), the scores are
    first calibrated on it (isotonic, :func:`estimate.fit_calibration`): the estimate then rests
    on the default rates observed at each score on the reference population, not on the
    bundle's Platt map. On the training rows themselves the scores are in-sample (too
    confident), so the bundle's calibration is kept. ``calibration`` in the result says which;
    ``untrusted_estimates`` names the estimates the bundle's calibration cannot support (the
    ROC AUC, see :data:`estimate.UNTRUSTED_WITH_BUNDLE_CALIBRATION`).
    """
    schema = application_schema()
    fn, fp = bundle.card.cost_weights.fn, bundle.card.cost_weights.fp
    threshold = bundle.model.threshold
    ref_history, cur_history = history if history is not None else (None, None)
    p = scores(bundle, current, cur_history)
    calibrated = None
    calibration: dict[str, Any] = {"method": "bundle"}
    if reference is not None and schema.target_column in reference:
        p_ref = scores(bundle, reference, ref_history)
        y_ref = reference[schema.target_column].to_numpy(np.float64)
        calibration |= {
            "reference_rows": len(reference),
            "reference_default_rate": round(float(y_ref.mean()), 6),
            "reference_mean_probability": round(float(p_ref.mean()), 6),
        }
        if learned_from(reference, training_sample):
            calibration["note"] = "the reference is the model's training data: scores in-sample"
        else:
            calibrated = estimate.fit_calibration(p_ref, y_ref)(p)
            calibration["method"] = "isotonic_on_reference"
    out: dict[str, Any] = {
        "estimated": estimate.expected(p, threshold, fn, fp, calibrated).as_dict(),
        "threshold": threshold,
        "calibration": calibration,
        "untrusted_estimates": []
        if calibrated is not None
        else list(estimate.UNTRUSTED_WITH_BUNDLE_CALIBRATION),
    }
    if calibrated is not None:
        out["estimated_bundle_calibration"] = estimate.expected(p, threshold, fn, fp).as_dict()
    if labels is not None:
        joined = current[[schema.id_column]].merge(labels, on=schema.id_column, how="left")
        known = joined[schema.target_column].notna().to_numpy()
        y = joined[schema.target_column].to_numpy(np.float64)[known]
        out["actual"] = estimate.actual(y, p[known], threshold, fn, fp).as_dict()
        interval = estimate.bootstrap_interval(y, p[known], threshold, fn, fp, resamples=500)
        out["actual_interval"] = {
            k: [round(lo, 6), round(hi, 6)] for k, (lo, hi) in interval.items()
        }
    return out


def write_outputs(out: str, summary: dict[str, Any], page: str) -> dict[str, str]:
    """report.html and summary.json under ``out`` (a folder or an S3 prefix)."""
    from credit_core import storage
    from credit_core.contracts import encode_pretty, summary_from

    paths = {
        "report": storage.join(out, "report.html"),
        "summary": storage.join(out, "summary.json"),
    }
    storage.write_bytes(paths["report"], page.encode("utf-8"), "text/html; charset=utf-8")
    storage.write_bytes(
        paths["summary"], encode_pretty(summary_from(jsonout.finite(summary))), "application/json"
    )
    return paths
