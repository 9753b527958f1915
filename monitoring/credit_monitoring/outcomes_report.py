"""``credit outcomes ingest``: read the outcomes and the request log's decision records, join
them (:mod:`credit_monitoring.outcomes`), take the drift job's stored estimate of each cohort
when one covers exactly that month, and write ``outcomes.json`` (strict JSON), ``outcomes.md``
and ``outcomes.html`` under the output folder or S3 prefix.
"""

from __future__ import annotations

import html
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from credit_core import pseudonym, storage
from credit_core.contracts import DEFAULT_COST_WEIGHTS
from credit_monitoring import jsonout, logs
from credit_monitoring.outcomes import (
    METRICS,
    SELECTION_BIAS,
    OutcomesError,
    cohorts,
    decision_frame,
    join,
    read_outcomes,
)

CACHE = Path(tempfile.gettempdir()) / "credit-outcomes-bundle"
FILES = ("outcomes.json", "outcomes.md", "outcomes.html")


def read_decisions(
    log_uri: str,
    since: datetime | None = None,
    until: datetime | None = None,
    key: bytes = pseudonym.DEV_KEY,
) -> tuple[pd.DataFrame, int]:
    """The decision records of every day partition in [since, until) (all when not given), and
    the number of malformed lines skipped; ``key``: the log's client_ref key."""
    objects = [
        obj
        for day, prefix in logs.partitions(log_uri)
        if (since is None or day >= since.date()) and (until is None or day <= until.date())
        for obj in logs.list_objects(prefix)
    ]
    frames, kept, malformed = [], [], 0
    for blob in logs.read_all(objects):
        for line in blob.splitlines():
            if not line.strip():
                continue
            rec = logs.parse_line(line)
            if rec is None:
                malformed += 1
                continue
            when = logs.logged_at(rec)
            if (since and when < since) or (until and when >= until):
                continue
            kept.append(rec)
            if len(kept) >= logs.CHUNK_LINES:  # the frame's few columns, not whole records
                frames.append(decision_frame(kept, key))
                kept.clear()
    frames.append(decision_frame(kept, key))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0], malformed


def stored_summaries(reports_uri: str) -> list[tuple[str, dict[str, Any]]]:
    """The drift job's ``dt=*/<run>/summary.json`` under ``reports_uri`` (key, summary)."""
    if storage.is_s3(reports_uri):
        bucket, key = storage.split_s3(reports_uri)
        prefix = key.rstrip("/") + "/" if key else ""
        pages = storage.s3_client().get_paginator("list_objects_v2")
        keys = [
            obj["Key"][len(prefix) :]
            for page in pages.paginate(Bucket=bucket, Prefix=prefix + "dt=")
            for obj in page.get("Contents", [])
            if obj["Key"].endswith("/summary.json")
        ]
    else:
        root = Path(reports_uri)
        keys = [str(p.relative_to(root)) for p in sorted(root.glob("dt=*/*/summary.json"))]
    out = []
    for key in keys:
        try:
            out.append((key, json.loads(storage.read_bytes(storage.join(reports_uri, key)))))
        except (OSError, ValueError):
            continue  # unreadable summary: as if absent
    return out


def matching_summary(
    summaries: list[tuple[str, dict[str, Any]]], since: datetime, until: datetime
) -> tuple[str, dict[str, Any]] | None:
    """The latest ``ok`` summary whose window is exactly [since, until), or None."""
    found = []
    for key, s in summaries:
        try:
            window = s["window"]
            same = (
                datetime.fromisoformat(window["since"]) == since
                and datetime.fromisoformat(window["until"]) == until
            )
        except (KeyError, TypeError, ValueError):
            continue
        if same and s.get("status") == "ok" and isinstance(s.get("estimated"), dict):
            found.append((str(s.get("generated_at", "")), key, s))
    if not found:
        return None
    _, key, s = max(found, key=lambda t: (t[0], t[1]))
    return key, s


