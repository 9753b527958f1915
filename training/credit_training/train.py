"""`credit train`: select, calibrate, explain, register. One function per step, one run per call.

Data: a directory with application_train.csv (schema-checked Home Credit loader) or any CSV with
a binary target. A stratified holdout is set aside first and used for nothing but the final
report and the champion comparison.

History: when the directory also holds the six Kaggle history tables (layout checked first),
every applicant gets the client-history features of :mod:`credit_core.history` (one query,
joined by ``SK_ID_CURR``; a client without records gets the no-history values) and the model is
selected on application + history features. The final configuration is then fitted a second
time on the application features alone, and both are reported side by side on the same holdout
(MLflow and the card): what the history adds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import lightgbm as lgb
import mlflow
import msgspec
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.model_selection import train_test_split

from credit_core import contracts
from credit_core.features import DERIVED, FeatureSpec
from credit_core.groups import ATTRIBUTES, PROTECTED_INPUTS, assign_groups
from credit_core.model import ScoringModel
from credit_training import candidates, fairness, registry
from credit_training.contract import build_contract, required_fields
from credit_training.cost import CostWeights, business_cost, cost_curve
from credit_training.data import load_application
from credit_training.explain import (
    global_importance,
    save_plots,
    save_threshold_curve,
    shap_values,
)
from credit_training.featurize import feature_matrix, spec_for_frame
from credit_training.final_fit import calibration_method, fit_final
from credit_training.history import HistoryData, load_history
from credit_training.metrics import evaluate
from credit_training.selection import (
    CandidateResult,
    champion_of,
    compare,
    stage_two,
    stage_two_rows,
)


@dataclass(frozen=True)
class TrainConfig:
    data: Path
    profile: candidates.Profile
    data_dir: Path = Path("data")
    tracking_uri: str | None = None
    experiment: str = registry.EXPERIMENT
    model_name: str = registry.MODEL_NAME
    target_col: str = "TARGET"
    id_col: str = "SK_ID_CURR"
    weights: CostWeights = field(default_factory=CostWeights)
    promote: bool = False
    # the protected-input policy: fields the model must not take (still measured for fairness)
    protected_inputs: tuple[str, ...] = PROTECTED_INPUTS
    fairness_tolerance: float = fairness.GATE_TOLERANCE
    history: Literal["auto", "off"] = "auto"  # off: ignore history tables (application only)


def load_table(path: Path, target_col: str, id_col: str) -> pd.DataFrame:
    """Home Credit files through the schema-checked loader, any other CSV as it comes."""
    if path.is_dir():
        return load_application(path, "train")
    df = pd.read_csv(path)
    if target_col not in df:
        raise ValueError(f"{path}: no target column {target_col!r}")
    if not df[target_col].dropna().isin([0, 1]).all() or df[target_col].isna().any():
        raise ValueError(f"{path}: target column {target_col!r} must be 0/1 without gaps")
    for name in df.columns:
        if df[name].dtype == object:
            df[name] = df[name].astype("category")
    return df


def twin_manifest(data: Path) -> dict[str, Any] | None:
    """The data twin's generator and seed when ``data`` is a folder the twin wrote (None for
    real or other data)."""
    from credit_training.twin.generate import MANIFEST_FILE

    path = data / MANIFEST_FILE if data.is_dir() else None
    if path is None or not path.is_file():
        return None
    meta = json.loads(path.read_text("utf-8"))
    if meta.get("generator") != "credit_training.twin":
        return None
    return {k: meta.get(k) for k in ("generator", "seed", "train_rows", "test_rows")}


def fingerprint(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy()).hexdigest()


logger = logging.getLogger("credit.train")
# the parent run's table of every configuration stage 2 weighed (``selection.stage_two_rows``)
STAGE_TWO_TABLE = "stage2_grid.json"


def _log(msg: str) -> None:
    logger.info(msg)


def _comparison_table(results: list[CandidateResult]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in asdict(r).items() if k != "grid"} | {"grid_points": len(r.grid)}
        for r in results
    ]


def _reference_sample(
    df: pd.DataFrame, x: np.ndarray, model: ScoringModel, target: str, rows: int, seed: int
) -> pd.DataFrame:
    """Stratified raw training rows with their calibrated scores (the drift reference); only the
    sampled rows are scored."""
    rows = min(rows, len(df))
    if rows < len(df):
        idx, _ = train_test_split(
            np.arange(len(df)), train_size=rows, stratify=df[target], random_state=seed
        )
        idx = np.sort(idx)
    else:
        idx = np.arange(len(df))
    return df.iloc[idx].assign(score=model.probability(x[idx]))


def holdout_groups(holdout: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each holdout row's group per sensitive attribute whose column the table has."""
    present = {a.column for a in ATTRIBUTES} & set(holdout.columns)
    return assign_groups({c: holdout[c].astype(object).to_numpy() for c in present})


