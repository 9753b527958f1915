"""Realised performance: observed outcomes joined to the decisions of the request log, and the
metrics of each monthly cohort of decisions next to their label-free (CBPE) estimate.

An outcome is ``defaulted`` (0/1) for one decision, observed on ``observation_date``; it names
the decision by ``request_id`` (with ``item`` for a batch) or by the client's ``SK_ID_CURR``
(then the client's latest decision made on or before the observation date). The request log
holds no client id, only its keyed pseudonym ``client_ref``: the join computes the same HMAC of
each outcome's SK_ID_CURR with the same key (:mod:`credit_core.pseudonym`; records written
before pseudonymisation are matched by the HMAC of their logged id). Only approved
applicants can have an outcome: one reported for a refused decision is dropped and counted, and
every realised figure is therefore measured on approved applicants only (the selection bias
:data:`SELECTION_BIAS` states). Realised metrics get a percentile bootstrap interval; the
estimate gets the interval in which the realised figure falls in 95 % of worlds where the served
probabilities are calibrated (labels drawn as Bernoulli(p) on the same applicants).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from credit_core import pseudonym
from credit_core.contracts import DecisionRecord
from credit_monitoring import estimate

ID_COLUMN = "SK_ID_CURR"
YES = {"1", "yes", "y", "true"}
NO = {"0", "no", "n", "false"}
ECE_BINS = 10
METRICS = (
    "default_rate",
    "roc_auc",
    "business_cost_per_application",
    "mean_probability",
    "calibration_gap",
    "ece",
)
SELECTION_BIAS = (
    "Refused applicants receive no loan, so no outcome is ever observed for them: every realised "
    "figure is measured on approved applicants only. That population is truncated at the "
    "threshold (probabilities of default below it), so its default rate is lower and its AUC "
    "narrower than the whole applicant population's, and the cost of good clients wrongly "
    "refused cannot be observed at all (the realised business cost counts missed defaulters "
    "only). A model that refuses too many good clients is invisible here. Correcting for this "
    "(reject inference) is out of scope; the label-free estimate of the whole cohort, refused "
    "applicants included, is shown beside it."
)


class OutcomesError(ValueError):
    """The outcomes cannot be read or matched (the message names the cause)."""


# --- reading ----------------------------------------------------------------------------------


def read_outcomes(data: bytes, name: str = "outcomes") -> pd.DataFrame:
    """The outcomes CSV as a frame: ``request_id`` (str or None), ``item`` (Int64 or NA),
    ``sk_id_curr`` (Int64 or NA), ``defaulted`` (0/1 int8), ``observation_date`` (date).

    Accepts ``defaulted`` as yes/no, y/n, true/false or 1/0 (any case) and ISO dates. Raises
    :class:`OutcomesError` naming the column or the first bad row."""
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as exc:
        raise OutcomesError(f"{name}: empty file") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise OutcomesError(f"{name}: not a CSV file ({exc})") from exc
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in ("defaulted", "observation_date") if c not in frame.columns]
    if ID_COLUMN not in frame.columns and "request_id" not in frame.columns:
        missing.insert(0, f"{ID_COLUMN} or request_id")
    if missing:
        raise OutcomesError(f"{name}: missing column(s): {', '.join(missing)}")
    if frame.empty:
        raise OutcomesError(f"{name}: no outcome rows")

    def column(col: str) -> pd.Series:
        if col not in frame.columns:
            return pd.Series([""] * len(frame), dtype=str)
        return frame[col].str.strip()

    request_id, sk_id, item = column("request_id"), column(ID_COLUMN), column("item")
    flag = column("defaulted").str.lower()
    bad = ~flag.isin(YES | NO)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise OutcomesError(
            f"{name}: row {row + 2}: defaulted must be yes/no or 1/0, got {frame['defaulted'].iloc[row]!r}"
        )
    no_key = (request_id == "") & (sk_id == "")
    if no_key.any():
        row = int(np.flatnonzero(no_key)[0])
        raise OutcomesError(f"{name}: row {row + 2}: neither {ID_COLUMN} nor request_id")
    out = pd.DataFrame(
        {
            "request_id": request_id.where(request_id != "", None),
            "item": _integers(item, "item", name),
            "sk_id_curr": _integers(sk_id, ID_COLUMN, name),
            "defaulted": flag.isin(YES).astype(np.int8),
            "observation_date": _dates(column("observation_date"), name),
        }
    )
    return out


def _integers(values: pd.Series, col: str, name: str) -> pd.Series:
    numbers = pd.to_numeric(values.where(values != "", None), errors="coerce")
    bad = numbers.isna() & (values != "") | (numbers.notna() & (numbers % 1 != 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise OutcomesError(f"{name}: row {row + 2}: {col} must be a whole number")
    return numbers.astype("Int64")


def _dates(values: pd.Series, name: str) -> pd.Series:
    out = []
    for row, value in enumerate(values):
        try:
            out.append(date.fromisoformat(value[:10]))
        except ValueError as exc:
            raise OutcomesError(
                f"{name}: row {row + 2}: observation_date must be an ISO date, got {value!r}"
            ) from exc
    return pd.Series(out, dtype=object)


def _get(rec: Any, key: str, default: Any = None) -> Any:
    if isinstance(rec, Mapping):
        return rec.get(key, default)
    return getattr(rec, key, default)  # a typed record (struct) reads the same way


def decision_frame(records: Iterable[Any], key: bytes = pseudonym.DEV_KEY) -> pd.DataFrame:
    """The decision records (:class:`~credit_core.contracts.DecisionRecord` or log dicts) as a frame: ``request_id``, ``item``,
    ``when`` (UTC), ``client_ref`` (str or None), ``probability``, ``refused``, ``model_version``.

    Uses only request id, item, timestamp, ``client_ref`` (else the HMAC under ``key`` of an
    older record's ``inputs.SK_ID_CURR``), probability, decision and model version; everything
    else in a record is ignored."""
    rows = []
    for rec in records:
        when = _get(rec, "when") or _get(rec, "timestamp")
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        inputs = (
            rec.input_values() if isinstance(rec, DecisionRecord) else _get(rec, "inputs") or {}
        )
        ref = _get(rec, "client_ref") or pseudonym.client_ref(key, _get(inputs, ID_COLUMN))
        rows.append(
            (
                str(_get(rec, "request_id")),
                int(_get(rec, "item", 0) or 0),
                when,
                ref,
                float(_get(rec, "probability")),
                _get(rec, "decision") == "refuse",
                str(_get(rec, "model_version")),
            )
        )
    cols = ["request_id", "item", "when", "client_ref", "probability", "refused", "model_version"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["when"] = pd.to_datetime(frame["when"], utc=True)
    frame["client_ref"] = frame["client_ref"].astype(object)
    frame["refused"] = frame["refused"].astype(bool)
    return frame


# --- the join ---------------------------------------------------------------------------------


@dataclass
class Joined:
    """The decisions with their outcome (``defaulted`` NaN when none) and what the join set
    aside, in outcome rows."""

    decisions: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def join(decisions: pd.DataFrame, outcomes: pd.DataFrame, key: bytes = pseudonym.DEV_KEY) -> Joined:
    """Attach each outcome to one decision (rules in the module docstring); later outcomes of
    the same decision replace earlier ones; ``key``: the client_ref key the request log was
    written with. Raises :class:`OutcomesError` if none matches."""
    dec = decisions.reset_index(drop=True).copy()
    dec["row"] = np.arange(len(dec))
    out = outcomes.reset_index(drop=True).copy()
    out["outcome"] = np.arange(len(out))
    by_request = out[out["request_id"].notna()]
    by_client = out[out["request_id"].isna()].copy()
    by_client["client_ref"] = [
        None if pd.isna(v) else pseudonym.client_ref(key, int(v)) for v in by_client["sk_id_curr"]
    ]

    # request id (+ item when given)
    with_item = by_request[by_request["item"].notna()]
    without_item = by_request[by_request["item"].isna()]
    m1 = with_item.merge(
        dec[["request_id", "item", "row"]].astype({"item": "Int64"}),
        on=["request_id", "item"],
        how="inner",
    ).drop_duplicates("outcome")  # a request stored twice: its first record
    per_request = dec.groupby("request_id")["row"].agg(["count", "first"])
    m2 = without_item.join(per_request, on="request_id", how="inner")
    ambiguous = int((m2["count"] > 1).sum())
    m2 = m2[m2["count"] == 1].rename(columns={"first": "row"})

    # client id: the latest decision on or before the observation date
    cand = by_client.dropna(subset=["client_ref"]).merge(
        dec[["client_ref", "when", "row"]].dropna(subset=["client_ref"]),
        on="client_ref",
        how="inner",
    )
    known_client = set(cand["outcome"])
    cand = cand[cand["when"].dt.date <= cand["observation_date"]]
    before_decision = len(known_client - set(cand["outcome"]))
    m3 = cand.sort_values(["outcome", "when", "row"]).groupby("outcome").tail(1)

    cols = ["outcome", "row", "defaulted", "observation_date"]
    matched = pd.concat([m1[cols], m2[cols], m3[cols]], ignore_index=True)
    unmatched = len(out) - matched["outcome"].nunique() - ambiguous - before_decision
    if matched.empty:
        raise OutcomesError(
            f"none of the {len(out):,} outcomes matches a decision in the request log "
            f"({unmatched:,} unknown ids, {ambiguous:,} ambiguous, "
            f"{before_decision:,} observed before any decision)"
        )
    matched = matched.sort_values(["row", "observation_date", "outcome"])
    duplicates = int(matched.duplicated("row", keep="last").sum())
    matched = matched.drop_duplicates("row", keep="last")
    on_refused = dec["refused"].to_numpy()[matched["row"].to_numpy()]
    refused_dropped = int(on_refused.sum())
    matched = matched[~on_refused]

    dec["defaulted"] = np.nan
    dec["observation_date"] = None
    dec.loc[matched["row"].to_numpy(), "defaulted"] = matched["defaulted"].to_numpy(np.float64)
    dec.loc[matched["row"].to_numpy(), "observation_date"] = matched["observation_date"].to_numpy()
    counts = {
        "outcomes": len(out),
        "matched": len(matched),
        "unmatched": unmatched,
        "ambiguous_request_id": ambiguous,
        "observed_before_decision": before_decision,
        "duplicate_outcomes": duplicates,
        "refused_outcomes_dropped": refused_dropped,
    }
    return Joined(dec.drop(columns="row"), counts)


# --- metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    """Rows of one population sorted by decreasing probability, with tie-group ends and ECE bins,
    so each resample is a weighted pass in O(n)."""

    p: np.ndarray
    last_of_tie: np.ndarray
    bins: np.ndarray


def _prepare(p: np.ndarray) -> tuple[_Prepared, np.ndarray]:
    order = np.argsort(-p, kind="stable")
    ps = p[order]
    last = np.r_[ps[1:] != ps[:-1], True]
    edges = np.unique(np.quantile(ps, np.linspace(0, 1, ECE_BINS + 1)[1:-1]))
    bins = np.searchsorted(edges, ps, side="right")  # equal-mass bins of the probabilities
    return _Prepared(ps, last, bins), order


def _metrics(prep: _Prepared, y: np.ndarray, w: np.ndarray, fn_cost: float) -> dict[str, float]:
    """Weighted metrics of approved applicants (``y`` 0/1 and ``w`` counts in ``prep`` order)."""
    n = w.sum()
    pos, neg = w * y, w * (1 - y)
    rate = pos.sum() / n
    mean_p = (w * prep.p).sum() / n
    tp = np.r_[0.0, np.cumsum(pos)[prep.last_of_tie]]
    fp = np.r_[0.0, np.cumsum(neg)[prep.last_of_tie]]
    auc = np.nan
    if tp[-1] > 0 and fp[-1] > 0:
        tp, fp = tp / tp[-1], fp / fp[-1]
        auc = float(np.sum((fp[1:] - fp[:-1]) * (tp[1:] + tp[:-1]) / 2))
    size = np.bincount(prep.bins, weights=w, minlength=ECE_BINS)
    gap = np.abs(
        np.bincount(prep.bins, weights=w * prep.p, minlength=ECE_BINS)
        - np.bincount(prep.bins, weights=pos, minlength=ECE_BINS)
    )
    return {
        "default_rate": rate,
        "roc_auc": auc,
        "business_cost_per_application": fn_cost * rate,  # missed defaulters only
        "mean_probability": mean_p,
        "calibration_gap": rate - mean_p,
        "ece": float(gap[size > 0].sum() / n),
    }


def _interval(draws: list[dict[str, float]], level: float) -> dict[str, list[float] | None]:
    tail = (1 - level) / 2 * 100
    out: dict[str, list[float] | None] = {}
    for key in METRICS:
        v = np.array([d[key] for d in draws], dtype=np.float64)
        v = v[np.isfinite(v)]
        out[key] = (
            [round(float(np.percentile(v, q)), 6) for q in (tail, 100 - tail)] if v.size else None
        )
    return out


def realised_and_estimated(
    y: np.ndarray,
    p: np.ndarray,
    fn_cost: float,
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Metrics of approved applicants with outcomes ``y`` (0/1) and served probabilities ``p``:
    realised (with a bootstrap interval) and estimated without labels (CBPE: the expectation
    when ``y ~ Bernoulli(p)``, with the interval of the realised figure under that law).

    Metrics: default rate, ROC AUC, business cost per approved application (``fn_cost`` per
    missed defaulter), mean probability of default, calibration gap (realised rate minus mean
    probability) and expected calibration error (``ECE_BINS`` equal-mass bins of p). Flags per
    metric: the two intervals overlap; the realised figure lies in the calibrated range (the
    stricter test: the realised value is what the range predicts)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.size == 0:
        raise ValueError("no outcomes to measure")
    prep, order = _prepare(p)
    ys = y[order]
    ones = np.ones_like(ys)
    rng = np.random.default_rng(seed)
    boot = [
        _metrics(
            prep, ys, np.bincount(rng.integers(0, ys.size, ys.size), minlength=ys.size), fn_cost
        )
        for _ in range(resamples)
    ]
    sims = [
        _metrics(prep, (rng.random(ys.size) < prep.p).astype(np.float64), ones, fn_cost)
        for _ in range(resamples)
    ]
    cbpe = estimate.expected(p, np.inf, fn_cost, 0.0)  # all approved: nothing refused
    estimated = {
        "default_rate": cbpe.default_rate,
        "roc_auc": cbpe.roc_auc,
        "business_cost_per_application": cbpe.business_cost_per_application,
        "mean_probability": float(p.mean()),
        "calibration_gap": 0.0,
        "ece": float(np.mean([s["ece"] for s in sims])),  # a calibrated model's ECE is not 0
    }
    realised: dict[str, float | None] = _metrics(prep, ys, ones, fn_cost)
    r_int, e_int = _interval(boot, level), _interval(sims, level)
    agrees = {
        k: None
        if r_int[k] is None or e_int[k] is None
        else bool(r_int[k][0] <= e_int[k][1] and e_int[k][0] <= r_int[k][1])
        for k in METRICS
    }
    realised = _clean(realised)
    within = {
        k: None
        if realised[k] is None or e_int[k] is None
        else bool(e_int[k][0] <= realised[k] <= e_int[k][1])
        for k in METRICS
    }
    return {
        "realised": realised,
        "realised_interval": r_int,
        "estimated": _clean(estimated),
        "estimated_interval": e_int,
        "intervals_overlap": agrees,
        "realised_within_calibrated_range": within,
    }


def _clean(values: Mapping[str, float | None]) -> dict[str, float | None]:
    return {
        k: None if v is None or not np.isfinite(v) else round(float(v), 6)
        for k, v in values.items()
    }


def month_bounds(month: pd.Period) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) in UTC."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    nxt = month + 1
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=UTC)


def cohorts(
    joined: pd.DataFrame,
    fn_cost: float,
    fp_cost: float,
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """One entry per calendar month (UTC) of decisions: counts, realised vs estimated metrics of
    the approved applicants with an outcome, and the label-free estimate of the whole cohort
    (refused applicants included, the log's decisions) under ``cohort_estimate``."""
    months = joined["when"].dt.tz_convert(UTC).dt.tz_localize(None).dt.to_period("M")
    out = []
    for month in sorted(months.unique()):
        part = joined[(months == month).to_numpy()]
        since, until = month_bounds(month)
        refused = part["refused"].to_numpy()
        matched = part[part["defaulted"].notna()]
        p_all = part["probability"].to_numpy(np.float64)
        whole = estimate.expected(p_all, np.inf, fn_cost, fp_cost, refused=refused)
        entry: dict[str, Any] = {
            "cohort": str(month),
            "since": since.isoformat(),
            "until": until.isoformat(),
            "decisions": len(part),
            "approved": int((~refused).sum()),
            "refused": int(refused.sum()),
            "outcomes_matched": len(matched),
            "outcome_coverage_of_approved": round(len(matched) / max(1, int((~refused).sum())), 6),
            "model_versions": sorted(part["model_version"].unique().tolist()),
            "cohort_estimate": {"source": "computed from the cohort's records", **whole.as_dict()},
        }
        if len(matched):
            entry |= realised_and_estimated(
                matched["defaulted"].to_numpy(),
                matched["probability"].to_numpy(),
                fn_cost,
                resamples,
                level,
                seed,
            )
        out.append(entry)
    return out


def outcomes_from_labels(
    labels: pd.DataFrame,
    observed_on: date,
    id_col: str = ID_COLUMN,
    target_col: str = "TARGET",
) -> pd.DataFrame:
    """A labels table (e.g. the twin's ``application_test_labels.csv``: id and 0/1 target) as an
    outcomes table: ``SK_ID_CURR``, ``defaulted`` (0/1), ``observation_date`` (ISO date).

    Raises :class:`OutcomesError` if a column is missing or a target is not 0/1."""
    missing = [c for c in (id_col, target_col) if c not in labels.columns]
    if missing:
        raise OutcomesError(f"labels: missing column(s): {', '.join(missing)}")
    target = pd.to_numeric(labels[target_col], errors="coerce")
    if not target.isin([0, 1]).all():
        raise OutcomesError(f"labels: {target_col} must be 0 or 1")
    return pd.DataFrame(
        {
            ID_COLUMN: labels[id_col].astype("int64"),
            "defaulted": target.astype("int64"),
            "observation_date": observed_on.isoformat(),
        }
    )