def cost_weights(bundle_uri: str | None) -> dict[str, Any]:
    """The card's ``cost_weights`` (the training default when no bundle is given)."""
    if not bundle_uri:
        default = DEFAULT_COST_WEIGHTS
        return {"fn": default.fn, "fp": default.fp, "source": "default (no --bundle)"}
    from credit_core.bundle import load_bundle

    bundle = load_bundle(bundle_uri, cache_dir=CACHE)
    weights = bundle.card.cost_weights
    return {
        "fn": weights.fn,
        "fp": weights.fp,
        "source": f"model card {bundle.version}",
    }


def ingest(
    outcomes_uri: str,
    log_uri: str,
    out_uri: str,
    reports_uri: str | None = None,
    bundle_uri: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    resamples: int = 1000,
    seed: int = 0,
    client_ref_key: bytes = pseudonym.DEV_KEY,
) -> dict[str, Any]:
    """Join, measure, write the three files; returns the report. ``client_ref_key``: the key
    the request log's client references were written with. Raises :class:`OutcomesError`
    (unreadable file, missing columns, no decision records, nothing matched)."""
    try:
        raw = storage.read_bytes(outcomes_uri)
    except (OSError, ValueError) as exc:
        raise OutcomesError(f"{outcomes_uri}: cannot read: {exc}") from exc
    outcomes = read_outcomes(raw, outcomes_uri)
    since, until = (None if t is None else _utc(t) for t in (since, until))
    decisions, malformed = read_decisions(log_uri, since, until, client_ref_key)
    if decisions.empty:
        raise OutcomesError(f"no decision records under {log_uri}")
    joined = join(decisions, outcomes, client_ref_key)
    weights = cost_weights(bundle_uri)
    entries = cohorts(joined.decisions, weights["fn"], weights["fp"], resamples, seed=seed)
    summaries = stored_summaries(reports_uri) if reports_uri else []
    for entry in entries:
        hit = matching_summary(
            summaries,
            datetime.fromisoformat(entry["since"]),
            datetime.fromisoformat(entry["until"]),
        )
        if hit:
            key, s = hit
            entry["cohort_estimate"] = {
                "source": f"drift job summary {key} (model {s.get('model_version')}, "
                f"{s.get('rows')} rows)",
                **s["estimated"],
            }
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "outcomes": outcomes_uri,
        "logs": log_uri,
        "reports": reports_uri,
        "cost_weights": weights,
        "decision_records": len(decisions),
        "malformed_log_lines": malformed,
        "join": joined.counts,
        "population": "approved applicants with an observed outcome",
        "selection_bias": SELECTION_BIAS,
        "intervals": (
            f"realised: 95 % percentile bootstrap ({resamples} resamples); estimated: the 95 % "
            "range of the realised figure if the served probabilities are calibrated "
            f"(labels drawn as Bernoulli(p), {resamples} draws)"
        ),
        "cohorts": entries,
    }
    report = jsonout.finite(report)  # a stored summary may hold NaN: the JSON stays strict
    body = jsonout.dumps(report)
    md = to_markdown(report)
    storage.write_bytes(storage.join(out_uri, FILES[0]), body, "application/json")
    storage.write_bytes(storage.join(out_uri, FILES[1]), md.encode(), "text/markdown")
    storage.write_bytes(
        storage.join(out_uri, FILES[2]), to_html(report).encode(), "text/html; charset=utf-8"
    )
    return report


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


# --- rendering --------------------------------------------------------------------------------


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _range(pair: list[float] | None) -> str:
    return "–" if pair is None else f"[{pair[0]:.4f}, {pair[1]:.4f}]"


