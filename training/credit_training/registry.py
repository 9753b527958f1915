"""MLflow plumbing: tracking defaults, the registered model, its aliases and artifacts."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import mlflow
import yaml
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

MODEL_NAME = "credit-scoring"
EXPERIMENT = "credit-scoring"
CHAMPION = "champion"
CHALLENGER = "challenger"
CARD_ARTIFACT = "bundle/model_card.json"


def default_tracking_uri(data_dir: Path) -> str:
    """Local SQLite store in the data directory."""
    return f"sqlite:///{(data_dir / 'mlflow' / 'mlflow.db').resolve()}"


def tracking_uri_from(cli_value: str | None, data_dir: Path) -> str:
    """--tracking-uri, else MLFLOW_TRACKING_URI, else the local store (read at the CLI only:
    MLflow itself exports the variable once a URI is set, so libraries must not trust it)."""
    return cli_value or os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri(data_dir)


def setup(tracking_uri: str, experiment: str, data_dir: Path) -> str:
    """Point MLflow at the store and return the experiment id (created with a local artifact root
    when the store is a local file)."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is not None:
        return found.experiment_id
    location = None
    if tracking_uri.startswith("sqlite:") or tracking_uri.startswith("file:"):
        root = (data_dir / "mlflow" / "artifacts").resolve()
        root.mkdir(parents=True, exist_ok=True)
        location = root.as_uri()
    return client.create_experiment(experiment, artifact_location=location)


def should_promote(new_cost: float, champion_cost: float | None, force: bool = False) -> bool:
    """The new model becomes champion if there is none, if forced, or if its holdout cost is not
    worse than the current champion's on the same holdout."""
    return force or champion_cost is None or new_cost <= champion_cost


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    version: str
    run_id: str
    booster: lgb.Booster
    card: dict[str, Any]
    model_file: Path


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def load_registered(name: str, version: str, dst: Path | None = None) -> RegisteredModel:
    """The native booster file and the model card of one registered version."""
    client = MlflowClient()
    mv = client.get_model_version(name, version)
    dst = Path(dst or tempfile.mkdtemp(prefix="credit-model-"))
    model_dir = Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{name}/{version}", dst_path=str(dst / "model")
        )
    )
    flavor = yaml.safe_load((model_dir / "MLmodel").read_text())["flavors"]["lightgbm"]
    model_file = model_dir / flavor["data"]
    card_path = mlflow.artifacts.download_artifacts(
        run_id=mv.run_id, artifact_path=CARD_ARTIFACT, dst_path=str(dst / "card")
    )
    card = json.loads(Path(card_path).read_text("utf-8"))
    booster = lgb.Booster(model_file=str(model_file))
    return RegisteredModel(name, str(version), mv.run_id, booster, card, model_file)
