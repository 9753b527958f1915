"""Columnar CSV writing read back by pandas with the real files' dtypes (NaN as an empty field).

pyarrow's writer is columnar and fast but prints 1.0 as "1": a float column whose values are all
whole (DAYS_INSTALMENT, NUM_INSTALMENT_VERSION) would be read back as int64. Such columns are
written as one-decimal numbers ("1.0", as the Kaggle files print them); other float columns keep
Arrow's shortest form (a round amount prints "135000" among fractional ones, still float64).
Text values are quoted; the header is not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

CHUNK_ROWS = 2_000_000


WHOLE = pa.decimal128(18, 1)


def _is_whole(values: np.ndarray) -> bool:
    finite = values[~np.isnan(values)]
    return bool(np.all(finite == np.round(finite))) and bool(np.all(np.abs(finite) < 1e15))


def _arrow_column(values: np.ndarray, dtype: str, whole: bool = False) -> pa.Array:
    if dtype == "float64":
        arr = pa.array(np.asarray(values, dtype=np.float64), from_pandas=True)  # NaN -> empty
        return arr.cast(WHOLE) if whole else arr
    if dtype == "int64":
        return pa.array(np.asarray(values, dtype=np.int64))
    return pa.array(values, type=pa.string(), from_pandas=True)


def write_table(columns: dict[str, np.ndarray], dtypes: dict[str, str], path: Path) -> None:
    """Write ``columns`` in the order of ``dtypes`` (name -> 'int64'/'float64'/'object')."""
    names = list(dtypes)
    n = len(columns[names[0]])
    whole = {c: dtypes[c] == "float64" and _is_whole(np.asarray(columns[c], float)) for c in names}
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with path.open("wb") as sink:
        sink.write((",".join(names) + "\n").encode("utf-8"))  # unquoted, as the Kaggle files
        writer = None
        for start in range(0, max(n, 1), CHUNK_ROWS):
            stop = min(n, start + CHUNK_ROWS)
            batch = pa.table(
                {c: _arrow_column(columns[c][start:stop], dtypes[c], whole[c]) for c in names}
            )
            if writer is None:
                writer = pacsv.CSVWriter(sink, batch.schema, write_options=options)
            writer.write_table(batch)
        if writer is not None:
            writer.close()
