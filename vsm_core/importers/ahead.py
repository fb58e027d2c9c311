"""Results for a table's columns worked out ahead, on the thread that read the file.

``metrics FILE`` reads FILE on a worker thread while the main thread
imports pandas and the metrics (:func:`vsm_core.importers.containers.read_ahead`).
That thread also factorises the columns that will probably be the item id
and the status, and reads the timestamp column when it has one fixed ISO
layout, and leaves the results here. The parsers then ask for them with
the column they hold (:func:`codes_of`, :func:`instants_of`) and get them
only when it is backed by exactly the same Arrow buffers, offset and length
as the column worked on: the same bytes, so the same result the parser
would compute. A column that was copied, sliced or is another one misses,
and is computed as usual.

Needs only numpy and pyarrow (no pandas): it is used before pandas is
imported.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vsm_core.importers.fixed_iso import read_fixed_iso

#: Arrow key of a column -> {"cells": the column (kept alive), "codes": ..., "instants": ...}.
_COLUMNS: dict[tuple[int, ...], dict[str, Any]] = {}
_LOCK = threading.Lock()


def work_out(cells: pa.Array, *, codes: bool, timezone: str | None) -> None:
    """Factorise ``cells`` (``codes``) and/or read it as fixed-layout ISO timestamps in
    ``timezone`` (when given), and keep what came out for :func:`codes_of` and
    :func:`instants_of`. Wall-clock times are only kept in UTC (elsewhere they need
    pandas to be localised)."""
    results: dict[str, Any] = {"cells": cells}
    if codes:
        encoded = pc.dictionary_encode(cells)
        indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        results["codes"] = (indices.astype(np.int64), encoded.dictionary)
    if timezone is not None:
        read = read_fixed_iso(cells)
        if read is not None:
            positions, wall, offsets = read
            if offsets is not None:
                results["instants"] = (timezone, positions, wall - offsets)
            elif timezone == "UTC":
                results["instants"] = (timezone, positions, wall)
    if len(results) > 1:
        with _LOCK:
            _COLUMNS[_key(cells)] = results


def codes_of(values: Any) -> tuple[np.ndarray, pa.Array] | None:
    """(int64 code per cell, -1 where missing; the distinct values in first-appearance
    order) of a pandas column worked out ahead, as ``pd.factorize`` gives them; else None."""
    found = _found(values)
    return None if found is None else found.get("codes")


def instants_of(values: Any, timezone: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(positions of the non-blank cells, their UTC epoch microseconds) of a pandas column
    read ahead as fixed-layout ISO timestamps in ``timezone``; else None."""
    found = _found(values)
    if found is None or "instants" not in found or found["instants"][0] != timezone:
        return None
    _, positions, instants = found["instants"]
    return positions, instants


def forget() -> None:
    """Drop everything worked out ahead."""
    with _LOCK:
        _COLUMNS.clear()


def _found(values: Any) -> dict[str, Any] | None:
    if not _COLUMNS or not hasattr(values, "array"):
        return None
    array = values.array
    if not hasattr(array, "__arrow_array__"):
        return None
    try:
        cells = pa.array(array)
    except (pa.ArrowException, TypeError, ValueError):  # not what a table column holds
        return None
    if isinstance(cells, pa.ChunkedArray):
        if cells.num_chunks != 1:
            return None
        cells = cells.chunk(0)
    with _LOCK:
        found = _COLUMNS.get(_key(cells))
    if found is None or found["cells"].type != cells.type:
        return None
    return found


def _key(cells: pa.Array) -> tuple[int, ...]:
    """Where the column's bytes are: its buffers' addresses, offset and length."""
    buffers = tuple(0 if b is None else b.address for b in cells.buffers())
    return (*buffers, cells.offset, len(cells))
