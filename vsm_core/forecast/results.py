"""The "how many" and "when" results: numbers, JSON, sentences and chart tables.

Both carry the histories they sampled (one per dataset), the trial outcomes
(for the histogram and its cumulative probability line) and the percentiles
in the practitioners' reading (:mod:`vsm_core.forecast.montecarlo`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from vsm_core.forecast.history import History
from vsm_core.forecast.wording import day_text, days_text, items_text, pct


def combined_history_json(histories: tuple[History, ...]) -> dict:
    """The ``history`` JSON object: one dataset's window, or for several the earliest start,
    the latest end, the most sampled days of any dataset and the items completed by all."""
    if len(histories) == 1:
        return histories[0].as_json()
    return {
        "from": min(h.first_day for h in histories).isoformat(),
        "to": max(h.last_day for h in histories).isoformat(),
        "days": max(h.days for h in histories),
        "completed": sum(h.completed for h in histories),
    }


def _teams_json(histories: tuple[History, ...]) -> list[dict]:
    return [{"name": h.name, "history": h.as_json()} for h in histories]


@dataclass(frozen=True)
class HowMany:
    """How many items will be done in ``days`` calendar days from ``start``.

    * ``start``: the day after the as-of day (for several datasets, after the
      latest as-of day); ``end``: the last forecast day (``start + days - 1``).
    * ``days``: calendar days forecast; ``simulated_days``: the days simulated
      among them (fewer with working days only).
    * ``histories``: one :class:`History` per dataset, in the caller's order.
    * ``percentiles``: ``{50: x, 70: x, 85: x, 95: x}``, ``q`` % chance of at
      least ``x`` items.
    * ``outcomes``: int64 items completed in each trial (``trials`` values).
    """

    start: date
    end: date
    days: int
    simulated_days: int
    histories: tuple[History, ...]
    percentiles: dict[int, int]
    outcomes: np.ndarray
    trials: int
    seed: int

    def as_json(self) -> dict:
        """The CLI document of ``forecast how-many --json``."""
        doc = {
            "kind": "how_many",
            "days": self.days,
            "start": self.start.isoformat(),
            "history": combined_history_json(self.histories),
            "percentiles": {str(q): x for q, x in self.percentiles.items()},
            "trials": self.trials,
        }
        if len(self.histories) > 1:
            doc["teams"] = _teams_json(self.histories)
        return doc

    def sentences(self) -> list[str]:
        """One sentence per percentile: ``85 % chance of at least 23 items by 21 Dec 2026``."""
        period = (
            f"in the {days_text(self.days)} from {day_text(self.start)} to {day_text(self.end)}"
        )
        return [
            f"{pct(q)} chance of at least {items_text(x)} {period}."
            for q, x in self.percentiles.items()
        ]

    def distribution(self) -> pd.DataFrame:
        """The histogram with its cumulative line: one row per outcome from the least to the most.

        Columns ``items`` (int), ``trials`` (int, trials completing exactly
        that many), ``share`` (float, of all trials) and ``at_least`` (float:
        the chance of completing at least that many, the line the
        percentiles are read from).
        """
        return _distribution(self.outcomes, "items", at_least=True)


@dataclass(frozen=True)
class When:
    """When ``items`` items will be done, counting from ``start``.

    * ``items``: one number (for several datasets: done together, the rule
      of :mod:`vsm_core.forecast.joint`) or one number per dataset (each
      dataset its own items; done when the last one is).
    * ``as_of_day``: the day before ``start``; days count from it, so a
      forecast done on ``start`` is 1 day.
    * ``finish_days``: float calendar days from ``as_of_day`` to each trial's
      finish day; ``inf`` when that trial never finishes (within
      :data:`~vsm_core.forecast.options.MAX_WHEN_DAYS`).
    * ``days``: ``{q: n}`` calendar days to the ``q`` % date, ``None`` when never;
      ``percentiles``: ``{q: date}`` the ``q`` % date (``None`` when never).
    """

    items: int | tuple[int, ...]
    start: date
    histories: tuple[History, ...]
    days: dict[int, int | None]
    finish_days: np.ndarray
    trials: int
    seed: int
    max_days: int

    @property
    def as_of_day(self) -> date:
        return self.start - timedelta(days=1)

    @property
    def percentiles(self) -> dict[int, date | None]:
        return {
            q: None if d is None else self.as_of_day + timedelta(days=d)
            for q, d in self.days.items()
        }

    @property
    def total_items(self) -> int:
        return self.items if isinstance(self.items, int) else sum(self.items)

    @property
    def never_share(self) -> float:
        """The share of trials that never finish."""
        return float(np.isinf(self.finish_days).mean()) if self.trials else 0.0

    def as_json(self) -> dict:
        """The CLI document of ``forecast when --json``."""
        doc = {
            "kind": "when",
            "items": self.items if isinstance(self.items, int) else list(self.items),
            "start": self.start.isoformat(),
            "history": combined_history_json(self.histories),
            "percentiles": {
                str(q): None if d is None else d.isoformat() for q, d in self.percentiles.items()
            },
            "days": {str(q): d for q, d in self.days.items()},
            "trials": self.trials,
        }
        if len(self.histories) > 1:
            doc["teams"] = _teams_json(self.histories)
        return doc

    def sentences(self) -> list[str]:
        """One sentence per percentile: ``85 % chance done by 14 Jan 2027 (in 38 days)``; never
        is said in words, with the reason."""
        what = f"the {items_text(self.total_items)}"
        out = []
        for q, done in self.percentiles.items():
            if done is not None:
                out.append(
                    f"{pct(q)} chance {what} are done by {day_text(done)} "
                    f"(in {days_text(self.days[q])})."
                )
            elif all(h.completed == 0 for h in self.histories):
                out.append(
                    f"{pct(q)} chance: never. No item was completed in the history window, "
                    f"so at that pace {what} are never done."
                )
            else:
                out.append(
                    f"{pct(q)} chance: not within {self.max_days // 365} years at the pace of "
                    f"the history, so in practice never."
                )
        return out

    def distribution(self) -> pd.DataFrame:
        """The histogram with its cumulative line: one row per finish day, earliest first.

        Columns ``days`` (int, calendar days after the as-of day), ``date``
        (:class:`datetime.date`), ``trials``, ``share`` and ``done_by``
        (the chance of being done by that date). Trials that never finish
        have no row; :attr:`never_share` says how many there are.
        """
        finite = self.finish_days[np.isfinite(self.finish_days)].astype(np.int64)
        table = _distribution(finite, "days", at_least=False, total=self.trials)
        dates = np.datetime64(self.as_of_day, "D") + table["days"].to_numpy().astype(
            "timedelta64[D]"
        )
        table.insert(1, "date", pd.Series(dates.astype(object), dtype=object))
        return table.rename(columns={"cumulative": "done_by"})


def _distribution(
    values: np.ndarray, name: str, *, at_least: bool, total: int | None = None
) -> pd.DataFrame:
    """Distinct values, their trial counts, shares and the cumulative share (see callers)."""
    total = len(values) if total is None else total
    uniques, counts = np.unique(values, return_counts=True)
    share = counts / total if total else counts.astype(np.float64)
    if at_least:
        cumulative = np.cumsum(share[::-1])[::-1]
        label = "at_least"
    else:
        cumulative = np.cumsum(share)
        label = "cumulative"
    return pd.DataFrame(
        {
            name: uniques.astype(np.int64),
            "trials": counts.astype(np.int64),
            "share": share,
            label: cumulative,
        }
    )


def finite_or_none(value: float) -> int | None:
    """A whole number of days, or ``None`` for ``inf`` (never)."""
    return None if math.isinf(value) else int(value)