def age_effect(importance: list[dict[str, Any]], spec: FeatureSpec) -> list[dict[str, Any]]:
    """The features built on DAYS_BIRTH (age itself and ratios using it): rank and share of the
    model's mean |SHAP| importance."""
    total = sum(float(r["mean_abs_shap"]) for r in importance) or 1.0
    uses_age = {"DAYS_BIRTH"} | {n for n in spec.derived if "DAYS_BIRTH" in DERIVED[n].inputs}
    return [
        {
            "feature": r["feature"],
            "rank": int(r["rank"]),
            "share_of_importance": float(r["mean_abs_shap"]) / total,
        }
        for r in importance
        if r["feature"] in uses_age
    ]


@dataclass(frozen=True)
class ChampionOnHoldout:
    cost: float
    fairness: dict[str, Any]


def _champion_on(
    holdout: pd.DataFrame,
    y: np.ndarray,
    groups: dict[str, np.ndarray],
    cfg: TrainConfig,
    history: pd.DataFrame | None,
) -> ChampionOnHoldout | None:
    """The current champion's holdout cost and fairness on this very holdout (None if none or
    unusable: other inputs, or history features this run cannot compute with the same
    definitions)."""
    client = MlflowClient()
    version = registry.alias_version(client, cfg.model_name, registry.CHAMPION)
    if version is None:
        return None
    current = registry.load_registered(cfg.model_name, version)
    card = current.card
    spec = FeatureSpec.from_dict(card.features.spec_dict())
    if not set(spec.raw_inputs) <= set(holdout.columns):
        return None
    if spec.history and (history is None or spec.history_digest != HistoryData.digest_now()):
        return None
    model = ScoringModel(
        current.booster, spec, card.threshold, card.calibration.a, card.calibration.b
    )
    p = model.probability(feature_matrix(spec, holdout, history))
    return ChampionOnHoldout(
        business_cost(y, p, model.threshold, card.cost_weights),
        fairness.fairness_report(y, p, model.threshold, groups),
    )


