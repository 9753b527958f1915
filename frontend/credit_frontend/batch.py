"""Batch scoring of a CSV through ``POST /v1/score/batch`` in chunks (no Streamlit here).

Each row comes back either scored or refused with the API's reason. An API that still refuses a
whole chunk when one item is invalid (422 on the envelope) is handled by scoring that chunk's
rows one by one, so one bad row never hides the others.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from credit_frontend.client import ApiClient, ApiError
from credit_frontend.form import ID_FIELD, record_from_row


class CsvError(ValueError):
    """A file that cannot be read as a table (the message is for people, no parser text)."""


@dataclass(frozen=True)
class Dialect:
    """How a CSV file was written: as most tools write it (``,`` / ``.`` / UTF-8) or as French
    Excel does (``;`` / ``,`` / Windows-1252)."""

    separator: str
    decimal: str
    encoding: str


_COMMA_DECIMAL = re.compile(r"^[+-]?\d[\d\s\u00a0\u202f.]*,\d+$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def sniff(data: bytes) -> tuple[str, Dialect]:
    """The file's text and dialect: UTF-8 (with or without BOM) else Windows-1252; the
    separator among ``, ; tab |`` that splits the header and first rows alike; a ``,`` decimal
    mark when the separator is not a comma and numbers are written ``0,5``."""
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
    head = "\n".join(text.splitlines()[:20])
    try:
        separator = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        separator = ","
    decimal = "."
    if separator != ",":
        cells = re.split(rf"[{re.escape(separator)}\n]", head)
        if any(_COMMA_DECIMAL.match(c.strip().strip('"')) for c in cells):
            decimal = ","
    return text, Dialect(separator, decimal, encoding)


def _number(cell: Any, decimal: str) -> Any:
    """A numeric cell as a float; text that is no number stays as it is (the API then refuses
    that row alone, naming the field)."""
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    if decimal == "," and "," in text:  # 1 234,5 or 1.234,5; a plain 0.5 reads as it is
        text = _SPACES.sub("", text).replace(".", "").replace(",", ".")
    try:
        x = float(text)
    except ValueError:
        return cell
    if not math.isfinite(x):
        return cell  # "inf", "1e999": no JSON number; the API refuses it, naming the field
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def read_table(data: bytes, numeric: Collection[str]) -> tuple[pd.DataFrame, Dialect]:
    """An uploaded CSV as a table of applications: every cell read as text, then the
    ``numeric`` columns converted cell by cell, so one bad cell never turns a whole column into
    text. Raises :class:`CsvError` for a file that is not a table."""
    text, dialect = sniff(data)
    try:
        df = pd.read_csv(io.StringIO(text), sep=dialect.separator, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise CsvError("not a table") from exc
    df.columns = [str(c).strip() for c in df.columns]
    for col in df.columns:
        if col in numeric:
            df[col] = df[col].map(lambda v: _number(v, dialect.decimal)).astype(object)
    return df, dialect


def prepare(df: pd.DataFrame, fields: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows -> JSON applications with only the contract's fields and the id; the columns left
    out (the model does not use them, e.g. TARGET) are returned so the user is told."""
    keep = [c for c in df.columns if c in set(fields) or c == ID_FIELD]
    ignored = [c for c in df.columns if c not in keep]
    return [record_from_row(r) for r in df[keep].to_dict("records")], ignored


def chunks(items: Sequence[Any], size: int) -> Iterator[tuple[int, Sequence[Any]]]:
    for start in range(0, len(items), size):
        yield start, items[start : start + size]


def _plain_line(field: str, error: dict[str, Any]) -> str:
    return f"{field}: {error.get('message', '')}"


def reason(
    problem: dict[str, Any] | ApiError,
    line: Callable[[str, dict[str, Any]], str] = _plain_line,
) -> str:
    """One line naming each refused field and why (from a problem+json object or an error);
    ``line(field, error_item)`` words one refused field for people (e.g. in French, in the
    form's units)."""
    if isinstance(problem, ApiError):
        errors, detail = problem.errors, problem.detail
    else:
        errors, detail = problem.get("errors") or [], str(problem.get("detail") or "")
    parts = [line(str(e.get("field", "?")).split(".")[-1], e) for e in errors]
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
    df: pd.DataFrame,
    results: Sequence[dict[str, Any]],
    columns: dict[str, str],
    why: Callable[[dict[str, Any]], str] = reason,
    warned: Callable[[dict[str, Any]], str] = lambda w: str(w.get("message", "")),
) -> pd.DataFrame:
    """The uploaded table with probability, decision, grade, refusal reason and the API's
    warnings (values it scored but training never saw) as columns named by ``columns``
    (keys: probability, decision, grade, reason, warnings); ``why`` words a refusal and
    ``warned`` one warning for people."""
    out = df.copy()
    prob, dec, grade, reasons, warns = ([None] * len(df) for _ in range(5))
    for r in results:
        i = r["index"]
        if "error" in r:
            reasons[i] = why(r["error"])
        else:
            prob[i], dec[i], grade[i] = r["probability"], r["decision"], r["risk_grade"]
            warns[i] = "; ".join(warned(w) for w in r.get("warnings") or []) or None
    out[columns["probability"]] = prob
    out[columns["decision"]] = dec
    out[columns["grade"]] = grade
    out[columns["reason"]] = reasons
    if "warnings" in columns:
        out[columns["warnings"]] = warns
    return out
