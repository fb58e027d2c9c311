"""Row orders of an event log, shared by the importers, the workflow suggestion and the flow.

Two questions come up wherever events are read:

* Are the rows already grouped by item, each item's rows in time order?
  Exports nearly always are, so one vectorised pass that says so saves a
  sort (:func:`in_time_order`, :func:`grouped_time_order`).
* In what order do codes (statuses, their spellings) first appear, in file
  order or in time order (:func:`first_appearance`)?

Time order is ``(t, seq)``: ``t`` the event time, ``seq`` its position in
the file. Rows with equal ``t`` and equal ``seq`` keep the order they have:
every sort here is stable, and the checks call such rows "in order", so
that a check and the sort it saves always agree.
"""

from __future__ import annotations

import numpy as np

_BIG = np.iinfo(np.int64).max


def in_time_order(t: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Per adjacent pair of rows, whether the second does not come before the first.

    ``t``: times (int64 or ``datetime64``; a NaT compares False, so a pair
    holding one is never in order); ``seq``: int64 file positions; both of
    length ``n``. Returns ``n - 1`` booleans: True where ``t`` increases, or
    stays equal while ``seq`` does not decrease. Equal ``(t, seq)`` counts as
    in order: a stable sort leaves such rows in file order.
    """
    tied = t[1:] == t[:-1]
    return (t[1:] > t[:-1]) | (tied & (seq[1:] >= seq[:-1]))


def grouped_time_order(item: np.ndarray, t: np.ndarray, seq: np.ndarray) -> np.ndarray | None:
    """The rows' stable order by ``(item, t, seq)``, or None when they are in it already.

    ``item``: int codes numbered by first appearance (so rows grouped by item
    never step down to a smaller code); ``t``: int64 times, missing ones
    mapped to the largest int64 (they sort last); ``seq``: int64 file
    positions. Returns the permutation of ``np.lexsort`` (equal keys keep
    their row order), or None when that permutation is the identity: item
    codes never decrease and each item's rows are :func:`in_time_order`.
    """
    if len(item) < 2:
        return None
    step = np.diff(item)
    if (step >= 0).all() and (in_time_order(t, seq) | (step != 0)).all():
        return None
    return np.lexsort((seq, t, item))


def first_appearance(code: np.ndarray, count: int, keys: tuple[np.ndarray, ...] = ()) -> np.ndarray:
    """The codes ``0..count-1`` that occur in ``code``, in the order of their first row.

    ``code``: int codes per row, -1 for none (skipped). Rows are ordered by
    ``keys`` (int64 arrays aligned with ``code``, the most significant
    first), then by position; with no keys, by position (file order).
    Returns int64 codes, each once. Grouped minimums (one per key, and one of
    the positions among the rows still tied) find every code's first row
    without sorting the rows. For the rank of each code when every code
    occurs: ``np.argsort(first_appearance(...))``.
    """
    code = np.asarray(code)
    rows = None  # the rows kept, when some are skipped
    if len(code) and code.min() < 0:
        rows = np.flatnonzero(code >= 0)
        code, keys = code[rows], tuple(np.asarray(key)[rows] for key in keys)
    tied = None  # the rows still tied for first on the keys so far (None: every row)
    firsts = []
    for key in keys:
        first = np.full(count, _BIG, dtype=np.int64)
        if tied is None:  # no mask on the first pass: no copies of the whole columns
            np.minimum.at(first, code, key)
            tied = key == first[code]
        else:
            np.minimum.at(first, code[tied], key[tied])
            tied &= key == first[code]
        firsts.append(first)
    first_row = np.full(count, _BIG, dtype=np.int64)
    if tied is None:
        np.minimum.at(first_row, code, np.arange(len(code)) if rows is None else rows)
    else:  # usually few rows are still tied after the keys (one or two per code)
        position = np.flatnonzero(tied)
        np.minimum.at(first_row, code[position], position if rows is None else rows[position])
    occurring = np.flatnonzero(first_row < _BIG)
    sort_keys = [first_row[occurring]] + [first[occurring] for first in reversed(firsts)]
    return occurring[np.lexsort(sort_keys)]
