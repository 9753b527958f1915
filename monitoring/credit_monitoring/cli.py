"""The monitoring subcommands of ``credit``: ``drift`` (study or production job),
``traffic``, ``outcomes`` (realised performance) and ``decisions`` (rebuild a decision from its
record, override rates). Thin: parse, call one library function, report where the outputs are."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from credit_core.cli import UsageError


def _when(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {value!r}") from exc


def _positive(kind: type):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {value!r}")
        return number

    return parse


def _drift(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    if args.production:
        summary = _production(args)
        where = f"{args.out.rstrip('/')}/{summary['report_key']}"
    else:
        summary, where = _study(args)
    elapsed = time.perf_counter() - start
    print(
        f"drift: {summary['status']}, {summary['rows']:,} rows, "
        f"{summary['drifted_columns']} drifted columns (share {summary['drift_share']:.3f}) "
        f"in {elapsed:.1f} s"
    )
    if summary.get("top_drifted"):
        print(f"  {'rank':>4}  {'column':32} {'method':17} {'score':>8} {'importance':>10}")
        for row in summary["top_drifted"][:15]:
            share = row["importance_share"]
            print(
                f"  {row['rank']:>4}  {row['name']:32} {row['method']:17} {row['score']:>8.4f} "
                f"{'-' if share is None else f'{share:.4f}':>10}"
            )
    if summary.get("estimated"):
        method = summary.get("calibration", {}).get("method", "bundle")
        print(f"  estimated without labels: {json.dumps(summary['estimated'])} ({method})")
        if summary.get("untrusted_estimates"):
            names = ", ".join(summary["untrusted_estimates"])
            print(f"  not trusted (the bundle's own calibration, docs/drift.md): {names}")
    if summary.get("actual"):
        print(f"  actual (labels):          {json.dumps(summary['actual'])}")
        print(f"  95% bootstrap interval:   {json.dumps(summary['actual_interval'])}")
    print(f"  report   {where}")
    if not args.production and summary["status"] == "no_data":
        print("credit drift: check failed: the current data has no rows", file=sys.stderr)
    if summary.get("missing_columns"):
        names = ", ".join(summary["missing_columns"])
        print(
            f"credit drift: check failed: missing from the current data: {names}", file=sys.stderr
        )
    if args.production:
        return 0  # a scheduled run without traffic (no_data) is not a failure
    return 0 if summary["status"] == "ok" else 1


def _study(args: argparse.Namespace):
    from credit_core.bundle import BundleError
    from credit_monitoring.study import StudyError, run_study, write_outputs

    if not (args.reference and args.current):
        raise UsageError("the study needs --reference and --current (or use --production)")
    try:
        summary, _, page = run_study(Path(args.reference), Path(args.current), args.bundle)
    except (StudyError, BundleError) as exc:
        raise UsageError(str(exc)) from exc
    paths = write_outputs(args.out, summary, page)
    return summary, paths["report"]


def _production(args: argparse.Namespace):
    from credit_core.bundle import BundleError
    from credit_monitoring.production import JobConfig, run_job

    if not (args.bundle and args.logs):
        raise UsageError("--production needs --bundle and --logs")
    try:
        cfg = JobConfig.window(
            args.bundle, args.logs, args.out, args.since, args.until, args.window_days
        )
        return run_job(cfg)
    except (BundleError, ValueError) as exc:
        raise UsageError(str(exc)) from exc


def _traffic(args: argparse.Namespace) -> int:
    from credit_monitoring.traffic import applications, replay

    path = Path(args.data)
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    try:
        records = applications(path, args.rows)
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' parser errors are ValueErrors
        raise UsageError(f"{path} is not a readable CSV file: {exc}") from exc
    if not records:
        raise UsageError(f"{path} holds no application to send")
    result = replay(args.api, args.key, records, args.rate, args.max_seconds)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items()))
    print(
        f"traffic: {result.sent:,} requests in {result.elapsed:.1f} s, {result.scored:,} scored "
        f"({statuses})" + (" - stopped by --max-seconds" if result.stopped_by_time else "")
    )
    return 0 if result.scored else 1


def _client_ref_key(args: argparse.Namespace) -> bytes:
    """The request log's client_ref key: derived with KMS (as the API does), read from a file,
    or the public development key (the twin, the local demo)."""
    from credit_core import pseudonym

    if args.client_ref_kms_key:
        return pseudonym.kms_derivation(args.client_ref_kms_key)()
    if args.client_ref_key_file:
        try:
            secret = Path(args.client_ref_key_file).read_text("utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--client-ref-key-file: {exc}") from exc
        if not secret:
            raise UsageError(f"--client-ref-key-file: {args.client_ref_key_file} is empty")
        return pseudonym.local_key(secret)
    return pseudonym.DEV_KEY


def _outcomes_ingest(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from credit_core.bundle import BundleError
    from credit_monitoring.outcomes_report import OutcomesError, ingest

    try:
        key = _client_ref_key(args)
        report = ingest(
            args.file,
            args.logs,
            args.out,
            args.reports,
            args.bundle,
            args.since,
            args.until,
            args.resamples,
            args.seed,
            key,
        )
    except (OutcomesError, BundleError) as exc:
        raise UsageError(str(exc)) from exc
    except (BotoCoreError, ClientError) as exc:  # a bucket that does not exist, no credentials
        raise UsageError(f"storage: {exc}") from exc
    j = report["join"]
    print(
        f"outcomes: {j['matched']:,} of {j['outcomes']:,} matched to approved decisions, "
        f"{j['refused_outcomes_dropped']:,} on refused decisions dropped, "
        f"{j['unmatched']:,} unknown; {len(report['cohorts'])} cohort(s)"
    )
    print(f"  {'cohort':8} {'decisions':>9} {'matched':>8} {'realised':>9} {'estimated':>9}")
    for c in report["cohorts"]:
        real = c.get("realised", {}).get("default_rate")
        est = c.get("estimated", {}).get("default_rate")
        print(
            f"  {c['cohort']:8} {c['decisions']:>9,} {c['outcomes_matched']:>8,} "
            f"{'-' if real is None else f'{real:.4f}':>9} {'-' if est is None else f'{est:.4f}':>9}"
        )
    print(f"  report   {args.out.rstrip('/')}/outcomes.md (.json, .html)")
    return 0


def _outcomes_from_labels(args: argparse.Namespace) -> int:
    import pandas as pd

    from credit_monitoring.outcomes import OutcomesError, outcomes_from_labels

    path = Path(args.labels)
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    try:
        labels = pd.read_csv(path)
        table = outcomes_from_labels(labels, args.observed_on.date())
    except (OutcomesError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UsageError(f"{path}: {exc}") from exc
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print(f"outcomes: {len(table):,} rows observed on {args.observed_on.date()} -> {args.out}")
    return 0


def _reconstruct(args: argparse.Namespace) -> int:
    import tempfile

    from credit_monitoring import reconstruct

    try:
        records = reconstruct.records_for(args.request_id, args.records)
        if args.item is not None:
            records = [r for r in records if r.item == args.item]
            if not records:
                raise reconstruct.ReconstructError(
                    f"request {args.request_id} has no item {args.item}"
                )
        with tempfile.TemporaryDirectory(prefix="credit-reconstruct-") as cache:
            rebuilt = []
            for record in records:
                bundle = reconstruct.bundle_for(record, args.bundle, Path(cache))
                rebuilt.append(reconstruct.rebuild(record, bundle))
    except reconstruct.ReconstructError as exc:
        raise UsageError(str(exc)) from exc
    for line in reconstruct.report(rebuilt):
        print(line)
    same = all(r.same for r in rebuilt)
    print("reconstructed: " + ("same probability and decision" if same else "DIFFERENT"))
    return 0 if same else 1


def _overrides(args: argparse.Namespace) -> int:
    from credit_core import decision_store
    from credit_monitoring import overrides

    try:
        reviews = decision_store.all_reviews(decision_store.open_store(args.store))
    except (
        decision_store.DecisionStoreUriError,
        decision_store.DecisionStoreUnavailable,
        decision_store.StoredRecordError,
    ) as exc:
        raise UsageError(str(exc)) from exc
    for line in overrides.report(overrides.override_rates(reviews)):
        print(line)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "drift",
        help="drift study (reference vs current CSV) or the production drift job (--production)",
    )
    p.add_argument("--reference", help="reference CSV (e.g. application_train.csv)")
    p.add_argument("--current", help="current CSV (e.g. application_test.csv)")
    p.add_argument("--out", required=True, help="output folder or s3:// prefix")
    p.add_argument(
        "--bundle", help="model bundle root (importance, estimates; production: required)"
    )
    p.add_argument("--production", action="store_true", help="analyse the API's request log")
    p.add_argument("--logs", help="request-log root (production)")
    p.add_argument("--since", type=_when, help="window start, ISO 8601 (default: until - 7 days)")
    p.add_argument("--until", type=_when, help="window end, ISO 8601 (default: now)")
    p.add_argument("--window-days", type=_positive(float), default=7.0)
    p.set_defaults(func=_drift)

    t = sub.add_parser("traffic", help="replay applications from a CSV against the scoring API")
    t.add_argument("--api", required=True, help="API base URL, e.g. http://127.0.0.1:8000")
    t.add_argument("--key", required=True, help="API key (X-API-Key)")
    t.add_argument("--data", required=True, help="CSV of applications (e.g. application_test.csv)")
    t.add_argument("--rows", type=_positive(int), default=1000, help="at most this many requests")
    t.add_argument("--rate", type=_positive(float), default=20.0, help="requests per second")
    t.add_argument(
        "--max-seconds", type=_positive(float), default=300.0, help="stop after this long"
    )
    t.set_defaults(func=_traffic)

    o = sub.add_parser("outcomes", help="realised performance: observed outcomes vs decisions")
    osub = o.add_subparsers(dest="action", required=True, metavar="ACTION")
    i = osub.add_parser(
        "ingest", help="join outcomes to the request log's decisions; report per monthly cohort"
    )
    i.add_argument(
        "file", help="outcomes CSV: SK_ID_CURR or request_id, defaulted, observation_date"
    )
    i.add_argument("--logs", required=True, help="request-log root (folder or s3:// prefix)")
    i.add_argument("--out", required=True, help="output folder or s3:// prefix")
    i.add_argument("--reports", help="drift job reports root (its estimates per cohort)")
    i.add_argument("--bundle", help="model bundle root (the card's cost weights; default 10/1)")
    i.add_argument("--since", type=_when, help="decisions from, ISO 8601 (default: all)")
    i.add_argument("--until", type=_when, help="decisions before, ISO 8601 (default: all)")
    i.add_argument("--resamples", type=_positive(int), default=1000, help="bootstrap resamples")
    i.add_argument("--seed", type=int, default=0)
    keys = i.add_mutually_exclusive_group()
    keys.add_argument(
        "--client-ref-kms-key",
        help="the stack's ClientIdKeyArn: the log's client references are derived with it "
        "(as the drift role, kms:GenerateMac)",
    )
    keys.add_argument(
        "--client-ref-key-file",
        help="a file holding the API's CLIENT_REF_KEY (default: the public development key)",
    )
    i.set_defaults(func=_outcomes_ingest)
    f = osub.add_parser(
        "from-labels", help="a labels CSV (e.g. the twin's test labels) as an outcomes file"
    )
    f.add_argument("labels", help="CSV with SK_ID_CURR and TARGET (application_test_labels.csv)")
    f.add_argument("--out", required=True, help="outcomes CSV to write")
    f.add_argument(
        "--observed-on",
        type=_when,
        default=datetime.now(UTC),
        help="observation date, ISO 8601 (default: today, UTC)",
    )
    f.set_defaults(func=_outcomes_from_labels)

    d = sub.add_parser("decisions", help="rebuild a decision from its record; override rates")
    dsub = d.add_subparsers(dest="action", required=True, metavar="ACTION")
    r = dsub.add_parser(
        "reconstruct",
        help="rescore a decision from its record alone with the same bundle; exit 1 if it differs",
    )
    r.add_argument("request_id", help="the request id (x-request-id) of the decision")
    r.add_argument(
        "--records",
        required=True,
        help="decision store (sqlite:///... or dynamodb://TABLE), a JSON-lines file or a "
        "request-log folder",
    )
    r.add_argument("--bundle", required=True, help="model bundle root (folder or s3:// prefix)")
    r.add_argument("--item", type=int, help="one application of a batch (default: all)")
    r.set_defaults(func=_reconstruct)
    v = dsub.add_parser("overrides", help="override rate by model decision and by reason code")
    v.add_argument("--store", required=True, help="decision store (sqlite:///... or dynamodb://)")
    v.set_defaults(func=_overrides)
