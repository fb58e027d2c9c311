"""Saved designs that became experiments: the experiment a design proposes, and how far each
past prediction was from what happened (issue #14, part 1; docs/future-state.md,
*Designs and their track record*).

Definitions (the contract)
--------------------------

*The experiment a design proposes* (:func:`proposed_experiment`)
    Metric ``cycle_time_p85``; direction ``decrease`` when the predicted 85th
    percentile cycle time is below the simulated current one, else
    ``increase``; target the predicted 85th percentile (days, one decimal);
    title the design's name; hypothesis the design's prediction sentence;
    action the changes in words; scope the filters the design was computed
    on; the change date is the team's choice; the baseline is the
    experiment's default (the 12 weeks before the change date).

*Measured after the change* (:func:`after_change`)
    As the demo check of docs/future-state.md measures it: the items (of the
    design's scope) that **started** on a local day from the change date up
    to the end of the experiment's after window (default 12 weeks; cancelled
    items left out), and of them the ones **done** by the data's last event.
    ``p50``/``p85``: percentiles (numpy's linear interpolation) of the done
    items' cycle times (done − start, elapsed days). Unfinished items are
    left out, so while many are still open the measured values read short.

*Error*
    (predicted − measured) ÷ measured × 100, in percent: +10 means the design
    predicted a cycle time 10 % longer than the one that happened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from vsm_core.experiments.spec import experiment_window
from vsm_core.filters import ItemFilter, in_window
from vsm_core.flow import FlowTables, build_flow
from vsm_core.model import CanonicalDataset

#: The metric a design's experiment targets, and what its target is read from.
TARGET_METRIC = "cycle_time_p85"
#: The after window when the experiment names none (as the experiment's default window).
DEFAULT_AFTER = timedelta(weeks=12)

TRACK_COLUMNS: tuple[str, ...] = (
    "design",
    "experiment",
    "change_date",
    "started",
    "done",
    "predicted_p50",
    "measured_p50",
    "error_p50_pct",
    "predicted_p85",
    "measured_p85",
    "error_p85_pct",
)
#: Each column in plain words, for the page's table.
TRACK_LABELS: dict[str, str] = {
    "design": "Design",
    "experiment": "Experiment",
    "change_date": "Change date",
    "started": "Items started after",
    "done": "Of them done",
    "predicted_p50": "Predicted median (days)",
    "measured_p50": "Measured median (days)",
    "error_p50_pct": "Median off by (%)",
    "predicted_p85": "Predicted 85th percentile (days)",
    "measured_p85": "Measured 85th percentile (days)",
    "error_p85_pct": "85th percentile off by (%)",
}


# --------------------------------------------------------------------------- the experiment


def predicted_cycle(record: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """The predicted cycle-time (p50, p85) in days of a design's ``record``."""
    cycle = (record.get("prediction") or {}).get("future", {}).get("cycle_time_days") or {}
    return _num(cycle.get("p50")), _num(cycle.get("p85"))


def simulated_cycle_p85(record: Mapping[str, Any]) -> float | None:
    """The simulated current state's 85th percentile cycle time (days) of a design's record."""
    current = (record.get("prediction") or {}).get("current", {}).get("simulated", {})
    return _num((current.get("cycle_time_days") or {}).get("p85"))


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def proposed_experiment(
    *,
    name: str,
    record: Mapping[str, Any],
    dataset_id: int,
    change_date: date,
    owner: str,
    review_date: date | None = None,
) -> dict[str, Any]:
    """The fields of the experiment a design proposes (module docstring), for
    ``ExperimentCreate(**fields)``. Raises ``ValueError`` when the design predicted no
    85th percentile cycle time (nothing finished in its simulation)."""
    _, p85 = predicted_cycle(record)
    if p85 is None:
        raise ValueError("the design predicts no cycle time, so it has no target to test")
    now = simulated_cycle_p85(record)
    sentences = list(record.get("sentences") or [])
    prediction = next((s for s in sentences if " would " in s), None)
    changes = list(record.get("changes_in_words") or record.get("changes") or [])
    return {
        "title": name,
        "hypothesis": prediction or f"We believe that the design {name!r} will cut cycle time.",
        "action": "; ".join(changes),
        "owner": owner,
        "dataset_id": dataset_id,
        "scope": scope_of(record),
        "metric": TARGET_METRIC,
        "direction": "decrease" if now is None or p85 < now else "increase",
        "target": round(p85, 1),
        "change_date": change_date,
        "review_date": review_date,
    }


def scope_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """The experiment scope of the filters a design was computed on (one team at most)."""
    scope = record.get("scope") or {}
    teams = list(scope.get("teams") or [])
    return {
        "work_types": list(scope.get("work_types") or []),
        "team": teams[0] if len(teams) == 1 else None,
        "attributes": {k: list(v) for k, v in (scope.get("attributes") or {}).items()},
    }


def item_filter_of(record: Mapping[str, Any]) -> ItemFilter:
    """The item filter a design was computed on (its record's ``scope``)."""
    scope = record.get("scope") or {}
    return ItemFilter(
        work_types=tuple(scope.get("work_types") or ()),
        teams=tuple(scope.get("teams") or ()),
        attributes=tuple(sorted((k, tuple(v)) for k, v in (scope.get("attributes") or {}).items())),
    )


# --------------------------------------------------------------------------- the track record


