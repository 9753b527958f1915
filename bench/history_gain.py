"""History gain on the twin: plain LightGBM, application-only vs application + simple history
aggregates, 5-fold CV on the same folds; plus the named aggregates' correlations with TARGET
against the published ones (target_relations). A benchmark, not a test.

    uv run python bench/history_gain.py --data data/twin            # a written twin folder
    uv run python bench/history_gain.py --train-rows 60000 --test-rows 10000   # in memory
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from credit_training.twin import history_stats as hs

FOLDS = 5


def aggregates(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Simple per-client aggregates in the spirit of the public kernels (names follow them)."""
    b, bb, prev = t["bureau"], t["bureau_balance"], t["previous_application"]
    pos, inst, cc = t["POS_CASH_balance"], t["installments_payments"], t["credit_card_balance"]
    out = []
    g = b.assign(
        active=(b["CREDIT_ACTIVE"] == "Active") * 1.0, closed=(b["CREDIT_ACTIVE"] == "Closed") * 1.0
    ).groupby("SK_ID_CURR")
    out.append(
        pd.DataFrame(
            {
                "bureau_count": g.size(),
                "bureau_DAYS_CREDIT_mean": g["DAYS_CREDIT"].mean(),
                "bureau_DAYS_CREDIT_min": g["DAYS_CREDIT"].min(),
                "bureau_DAYS_CREDIT_UPDATE_mean": g["DAYS_CREDIT_UPDATE"].mean(),
                "bureau_DAYS_ENDDATE_FACT_min": g["DAYS_ENDDATE_FACT"].min(),
                "bureau_CREDIT_ACTIVE_Active_count_norm": g["active"].mean(),
                "bureau_CREDIT_ACTIVE_Closed_count_norm": g["closed"].mean(),
                "bureau_sum_debt": g["AMT_CREDIT_SUM_DEBT"].sum(),
                "bureau_max_overdue": g["AMT_CREDIT_MAX_OVERDUE"].max(),
                "bureau_sum_overdue": g["AMT_CREDIT_SUM_OVERDUE"].sum(),
                "bureau_AMT_CREDIT_SUM_mean": g["AMT_CREDIT_SUM"].mean(),
            }
        )
    )
    per_loan = (
        bb.assign(
            s1=(bb["STATUS"] == "1") * 1.0,
            late=bb["STATUS"].isin(["1", "2", "3", "4", "5"]) * 1.0,
            c=(bb["STATUS"] == "C") * 1.0,
        )
        .groupby("SK_ID_BUREAU")
        .agg(
            months=("MONTHS_BALANCE", "size"),
            first=("MONTHS_BALANCE", "min"),
            s1=("s1", "mean"),
            late=("late", "sum"),
            c=("c", "sum"),
        )
    )
    per_loan = per_loan.join(b.set_index("SK_ID_BUREAU")["SK_ID_CURR"], how="inner")
    g = per_loan.groupby("SK_ID_CURR")
    out.append(
        pd.DataFrame(
            {
                "client_bureau_balance_MONTHS_BALANCE_count_mean": g["months"].mean(),
                "client_bureau_balance_MONTHS_BALANCE_min_mean": g["first"].mean(),
                "client_bureau_balance_STATUS_C_count_mean": g["c"].mean(),
                "BURO_STATUS_1_MEAN_MEAN": g["s1"].mean(),
                "PREVIOUS_OTHER_PAST_DUE_SUM_SUM": g["late"].sum(),
            }
        )
    )
    g = prev.assign(
        refused=(prev["NAME_CONTRACT_STATUS"] == "Refused") * 1.0,
        approved=(prev["NAME_CONTRACT_STATUS"] == "Approved") * 1.0,
        xap=(prev["CODE_REJECT_REASON"] == "XAP") * 1.0,
        rate=prev["AMT_ANNUITY"] / prev["AMT_CREDIT"].replace(0, np.nan),
    ).groupby("SK_ID_CURR")
    out.append(
        pd.DataFrame(
            {
                "prev_count": g.size(),
                "prev_refuse_rate": g["refused"].mean(),
                "previous_application_NAME_CONTRACT_STATUS_Approved_count_norm": g[
                    "approved"
                ].mean(),
                "previous_application_CODE_REJECT_REASON_XAP_count_norm": g["xap"].mean(),
                "PREVIOUS_LOAN_RATE_MEAN": g["rate"].mean(),
                "prev_AMT_CREDIT_mean": g["AMT_CREDIT"].mean(),
                "prev_DAYS_DECISION_max": g["DAYS_DECISION"].max(),
            }
        )
    )
    g = pos.groupby("SK_ID_CURR")
    out.append(
        pd.DataFrame(
            {
                "POS_SK_DPD_mean": g["SK_DPD"].mean(),
                "POS_SK_DPD_DEF_max": g["SK_DPD_DEF"].max(),
                "POS_count": g.size(),
            }
        )
    )
    g = inst.assign(
        late=(inst["DAYS_ENTRY_PAYMENT"] > inst["DAYS_INSTALMENT"]) * 1.0,
        under=(inst["AMT_PAYMENT"] < inst["AMT_INSTALMENT"]) * 1.0,
        dpd=(inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]).clip(lower=0),
    ).groupby("SK_ID_CURR")
    out.append(
        pd.DataFrame(
            {
                "INSTALLMENTS_LATE_SUM_SUM": g["late"].sum(),
                "INSTALLMENTS_UNDER_SUM_SUM": g["under"].sum(),
                "inst_late_rate": g["late"].mean(),
                "inst_DPD_mean": g["dpd"].mean(),
            }
        )
    )
    g = cc.assign(
        util=cc["AMT_BALANCE"] / cc["AMT_CREDIT_LIMIT_ACTUAL"].replace(0, np.nan)
    ).groupby("SK_ID_CURR")
    out.append(
        pd.DataFrame(
            {
                "credit_card_balance_CNT_DRAWINGS_ATM_CURRENT_mean": g[
                    "CNT_DRAWINGS_ATM_CURRENT"
                ].mean(),
                "credit_card_balance_CNT_DRAWINGS_CURRENT_max": g["CNT_DRAWINGS_CURRENT"].max(),
                "credit_card_balance_AMT_BALANCE_mean": g["AMT_BALANCE"].mean(),
                "CC_MONTHS_BALANCE_MEAN": g["MONTHS_BALANCE"].mean(),
                "cc_utilisation_mean": g["util"].mean(),
                "cc_SK_DPD_mean": g["SK_DPD"].mean(),
            }
        )
    )
    return pd.concat(out, axis=1)


