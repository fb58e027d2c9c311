"""Monte Carlo over daily throughput samples: totals ("how many") and finish days ("when").

Definitions (docs/forecasting.md)
---------------------------------

*trial*
    One simulated future: each simulated day draws, uniformly and with
    replacement, the completed count of one sampled history day. Teams
    (several datasets) draw independently from their own histories and their
    daily counts are added.

*how-many percentile* ``q`` (the practitioners' reading "q % chance of at least x")
    The largest ``x`` such that at least ``q %`` of the trials complete ``x``
    or more items: with the outcomes sorted ascending ``s[0..T-1]``,
    ``x = s[T - ceil(q T / 100)]``. So a higher ``q`` gives a lower ``x``.

*when percentile* ``q`` ("q % chance done by day d")
    The smallest ``d`` such that at least ``q %`` of the trials have finished
    by day ``d``: ``d = s[ceil(q T / 100) - 1]`` of the finish days sorted
    ascending. A trial that has not finished within the cap never finishes
    (``inf``); a percentile that lands on such a trial is ``None``.

Vectorised: one ``rng.integers`` draw of shape ``(trials, days)`` per team
and block of days, a gather and a sum or a cumulative sum. The only Python
loops run over teams and over blocks of days (a "when" extends its horizon
block by block for the trials still running).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Days per block of :func:`finish_days` after the first (which is sized to the pace).
BLOCK_DAYS = 365
#: Cells (trials x days) per chunk of :func:`totals` (bounds memory to ~80 MB).
_CHUNK_CELLS = 10_000_000


def pick_dtype(n: int):
    """The smallest integer type holding positions ``0..n-1`` (int16 draws are twice as fast)."""
    return np.int16 if n <= np.iinfo(np.int16).max else np.int64


def _draw(samples: Sequence[np.ndarray], rows: int, days: int, rng, headroom: int = 0):
    """``(rows, days)`` simulated daily counts: every team draws its own day, counts add up.

    int32 (half the memory traffic of int64) while ``headroom`` plus the
    largest possible sum of the block's counts fits in it, so a running sum
    of the block (plus up to ``headroom``) cannot overflow; else int64.
    """
    most = headroom + sum(int(counts.max(initial=0)) for counts in samples) * days
    value_dtype = np.int32 if most < np.iinfo(np.int32).max else np.int64
    out = None
    for counts in samples:  # a loop over teams (datasets), not trials or days
        picks = rng.integers(0, len(counts), size=(rows, days), dtype=pick_dtype(len(counts)))
        drawn = counts.astype(value_dtype)[picks]
        out = drawn if out is None else out + drawn
    return out


def totals(samples: Sequence[np.ndarray], days: int, trials: int, rng) -> np.ndarray:
    """Items completed in each trial over ``days`` simulated days (int64, shape ``(trials,)``).

    ``samples``: each team's sampled daily counts (int64, non-empty).
    """
    out = np.zeros(trials, dtype=np.int64)
    step = max(1, min(days, _CHUNK_CELLS // max(trials, 1)))
    for lo in range(0, days, step):  # blocks of days, to bound memory
        out += _draw(samples, trials, min(step, days - lo), rng).sum(axis=1, dtype=np.int64)
    return out


def finish_days(
    samples: Sequence[np.ndarray], items: int, trials: int, rng, max_days: int
) -> np.ndarray:
    """The simulated day (1-based) on which each trial's running total reaches ``items``.

    ``inf`` (float) for a trial that does not get there within ``max_days``
    simulated days, and for every trial when the history holds no completed
    item. ``items <= 0`` is done before the first day: 0.

    When no trial's total over all ``max_days`` days reaches ``items``
    (:func:`reaches_within`), every trial is never, without simulating the
    days one by one (ten years of days for every trial would take seconds).

    The first block covers twice the days the mean pace needs (at least 28,
    at most :data:`BLOCK_DAYS`), so a short forecast does not simulate a
    year; the trials still running then go on in blocks of
    :data:`BLOCK_DAYS`.
    """
    done_at = np.full(trials, np.inf)
    if items <= 0:
        return np.zeros(trials)
    pace = sum(float(counts.mean()) for counts in samples)
    if pace == 0 or not reaches_within(samples, items, trials, rng, max_days):
        return done_at
    block = int(min(BLOCK_DAYS, max(28, np.ceil(2 * items / pace))))
    running = np.zeros(trials, dtype=np.int64)
    active = np.arange(trials)
    offset = 0
    while active.size and offset < max_days:  # blocks of days for the trials still running
        n = min(block, max_days - offset)
        # The block's own running sums (in place), against what each trial still needs.
        cumulative = _draw(samples, active.size, n, rng)
        np.cumsum(cumulative, axis=1, out=cumulative)
        needed = items - running[active] if offset else items
        # Running totals never fall: the days still short of the goal come first.
        short = (cumulative < np.reshape(needed, (-1, 1))).sum(axis=1)
        finished = short < n
        done_at[active[finished]] = offset + short[finished] + 1
        running[active] += cumulative[:, -1]
        active = active[~finished]
        offset += n
        block = BLOCK_DAYS
    return done_at


def reaches_within(samples: Sequence[np.ndarray], items: int, trials: int, rng, days: int) -> bool:
    """True when at least one of ``trials`` totals over ``days`` simulated days reaches ``items``.

    A total of ``days`` draws from a team's sampled counts has the distribution
    of ``sum_v v * m_v`` with ``m ~ Multinomial(days, share of the days with
    count v)``: one multinomial draw per trial and team instead of ``days``
    draws. Only a yes/no leaves this function, so the trials' own paths are
    still simulated day by day.
    """
    total = np.zeros(trials, dtype=np.int64)
    for counts in samples:  # a loop over teams
        values, frequency = np.unique(counts, return_counts=True)
        picks = rng.multinomial(days, frequency / frequency.sum(), size=trials)
        total += picks @ values.astype(np.int64)
    return bool((total >= items).any())


def at_least_percentiles(outcomes: np.ndarray, percentiles: Sequence[int]) -> dict[int, int]:
    """``{q: x}``: a ``q`` % chance of at least ``x`` (module docstring)."""
    ordered = np.sort(outcomes)
    n = len(ordered)
    return {q: int(ordered[n - _ceil_share(q, n)]) for q in percentiles}


def done_by_percentiles(finish: np.ndarray, percentiles: Sequence[int]) -> dict[int, float]:
    """``{q: d}``: ``q`` % of the trials are done by day ``d``; ``inf`` when never (docstring)."""
    ordered = np.sort(finish)
    n = len(ordered)
    return {q: float(ordered[_ceil_share(q, n) - 1]) for q in percentiles}


def _ceil_share(q: int, n: int) -> int:
    """``ceil(q n / 100)`` in integers (no float round-off), at least 1."""
    return max(1, -(-q * n // 100))
