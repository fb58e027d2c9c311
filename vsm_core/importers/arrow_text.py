"""Arrow text columns seen as bytes: where each cell's UTF-8 lies, without copying.

Used by the delimited-text reader (which cells need stripping, how long
the longest is) and by the ISO timestamp reader (which cells have the
shape it may hand to Arrow's cast).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa


def byte_offsets(cells: pa.Array) -> np.ndarray:
    """The ``len(cells) + 1`` int64 offsets of a ``large_string`` array into its data
    buffer: cell ``i`` is the bytes ``offsets[i]:offsets[i + 1]`` (a view, no copy)."""
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64)
    return offsets[cells.offset : cells.offset + len(cells) + 1]


def byte_lengths(cells: pa.Array) -> np.ndarray:
    """The UTF-8 length in bytes of each cell of a ``large_string`` array (0 for a missing
    cell written by Arrow's readers and casts, which give missing cells no bytes)."""
    return np.diff(byte_offsets(cells))


def data_bytes(cells: pa.Array) -> np.ndarray:
    """The data buffer of a ``large_string`` array as uint8 (indexed by :func:`byte_offsets`)."""
    data = cells.buffers()[2]
    return np.zeros(0, dtype=np.uint8) if data is None else np.frombuffer(data, dtype=np.uint8)


def large_text(values: Any) -> pa.Array | None:
    """A pandas column of text (``str`` or ``object`` holding only str/missing) as one
    ``large_string`` Arrow array; None when it is anything else."""
    import pandas as pd

    if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
        return None
    try:
        cells = pa.array(values.array if values.dtype != object else values, from_pandas=True)
        if isinstance(cells, pa.ChunkedArray):
            cells = cells.combine_chunks()
        if not (pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type)):
            return None
        return cells.cast(pa.large_string())
    except (pa.ArrowException, TypeError, ValueError):
        return None  # not all text