def published_correlations() -> dict[str, float]:
    """The named aggregates' public Pearson correlations with TARGET (no fill)."""
    rel = hs.load()["target_relations"]
    merged = rel["all_tables_merged_top_correlations"]
    manual = rel["koehrsen_manual_domain_features"]["values"]
    out = {**merged["positive"], **merged["negative"]}
    out.update(rel["koehrsen_part1_bureau_numeric_aggregates"]["values"])
    names = {
        "PREVIOUS_LOAN_RATE_MEAN (mean AMT_ANNUITY/AMT_CREDIT over previous applications)": (
            "PREVIOUS_LOAN_RATE_MEAN"
        ),
        "PREVIOUS_OTHER_PAST_DUE_SUM_SUM (months with STATUS 1-5, summed)": (
            "PREVIOUS_OTHER_PAST_DUE_SUM_SUM"
        ),
        "INSTALLMENTS_LATE_SUM_SUM (count DAYS_ENTRY_PAYMENT > DAYS_INSTALMENT)": (
            "INSTALLMENTS_LATE_SUM_SUM"
        ),
        "INSTALLMENTS_UNDER_SUM_SUM (count AMT_PAYMENT < AMT_INSTALMENT)": (
            "INSTALLMENTS_UNDER_SUM_SUM"
        ),
    }
    out.update({short: manual[long]["corr"] for long, short in names.items()})
    return out


