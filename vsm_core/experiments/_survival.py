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

:func:`km_percentile` computes the Kaplan–Meier table of one sample the
textbook way (:func:`km_table`: unique times, number at risk, events, and the
CDF as ``1 − Π (n − d) / n``; without censoring the plain ECDF), the same
arithmetic as ``scipy.stats.ecdf`` of ``scipy.stats.CensoredData``, which the
tests hold it to exactly. :func:`km_percentiles_from_counts` computes the same estimator for many
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

*p-values* (shown beside the verdict, never deciding it)
    :func:`logrank_p` is the two-sided log-rank test of two censored
    samples and :func:`mann_whitney_p` the two-sided Mann–Whitney U test
    (exact null distribution when a sample has at most 8 values and there
    are no ties, else the normal approximation with tie and continuity
    correction), as ``scipy.stats.logrank`` and ``scipy.stats.mannwhitneyu``
    (``method="auto"``) define them; the tests check both against scipy
    (relative difference below 1e-12).

Nothing here imports scipy: ``scipy.stats`` takes about half a second to
import (it loads ``scipy.optimize``, ``scipy.spatial``, every distribution),
three to five times the whole computation of ``experiments show`` on a
team's data, and importing one of its submodules imports the whole package
first. scipy stays the reference of the tests.
"""

from __future__ import annotations

import math

import numpy as np

#: Slack when comparing the estimated CDF with ``q / 100``.
TOLERANCE = 1e-9
#: Matrix cells per bootstrap chunk (bounds memory: ~8 MB per float64 matrix).
_CHUNK_CELLS = 1_000_000


def _observations(times, censored) -> tuple[np.ndarray, np.ndarray]:
    times = np.asarray(times, dtype=np.float64).ravel()
    censored = np.asarray(censored, dtype=bool).ravel()
    if times.shape != censored.shape:
        raise ValueError("times and censored flags differ in length")
    if np.isnan(times).any():
        raise ValueError("a duration is NaN")
    return times, censored


def km_table(
    times: np.ndarray, censored: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Kaplan–Meier table of one sample: ``(unique times, CDF, at risk, events)``.

    One row per distinct observed time (events and censorings), ascending:
    the number still at risk just before it, the events (finishes) at it,
    and the estimated CDF after it, ``1 − Π (n − d) / n`` over the rows so
    far. Without any censoring this is the empirical CDF, ``Σ d / N``.
    Raises ``ValueError`` for a NaN duration.
    """
    times, censored = _observations(times, censored)
    if times.size == 0:
        empty = np.empty(0)
        return empty, empty, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    order = np.argsort(times)
    times = times[order]
    events = (~censored[order]).astype(np.int64)
    first = np.diff(times, prepend=-np.inf) > 0  # the first row of each distinct time
    last = np.diff(times, append=np.inf) > 0  # the last row of each distinct time
    unique = times[first]
    at_risk = np.arange(times.size, 0, -1)[first]
    deaths = np.diff(np.cumsum(events)[last], prepend=0)
    if not censored.any():
        cdf = np.cumsum(deaths) / times.size
    else:
        cdf = 1 - np.cumprod((at_risk - deaths) / at_risk)
    return unique, cdf, at_risk, deaths


def km_percentile(times: np.ndarray, censored: np.ndarray, q: float) -> float:
    """The ``q``-th Kaplan–Meier percentile: the first time whose CDF reaches it; NaN if none."""
    times, censored = _observations(times, censored)
    if times.size == 0 or censored.all():
        return float("nan")
    unique, cdf, _, _ = km_table(times, censored)
    reached = np.flatnonzero(cdf >= q / 100.0 - TOLERANCE)
    return float(unique[reached[0]]) if reached.size else float("nan")


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


#: Above this many items per row, 16-bit positions are sorted by radix sort (``kind="stable"``).
RADIX_SORT_FROM = 1000


