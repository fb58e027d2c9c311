"""The Forecast page's words and tables: methods written beside each chart, column names.

Pure functions of results and settings (no Streamlit calls), so the page module
keeps to its widgets and the tests can read what the page says.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ui.plain import md


def finish_dates(as_of_day: date, finish_days: np.ndarray) -> np.ndarray:
    """Each trial's finish date (``datetime64[D]``; NaT for a trial that never finishes)."""
    days = np.asarray(finish_days, dtype="float64")
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    finite = np.isfinite(days)
    out[finite] = np.datetime64(as_of_day, "D") + days[finite].astype("int64")
    return out


# --------------------------------------------------------------------------- tables

HOW_MANY_COLUMNS = {
    "items": "Items completed",
    "trials": "Trials",
    "share": "Share of trials",
    "at_least": "Chance of at least this many",
}
WHEN_COLUMNS = {
    "date": "Done on",
    "days": "Days after the as-of date",
    "trials": "Trials",
    "share": "Share of trials",
    "done_by": "Chance of being done by this date",
}
ITEM_COLUMNS = {
    "item_id": "Item",
    "title": "Title",
    "type": "Work type",
    "stage": "Stage",
    "age_days": "Age (days)",
    "p50_done": "50 % done by",
    "p85_done": "85 % done by",
    "p85_cycle_days": "Cycle time at 85 % (days)",
}
BACKTEST_COLUMNS = {
    "date": "Forecast made on",
    "p50": "50 %: at least",
    "p70": "70 %: at least",
    "p85": "85 %: at least",
    "p95": "95 %: at least",
    "actual": "Actually completed",
}
_DATE_COLUMNS = ("date", "p50_done", "p85_done")
#: Days with one decimal in the item tables; a missing value is an empty cell.
_DAY_COLUMNS = ("age_days", "p85_cycle_days")


def plain_columns(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``frame``'s columns in ``names`` (those present), renamed to plain words; dates as
    ``2027-01-14`` text, item days as ``12.3``, and a missing value as an empty cell."""
    kept = frame[[c for c in names if c in frame.columns]].copy()
    for column in _DATE_COLUMNS:
        if column in kept.columns:
            stamps = pd.to_datetime(kept[column].astype(object), errors="coerce")
            kept[column] = stamps.dt.strftime("%Y-%m-%d").fillna("")
    for column in _DAY_COLUMNS:
        if column in kept.columns:
            days = pd.to_numeric(kept[column], errors="coerce").round(1)
            kept[column] = days.map("{:.1f}".format, na_action="ignore").fillna("")
    return kept.rename(columns=names).reset_index(drop=True)


# --------------------------------------------------------------------------- methods


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def history_text(histories) -> str:
    """Each dataset's sampled history in words (dataset names made inert)."""
    parts = [
        f"{md(h.name) + ': ' if len(histories) > 1 else ''}{h.days:,} days from "
        f"{_day(h.first_day)} to {_day(h.last_day)}, {h.completed:,} items completed"
        for h in histories
    ]
    return "; ".join(parts)


def _calendar(settings_workdays: bool) -> str:
    return (
        "working days only (weekends and the days off are neither sampled nor simulated)"
        if settings_workdays
        else "every calendar day"
    )


def how_many_method(result, workdays: bool) -> str:
    return (
        f"Monte Carlo simulation, {result.trials:,} trials (seed {result.seed}): each trial "
        f"simulates the {result.simulated_days:,} days from {_day(result.start)} to "
        f"{_day(result.end)} ({_calendar(workdays)}), each day drawing the completed count of "
        f"a random day of the history ({history_text(result.histories)}); with several "
        "datasets each draws from its own history and the counts are added. Bars: share of "
        "trials completing each number of items; line: the chance of at least that many. The "
        "85 % value is the largest number that 85 % of the trials reached or passed. Assumes "
        "the coming days look like the sampled ones."
    )


def when_method(result, workdays: bool) -> str:
    return (
        f"Monte Carlo simulation, {result.trials:,} trials (seed {result.seed}): each trial "
        f"simulates day after day from {_day(result.start)} ({_calendar(workdays)}), each day "
        f"drawing the completed count of a random day of the history "
        f"({history_text(result.histories)}), until the items are done; a trial not done "
        f"within {result.max_days // 365} years never finishes. With several datasets their "
        "daily counts are added and count toward the same items. Bars: share of trials "
        "finishing on each date (or week); line: the chance of being done by that date. The "
        "85 % date is the earliest date by which 85 % of the trials were done."
    )


def items_method(result) -> str:
    return (
        f"Kaplan–Meier estimate of cycle time from the {result.finished:,} items finished "
        f"from {_day(result.history_from)} to {_day(result.history_to)} and the "
        f"{result.censored:,} still in progress, counted as unfinished (their cycle time is "
        "at least their age). Of the past items that were still going at an item's age, half "
        "finished by its 50 % date and 85 % by its 85 % date. Thin line: as of now to the "
        "50 % date; thick line: 50 % to 85 %; red: the 85 % date is past the SLE; grey: no "
        "finished item in the history was that old, so the history cannot tell."
    )


AGING_METHOD = (
    "Every item in progress by stage and age (as on Flow metrics; colour = pace against past "
    "cycle times: green < 50th percentile, yellow < 70th, orange < 85th, red beyond). Grey "
    "segment: the age the item will likely have when done, from its 50 % to its 85 % "
    "forecast; red ring: its 85 % date is past the SLE. Point at an item for its dates."
)


def backtest_method(result) -> str:
    return (
        f"Walking forward through the history: on every Monday with {result.history_days:,} "
        f"days of history before it and {result.horizon_days:,} days after it, the forecast "
        f"'how many in the next {result.horizon_days:,} days' is made from those "
        f"{result.history_days:,} days only ({result.trials:,} trials, as on the How many "
        "view), then compared with the items actually completed. A forecast came true when "
        "the actual count reached its value: the 85 % forecast should come true in about 85 % "
        "of the weeks (a little more, because counts are whole numbers). Band: from the 85 % "
        "value (95 %, lighter) up to the 50 % value; dots: what happened."
    )