def run_training(cfg: TrainConfig) -> dict[str, Any]:
    start = time.perf_counter()
    profile, w = cfg.profile, cfg.weights
    df = load_table(cfg.data, cfg.target_col, cfg.id_col)
    history = load_history(cfg.data, df, cfg.id_col, enabled=cfg.history == "auto")
    _log(history.note)
    train_df, hold_df = train_test_split(
        df, test_size=profile.holdout, stratify=df[cfg.target_col], random_state=profile.seed
    )
    hist_train, hist_hold = history.rows(train_df.index), history.rows(hold_df.index)
    data_fp = fingerprint(df)
    if history.frame is not None:  # the history features the model learns from are data too
        data_fp = hashlib.sha256((data_fp + fingerprint(history.frame)).encode()).hexdigest()
    exclude = (cfg.target_col, cfg.id_col, *cfg.protected_inputs)
    spec = history.spec(spec_for_frame(train_df, exclude))
    x, y = (
        feature_matrix(spec, train_df, hist_train),
        train_df[cfg.target_col].to_numpy().astype(int),
    )
    x_hold = feature_matrix(spec, hold_df, hist_hold)
    y_hold = hold_df[cfg.target_col].to_numpy().astype(int)
    categorical = spec.categorical_indices
    _log(
        f"data: {len(df):,} rows ({y.mean():.2%} positive); training part {len(train_df):,}, "
        f"holdout {len(hold_df):,}; {len(spec.names)} features "
        f"({len(spec.derived)} derived, {len(spec.history)} history); profile {profile.name}, "
        f"{profile.folds}-fold CV"
    )

    tracking_uri = cfg.tracking_uri or registry.default_tracking_uri(cfg.data_dir)
    experiment_id = registry.setup(tracking_uri, cfg.experiment, cfg.data_dir)
    mlflow.set_experiment(experiment_id=experiment_id)  # nested runs follow the active experiment
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"train-{profile.name}") as parent:
        mlflow.log_params(
            {
                "profile": profile.name,
                "stage1_rows": profile.stage1_rows,
                "folds": profile.folds,
                "rows": len(df),
                "holdout_rows": len(hold_df),
                "fn_cost": w.fn,
                "fp_cost": w.fp,
                "data": str(cfg.data),
                "data_fingerprint": data_fp,
                "n_features": len(spec.names),
                "protected_inputs": ",".join(cfg.protected_inputs) or "none",
                "history": history.status,
                "n_history_features": len(spec.history),
                "history_digest": spec.history_digest or "",
            }
        )
        _log("stage 1: candidates x imbalance strategies")
        results = compare(x, y, categorical, profile, w, log=_log)
        for r in results:
            with mlflow.start_run(run_name=f"{r.candidate}/{r.strategy}", nested=True):
                mlflow.set_tags({"candidate": r.candidate, "strategy": r.strategy, "stage": "1"})
                mlflow.log_params({k: str(v) for k, v in r.best_params.items()})
                mlflow.log_metrics(
                    {
                        "cv_roc_auc": r.cv_auc,
                        "cv_roc_auc_std": r.cv_auc_std,
                        "cv_business_cost": r.cv_cost,
                        "cv_business_cost_std": r.cv_cost_std,
                        "seconds": r.seconds,
                    }
                )
                mlflow.log_dict({"grid": r.grid}, "grid_results.json")
        table = _comparison_table(results)
        mlflow.log_dict({"comparison": table}, "comparison.json")

        searched = stage_two(results, x, y, categorical, profile, w, log=_log)
        tuned = champion_of(results, searched, log=_log)
        mlflow.log_table(pd.DataFrame(stage_two_rows(results, searched, tuned)), STAGE_TWO_TABLE)

        summary = _fit_and_register(
            cfg,
            spec,
            train_df,
            hold_df,
            x,
            y,
            x_hold,
            y_hold,
            tuned.strategy,
            tuned,
            table,
            data_fp,
            history,
            hist_train,
            hist_hold,
        )
        mlflow.log_metrics({f"holdout_{k}": v for k, v in summary["holdout"].items()})
        mlflow.log_metrics(fairness.metrics_for_mlflow(summary["fairness"]["report"]))
        mlflow.set_tag("registered_version", summary["registered_version"])
        summary.update(
            parent_run_id=parent.info.run_id, seconds=round(time.perf_counter() - start, 1)
        )
    return summary