@dataclass(frozen=True)
class LinkedDesign:
    """A design that became an experiment: what it predicted and when the change was made.

    ``after_end``: the last local day of the experiment's after window (included).
    """

    name: str
    experiment: str
    change_date: date
    after_end: date
    predicted_p50: float | None
    predicted_p85: float | None
    item_filter: ItemFilter = field(default_factory=ItemFilter)


@dataclass(frozen=True)
class AfterChange:
    """What happened after a change: items started in the after window, those done, and the
    done items' cycle-time percentiles (days; None when none is done)."""

    started: int
    done: int
    p50: float | None
    p85: float | None


def after_change(
    dataset: CanonicalDataset,
    change_date: date,
    after_end: date,
    item_filter: ItemFilter | None = None,
) -> AfterChange:
    """The measured cycle time after a change (module docstring), from ``dataset``."""
    if item_filter is not None:
        dataset = item_filter.apply(dataset)
    return _after(build_flow(dataset), change_date, after_end)


def _after(flow: FlowTables, change_date: date, after_end: date) -> AfterChange:
    items = flow.items
    started = in_window(items["start"], (change_date, after_end), flow.timezone)
    started &= items["state"] != "cancelled"
    done = started & (items["state"] == "done")
    cycle = items.loc[done, "cycle_time_days"].to_numpy(dtype="float64")
    cycle = cycle[~np.isnan(cycle)]
    p50, p85 = (float(v) for v in np.percentile(cycle, [50, 85])) if cycle.size else (None, None)
    return AfterChange(int(started.sum()), int(done.sum()), p50, p85)


def error_pct(predicted: float | None, measured: float | None) -> float | None:
    """(predicted − measured) ÷ measured × 100; None without both or when measured is 0."""
    if predicted is None or measured is None or measured == 0:
        return None
    return (predicted - measured) / measured * 100.0


def track_record(dataset: CanonicalDataset, linked: Sequence[LinkedDesign]) -> pd.DataFrame:
    """One row per linked design (:data:`TRACK_COLUMNS`): predicted against measured.

    Measured on ``dataset`` (the newest data of the designs' dataset). The flow
    is built once per distinct item filter (a loop over the few designs).
    """
    rows, flows = [], {}
    for entry in linked:  # a loop over the few designs
        if entry.item_filter not in flows:
            flows[entry.item_filter] = build_flow(entry.item_filter.apply(dataset))
        after = _after(flows[entry.item_filter], entry.change_date, entry.after_end)
        rows.append(
            {
                "design": entry.name,
                "experiment": entry.experiment,
                "change_date": entry.change_date,
                "started": after.started,
                "done": after.done,
                "predicted_p50": entry.predicted_p50,
                "measured_p50": after.p50,
                "error_p50_pct": error_pct(entry.predicted_p50, after.p50),
                "predicted_p85": entry.predicted_p85,
                "measured_p85": after.p85,
                "error_p85_pct": error_pct(entry.predicted_p85, after.p85),
            }
        )
    frame = pd.DataFrame(rows, columns=list(TRACK_COLUMNS))
    for column in TRACK_COLUMNS[5:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def linked_design(design: Any, experiment: Any) -> LinkedDesign:
    """A stored design and its experiment (any objects with their fields) as a
    :class:`LinkedDesign`; the after window ends where the experiment's does."""
    _, end = experiment_window(experiment)
    p50, p85 = predicted_cycle(design.record or {})
    return LinkedDesign(
        name=design.name,
        experiment=f"{experiment.id}: {experiment.title}",
        change_date=experiment.change_date,
        after_end=end - timedelta(days=1),
        predicted_p50=p50,
        predicted_p85=p85,
        item_filter=item_filter_of(design.record or {}),
    )


def predicted_against_actual(name: str, record: Mapping[str, Any], after: AfterChange) -> str:
    """One sentence for an experiment's result: what the design ``name`` predicted for the
    85th percentile cycle time (with its 90 % interval) against what happened (``after``).

    ``name`` is user text, returned as typed: the caller makes it inert where it shows it.
    """
    cycle = (record.get("prediction") or {}).get("future", {}).get("cycle_time_days") or {}
    predicted = _num(cycle.get("p85"))
    interval = cycle.get("p85_interval")
    if predicted is None:
        return f"The design {name!r} predicted no cycle time."
    said = f"The design {name!r} predicted an 85th percentile cycle time of about {predicted:.1f}"
    if interval and None not in interval:
        said += f" days ({float(interval[0]):.1f}–{float(interval[1]):.1f})"
    else:
        said += " days"
    if after.p85 is None:
        return f"{said}; no item that started after the change is done yet."
    off = error_pct(predicted, after.p85)
    share = "" if off is None else f", off by {off:+.0f} %"
    return (
        f"{said}; the {after.done} items done of the {after.started} that started after the "
        f"change took {after.p85:.1f}{share}."
    )


def experiment_result_sentence(dataset: CanonicalDataset, design: Any, experiment: Any) -> str:
    """For an experiment that came from a design (any objects with their fields): the design's
    prediction against what ``dataset`` shows after the change (:func:`after_change` over the
    experiment's after window, the design's scope), in one sentence
    (:func:`predicted_against_actual`; the design's name as typed)."""
    linked = linked_design(design, experiment)
    after = after_change(dataset, linked.change_date, linked.after_end, linked.item_filter)
    return predicted_against_actual(design.name, design.record or {}, after)
