"""The data and training subcommands of ``credit``: ``twin``, ``validate``, ``train``, ``export``.

Handlers stay thin: they parse arguments, call one library function and report where the
outputs are.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from credit_core.cli import UsageError
from credit_core.contracts import DEFAULT_FN_COST, DEFAULT_FP_COST


def _twin(args: argparse.Namespace) -> int:
    from credit_training.twin.generate import MIN_TRAIN_ROWS, write_twin

    if args.train_rows < MIN_TRAIN_ROWS or args.test_rows < 1:
        raise UsageError(
            f"--train-rows must be at least {MIN_TRAIN_ROWS} (the default model is fitted on "
            "them) and --test-rows at least 1"
        )
    start = time.perf_counter()
    try:
        paths = write_twin(
            Path(args.out), args.train_rows, args.test_rows, args.seed, tables=args.tables
        )
    except OSError as exc:  # the output folder cannot be created or written
        raise UsageError(f"cannot write the twin to {args.out}: {exc}") from exc
    elapsed = time.perf_counter() - start
    print(
        f"twin: {args.train_rows:,} train + {args.test_rows:,} test rows "
        f"(seed {args.seed}) in {elapsed:.1f} s"
    )
    for label, path in paths.items():
        print(f"  {label:22s}{path.resolve()}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from credit_training.data import SchemaError, load_application

    _existing_folder(args.data)
    try:
        for kind in ("train", "test"):
            frame = load_application(Path(args.data), kind)
            print(f"{kind}: {len(frame):,} rows x {frame.shape[1]} columns, schema OK")
    except (SchemaError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from exc
    print(_history_layout(Path(args.data)))
    return 0


def _history_layout(folder: Path) -> str:
    """One line on the folder's history tables; their layout problems are a usage error."""
    from credit_core.history.layout import check_history_folder

    layout = check_history_folder(folder)
    if layout.problems:
        raise UsageError("history: " + "; ".join(layout.problems))
    if layout.absent:
        return "history: no history tables (application only)"
    return f"history: the {len(layout.files)} history tables, Kaggle names and headers OK"


