"""MLflow plumbing: tracking defaults, the registered model, its aliases and artifacts."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import mlflow
import yaml
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from credit_core.contracts import ModelCard, read_card

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


# MLflow 3's UI opens an experiment by this tag's value; without it, it may infer GenAI mode
# (traces, token usage). Values from the UI's own list (mlflow/server/js, ExperimentKind).
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"
SCHEMES = ("sqlite", "file", "http", "https", "postgresql", "mysql", "mssql", "databricks")
PROBE_SECONDS = 5.0  # a tracking server that does not answer /health within this is unreachable


class TrackingError(ValueError):
    """A tracking URI the product cannot use (scheme, unwritable store, unreachable server)."""


def check_tracking_uri(tracking_uri: str, timeout: float = PROBE_SECONDS) -> None:
    """Fail fast, before any training, on a store MLflow would only refuse later: an unsupported
    scheme, a SQLite file that cannot be created or written, a server that does not answer
    ``/health`` within ``timeout`` seconds (MLflow itself retries for minutes).

    Raises TrackingError with a one-line message."""
    from urllib.parse import urlparse

    scheme = urlparse(tracking_uri).scheme
    if scheme not in SCHEMES:
        raise TrackingError(
            f"unsupported tracking URI {tracking_uri!r}: the scheme must be one of "
            f"{', '.join(SCHEMES)}"
        )
    if scheme == "sqlite":
        _check_sqlite(tracking_uri)
    elif scheme in ("http", "https"):
        _check_server(tracking_uri, timeout)


def _check_sqlite(tracking_uri: str) -> None:
    import sqlite3

    path = Path(tracking_uri.removeprefix("sqlite:///"))
    if tracking_uri == "sqlite://" or not tracking_uri.startswith("sqlite:///"):
        raise TrackingError(f"tracking URI {tracking_uri!r}: expected sqlite:///path/to/file.db")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path, timeout=5) as db:  # creates the file as MLflow would
            db.execute("BEGIN IMMEDIATE")  # takes the write lock: fails on a read-only store
            db.rollback()
        db.close()
    except (OSError, sqlite3.Error) as exc:
        raise TrackingError(f"cannot write the MLflow store {path}: {exc}") from exc


def _check_server(tracking_uri: str, timeout: float) -> None:
    import urllib.error
    import urllib.request

    url = tracking_uri.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            pass
    except urllib.error.HTTPError:
        return  # it answered: a server, whatever it thinks of /health
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TrackingError(
            f"tracking server {tracking_uri} unreachable within {timeout:g} s: {reason}"
        ) from exc


def setup(tracking_uri: str, experiment: str, data_dir: Path) -> str:
    """Point MLflow at the store and return the experiment id (created with a local artifact root
    when the store is a local file), tagged as model training for MLflow 3's UI."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is not None:
        if found.tags.get(EXPERIMENT_KIND_TAG) != EXPERIMENT_KIND:
            client.set_experiment_tag(found.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
        return found.experiment_id
    location = None
    if tracking_uri.startswith("sqlite:") or tracking_uri.startswith("file:"):
        root = (data_dir / "mlflow" / "artifacts").resolve()
        root.mkdir(parents=True, exist_ok=True)
        location = root.as_uri()
    return client.create_experiment(
        experiment, artifact_location=location, tags={EXPERIMENT_KIND_TAG: EXPERIMENT_KIND}
    )


def should_promote(
    new_cost: float,
    champion_cost: float | None,
    force: bool = False,
    fairness_failures: Sequence[str] = (),
) -> bool:
    """The new model becomes champion if forced (``--promote``, a person's decision), else if
    there is none, else if it passes the fairness gate (``fairness.gate``: no attribute's
    disparate impact worse than the champion's beyond the tolerance, whatever the cost) and its
    holdout cost is not worse than the current champion's on the same holdout."""
    if force or champion_cost is None:
        return True
    return not fairness_failures and new_cost <= champion_cost


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    version: str
    run_id: str
    booster: lgb.Booster
    card: ModelCard
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
    card = read_card(Path(card_path).read_bytes())
    booster = lgb.Booster(model_file=str(model_file))
    return RegisteredModel(name, str(version), mv.run_id, booster, card, model_file)
