"""Large synthetic datasets for the benchmarks, generated with numpy only.

:func:`synthetic_dataset` builds ``n_items`` work items and their status
events for a six-stage workflow (Backlog -> Ready -> In Progress -> Review ->
Testing -> Done, plus Cancelled). Nothing loops over items or events in
Python: every item draws one of a few status *paths* (:data:`PATHS`) and the
event log is laid out with ``np.repeat`` / ``np.cumsum`` over the whole
dataset, so a million events take well under a second to generate.

What the data contains:

* items created uniformly over one year (:data:`SPAN_START` + 365 days, in
  creation order, ids ``BEN-1``, ``BEN-2``, ...), types Feature / Defect /
  Risk / Debt, three teams, labels, ``Priority`` and ``Component``
  attributes, and ``blocked_days`` > 0 for a few percent;
* 3 to 8 status events per item (about 6.7 on average, so 150,000 items give
  about one million events): finished items, rework (Review -> In Progress,
  Testing -> In Progress), cancellations, an item sent back to the backlog,
  and work still in progress when the data ends;
* two raw statuses for most stages ("Backlog" / "To Do", ...), chosen per
  item, so the workflow mapping is exercised;
* time gaps between status changes drawn from a log-normal distribution per
  stage (at least one minute, so each item's events are strictly ordered, and
  at most six times the stage's median, so no item runs on for years).

The output is deterministic for a given ``(n_items, seed)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.model import CanonicalDataset, Category, Stage, Workflow, make_dataset

SPAN_START = np.datetime64("2025-01-06T00:00:00", "us")
SPAN_SECONDS = 365 * 86_400

BACKLOG, READY, IN_PROGRESS, REVIEW, TESTING, DONE, CANCELLED = range(7)

#: Stage name, category and raw statuses (the first is the usual one; the
#: second, when present, is used by about a quarter of the items).
STAGES: tuple[tuple[str, Category, tuple[str, ...]], ...] = (
    ("Backlog", Category.BACKLOG, ("Backlog", "To Do")),
    ("Ready", Category.WAITING, ("Ready", "Selected for Development")),
    ("In Progress", Category.ACTIVE, ("In Progress",)),
    ("Review", Category.WAITING, ("In Review", "Code Review")),
    ("Testing", Category.ACTIVE, ("Testing", "QA")),
    ("Done", Category.DONE, ("Done", "Released")),
    ("Cancelled", Category.CANCELLED, ("Cancelled", "Won't Do")),
)
_P_ALT_STATUS = 0.25

B, R, P, V, T, D, C = BACKLOG, READY, IN_PROGRESS, REVIEW, TESTING, DONE, CANCELLED

#: (stage path, share of items). 3 to 8 events each; mean about 6.7 events.
PATHS: tuple[tuple[tuple[int, ...], float], ...] = (
    ((B, R, P, V, T, D), 0.22),  # straight through
    ((B, R, P, V, P, V, T, D), 0.40),  # review sends it back once
    ((B, R, P, V, P, V, D), 0.08),  # rework, no testing
    ((B, P, V, D), 0.03),  # urgent: skips Ready and Testing
    ((B, R, P, T, P, T, D), 0.04),  # testing sends it back
    ((B, R, C), 0.03),  # cancelled before starting work
    ((B, R, P, C), 0.02),  # cancelled during work
    ((B, R, B), 0.02),  # sent back to the backlog (not started)
    ((B, R, P), 0.02),  # unfinished: in progress
    ((B, R, P, V, P), 0.03),  # unfinished: back in progress after review
    ((B, R, P, V, P, V, T), 0.03),  # unfinished: testing after rework
    ((B, R, P, V, T), 0.03),  # unfinished: testing
    ((B, R, P, V, P, V, P, V), 0.05),  # unfinished: reworked twice, in review
)

#: Median time spent in a stage before the next status change, in hours.
_MEDIAN_HOURS = np.array([240.0, 48.0, 72.0, 24.0, 36.0, 24.0, 24.0])
_SIGMA = 0.9
_MIN_GAP_SECONDS = 60
_MAX_GAP_FACTOR = 6.0  # cut the log-normal tail: no stay longer than 6x the median

_TYPES = ("Feature", "Defect", "Risk", "Debt")
_TYPE_SHARES = (0.50, 0.30, 0.08, 0.12)
_TEAMS = ("Team A", "Team B", "Team C")
_TEAM_SHARES = (0.5, 0.3, 0.2)
_LABEL_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("backend",),
    ("frontend",),
    ("api", "backend"),
    ("mobile",),
    ("frontend", "mobile"),
)
_LABEL_SHARES = (0.35, 0.2, 0.2, 0.1, 0.1, 0.05)
_PRIORITIES = ("High", "Medium", "Low")
_PRIORITY_SHARES = (0.25, 0.5, 0.25)
_COMPONENTS = ("Billing", "Orders", "Accounts", "Reporting")
_P_BLOCKED = 0.05


def synthetic_workflow() -> Workflow:
    """The benchmark workflow: six ordered stages plus Cancelled; commitment at Ready."""
    return Workflow(
        stages=tuple(
            Stage(name=name, statuses=statuses, category=category)
            for name, category, statuses in STAGES
        ),
        start="Ready",
    )


def mean_events_per_item() -> float:
    """The expected number of events per item (for choosing sizes)."""
    return float(sum(len(path) * share for path, share in PATHS))


def _object_array(values: list) -> np.ndarray:
    """A 1-d object array of ``values`` (tuples and dicts kept as single cells)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _take_text(values, codes: np.ndarray) -> pd.Series:
    """``values[codes]`` as a ``str`` series (one vectorised take, no Python objects)."""
    return pd.Series(pd.array(list(values), dtype="str").take(codes), dtype="str")