def _train(args: argparse.Namespace) -> int:
    from credit_training.candidates import PROFILES
    from credit_training.cost import CostWeights
    from credit_training.data import SchemaError
    from credit_training.train import TrainConfig, run_training

    try:
        weights = CostWeights(fn=args.fn_cost, fp=args.fp_cost)
    except ValueError as exc:
        raise UsageError(f"--fn-cost/--fp-cost: {exc}") from exc
    _training_table(Path(args.data), args.target_col)
    if Path(args.data).is_dir():
        _history_layout(Path(args.data))  # a wrong history layout: exit 2 before any work
    tracking_uri = _tracking_uri(args)
    cfg = TrainConfig(
        data=Path(args.data),
        profile=PROFILES[args.profile],
        data_dir=Path(args.data_dir),
        tracking_uri=tracking_uri,
        experiment=args.experiment,
        model_name=args.model_name,
        target_col=args.target_col,
        id_col=args.id_col,
        weights=weights,
        promote=args.promote,
        protected_inputs=_protected_inputs(args.protected_inputs),
        history=args.history,
    )
    try:
        summary = run_training(cfg)
    except (SchemaError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from exc
    print(json.dumps(summary, default=str))
    return 0


def _protected_inputs(value: str) -> tuple[str, ...]:
    """``--protected-inputs``: comma-separated field names, or ``none``."""
    if value.strip().lower() == "none":
        return ()
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    if not names:
        raise UsageError("--protected-inputs needs field names, or 'none'")
    return names


def _export(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from credit_core import storage
    from credit_training import registry
    from credit_training.export import export_bundle

    try:
        storage.check_uri(args.to)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    registry.setup(_tracking_uri(args), registry.EXPERIMENT, Path(args.data_dir))
    try:
        result = export_bundle(args.to, args.model_name, args.alias, args.version)
    except LookupError as exc:  # no champion, no such version
        raise UsageError(str(exc)) from exc
    except (OSError, BotoCoreError, ClientError) as exc:  # destination not writable
        raise UsageError(f"cannot write the bundle to {args.to}: {exc}") from exc
    print(f"exported {args.model_name} v{result['version']} to {args.to}")
    print(json.dumps(result))
    return 0


def _tracking_uri(args: argparse.Namespace) -> str:
    """The MLflow store to use, checked before any work (scheme, writable, reachable)."""
    from credit_training import registry

    uri = registry.tracking_uri_from(args.tracking_uri, Path(args.data_dir))
    try:
        registry.check_tracking_uri(uri)
    except registry.TrackingError as exc:
        raise UsageError(str(exc)) from exc
    return uri


def _model_card(args: argparse.Namespace) -> int:
    import sys

    from credit_core import bundle, contracts, storage
    from credit_training.model_card import render

    try:
        version = args.version or bundle.current_version(args.bundle)
        raw = storage.read_bytes(
            storage.join(args.bundle, bundle.check_version(version), bundle.CARD)
        )
        card = contracts.to_builtins(contracts.read_card(raw))  # checked, upgraded if older
        text = render(card)
    except (bundle.BundleError, contracts.ContractError, OSError, ValueError, KeyError) as exc:
        raise UsageError(f"no readable model card in {args.bundle}: {exc}") from exc
    out = Path(args.out)
    if args.check:
        if not out.is_file() or out.read_text("utf-8") != text:
            print(
                f"{out} is not the card of {args.bundle} v{version}: regenerate it", file=sys.stderr
            )
            return 1
        print(f"{out} is up to date with {args.bundle} v{version}")
        return 0
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, "utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc}") from exc
    print(f"model card of {card['model_name']} v{version} written to {out}")
    return 0


def _existing_folder(path: str) -> None:
    if not Path(path).is_dir():
        raise UsageError(f"no data folder {path}: run `credit twin --out {path}` first")


def _training_table(path: Path, target_col: str) -> None:
    """A folder of Home Credit files (checked on load) or a CSV with the target column."""
    from credit_core.schema import application_schema

    if path.is_dir():
        target = application_schema().target_column
        if target_col != target:
            raise UsageError(
                f"--target-col {target_col!r}: the target of the Home Credit files in {path} "
                f"is {target!r} (another target needs a CSV file as --data)"
            )
        return
    if not path.is_file():
        raise UsageError(f"no data folder or CSV file {path}: run `credit twin --out {path}` first")
    import pandas as pd

    try:
        header = pd.read_csv(path, nrows=0).columns
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' parser errors are ValueErrors
        raise UsageError(f"{path} is not a readable CSV file: {exc}") from exc
    if target_col not in header:
        raise UsageError(f"{path} has no target column {target_col!r}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the data and training subcommands to the ``credit`` dispatcher."""

    twin = sub.add_parser(
        "twin", help="generate the Home Credit data twin (CSV, test labels, drift manifest)"
    )
    twin.add_argument("--out", required=True, help="output directory")
    twin.add_argument("--train-rows", type=int, default=307_511)
    twin.add_argument("--test-rows", type=int, default=48_744)
    twin.add_argument("--seed", type=int, default=42)
    twin.add_argument(
        "--tables",
        choices=("all", "application"),
        default="all",
        help="all: application files and the six history tables (default); application: only "
        "application_train/test, labels and manifest",
    )
    twin.set_defaults(func=_twin)

    validate = sub.add_parser("validate", help="check application_train/test.csv in a directory")
    validate.add_argument("--data", required=True, help="directory holding the two CSV files")
    validate.set_defaults(func=_validate)

    train = sub.add_parser("train", help="select, calibrate, explain and register a model")
    train.add_argument(
        "--data", required=True, help="directory with application_train.csv, or a CSV"
    )
    train.add_argument("--profile", choices=("smoke", "fast", "full"), default="fast")
    _mlflow_args(train)
    train.add_argument("--experiment", default="credit-scoring")
    train.add_argument("--target-col", default="TARGET")
    train.add_argument("--id-col", default="SK_ID_CURR")
    train.add_argument(
        "--fn-cost", type=float, default=DEFAULT_FN_COST, help="cost of a missed defaulter"
    )
    train.add_argument(
        "--fp-cost", type=float, default=DEFAULT_FP_COST, help="cost of a refused good client"
    )
    train.add_argument("--promote", action="store_true", help="make the new model champion")
    train.add_argument(
        "--protected-inputs",
        default="CODE_GENDER",
        help="comma-separated fields the model must not take as inputs, still measured for "
        "fairness (default CODE_GENDER); 'none' lets the model use every field",
    )
    train.add_argument(
        "--history",
        choices=("auto", "off"),
        default="auto",
        help="auto: use the six history tables when the data folder holds them (default); "
        "off: application features only",
    )
    train.set_defaults(func=_train)

    export = sub.add_parser("export", help="export a registered model as a versioned bundle")
    export.add_argument("--to", required=True, help="local folder or s3://bucket/prefix")
    export.add_argument("--alias", default="champion")
    export.add_argument("--version", default=None, help="a registry version (instead of --alias)")
    _mlflow_args(export)
    export.set_defaults(func=_export)

    _register_model_card(sub)


def _register_model_card(sub: argparse._SubParsersAction) -> None:
    card = sub.add_parser(
        "model-card", help="render a bundle's model card as markdown (docs/model_card.md)"
    )
    card.add_argument("--bundle", required=True, help="bundle root: folder or s3://bucket/prefix")
    card.add_argument("--version", default=None, help="a bundle version (default: current)")
    card.add_argument("--out", default="docs/model_card.md")
    card.add_argument(
        "--check", action="store_true", help="exit 1 if --out differs from the rendering"
    )
    card.set_defaults(func=_model_card)


def _mlflow_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tracking-uri", default=None, help="MLflow store (default: local SQLite)")
    p.add_argument("--data-dir", default="data", help="where the local MLflow store lives")
    p.add_argument("--model-name", default="credit-scoring")
