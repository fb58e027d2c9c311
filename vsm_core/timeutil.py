"""Event times as numpy arrays: UTC instants as naive ``datetime64[us]`` wall times.

The flow engine, the metrics and the workflow suggestion compare times as
``datetime64[us]`` values on the UTC clock with no zone attached (numpy has
no time zones). Every one of them converts through :func:`utc_naive_us`, so
they all truncate to the same microsecond and order the same instants alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_US = "datetime64[us]"
_NAT_INT = np.iinfo(np.int64).min  # NaT as an int64


def utc_naive_us(values: pd.Series) -> np.ndarray:
    """UTC instants as naive ``datetime64[us]`` UTC wall times, NaT kept; never an int view.

    ``values``: tz-aware times in any zone and unit, naive times (taken as
    UTC) or text pandas parses. A tz-aware column of microseconds gives a
    read-only view of the column's own memory (pandas keeps tz-aware times
    as UTC; the flow tables are large, and no caller may write into a
    frame); anything else gives a converted copy (finer units truncated to
    microseconds).
    """
    if len(values) == 0:
        return np.empty(0, dtype=_US)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        view = values.to_numpy(dtype=_US).view()
        view.flags.writeable = False
        return view
    return pd.to_datetime(values, utc=True).dt.tz_convert(None).to_numpy(dtype=_US)


def sortable_micros(values: pd.Series) -> np.ndarray:
    """:func:`utc_naive_us` as int64 microseconds since the epoch, NaT as the largest int64.

    A fresh writable array that orders like the times, missing ones last
    (as pandas and numpy sort NaT).
    """
    micros = utc_naive_us(values).view(np.int64).copy()
    micros[micros == _NAT_INT] = np.iinfo(np.int64).max
    return micros
