"""Kaplan–Meier percentiles and their vectorised bootstrap (private to the evidence module).

Definitions
-----------

*observations*
    ``times`` (float days) with a ``censored`` flag: a censored time is a
    lower bound (the item had not finished by then). At equal times, events
    come before censorings (an item censored at ``t`` is still at risk at
    ``t``), the usual Kaplan–Meier convention and scipy's.

*percentile*
    The ``q``-th percentile is the smallest observed time at which the
    Kaplan–Meier estimate of the CDF reaches ``q / 100`` (the CDF's inverse,
    no interpolation). When the estimated CDF never reaches ``q / 100``
    (too many observations censored before it gets there) the percentile is
    undefined: NaN. The comparison allows :data:`TOLERANCE` for floating-point
    round-off (so 17 events out of 20 uncensored items reach 85%).

:func:`km_percentile` uses ``scipy.stats.ecdf`` (the reference).
:func:`km_percentiles_from_counts` computes the same estimator for many
weighted copies of one sorted sample at once: the items are sorted once, each
row of a ``(rows, n)`` matrix holds multiplicities, the number at risk is a
reverse cumulative sum along the row and the survival a cumulative product
of ``1 - d / n`` over the events. Tied events processed one by one give the
same product as processed together (``(1 - a/n)(1 - b/(n - a)) = 1 - (a +
b)/n``), so no grouping of ties is needed.

The bootstrap (:func:`bootstrap_km_percentiles`) uses the equivalent
:func:`km_percentiles_of_resamples`: each resample's item positions are
sorted within the row (a fast sort of small integers), which lists the
resample in KM order, so the number at risk is simply ``n - j`` at the
``j``-th entry and no multiplicity matrix or cumulative count is needed
(about twice as fast; the tests check both against each other and against
scipy).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

#: Slack when comparing the estimated CDF with ``q / 100``.
TOLERANCE = 1e-9
#: Matrix cells per bootstrap chunk (bounds memory: ~8 MB per float64 matrix).
_CHUNK_CELLS = 1_000_000


def km_percentile(times: np.ndarray, censored: np.ndarray, q: float) -> float:
    """The ``q``-th Kaplan–Meier percentile via ``scipy.stats.ecdf``; NaN when undefined."""
    times = np.asarray(times, dtype=np.float64)
    censored = np.asarray(censored, dtype=bool)
    if times.size == 0 or censored.all():
        return float("nan")
    data = stats.CensoredData(uncensored=times[~censored], right=times[censored])
    res = stats.ecdf(data)
    quantiles, probabilities = res.cdf.quantiles, res.cdf.probabilities
    reached = np.flatnonzero(probabilities >= q / 100.0 - TOLERANCE)
    return float(quantiles[reached[0]]) if reached.size else float("nan")


def km_sort(times: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(times, is_event)`` sorted by time, events before censorings at equal times."""
    times = np.asarray(times, dtype=np.float64)
    censored = np.asarray(censored, dtype=bool)
    order = np.lexsort((censored, times))
    return times[order], ~censored[order]


def km_percentiles_from_counts(
    times_sorted: np.ndarray, is_event: np.ndarray, counts: np.ndarray, q: float
) -> np.ndarray:
    """The ``q``-th KM percentile of each row of ``counts`` (multiplicities); NaN if undefined.

    ``times_sorted``/``is_event`` come from :func:`km_sort`; ``counts`` has
    shape ``(rows, n)`` aligned with them (a row of ones is the sample itself).
    """
    counts = np.asarray(counts)
    rows, n = counts.shape
    if n == 0:
        return np.full(rows, np.nan)
    # At risk at position i: the row's total minus the items before i (a forward cumulative
    # sum, contiguous and cheaper than a reversed one). Zero only where nothing is left, and
    # then there is no event either, so dividing by max(at_risk, 1) is safe.
    cumulative = np.cumsum(counts, axis=1, dtype=counts.dtype)
    at_risk = cumulative[:, -1:] - cumulative + counts
    np.maximum(at_risk, 1, out=at_risk)
    deaths = counts * np.asarray(is_event, dtype=counts.dtype)  # censorings never step
    survival = deaths / at_risk
    np.subtract(1.0, survival, out=survival)
    np.cumprod(survival, axis=1, out=survival)
    hit = survival <= 1.0 - q / 100.0 + TOLERANCE
    first = hit.argmax(axis=1)
    reached = hit[np.arange(rows), first]
    return np.where(reached, times_sorted[first], np.nan)


