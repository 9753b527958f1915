"""How far a table is from the public statistics of the real one: the twin's acceptance report.

Each check returns one row per column (or per statistic) with the measured value, the public
value, the error and the tolerance, so that a failure names the worst offender.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_core.schema import application_schema
from credit_training.twin import reference
from credit_training.twin.population import SENTINEL_DAYS
from credit_training.twin.target import public_correlations

MISSING_TOL = 0.01
SHARE_TOL = 0.01
QUANTILE_REL_TOL = 0.05
CORR_TOL = 0.03
SKIP_QUANTILES = ("SK_ID_CURR", "TARGET")


def _stats_columns() -> list[dict]:
    return reference.load_stats()["columns"]


def _is_flag(summary: dict) -> bool:
    return summary["min"] == 0 and summary["max"] == 1 and summary["p25"] in (0, 1)


def _is_small_count(name: str, summary: dict) -> bool:
    return (
        summary["max"] <= 1000
        and not name.startswith(("EXT_", "REGION_POP"))
        and all(float(summary[k]).is_integer() for k in ("min", "p25", "p50", "p75", "max"))
        and not any(s in name for s in ("_AVG", "_MODE", "_MEDI"))
    )


def missing_report(df: pd.DataFrame, side: str = "train") -> pd.DataFrame:
    rows = []
    for col in _stats_columns():
        if col["name"] not in df or side not in col:
            continue
        got = float(df[col["name"]].isna().mean())
        want = col[side]["missing_rate"]
        rows.append(("missing_rate", col["name"], got, want, abs(got - want), MISSING_TOL))
    return _frame(rows)


def share_report(df: pd.DataFrame, side: str = "train") -> pd.DataFrame:
    """Category shares (of all rows) and the means of 0/1 flags."""
    rows = []
    for col in _stats_columns():
        name = col["name"]
        if name not in df or side not in col or name == "TARGET":
            continue
        s = col[side]
        if "categories" in s:
            counts = df[name].value_counts(dropna=True) / len(df)
            for c in s["categories"]:
                got = float(counts.get(c["value"], 0.0))
                want = c["share_of_all_rows"]
                rows.append(
                    ("share", f"{name}={c['value']}", got, want, abs(got - want), SHARE_TOL)
                )
        elif _is_flag(s["numeric_summary"]):
            got, want = float(df[name].mean()), s["numeric_summary"]["mean"]
            rows.append(("flag_mean", name, got, want, abs(got - want), SHARE_TOL))
    return _frame(rows)


def quantile_report(df: pd.DataFrame, side: str = "train") -> pd.DataFrame:
    """p25/p50/p75 within 5% (1 unit for small integer counts); min/max inside the public range."""
    rows = []
    for col in _stats_columns():
        name = col["name"]
        if name not in df or side not in col or name in SKIP_QUANTILES:
            continue
        summary = col[side].get("numeric_summary")
        if summary is None or _is_flag(summary):
            continue
        values = df[name].dropna().to_numpy(dtype=float)
        q = np.quantile(values, [0.25, 0.5, 0.75])
        for label, got in zip(("p25", "p50", "p75"), q, strict=True):
            want = summary[label]
            tol = QUANTILE_REL_TOL * abs(want)
            if _is_small_count(name, summary):
                tol = max(tol, 1.0)
            rows.append((label, name, float(got), want, abs(got - want), tol))
        below = max(0.0, summary["min"] - values.min())
        above = max(0.0, values.max() - summary["max"])
        rows.append(("min", name, float(values.min()), summary["min"], below, 0.0))
        rows.append(("max", name, float(values.max()), summary["max"], above, 0.0))
    return _frame(rows)


def koehrsen_column(df: pd.DataFrame, name: str) -> pd.Series:
    """A column as the public correlations were computed (one-hot with missing as 0, etc.)."""
    if name == "DAYS_EMPLOYED_ANOM":
        return (df["DAYS_EMPLOYED"] == SENTINEL_DAYS).astype(float)
    if name == "DAYS_EMPLOYED":
        return df["DAYS_EMPLOYED"].where(df["DAYS_EMPLOYED"] != SENTINEL_DAYS).astype(float)
    if name in df:
        return df[name].astype(float)
    for col in application_schema().categorical:
        prefix = col.name + "_"
        if name.startswith(prefix) and name[len(prefix) :] in col.levels:
            return (df[col.name] == name[len(prefix) :]).astype(float)
    raise KeyError(name)


def correlation_report(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    target = df["TARGET"].astype(float)
    for name, want in public_correlations().items():
        got = float(koehrsen_column(df, name).corr(target))
        rows.append(("corr_target", name, got, want, abs(got - want), CORR_TOL))
    return _frame(rows)


def age_bin_report(df: pd.DataFrame, tol: float = 0.015) -> pd.DataFrame:
    bins = reference.load_stats()["target_relations"]["default_rate_by_age_bin_years"]["bins"]
    years = -df["DAYS_BIRTH"] / 365
    rows = []
    for label, want in bins.items():
        lo, hi = (float(x) for x in label.strip("(]").split(","))
        rate = float(df.loc[(years > lo) & (years <= hi), "TARGET"].mean())
        rows.append(("age_bin_default_rate", label, rate, want, abs(rate - want), tol))
    return _frame(rows)


def target_report(df: pd.DataFrame) -> pd.DataFrame:
    stats = reference.load_stats()["target_relations"]["days_employed_anomaly"]
    anomaly = df["DAYS_EMPLOYED"] == SENTINEL_DAYS
    rows = [
        ("default_rate", "TARGET", float(df["TARGET"].mean()), 0.080729, 0.0, 0.003),
        (
            "sentinel_default_rate",
            "anomalous",
            float(df.loc[anomaly, "TARGET"].mean()),
            stats["default_rate_anomalous"],
            0.0,
            0.01,
        ),
        (
            "sentinel_default_rate",
            "employed",
            float(df.loc[~anomaly, "TARGET"].mean()),
            stats["default_rate_non_anomalous"],
            0.0,
            0.01,
        ),
    ]
    out = _frame(rows)
    out["error"] = (out["value"] - out["public"]).abs()
    return out


def full_report(df: pd.DataFrame) -> pd.DataFrame:
    parts = [missing_report(df), share_report(df), quantile_report(df)]
    if "TARGET" in df:
        parts += [correlation_report(df), age_bin_report(df), target_report(df)]
    return pd.concat(parts, ignore_index=True)


def ratios(report: pd.DataFrame) -> pd.Series:
    """error / tolerance; a zero tolerance (min/max range) gives 0 or infinity."""
    tol = report["tolerance"].to_numpy()
    err = report["error"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(tol > 0, err / np.where(tol > 0, tol, 1.0), np.where(err > 0, np.inf, 0.0))
    return pd.Series(ratio, index=report.index)


def worst_by_check(report: pd.DataFrame) -> pd.DataFrame:
    """One line per check: its worst column, as error / tolerance (≤ 1 passes)."""
    r = report.assign(ratio=ratios(report))
    idx = r.groupby("check")["ratio"].idxmax()
    return r.loc[idx].sort_values("ratio", ascending=False).reset_index(drop=True)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["check", "column", "value", "public", "error", "tolerance"])
