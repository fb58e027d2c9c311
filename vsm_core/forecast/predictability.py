"""Predictability in one line: the forecast's spread and whether weekly throughput changed.

Definitions (docs/forecasting.md, *Predictability*)
---------------------------------------------------

*spread*
    ``(x50 - x95) / x50`` of the "how many" forecast over ``days`` days: how
    far the 95 % "at least" value lies below the 50 % one, relative to the
    50 %. 0 means every trial completes the same number; ``None`` when the
    50 % value is 0 (no throughput to speak of).

*weekly throughput*
    Items done in each 7-day week of the history window counted back from
    its last day (so every week is whole; a leftover of fewer than 7 days at
    the window's start is left out), oldest first.

*signals*
    The process-behaviour signals of that series on an XmR chart with limits
    from all its points (:func:`vsm_core.metrics.xmr.xmr`: a week beyond the
    natural process limits, or a run of 8 weeks on one side of the average).
    Any signal means the past changed within the window, and the forecast
    assumes a future like a past that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from vsm_core.forecast.history import Daily, history_window, to_day
from vsm_core.forecast.results import HowMany
from vsm_core.forecast.wording import days_text, items_text, pct
from vsm_core.metrics.xmr import XmR, xmr

_RULES = {"beyond_limits": "a week beyond the natural limits", "run_of_8": "a run of 8 weeks"}


@dataclass(frozen=True)
class WeeklySignals:
    """One dataset's weekly throughput in its history window and its XmR chart.

    ``week_starts``: the first day of each week; ``chart``: the XmR (its
    ``values`` are the weekly counts, ``signals`` the signals found).
    """

    name: str
    week_starts: tuple[date, ...]
    chart: XmR

    @property
    def changed(self) -> bool:
        return bool(self.chart.signals)


@dataclass(frozen=True)
class Predictability:
    """The spread of a "how many" forecast and the weekly throughput signals per dataset."""

    days: int
    p50: int
    p95: int
    weekly: tuple[WeeklySignals, ...]

    @property
    def spread(self) -> float | None:
        return None if self.p50 == 0 else (self.p50 - self.p95) / self.p50

    @property
    def changed(self) -> bool:
        """True when any dataset's weekly throughput shows a signal."""
        return any(w.changed for w in self.weekly)

    def as_json(self) -> dict:
        return {
            "days": self.days,
            "p50": self.p50,
            "p95": self.p95,
            "spread": self.spread,
            "signals": [
                {
                    "name": w.name,
                    "weeks": len(w.week_starts),
                    "signals": [
                        {"week": w.week_starts[s["index"]].isoformat(), "rule": s["rule"]}
                        for s in w.chart.signals
                    ],
                }
                for w in self.weekly
            ],
            "changed": self.changed,
        }

    def sentence(self) -> str:
        """The one line: spread, then signals (and what they mean for the forecast)."""
        if self.spread is None:
            spread = f"The 50 % forecast for {days_text(self.days)} is 0 items: nothing to spread."
        else:
            spread = (
                f"The 95 % forecast ({items_text(self.p95)}) is {pct(100 * self.spread)} below the "
                f"50 % forecast ({items_text(self.p50)}) for the next {days_text(self.days)}."
            )
        changed = [w for w in self.weekly if w.changed]
        if not changed:
            return spread + " Weekly throughput shows no sign of change in the history window."
        rules = sorted({s["rule"] for w in changed for s in w.chart.signals})
        what = " and ".join(_RULES[r] for r in rules)
        who = "" if len(self.weekly) == 1 else " of " + ", ".join(w.name for w in changed)
        return (
            f"{spread} Weekly throughput{who} changed within the history window ({what}): "
            f"the forecast assumes a future like a past that changed."
        )


def weekly_signals(daily: Daily, options) -> WeeklySignals:
    """Whole 7-day weeks of the history window, counted back from its end, and their XmR."""
    first, last = history_window(daily, options)
    weeks = ((last - first).days + 1) // 7
    end = int((to_day(last) - daily.days[0]).astype(np.int64)) + 1
    counts = daily.counts[end - 7 * weeks : end].reshape(weeks, 7).sum(axis=1)
    first_start = to_day(last) - np.timedelta64(7 * weeks - 1, "D")
    starts = first_start + (7 * np.arange(weeks)).astype("timedelta64[D]")
    return WeeklySignals(daily.name, tuple(starts.astype(object)), xmr(counts.astype(np.float64)))


def assess(forecast: HowMany, weekly: tuple[WeeklySignals, ...]) -> Predictability:
    """:class:`Predictability` of ``forecast`` (which must report the 50 and 95 %)."""
    return Predictability(forecast.days, forecast.percentiles[50], forecast.percentiles[95], weekly)
