"""The one call behind the CLI and the page: a dataset and changes in, a :class:`FutureDesign` out.

:func:`design` measures the current state over the history window
(:func:`~.model.measure`), simulates it as it is and with the changes
(same runs, same seeds: without changes the future *is* the simulated
current state), and keeps what a page shows and a saved design needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from vsm_core.filters import ItemFilter
from vsm_core.future.changes import Change, ChangeError, parse_changes
from vsm_core.future.model import (
    FutureError,
    History,
    StreamModel,
    apply_changes,
    measure,
    rework_rates,
)
from vsm_core.future.predict import (
    MAP_COLUMNS,
    Outcome,
    comparison_table,
    measured_map,
    measured_outcome,
    simulated_map,
    simulated_outcome,
)
from vsm_core.future.simulate import DEFAULT_RUNS, DEFAULT_SEED, simulate
from vsm_core.future.wording import (
    capacity_sentences,
    prediction_sentences,
    validation_rows,
    validation_sentences,
)

#: Shortest warm-up, in days; otherwise twice the measured 85th percentile cycle time.
MIN_WARMUP_DAYS = 28.0
MAX_RUNS = 1000
#: The most items an event simulation may hold over all its runs (about 10 s of CPU).
MAX_EVENT_ITEMS = 250_000


@dataclass(frozen=True)
class FutureOptions:
    """How to measure and simulate.

    ``as_of``: metrics contract (``None``: the last event; a date: the end of
    that day). History: ``history_weeks`` (default 12) or
    ``history_from``/``history_to`` (local days, both included).
    ``item_filter``: which items count. ``runs`` (1..1000) and ``seed``.
    """

    as_of: object = None
    history_weeks: int | None = None
    history_from: date | None = None
    history_to: date | None = None
    item_filter: ItemFilter = field(default_factory=ItemFilter)
    runs: int = DEFAULT_RUNS
    seed: int = DEFAULT_SEED


@dataclass(frozen=True)
class FutureDesign:
    """A future-state design and its prediction.

    ``changes``: parsed, in the order applied; ``measured``, ``simulated``
    (current state) and ``future``: :class:`~.predict.Outcome`;
    ``current_map`` (measured), ``simulated_map`` and ``future_map``: stage
    tables (:data:`~.predict.MAP_COLUMNS`; :meth:`maps` puts now and future
    in one); ``rework``: moves back per item now
    (:func:`~.model.rework_rates`); ``validation``: rows of
    measured against simulated; ``history``, ``horizon_days``,
    ``warmup_days``, ``runs``, ``seed``; ``dataset_version_id`` and
    ``dataset_name`` when the dataset came from the store (what a saved
    design records); ``arrivals_per_week`` of the future; ``notes``:
    sentences on limited stages that cannot keep up at today's pace.
    """

    changes: tuple[Change, ...]
    measured: Outcome
    simulated: Outcome
    future: Outcome
    current_map: pd.DataFrame
    simulated_map: pd.DataFrame
    future_map: pd.DataFrame
    validation: list[dict]
    history: History
    horizon_days: float
    warmup_days: float
    runs: int
    seed: int
    arrivals_per_week: float
    notes: tuple[str, ...] = ()
    rework: pd.DataFrame | None = None
    dataset_version_id: int | None = None
    dataset_name: str | None = None
    item_filter: ItemFilter = field(default_factory=ItemFilter)

    def as_json(self) -> dict:
        """Exactly ``{"current": {"measured", "simulated"}, "future", "changes"}`` (docs/cli.md)."""
        return {
            "current": {
                "measured": self.measured.as_json(),
                "simulated": self.simulated.as_json(),
            },
            "future": self.future.as_json(),
            "changes": [change.as_json() for change in self.changes],
        }

    def sentences(self) -> list[str]:
        """The check of today, then the prediction, in plain words (:mod:`.wording`)."""
        return [
            *validation_sentences(self.measured, self.simulated),
            *prediction_sentences(
                self.changes, self.simulated, self.future, self.arrivals_per_week
            ),
            *self.notes,
        ]

    def method(self) -> str:
        """One paragraph on how this was computed, for beside the chart."""
        return (
            f"Measured on the items finished from {self.history.first} to {self.history.last}. "
            f"{self.runs} simulation runs of {self.horizon_days:.0f} days each (after "
            f"{self.warmup_days:.0f} days of warm-up), seed {self.seed}: work arrives at the "
            "measured rate and replays measured journeys through the stages; WIP limits make "
            "items wait upstream. Ranges are 90 % intervals over the runs."
        )

    def comparison(self) -> pd.DataFrame:
        """Measured, simulated and future values per measure, in words (a page's table)."""
        return comparison_table(self.measured, self.simulated, self.future)

    def maps(self) -> pd.DataFrame:
        """The current (measured) and future maps in one long table for a chart.

        Columns ``state`` (``"Now"`` or ``"Future"``) then :data:`~.predict.MAP_COLUMNS`;
        stages in map order, the current ones first.
        """
        now = self.current_map.assign(state="Now")
        later = self.future_map.assign(state="Future")
        both = pd.concat([now, later], ignore_index=True)
        return both[["state", *MAP_COLUMNS]]

    def record(self) -> dict:
        """What a saved design needs (JSON-ready): dataset version, changes (as written and in
        words), options, the items it was computed on (``scope``: work types, teams,
        attributes), the prediction and its sentences."""
        scope = self.item_filter
        return {
            "dataset_version_id": self.dataset_version_id,
            "changes": [change.text for change in self.changes],
            "changes_in_words": [change.describe() for change in self.changes],
            "history": [self.history.first.isoformat(), self.history.last.isoformat()],
            "as_of": self.history.as_of.isoformat(),
            "runs": self.runs,
            "seed": self.seed,
            "scope": {
                "work_types": list(scope.work_types),
                "teams": list(scope.teams),
                "attributes": {name: list(values) for name, values in scope.attributes},
            },
            "prediction": self.as_json(),
            "sentences": self.sentences(),
        }


def stages_of(dataset, options: FutureOptions | None = None) -> tuple[str, ...]:
    """The stages of the current-state map (what changes may name), for a page's choices."""
    model, _, _ = _measure(dataset, options or FutureOptions())
    return model.stages


def _measure(dataset, options: FutureOptions):
    return measure(
        dataset,
        as_of=options.as_of,
        history_weeks=options.history_weeks,
        history_from=options.history_from,
        history_to=options.history_to,
        item_filter=options.item_filter,
    )


def design(
    dataset, changes: Iterable[str | Change] = (), options: FutureOptions | None = None
) -> FutureDesign:
    """Measure ``dataset``, simulate it now and with ``changes`` (texts or parsed), compare.

    Raises :class:`~.model.FutureError` (a :class:`ValueError`) with a plain
    sentence for bad options or data that cannot be simulated, and
    :class:`~.changes.ChangeError` for a bad change.
    """
    options = options or FutureOptions()
    if not 1 <= options.runs <= MAX_RUNS:
        raise FutureError(f"runs must be between 1 and {MAX_RUNS}, not {options.runs}")
    model, measured, history = _measure(dataset, options)
    texts = [c.text if isinstance(c, Change) else c for c in changes]
    parsed = parse_changes(texts, model.stages)
    future_model = apply_changes(model, parsed)
    horizon = measured.window_days
    warmup = _warmup(measured)
    for state in (model, future_model):
        _check_size(state, horizon + warmup, options.runs)
    now = simulate(
        model, horizon_days=horizon, warmup_days=warmup, runs=options.runs, seed=options.seed
    )
    later = (
        now
        if not parsed
        else simulate(
            future_model,
            horizon_days=horizon,
            warmup_days=warmup,
            runs=options.runs,
            seed=options.seed,
        )
    )
    measured_out = measured_outcome(measured)
    simulated_out = simulated_outcome(now)
    future_out = simulated_out if not parsed else simulated_outcome(later)
    metadata = getattr(dataset, "metadata", {}) or {}
    return FutureDesign(
        changes=parsed,
        measured=measured_out,
        simulated=simulated_out,
        future=future_out,
        current_map=measured_map(model),
        simulated_map=simulated_map(now),
        future_map=simulated_map(later),
        validation=validation_rows(measured_out, simulated_out),
        history=history,
        horizon_days=horizon,
        warmup_days=warmup,
        runs=options.runs,
        seed=options.seed,
        arrivals_per_week=future_model.arrivals_per_day * 7.0,
        notes=tuple(capacity_sentences(future_model)),
        rework=rework_rates(model),
        dataset_version_id=metadata.get("version_id"),
        dataset_name=metadata.get("name"),
        item_filter=options.item_filter,
    )


def _check_size(model: StreamModel, days: float, runs: int) -> None:
    """Refuse, in words, an event simulation too large to answer in reasonable time.

    Streams without limits are computed directly and always allowed; an
    event run costs about 40 microseconds of CPU per item (docs/benchmarks.md),
    so :data:`MAX_EVENT_ITEMS` items over all runs is a few seconds.
    """
    expected = model.arrivals_per_day * days * runs
    if model.limits and expected > MAX_EVENT_ITEMS:
        raise FutureError(
            f"simulating about {expected:,.0f} items over {runs} runs would take too long; "
            "choose fewer runs, a shorter history, or one team or work type"
        )


def _warmup(measured) -> float:
    """Twice the measured 85th percentile cycle time, at least :data:`MIN_WARMUP_DAYS`."""
    cycle = measured.cycle_days[~np.isnan(measured.cycle_days)]
    p85 = float(np.percentile(cycle, 85)) if cycle.size else 0.0
    return max(MIN_WARMUP_DAYS, 2.0 * p85)


__all__ = [
    "ChangeError",
    "FutureDesign",
    "FutureError",
    "FutureOptions",
    "StreamModel",
    "design",
    "stages_of",
]