def synthetic_frames(n_items: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, Workflow]:
    """Raw item and event frames (not yet validated) plus the workflow.

    Split from :func:`synthetic_dataset` so that ``make_dataset`` can be
    timed on its own.
    """
    if n_items < 1:
        raise ValueError("n_items must be at least 1")
    rng = np.random.default_rng(seed)

    # -- items ----------------------------------------------------------------------
    created = SPAN_START + np.sort(rng.integers(0, SPAN_SECONDS, size=n_items)).astype(
        "timedelta64[s]"
    ).astype("timedelta64[us]")
    numbers = pd.Series(np.arange(1, n_items + 1)).astype("str")
    item_ids = "BEN-" + numbers
    type_code = rng.choice(len(_TYPES), size=n_items, p=_TYPE_SHARES)
    types = _take_text(_TYPES, type_code)
    team_code = rng.choice(len(_TEAMS), size=n_items, p=_TEAM_SHARES)
    teams = _take_text(_TEAMS, team_code)
    label_sets = _object_array(list(_LABEL_SETS))
    labels = label_sets[rng.choice(len(_LABEL_SETS), size=n_items, p=_LABEL_SHARES)]
    # One dict per (priority, component) pair, shared between items; make_items copies.
    attribute_sets = _object_array(
        [{"Priority": p, "Component": c} for p in _PRIORITIES for c in _COMPONENTS]
    )
    priority_code = rng.choice(len(_PRIORITIES), size=n_items, p=_PRIORITY_SHARES)
    component_code = rng.integers(0, len(_COMPONENTS), size=n_items)
    attributes = attribute_sets[priority_code * len(_COMPONENTS) + component_code]
    blocked = np.where(
        rng.random(n_items) < _P_BLOCKED, np.round(rng.gamma(2.0, 2.0, size=n_items), 1), 0.0
    )
    items = pd.DataFrame(
        {
            "item_id": item_ids,
            "title": types + ": synthetic work item " + numbers,
            "type": types,
            "team": teams,
            "created_at": pd.Series(created).dt.tz_localize("UTC"),
            "labels": labels,
            "attributes": attributes,
            "blocked_days": blocked,
        }
    )

    # -- events: each item follows one path ---------------------------------------------
    paths = [np.asarray(path, dtype=np.int64) for path, _ in PATHS]
    shares = np.array([share for _, share in PATHS])
    path_len = np.array([len(path) for path in paths])
    path_start = np.concatenate([[0], np.cumsum(path_len)[:-1]])
    flat_paths = np.concatenate(paths)

    path_code = rng.choice(len(paths), size=n_items, p=shares / shares.sum())
    lengths = path_len[path_code]
    n_events = int(lengths.sum())
    event_item = np.repeat(np.arange(n_items), lengths)
    item_first_event = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    step = np.arange(n_events) - np.repeat(item_first_event, lengths)
    stage = flat_paths[np.repeat(path_start[path_code], lengths) + step]

    # Gap before each event: the time spent in the previous event's stage.
    previous_stage = np.empty(n_events, dtype=np.int64)
    previous_stage[0] = BACKLOG
    previous_stage[1:] = stage[:-1]
    median_seconds = _MEDIAN_HOURS[previous_stage] * 3600.0
    gaps = np.clip(
        rng.lognormal(np.log(median_seconds), _SIGMA),
        _MIN_GAP_SECONDS,
        _MAX_GAP_FACTOR * median_seconds,
    ).astype(np.int64)
    gaps[item_first_event] = 0  # the first event is the item's creation
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[item_first_event], lengths)
    entered = created[event_item] + elapsed.astype("timedelta64[s]").astype("timedelta64[us]")

    # Raw status: the stage's usual status, or its alternative for some items.
    names = [status for _, _, statuses in STAGES for status in statuses]
    first_code = np.cumsum([0] + [len(statuses) for _, _, statuses in STAGES[:-1]])
    has_alt = np.array([len(statuses) > 1 for _, _, statuses in STAGES])
    uses_alt = (rng.random(n_items) < _P_ALT_STATUS)[event_item] & has_alt[stage]
    status_code = first_code[stage] + uses_alt
    statuses = _take_text(names, status_code)

    events = pd.DataFrame(
        {
            "item_id": pd.Series(item_ids.array.take(event_item), dtype="str"),
            "status": statuses,
            "entered_at": pd.Series(entered).dt.tz_localize("UTC"),
            "seq": np.arange(n_events, dtype=np.int64),
        }
    )
    return items, events, synthetic_workflow()


def synthetic_dataset(n_items: int, seed: int = 1) -> CanonicalDataset:
    """A validated synthetic dataset of ``n_items`` items (about 6.7 events each).

    Events are grouped by item and in time order within an item (``seq`` is
    the row number), as in an issue tracker's changelog export.
    """
    items, events, workflow = synthetic_frames(n_items, seed)
    metadata = {"generator": "benchmarks.synthetic", "seed": int(seed), "n_items": int(n_items)}
    return make_dataset(items, events, workflow, timezone="UTC", metadata=metadata)
