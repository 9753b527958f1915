"""Batch scoring of a CSV through ``POST /v1/score/batch`` in chunks (no Streamlit here).

Each row comes back either scored or refused with the API's reason. An API that still refuses a
whole chunk when one item is invalid (422 on the envelope) is handled by scoring that chunk's
rows one by one, so one bad row never hides the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd

from credit_frontend.client import ApiClient, ApiError
from credit_frontend.form import ID_FIELD, record_from_row


def prepare(df: pd.DataFrame, fields: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows -> JSON applications with only the contract's fields and the id; the columns left
    out (the model does not use them, e.g. TARGET) are returned so the user is told."""
    keep = [c for c in df.columns if c in set(fields) or c == ID_FIELD]
    ignored = [c for c in df.columns if c not in keep]
    return [record_from_row(r) for r in df[keep].to_dict("records")], ignored


def chunks(items: Sequence[Any], size: int) -> Iterator[tuple[int, Sequence[Any]]]:
    for start in range(0, len(items), size):
        yield start, items[start : start + size]


def reason(problem: dict[str, Any] | ApiError) -> str:
    """One line naming each refused field and why (from a problem+json object or an error)."""
    if isinstance(problem, ApiError):
        errors, detail = problem.errors, problem.detail
    else:
        errors, detail = problem.get("errors") or [], str(problem.get("detail") or "")
    parts = [f"{str(e.get('field', '?')).split('.')[-1]}: {e.get('message', '')}" for e in errors]
    return "; ".join(parts) or detail


def _one_by_one(api: ApiClient, start: int, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, row in enumerate(rows):
        try:
            out.append(api.score(row) | {"index": start + i})
        except ApiError as err:
            if err.kind != "invalid":
                raise
            out.append({"index": start + i, "error": {"detail": err.detail, "errors": err.errors}})
    return out


def score_all(
    api: ApiClient,
    rows: Sequence[dict[str, Any]],
    chunk: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[dict[str, Any]]:
    """Every row's result in input order (``index`` is the row number in ``rows``). Failures
    other than a refused item (unreachable, 401, 503) propagate as :class:`ApiError`."""
    results: list[dict[str, Any]] = []
    for start, part in chunks(rows, chunk):
        try:
            reply = api.score_batch(part)
            items = [
                r | {"index": start + int(r.get("index", i))}
                for i, r in enumerate(reply["results"])
            ]
        except ApiError as err:
            if err.kind != "invalid":
                raise
            items = _one_by_one(api, start, part)
        results.extend(items)
        progress(min(start + len(part), len(rows)), len(rows))
    return results


def merge(
    df: pd.DataFrame, results: Sequence[dict[str, Any]], columns: dict[str, str]
) -> pd.DataFrame:
    """The uploaded table with probability, decision, grade and refusal reason columns (names
    from ``columns``: probability, decision, grade, reason)."""
    out = df.copy()
    prob, dec, grade, why = ([None] * len(df) for _ in range(4))
    for r in results:
        i = r["index"]
        if "error" in r:
            why[i] = reason(r["error"])
        else:
            prob[i], dec[i], grade[i] = r["probability"], r["decision"], r["risk_grade"]
    out[columns["probability"]] = prob
    out[columns["decision"]] = dec
    out[columns["grade"]] = grade
    out[columns["reason"]] = why
    return out