def _fit_and_register(
    cfg: TrainConfig,
    spec: FeatureSpec,
    train_df: pd.DataFrame,
    hold_df: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    x_hold: np.ndarray,
    y_hold: np.ndarray,
    strategy: str,
    tuned: CandidateResult,
    table: list[dict[str, Any]],
    data_fp: str,
    history: HistoryData,
    hist_train: pd.DataFrame | None,
    hist_hold: pd.DataFrame | None,
) -> dict[str, Any]:
    profile, w = cfg.profile, cfg.weights
    categorical = spec.categorical_indices
    method = calibration_method(profile.folds)
    final = fit_final(
        strategy,
        tuned.best_params,
        x,
        y,
        categorical,
        profile,
        w,
        method,
        size_trees=not tuned.trees_sized,
    )
    threshold, oof_cost, oof_cal, platt = (
        final.threshold,
        final.oof_cost,
        final.oof_calibrated,
        final.platt,
    )
    _log(
        f"threshold on calibrated OOF: {threshold:.4f}, OOF cost {oof_cost:.4f}; final model on "
        f"{final.fit_rows:,} rows, {final.method} a={platt.a:.3f} b={platt.b:.3f} "
        f"({final.calibration_rows:,} calibration rows)"
    )
    booster = final.booster
    scoring = ScoringModel(booster, spec, threshold, platt.a, platt.b)
    p_hold = scoring.probability(x_hold)
    holdout = evaluate(y_hold, p_hold, threshold, w)
    uncalibrated = evaluate(y_hold, booster.predict(x_hold), threshold, w)
    _log(
        "holdout: AUC {roc_auc:.4f} accuracy {accuracy:.4f} cost {business_cost:.4f} "
        "(at 0.5: {business_cost_at_0_5:.4f}) ECE {ece:.4f} (uncalibrated ECE "
        f"{uncalibrated['ece']:.4f})".format(**holdout)
    )

    groups = holdout_groups(hold_df)
    fair = fairness.fairness_report(y_hold, p_hold, threshold, groups)
    if fair["worst_attribute"]:
        _log(
            f"fairness: worst disparate impact {fair['worst_ratio']:.3f} "
            f"({fair['worst_attribute']}); inputs left out: "
            f"{', '.join(cfg.protected_inputs) or 'none'}"
        )

    comparison = None
    if spec.history:  # the same configuration on the application features alone
        comparison = _application_only(
            strategy, tuned.best_params, x, y, x_hold, y_hold, spec, profile, w, holdout
        )
        gain = comparison["with_history"]["roc_auc"] - comparison["application_only"]["roc_auc"]
        _log(
            f"application only, same configuration: holdout AUC "
            f"{comparison['application_only']['roc_auc']:.4f} cost "
            f"{comparison['application_only']['business_cost']:.4f} ECE "
            f"{comparison['application_only']['ece']:.4f}; with history: AUC gain {gain:+.4f}"
        )

    rng = np.random.default_rng(profile.seed)
    sample = x[rng.choice(len(x), size=min(profile.shap_rows, len(x)), replace=False)]
    values, _ = shap_values(booster, sample)
    importance = global_importance(values, spec.names)
    required = required_fields(train_df, spec, importance)
    reference = _reference_sample(
        train_df if hist_train is None else train_df.join(hist_train),
        x,
        scoring,
        cfg.target_col,
        profile.reference_rows,
        profile.seed,
    )
    champion = _champion_on(hold_df, y_hold, groups, cfg, hist_hold)
    failures = fairness.gate(fair, champion and champion.fairness, cfg.fairness_tolerance)
    fairness_section = {
        "policy": {
            "protected_inputs": [c for c in cfg.protected_inputs if c in train_df],
            "measured_attributes": {a.name: a.column for a in ATTRIBUTES if a.column in hold_df},
            "age": "input" if "DAYS_BIRTH" in spec.raw_inputs else "absent",
        },
        "age_effect": age_effect(importance, spec),
        "evaluated_on": "holdout",
        "report": fair,
        "gate": {
            "tolerance": cfg.fairness_tolerance,
            "champion_worst_ratio": champion and champion.fairness["worst_ratio"],
            "failures": failures,
        },
    }
    history_card = history.card(importance, comparison)
    card = contracts.ModelCard(
        model_name=cfg.model_name,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data=contracts.DataSource(
            source=str(cfg.data),
            fingerprint=data_fp,
            rows=len(train_df) + len(hold_df),
            target_col=cfg.target_col,
            id_col=cfg.id_col,
            synthetic_twin=msgspec.convert(twin_manifest(cfg.data), contracts.SyntheticTwin | None),
        ),
        contract=msgspec.convert(
            build_contract(train_df, spec, required, cfg.protected_inputs),
            contracts.FeatureContract,
        ),
        features=msgspec.convert(spec.to_dict() | {"names": spec.names}, contracts.FeatureList),
        history=history_card,
        threshold=threshold,
        cost_weights=w,
        calibration=contracts.Calibration(
            method=final.method,
            a=platt.a,
            b=platt.b,
            fit_rows=final.fit_rows,
            calibration_rows=final.calibration_rows,
        ),
        strategy=strategy,
        params=dict(final.params),
        metrics=contracts.Metrics(
            holdout=contracts.HoldoutMetrics(**holdout),
            holdout_uncalibrated=contracts.HoldoutMetrics(**uncalibrated),
            cv=contracts.CvMetrics(
                roc_auc=tuned.cv_auc, business_cost=tuned.cv_cost, oof_business_cost=oof_cost
            ),
        ),
        comparison=table,
        fairness=msgspec.convert(fairness_section, contracts.Fairness),
        library_versions={
            "python": platform.python_version(),
            "lightgbm": lgb.__version__,
            "numpy": np.__version__,
            "mlflow": mlflow.__version__,
        },
    )

    champion_cost = champion and champion.cost
    if comparison is not None:
        _log_comparison(comparison, strategy, tuned.best_params)
    with mlflow.start_run(run_name="champion-candidate", nested=True) as run:
        mlflow.set_tags(
            {
                "candidate": candidates.SERVABLE,
                "strategy": strategy,
                "stage": "2",
                "calibration_method": final.method,
                "features": "application+history" if spec.history else "application",
            }
        )
        mlflow.log_params({k: str(v) for k, v in tuned.best_params.items()})
        mlflow.log_metrics({f"holdout_{k}": v for k, v in holdout.items()})
        mlflow.log_metrics(fairness.metrics_for_mlflow(fair))
        mlflow.log_metrics(
            {
                "threshold": threshold,
                "oof_business_cost": oof_cost,
                "calibration_a": platt.a,
                "calibration_b": platt.b,
                "calibration_rows": final.calibration_rows,
                "cv_roc_auc": tuned.cv_auc,
                "cv_business_cost": tuned.cv_cost,
            }
        )
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            thresholds, costs = cost_curve(y, oof_cal, w)
            mlflow.log_artifact(
                str(save_threshold_curve(thresholds, costs, threshold, out)), "plots"
            )
            for path in save_plots(values, sample, spec.names, out):
                mlflow.log_artifact(str(path), "plots")
            (out / "bundle").mkdir()
            (out / "bundle" / "importance.json").write_text(json.dumps(importance, indent=1))
            if comparison is not None:
                mlflow.log_dict(comparison, "history_comparison.json")
            reference.to_csv(out / "bundle" / "reference_sample.csv.gz", index=False)
            card = msgspec.structs.replace(card, run_id=run.info.run_id)
            (out / "bundle" / "model_card.json").write_bytes(contracts.encode_pretty(card))
            mlflow.log_artifacts(str(out / "bundle"), "bundle")
            (out / "fairness").mkdir()
            (out / "fairness" / "fairness.md").write_text(
                "# Fairness on the holdout\n\n" + fairness.to_markdown(fair)
            )
            (out / "fairness" / "fairness.html").write_text(
                fairness.to_html(fair, "Fairness on the holdout")
            )
            mlflow.log_artifacts(str(out / "fairness"), "fairness")
        info = mlflow.lightgbm.log_model(
            booster,
            name="model",
            registered_model_name=cfg.model_name,
            pip_requirements=[f"lightgbm=={lgb.__version__}"],  # skips slow env inference
        )
        version = str(info.registered_model_version)

    client = MlflowClient()
    client.set_registered_model_alias(cfg.model_name, registry.CHALLENGER, version)
    promoted = registry.should_promote(
        holdout["business_cost"], champion_cost, cfg.promote, failures
    )
    for reason in failures:
        _log(f"fairness gate: {reason}")
    if promoted:
        client.set_registered_model_alias(cfg.model_name, registry.CHAMPION, version)
    aliases = [registry.CHALLENGER] + ([registry.CHAMPION] if promoted else [])
    _log(
        f"registered {cfg.model_name} v{version} as {', '.join(aliases)}"
        + ("" if champion_cost is None else f" (champion holdout cost {champion_cost:.4f})")
    )
    return {
        "run_id": run.info.run_id,
        "model_name": cfg.model_name,
        "registered_version": version,
        "aliases": aliases,
        "champion_holdout_cost_before": champion_cost,
        "strategy": strategy,
        "params": {k: str(v) for k, v in tuned.best_params.items()},
        "threshold": threshold,
        "cv": {"roc_auc": tuned.cv_auc, "business_cost": tuned.cv_cost},
        "holdout": holdout,
        "comparison": table,
        "fairness": fairness_section,
        "history": history_card,
    }


