"""What finished since the last retrospective, against the period of the same length before.

Definitions (docs/retrospective.md)
-----------------------------------

*the period*
    From ``since`` to the data's last day (the as-of day, in the dataset's time
    zone), both included; ``length`` days (0 when ``since`` is after the last day:
    nothing can have finished yet).

*the period before*
    The ``length`` days just before ``since``. When it would start before the
    data's first day there is nothing fair to compare with (days without data
    would count as days without finished items), so it has no values.

*finished in a period*
    Items whose done date (a local date) falls in the period: their count, and the
    50th, 85th and 95th percentiles of the cycle time (days, the scope's cycle-time
    mode) of those that have a start (numpy's linear interpolation, as everywhere).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from vsm_core.filters import in_window
from vsm_core.metrics.percentiles import summarize_days
from vsm_core.metrics.report import started
from vsm_core.metrics.scope import Scope

#: The cycle-time percentiles shown for what finished.
PERCENTILES: tuple[int, ...] = (50, 85, 95)
#: The columns of :attr:`Finished.items`.
FINISHED_COLUMNS: tuple[str, ...] = ("item_id", "title", "type", "done", "cycle_time_days")

#: How a period of a common length is named ("the fortnight before").
_PERIOD_NAMES = {7: "week", 14: "fortnight", 21: "three weeks", 28: "four weeks"}


@dataclass(frozen=True)
class Periods:
    """The period looked back on and the one of the same length before (inclusive dates).

    ``previous`` is None when it would start before ``first_day`` (see the module
    docstring); ``length`` is 0 when ``since`` is after ``end``.
    """

    since: date
    end: date
    first_day: date
    length: int
    previous: tuple[date, date] | None

    @property
    def current(self) -> tuple[date, date]:
        return (self.since, self.end)

    @property
    def before_words(self) -> str:
        """``"the fortnight before"``, ``"the 10 days before"``."""
        name = _PERIOD_NAMES.get(self.length)
        if name is not None:
            return f"the {name} before"
        return f"the {self.length} day{'s' if self.length != 1 else ''} before"


def periods(*, since: date, end: date, first_day: date) -> Periods:
    """The period from ``since`` to ``end`` and the one before it (module docstring)."""
    length = max((end - since).days + 1, 0)
    start_before = since - timedelta(days=length)
    previous = (
        (start_before, since - timedelta(days=1))
        if length > 0 and start_before >= first_day
        else None
    )
    return Periods(since=since, end=end, first_day=first_day, length=length, previous=previous)


@dataclass(frozen=True)
class Finished:
    """What finished in the period and in the period before.

    ``percentiles`` and ``previous_percentiles``: ``{"p50", "p85", "p95", "n"}`` in
    days (NaN without items; ``previous_percentiles`` is None without a period
    before). ``items``: what finished in the period, oldest done first
    (:data:`FINISHED_COLUMNS`).
    """

    periods: Periods
    count: int
    previous_count: int | None
    percentiles: dict[str, float]
    previous_percentiles: dict[str, float] | None
    items: pd.DataFrame = field(repr=False)

    def sentences(self) -> list[str]:
        """The plain words: the count, then the 85th percentile against the period before."""
        return [self.count_sentence(), self.percentile_sentence(85)]

    def count_sentence(self) -> str:
        p = self.periods
        if p.length == 0:
            return (
                f"Nothing can have finished since {p.since:%d %b %Y}: the data ends on "
                f"{p.end:%d %b %Y}. Import a newer export to see what changed."
            )
        text = (
            f"{self.count} item{'s' if self.count != 1 else ''} finished from "
            f"{p.since:%d %b} to {p.end:%d %b %Y} ({p.length} day{'s' if p.length != 1 else ''})"
        )
        if self.previous_count is None:
            return (
                text + "; the data does not go back far enough to compare with the period before."
            )
        return text + f", against {self.previous_count} in {p.before_words}."

    def percentile_sentence(self, q: int) -> str:
        """``"85 % of items finished within 12 days, 3 days faster than the fortnight before"``."""
        value = self.percentiles.get(f"p{q}", math.nan)
        if self.periods.length == 0 or math.isnan(value):
            since = self.periods.since
            return f"No cycle time to report: no item with a start finished since {since:%d %b}."
        text = f"{q} % of items finished within {days_text(value)}"
        before = (self.previous_percentiles or {}).get(f"p{q}", math.nan)
        if math.isnan(before):
            return text + "; nothing to compare with before."
        change = round_days(value) - round_days(before)
        words = self.periods.before_words
        if change == 0:
            return text + f", the same as {words}."
        way = "faster" if change < 0 else "slower"
        return text + f", {days_text(abs(change))} {way} than {words}."


def round_days(value: float) -> float:
    """Days as shown: whole days from 10 up, one decimal below (so 0.4 is not "0 days")."""
    return float(round(value)) if abs(value) >= 10 else round(value, 1)


def days_text(value: float) -> str:
    """``"12 days"``, ``"2.5 days"``, ``"1 day"``."""
    shown = round_days(value)
    number = f"{shown:g}"
    return f"{number} day{'' if number == '1' else 's'}"


def finished_since(scope: Scope, p: Periods) -> Finished:
    """:class:`Finished` of ``scope`` (its completed items, any window) in ``p``."""
    items = scope.flow.items
    done = items[items["state"] == "done"]
    now = done[in_window(done["done"], p.current, scope.timezone)] if p.length else done.head(0)
    before = done[in_window(done["done"], p.previous, scope.timezone)] if p.previous else None
    return Finished(
        periods=p,
        count=len(now),
        previous_count=None if before is None else len(before),
        percentiles=_percentiles(now),
        previous_percentiles=None if before is None else _percentiles(before),
        items=now.sort_values("done", kind="stable")[list(FINISHED_COLUMNS)].reset_index(drop=True),
    )


def _percentiles(done: pd.DataFrame) -> dict[str, float]:
    return summarize_days(started(done)["cycle_time_days"], PERCENTILES)