def km_percentiles_of_resamples(
    times_sorted: np.ndarray, is_event: np.ndarray, picks: np.ndarray, q: float
) -> np.ndarray:
    """The ``q``-th KM percentile of each resample; NaN where undefined.

    ``picks`` has shape ``(rows, m)``: each row holds positions into
    ``times_sorted``/``is_event`` (from :func:`km_sort`), **sorted ascending**,
    so a row lists its resample in KM order (duplicates adjacent, events
    before censorings at equal times). The number at risk at the ``j``-th
    entry of a row is then ``m - j`` (the reverse cumulative count of the
    entries), so the survival is a cumulative product of
    ``1 - event / (m - j)``; the same estimator as
    :func:`km_percentiles_from_counts` on the row's multiplicities, without
    building them.
    """
    rows, m = picks.shape
    if m == 0:
        return np.full(rows, np.nan)
    survival = np.asarray(is_event, dtype=np.float64)[picks]
    survival *= 1.0 / (m - np.arange(m, dtype=np.float64))
    np.subtract(1.0, survival, out=survival)
    np.cumprod(survival, axis=1, out=survival)
    hit = survival <= 1.0 - q / 100.0 + TOLERANCE
    first = hit.argmax(axis=1)
    row = np.arange(rows)
    reached = hit[row, first]
    return np.where(reached, times_sorted[picks[row, first]], np.nan)


def resample_picks(n: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` resamples with replacement of positions ``0..n-1``, each row sorted ascending.

    Returns an ``(rows, n)`` array: int16 while positions fit (half the memory
    traffic of the sort), else int64. The dtype is part of the result: the
    generator draws other numbers for another dtype, and every bootstrap
    interval recorded so far was drawn this way.
    """
    dtype = np.int16 if n <= np.iinfo(np.int16).max else np.int64
    picks = rng.integers(0, n, size=(rows, n), dtype=dtype)
    picks.sort(axis=1)
    return picks


def bootstrap_km_percentiles(
    times: np.ndarray,
    censored: np.ndarray,
    q: float,
    resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``resamples`` KM percentiles of resamples (with replacement) of the items; NaN undefined.

    Vectorised: the items are sorted once (:func:`km_sort`); per chunk of
    rows, ``rng.integers`` draws each resample's item positions, a row-wise
    sort puts them in KM order, and :func:`km_percentiles_of_resamples`
    computes every row's estimate at once. Deterministic for a given
    generator state, sample size and ``resamples``.
    """
    times_sorted, is_event = km_sort(times, censored)
    n = len(times_sorted)
    out = np.full(resamples, np.nan)
    if n == 0:
        return out
    chunk = max(1, min(resamples, _CHUNK_CELLS // n))
    for lo in range(0, resamples, chunk):  # a loop over chunks of resamples, not items
        rows = min(chunk, resamples - lo)
        picks = resample_picks(n, rows, rng)
        out[lo : lo + rows] = km_percentiles_of_resamples(times_sorted, is_event, picks, q)
    return out


def bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``resamples`` resamples (with replacement) of ``values`` (vectorised)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.full(resamples, np.nan)
    picks = rng.integers(0, values.size, size=(resamples, values.size))
    return values[picks].mean(axis=1)


def logrank_p(
    before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray]
) -> float | None:
    """Two-sided log-rank p-value of two ``(times, censored)`` samples (``scipy.stats.logrank``).

    None when a sample is empty or holds a NaN duration, or the statistic is
    undefined (no event where both samples had items at risk).
    """
    samples = []
    for times, censored in (before, after):
        times = np.asarray(times, dtype=np.float64)
        censored = np.asarray(censored, dtype=bool)
        if times.size == 0 or np.isnan(times).any():
            return None
        samples.append(stats.CensoredData(uncensored=times[~censored], right=times[censored]))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            p = float(stats.logrank(samples[0], samples[1]).pvalue)
        except (ValueError, ZeroDivisionError):  # pragma: no cover - degenerate input
            return None
    return p if np.isfinite(p) else None


def mann_whitney_p(before: np.ndarray, after: np.ndarray) -> float | None:
    """Two-sided Mann–Whitney U p-value of two samples; None when either is empty."""
    before = np.asarray(before, dtype=np.float64)
    after = np.asarray(after, dtype=np.float64)
    if before.size == 0 or after.size == 0:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        p = float(stats.mannwhitneyu(before, after, alternative="two-sided").pvalue)
    return p if np.isfinite(p) else None