def resample_picks(n: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` resamples with replacement of positions ``0..n-1``, each row sorted ascending.

    Sorted integers are the same whatever the algorithm, so the choice is
    speed only: numpy sorts short rows of 16-bit integers fastest with its
    default quicksort, long ones with its radix sort (about 2.5 ms per
    million positions, against 10–20 ms from a few thousand items per row).
    """
    dtype = np.int16 if n <= np.iinfo(np.int16).max else np.int64
    picks = rng.integers(0, n, size=(rows, n), dtype=dtype)
    picks.sort(axis=1, kind="stable" if dtype == np.int16 and n > RADIX_SORT_FROM else None)
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


def normal_two_sided_p(z: float) -> float:
    """``P(|Z| >= |z|)`` for a standard normal ``Z``: ``erfc(|z| / √2)``."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def logrank_p(
    before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray]
) -> float | None:
    """Two-sided log-rank p-value of two ``(times, censored)`` samples; None when undefined.

    At each distinct time with an event in the pooled sample, with ``n``
    at risk of whom ``n₁`` in ``before`` and ``d`` events: the expected
    events of ``before`` are ``n₁ d / n`` and their hypergeometric variance
    ``n₁ (n − n₁) d (n − d) / (n² (n − 1))`` (0 where ``n = 1``). ``z`` =
    (observed − expected events of ``before``) / √(Σ variance); the p-value
    is ``P(|Z| >= |z|)``. None when a sample is empty, a duration is NaN, or
    ``z`` is undefined (0/0: no event, or no event where both samples had
    items at risk).
    """
    try:
        times_b, censored_b = _observations(*before)
        times_a, censored_a = _observations(*after)
    except ValueError:
        return None
    if times_b.size == 0 or times_a.size == 0:
        return None
    pooled_t, _, pooled_n, pooled_d = km_table(
        np.concatenate([times_b, times_a]), np.concatenate([censored_b, censored_a])
    )
    has_event = pooled_d > 0
    event_times, at_risk, deaths = pooled_t[has_event], pooled_n[has_event], pooled_d[has_event]
    own_t, _, own_n, _ = km_table(times_b, censored_b)
    # ``before`` items at risk at each event time: those of its first distinct time at or
    # after it (all of them from there on are still at risk), 0 past its last time.
    at_risk_b = np.append(own_n, 0)[np.searchsorted(own_t, event_times)]
    at_risk_a = at_risk - at_risk_b
    with np.errstate(all="ignore"):
        numerator = at_risk_b * at_risk_a * deaths * (at_risk - deaths)
        denominator = at_risk**2 * (at_risk - 1)
        several = at_risk > 1
        variance = np.sum(numerator[several] / denominator[several])
        expected = np.sum(at_risk_b * (deaths / at_risk))
        z = (int((~censored_b).sum()) - expected) / np.sqrt(variance)
    if np.isnan(z):
        return None
    return normal_two_sided_p(float(z))


#: The exact Mann–Whitney distribution is used up to this many values in the smaller sample.
EXACT_MAX_SMALLER = 8


def mann_whitney_p(before: np.ndarray, after: np.ndarray) -> float | None:
    """Two-sided Mann–Whitney U p-value of two samples; None when either is empty or has NaN.

    ``U₁`` = rank sum of ``before`` (average ranks for ties) − n₁(n₁+1)/2 and
    ``U = max(U₁, n₁n₂ − U₁)``. Exact (:func:`_exact_u_tail`) when the smaller
    sample has at most :data:`EXACT_MAX_SMALLER` values and no value repeats;
    otherwise ``z = (U − n₁n₂/2 − ½) / σ`` with the tie-corrected
    ``σ² = n₁n₂/12 · ((n + 1) − Σ(t³ − t) / (n(n − 1)))`` (``t``: sizes of
    the groups of tied values) and ``P(|Z| >= |z|)``. Capped at 1.
    """
    before = np.asarray(before, dtype=np.float64).ravel()
    after = np.asarray(after, dtype=np.float64).ravel()
    n1, n2 = before.size, after.size
    if n1 == 0 or n2 == 0 or np.isnan(before).any() or np.isnan(after).any():
        return None
    values = np.concatenate([before, after])
    n = n1 + n2
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.flatnonzero(np.diff(sorted_values, prepend=-np.inf) > 0)
    ties = np.diff(np.append(starts, n))  # size of each group of equal values
    average_rank = starts + (ties + 1) / 2.0  # 1-based average rank of each group
    ranks = np.empty(n)
    ranks[order] = np.repeat(average_rank, ties)
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    if min(n1, n2) <= EXACT_MAX_SMALLER and not (ties > 1).any():
        p = 2 * _exact_u_tail(n1, n2, round(u))
    else:
        tie_term = float(np.sum(ties.astype(np.float64) ** 3 - ties))
        sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        numerator = u - n1 * n2 / 2 - 0.5
        if sigma == 0:
            z = math.copysign(math.inf, numerator) if numerator else math.nan
        else:
            z = numerator / sigma
        if math.isnan(z):
            return None
        p = 2 * 0.5 * math.erfc(z / math.sqrt(2.0))  # 2 · P(Z >= z)
    return min(max(p, 0.0), 1.0)


def _exact_u_tail(n1: int, n2: int, u: int) -> float:
    """``P(U >= u)`` under the null hypothesis, from the exact distribution of ``U``.

    The number of arrangements of ``n1`` and ``n2`` distinct values with
    ``U = k`` is the coefficient of ``x^k`` in the Gaussian binomial
    coefficient ``Π_{i=1..m} (1 − x^{N−m+i}) / (1 − x^i)`` (``m = min(n1, n2)``,
    ``N = n1 + n2``); they are counted exactly with Python integers.
    """
    m, big = min(n1, n2), n1 + n2
    degree = m * (big - m)
    counts = [1] + [0] * degree
    for i in range(1, m + 1):
        step = big - m + i  # multiply by (1 - x^step)
        for k in range(degree, step - 1, -1):
            counts[k] -= counts[k - step]
        for k in range(i, degree + 1):  # divide by (1 - x^i)
            counts[k] += counts[k - i]
    total = math.comb(big, m)
    tail = sum(counts[max(u, 0) :])
    return tail / total