def correlation_table(train: pd.DataFrame, agg: pd.DataFrame) -> pd.DataFrame:
    merged = train[["SK_ID_CURR", "TARGET"]].join(agg, on="SK_ID_CURR")
    rows = []
    for name, public in published_correlations().items():
        if name in merged:
            got = merged[name].corr(merged["TARGET"])
            ratio = got / public if public else np.nan
            rows.append((name, round(got, 4), public, round(ratio, 2)))
    return pd.DataFrame(rows, columns=["aggregate", "twin", "public", "ratio"])


def default_rate_bins(train: pd.DataFrame, agg: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Default rate by share of refused applications and of late instalments (OUHAI bins)."""
    m = train[["SK_ID_CURR", "TARGET"]].join(agg, on="SK_ID_CURR")
    out = {}
    for col, edges, labels in (
        (
            "prev_refuse_rate",
            [-1, 0, 0.25, 0.5, 0.75, 1],
            ["0%", "(0,25%]", "(25,50%]", "(50,75%]", "(75,100%]"],
        ),
        ("inst_late_rate", [-1, 0, 0.1, 0.3, 1], ["=0", "<=0.1", "<=0.3", ">0.3"]),
    ):
        bins = pd.cut(m[col], edges, labels=labels)
        rates = m.groupby(bins, observed=False)["TARGET"].mean().round(4).to_dict()
        rates["no_history"] = round(m.loc[m[col].isna(), "TARGET"].mean(), 4)
        out[col] = {str(k): v for k, v in rates.items()}
    return out


def cv_gain(
    train: pd.DataFrame, agg: pd.DataFrame, seed: int = 0, n_jobs: int = 2
) -> dict[str, float]:
    """5-fold CV AUC of plain LightGBM, application-only vs with history, same folds."""
    import lightgbm as lgb
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    y = train["TARGET"]
    app = train.drop(columns=["TARGET", "SK_ID_CURR"])
    full = pd.concat([app, agg.reindex(train["SK_ID_CURR"]).reset_index(drop=True)], axis=1)
    cv = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    out = {}
    for label, x in (("application", app), ("with_history", full)):
        model = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, verbose=-1, n_jobs=n_jobs)
        t = time.perf_counter()
        auc = cross_val_score(model, x, y, cv=cv, scoring="roc_auc")
        out[label] = float(auc.mean())
        out[f"{label}_std"] = float(auc.std())
        out[f"{label}_seconds"] = round(time.perf_counter() - t, 1)
    out["gain"] = out["with_history"] - out["application"]
    return out


def load_or_generate(args) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    if args.data:
        from credit_training.data import load_application

        train = load_application(args.data, "train")
        tables = {t: pd.read_csv(Path(args.data) / f"{t}.csv") for t in hs.TABLES}
        return train, tables
    from credit_training.twin.generate import applicants, generate_twin
    from credit_training.twin.history import build_history

    twin = generate_twin(args.train_rows, args.test_rows, args.seed)
    tables = build_history(applicants(twin, args.seed), args.seed)
    frames = {t: pd.DataFrame(c) for t, c in tables.items()}
    train = twin.train
    return train, frames


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="a twin (or real Kaggle) folder; default: generate in memory")
    p.add_argument("--train-rows", type=int, default=307_511)
    p.add_argument("--test-rows", type=int, default=48_744)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--no-cv", action="store_true", help="correlations only")
    p.add_argument("--jobs", type=int, default=2, help="LightGBM threads (1 on a loaded machine)")
    args = p.parse_args()
    train, tables = load_or_generate(args)
    agg = aggregates(tables)
    result = {
        "rows": len(train),
        "correlations": correlation_table(train, agg).to_dict(orient="records"),
        "default_rate_bins": default_rate_bins(train, agg),
    }
    if not args.no_cv:
        result["cv_auc"] = cv_gain(train, agg, n_jobs=args.jobs)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