def tables(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's tables as (title, header, rows of strings), for Markdown and HTML alike."""
    counts = [
        [
            c["cohort"],
            f"{c['decisions']:,}",
            f"{c['approved']:,}",
            f"{c['refused']:,}",
            f"{c['outcomes_matched']:,}",
            _num(c["outcome_coverage_of_approved"], 3),
        ]
        for c in report["cohorts"]
    ]
    metrics = []
    for c in report["cohorts"]:
        if "realised" not in c:
            continue
        for m in METRICS:
            metrics.append(
                [
                    c["cohort"],
                    m.replace("_", " "),
                    _num(c["realised"][m]),
                    _range(c["realised_interval"][m]),
                    _num(c["estimated"][m]),
                    _range(c["estimated_interval"][m]),
                    _num(c["intervals_overlap"][m]),
                    _num(c["realised_within_calibrated_range"][m]),
                ]
            )
    whole = [
        [
            c["cohort"],
            _num(c["cohort_estimate"].get("default_rate")),
            _num(c["cohort_estimate"].get("business_cost_per_application")),
            _num(c["cohort_estimate"].get("refusal_rate")),
            _num(c["cohort_estimate"].get("roc_auc")),
            c["cohort_estimate"]["source"],
        ]
        for c in report["cohorts"]
    ]
    return [
        (
            "Cohorts (month of the decision, UTC)",
            [
                "cohort",
                "decisions",
                "approved",
                "refused (no outcome)",
                "outcomes matched",
                "coverage of approved",
            ],
            counts,
        ),
        (
            "Realised vs estimated without labels, approved applicants with an outcome",
            [
                "cohort",
                "metric",
                "realised",
                "95 % bootstrap",
                "estimated (CBPE)",
                "95 % range if calibrated",
                "overlap",
                "realised in range",
            ],
            metrics,
        ),
        (
            "Label-free estimate of the whole cohort (refused included), as the drift job makes it",
            [
                "cohort",
                "default rate",
                "business cost / application",
                "refusal rate",
                "AUC",
                "source",
            ],
            whole,
        ),
    ]


def _preamble(report: dict[str, Any]) -> list[str]:
    j, w = report["join"], report["cost_weights"]
    return [
        f"Outcomes `{report['outcomes']}` joined to {report['decision_records']:,} decision "
        f"records of `{report['logs']}` ({report['malformed_log_lines']} malformed lines "
        f"skipped); generated {report['generated_at']}.",
        f"Outcomes: {j['outcomes']:,}; matched to an approved decision {j['matched']:,}; "
        f"**reported for refused decisions and dropped {j['refused_outcomes_dropped']:,}**; "
        f"unknown id {j['unmatched']:,}; ambiguous request id {j['ambiguous_request_id']:,}; "
        f"observed before any decision of the client {j['observed_before_decision']:,}; "
        f"superseded by a later outcome {j['duplicate_outcomes']:,}.",
        f"Business cost: {w['fn']:g} per missed defaulter, {w['fp']:g} per good client refused "
        f"({w['source']}); realised cost counts missed defaulters per approved application.",
        f"Intervals: {report['intervals']}.",
    ]


def to_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: the join's counts, three tables, the selection bias."""
    out = ["# Realised performance: outcomes joined to decisions", ""]
    out += [f"{line}\n" for line in _preamble(report)]
    for title, header, rows in tables(report):
        out += [f"## {title}", "", "| " + " | ".join(header) + " |"]
        out.append("|" + "---|" * len(header))
        out += ["| " + " | ".join(r) + " |" for r in rows]
        out.append("")
    out += ["## Refused applicants: selection bias", "", SELECTION_BIAS, ""]
    return "\n".join(out)


def to_html(report: dict[str, Any]) -> str:
    """The same content as a standalone HTML page."""
    from credit_monitoring.report import STYLE

    parts = ["<h1>Realised performance: outcomes joined to decisions</h1>"]
    parts += [f"<p>{html.escape(line).replace('**', '')}</p>" for line in _preamble(report)]
    for title, header, rows in tables(report):
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>" for r in rows
        )
        parts.append(
            f"<h2>{html.escape(title)}</h2><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )
    parts.append(f"<h2>Refused applicants: selection bias</h2><p>{html.escape(SELECTION_BIAS)}</p>")
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Realised performance</title>'
        f'{STYLE}</head><body><div id="credit-summary">{"".join(parts)}</div></body></html>'
    )


__all__ = ["OutcomesError", "ingest", "read_decisions", "stored_summaries", "to_markdown"]
