"""The future-state result in plain sentences (docs/future-state.md, *How to read it*).

* The check of today: the simulated current state against the measured one,
  per cycle- and lead-time percentile; any off by more than
  :data:`TOLERANCE` (15 %) is named, with a warning that the predictions
  are then less trustworthy.
* The prediction: "Halving the time in Review would bring the 85th
  percentile cycle time from 17 to about 13 days (12–14)." The "from" is
  the simulated current state (so the model's own bias cancels out), the
  "about" the future's pooled value, the brackets its 90 % interval.
* A pile-up warning when the future finishes clearly less than arrives
  (work would queue without end), and a sentence for each limited active
  stage that cannot keep up at today's time per item.

Numbers: days of 10 or more are whole, smaller ones have one decimal.
"""

from __future__ import annotations

import numpy as np

from vsm_core.future.changes import Change
from vsm_core.future.model import StreamModel
from vsm_core.future.predict import Outcome

#: The largest relative difference between measured and simulated p50/p85 called a match.
TOLERANCE = 0.15
#: Future throughput below this share of the arrivals, and this many items a week short, is a
#: pile-up.
PILE_UP_SHARE = 0.9
MIN_SHORTFALL = 0.5

_LABELS = {
    "cycle_p50": "cycle time, 50th percentile",
    "cycle_p85": "cycle time, 85th percentile",
    "lead_p50": "lead time, 50th percentile",
    "lead_p85": "lead time, 85th percentile",
}


def days(value: float | None) -> str:
    """``17`` for 17.3, ``4.2`` for 4.24; empty for None."""
    if value is None:
        return ""
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def validation_rows(measured: Outcome, simulated: Outcome) -> list[dict]:
    """Per percentile: measured, simulated, relative difference and whether within tolerance."""
    rows = []
    for key, label in _LABELS.items():
        m, s = measured[key], simulated[key]
        off = None if m is None or s is None or m == 0 else abs(s - m) / abs(m)
        rows.append(
            {
                "measure": label,
                "measured": m,
                "simulated": s,
                "difference": off,
                "within": off is not None and off <= TOLERANCE,
            }
        )
    return rows


def validation_sentences(measured: Outcome, simulated: Outcome) -> list[str]:
    """Whether the simulator reproduces today (module docstring)."""
    rows = validation_rows(measured, simulated)
    text = (
        f"Checked against today: the simulated current state has a cycle time of "
        f"{days(simulated['cycle_p50'])} days at the 50th and {days(simulated['cycle_p85'])} at "
        f"the 85th percentile; measured {days(measured['cycle_p50'])} and "
        f"{days(measured['cycle_p85'])}."
    )
    off = [row for row in rows if not row["within"]]
    if not off:
        return [text + " Cycle and lead time percentiles are within 15 % of the measured ones."]
    named = "; ".join(
        f"{row['measure']} measured {days(row['measured'])}, simulated {days(row['simulated'])}"
        for row in off
    )
    return [
        text,
        f"The simulator does not reproduce today within 15 % ({named}), "
        "so its predictions are less trustworthy.",
    ]


def prediction_sentences(
    changes: tuple[Change, ...], current: Outcome, future: Outcome, arrivals_per_week: float
) -> list[str]:
    """What the changes would do (module docstring); one sentence when there are none."""
    if not changes:
        return [
            "No change: the future equals the simulated current state "
            f"(cycle time {days(current['cycle_p50'])} days at the 50th and "
            f"{days(current['cycle_p85'])} at the 85th percentile)."
        ]
    what = _join([c.describe() for c in changes])
    if future["cycle_p50"] is None:
        return [f"{what} would leave no item finished in the simulated stretch."]
    out = [
        f"{what} would bring the 85th percentile cycle time from {days(current['cycle_p85'])} "
        f"to about {_with_interval(future, 'cycle_p85')} days, and the median from "
        f"{days(current['cycle_p50'])} to about {_with_interval(future, 'cycle_p50')}.",
        f"Lead time, 85th percentile: from {days(current['lead_p85'])} to about "
        f"{_with_interval(future, 'lead_p85')} days. Throughput: about "
        f"{_plain(future['throughput_per_week'])} items a week (now "
        f"{_plain(current['throughput_per_week'])}); work in progress about "
        f"{_plain(future['wip_mean'])} items (now {_plain(current['wip_mean'])}).",
    ]
    throughput = future["throughput_per_week"] or 0.0
    shortfall = arrivals_per_week - throughput
    if throughput < PILE_UP_SHARE * arrivals_per_week and shortfall >= MIN_SHORTFALL:
        out.append(
            f"Work would pile up: about {_plain(throughput)} items a week would finish while "
            f"{_plain(arrivals_per_week)} arrive, so waiting keeps growing the longer this runs."
        )
    return out


def capacity_sentences(model: StreamModel) -> list[str]:
    """A sentence per limited active stage that cannot keep up at today's time per item.

    A limit of N on a stage whose visits take D days on average lets at most
    N / D visits a day through; when fewer than reach it, work queues
    before it (the model keeps each visit's measured time: it cannot know how
    much of it was spent on other work).
    """
    visits = np.bincount(model.visit_stage, minlength=len(model.stages))
    days = np.bincount(model.visit_stage, weights=model.visit_days, minlength=len(model.stages))
    out = []
    for s, name in enumerate(model.stages):  # a loop over stages
        limit = model.limits.get(name)
        if limit is None or model.categories[s] != "active" or visits[s] == 0:
            continue
        reach = model.arrivals_per_day * visits[s] / model.journeys * 7.0
        most = limit / (days[s] / visits[s]) * 7.0
        if most < reach:
            out.append(
                f"At today's time per item, {name} can finish at most {most:.1f} items a week "
                f"with a limit of {limit}, fewer than the {reach:.1f} a week that reach it: "
                "work queues before it. The model keeps each item's measured time there; if "
                "fewer items at once make each go faster, it will be better than this."
            )
    return out


def _with_interval(outcome: Outcome, key: str) -> str:
    interval = outcome.intervals.get(key)
    text = days(outcome[key])
    if interval is None or not text:
        return text
    return f"{text} ({days(interval[0])}–{days(interval[1])})"


def _plain(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _join(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    tail = [p[0].lower() + p[1:] if not p.startswith("A WIP") else "a" + p[1:] for p in parts[1:]]
    return ", ".join([parts[0], *tail[:-1]]) + " and " + tail[-1]
