"""Strict JSON for the drift outputs: what any JSON reader accepts (RFC 8259).

Python's ``json`` writes ``NaN`` and ``Infinity`` literals by default, which strict readers
(browsers' ``JSON.parse``, Go, orjson) refuse; a measure that is undefined (no rows, no
variance) is written ``null`` instead.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, ±inf) replaced by ``None``, numpy scalars
    and arrays as Python values, tuples as lists (dicts and lists walked recursively)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    """``value`` as strict, indented UTF-8 JSON (non-finite floats as null).

    Raises TypeError for a value JSON cannot hold."""
    return json.dumps(finite(value), indent=1, allow_nan=False).encode()
