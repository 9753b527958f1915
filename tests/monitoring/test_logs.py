"""Reading the request log: odd records are skipped and counted, never abort the window."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import numpy as np
import pytest

from credit_core.contracts import DecisionRecord, encode_lines
from credit_core.schema import Column
from credit_monitoring import logs

COLUMNS = [
    Column("NAME_CONTRACT_TYPE", "category", True, ("Cash loans", "Revolving loans")),
    Column("AMT_CREDIT", "float64", True),
]
WHEN = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _line(**inputs) -> bytes:
    """One request-log line (the contract's DecisionRecord) with these inputs, as logged."""
    record = DecisionRecord(
        request_id="r",
        item=0,
        timestamp=WHEN.isoformat(),
        model_version="v1",
        inputs=msgspec.Raw(msgspec.json.encode(inputs)),
        features=[0.0, 1.0],
        probability=0.1,
        decision="accept",
        threshold=0.4,
        bundle_sha256="ab" * 32,
    )
    return encode_lines([record]).rstrip(b"\n")


@pytest.mark.parametrize(
    "odd",
    [
        {"NAME_CONTRACT_TYPE": ["Cash loans"], "AMT_CREDIT": 1.0},  # a level logged as a list
        {"NAME_CONTRACT_TYPE": {"level": "Cash loans"}, "AMT_CREDIT": 1.0},
        {"NAME_CONTRACT_TYPE": "Cash loans", "AMT_CREDIT": [1.0, 2.0]},
    ],
)
def test_a_record_with_a_non_scalar_input_is_skipped_and_counted(odd):
    good = [_line(NAME_CONTRACT_TYPE="Cash loans", AMT_CREDIT=float(i)) for i in range(3)]
    blob = b"\n".join([good[0], _line(**odd), *good[1:]])
    window = logs.collect([blob], "v1", 2, COLUMNS, WHEN.replace(hour=0), WHEN.replace(hour=23))
    assert window.rows == 3 and window.malformed == 1
    assert list(window.column("AMT_CREDIT")) == [0.0, 1.0, 2.0]
    assert np.all(window.column("NAME_CONTRACT_TYPE") == 0.0)
