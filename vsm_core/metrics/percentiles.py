"""Summary statistics of a set of durations in days (cycle time, lead time, age...).

Definition (docs/metrics.md): percentiles use numpy's default method,
linear interpolation between the closest ranks (``np.percentile(...,
method="linear")``); missing values are dropped first; ``mean`` is the
arithmetic mean and ``n`` the number of values used.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

DEFAULT_PERCENTILES: tuple[int, ...] = (50, 70, 85, 95)


def _key(q: float) -> str:
    return f"p{q:g}"


def summarize_days(
    values: pd.Series, percentiles: Iterable[float] = DEFAULT_PERCENTILES
) -> dict[str, float | int]:
    """``{"p50": ..., "p70": ..., "p85": ..., "p95": ..., "mean": ..., "n": ...}``.

    Only the percentiles asked for appear (key ``p`` + the percentile, e.g.
    ``p85``). Values that are missing or not numeric are dropped. Every value
    is a plain ``float`` (NaN when ``n == 0``) and ``n`` a plain ``int``.
    """
    qs = list(percentiles)
    data = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    data = data[~np.isnan(data)]
    n = int(data.size)
    out: dict[str, float | int] = {}
    if n == 0:
        out.update({_key(q): float("nan") for q in qs})
        out["mean"] = float("nan")
    else:
        if qs:
            result = np.percentile(data, qs)
            out.update({_key(q): float(v) for q, v in zip(qs, result, strict=True)})
        out["mean"] = float(data.mean())
    out["n"] = n
    return out