def _application_only(
    strategy: str,
    params: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    x_hold: np.ndarray,
    y_hold: np.ndarray,
    spec: FeatureSpec,
    profile: candidates.Profile,
    w: CostWeights,
    with_history: dict[str, float],
) -> dict[str, dict[str, float]]:
    """The champion's configuration fitted and calibrated again on the application features
    alone (the leading columns of the model matrix), both evaluated on the same holdout."""
    k = len(spec.application_names)
    final = fit_final(strategy, params, x[:, :k], y, spec.categorical_indices, profile, w)
    p = final.probability(x_hold[:, :k])
    plain = evaluate(y_hold, p, final.threshold, w) | {"threshold": final.threshold}
    return {"application_only": plain, "with_history": dict(with_history)}


COMPARED = ("roc_auc", "business_cost", "ece", "brier", "refusal_rate")


def _log_comparison(
    comparison: dict[str, dict[str, float]], strategy: str, params: dict[str, Any]
) -> None:
    """Both champions in MLflow, side by side: one nested run each (``features`` tag) and the
    parent run's ``application_only_holdout_*`` and ``history_gain_*`` metrics."""
    plain, rich = comparison["application_only"], comparison["with_history"]
    with mlflow.start_run(run_name="champion-application-only", nested=True):
        mlflow.set_tags(
            {"candidate": candidates.SERVABLE, "strategy": strategy, "features": "application"}
        )
        mlflow.log_params({k: str(v) for k, v in params.items()})
        mlflow.log_metrics({f"holdout_{k}": v for k, v in plain.items()})
    mlflow.log_metrics({f"application_only_holdout_{k}": plain[k] for k in COMPARED})
    mlflow.log_metrics({f"history_gain_{k}": rich[k] - plain[k] for k in COMPARED})
