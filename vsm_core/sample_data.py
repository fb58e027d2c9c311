"""A deterministic, realistic demo team: the data behind the app's "Demo team" dataset.

:func:`generate_demo_dataset` builds about nine months of work items and their
status events (2026-01-05 .. 2026-10-02, all times UTC) for one team, through
:func:`vsm_core.model.make_dataset`. The data is fully determined by the seed:
the only source of randomness is ``numpy.random.default_rng(seed)``, and all
dates are fixed (nothing depends on today's date).

What the data contains, so metrics and charts have something to show:

* about ``n_items`` items created at a roughly steady rate, on weekdays
  mostly, at working-hours times with minutes and seconds;
* four work types (Feature ~50%, Defect ~30%, Debt ~12%, Risk ~8%) with
  type-specific stage durations (defects flow fastest, features slowest);
* skipped stages (urgent items go straight from Backlog to In Progress, small
  items skip Review or Testing), rework (Review -> In Progress -> Review),
  cancellations (mostly from Backlog or Ready), blocked items (``blocked_days``
  > 0 and a correspondingly longer stay in one stage), items parked in the
  backlog for good, and work still in progress when the data ends;
* a process change on :data:`PROCESS_CHANGE_DATE` (a WIP limit): items that
  reach the commitment point on or after that date spend about half as long
  waiting in queues, so their median cycle time is about 0.7x the earlier one.

Stage durations are drawn in *working hours* (Monday-Friday, 09:00-17:00 UTC)
and laid onto the calendar, so status changes happen during the working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd

from vsm_core.model import CanonicalDataset, Category, Stage, Workflow, make_dataset

DEMO_DATASET_NAME = "Demo team"
DEMO_TEAM = "Demo team"

#: First and last calendar day of the demo data (inclusive). No event is later
#: than the end of :data:`SPAN_END` (UTC).
SPAN_START = date(2026, 1, 5)
SPAN_END = date(2026, 10, 2)

#: The day the demo team introduced a WIP limit. Items whose commitment (first
#: entry into Ready or a later working stage) is on or after this day wait less.
PROCESS_CHANGE_DATE = date(2026, 6, 1)

# --- tuning knobs ------------------------------------------------------------

_WORKDAY_START = time(9, 0)
_WORKDAY_HOURS = 8.0
_MIN_STAY = timedelta(minutes=10)  # keeps every item's events strictly ordered

#: Duration multipliers for items committed on/after the process change.
_AFTER_CHANGE_WAITING = 0.55
_AFTER_CHANGE_ACTIVE = 0.9

_TYPE_SHARES: dict[str, float] = {"Feature": 0.50, "Defect": 0.30, "Risk": 0.08, "Debt": 0.12}
_PRIORITY_SHARES: dict[str, tuple[float, float, float]] = {  # High, Medium, Low
    "Feature": (0.20, 0.55, 0.25),
    "Defect": (0.45, 0.40, 0.15),
    "Risk": (0.35, 0.45, 0.20),
    "Debt": (0.10, 0.50, 0.40),
}
_PRIORITIES = ("High", "Medium", "Low")
#: Backlog wait multiplier by priority: high-priority items are pulled sooner.
_PRIORITY_BACKLOG_FACTOR = {"High": 0.35, "Medium": 1.0, "Low": 2.0}
_COMPONENTS = ("Billing", "Orders", "Accounts", "Reporting")
_LABELS = ("frontend", "backend", "api", "mobile")

_P_PARKED = 0.04  # stays in the backlog for good
_P_CANCEL = {"Backlog": 0.03, "Ready": 0.015, "In Progress": 0.005}
_P_BLOCKED = 0.03
_P_REWORK = 0.11  # of the items that go through Review
_BLOCKED_STAGE_SHARES = {"In Progress": 0.6, "Review": 0.2, "Testing": 0.2}


@dataclass(frozen=True)
class _Profile:
    """Per work type: median stage durations in working hours and skip odds."""

    backlog: float
    ready: float
    in_progress: float
    review: float
    testing: float
    p_skip_ready: float
    p_skip_review: float
    p_skip_testing: float


_PROFILES: dict[str, _Profile] = {
    "Feature": _Profile(80, 24, 28, 12, 12, 0.03, 0.03, 0.10),
    "Defect": _Profile(20, 10, 12, 6, 8, 0.30, 0.08, 0.10),
    "Risk": _Profile(40, 16, 16, 8, 8, 0.10, 0.10, 0.40),
    "Debt": _Profile(120, 24, 20, 8, 8, 0.05, 0.10, 0.50),
}
_SIGMA = {"backlog": 1.0, "waiting": 0.8, "active": 0.6}

_STAGE_CATEGORY = {
    "Ready": Category.WAITING,
    "In Progress": Category.ACTIVE,
    "Review": Category.WAITING,
    "Testing": Category.ACTIVE,
}

# Raw statuses per stage; the first is the usual one, the others are used by
# some items (a team's tool rarely has one clean name per stage).
_RAW_STATUSES: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "Backlog": (("Backlog", "To Do"), (0.7, 0.3)),
    "Ready": (("Ready", "Selected for Development"), (0.75, 0.25)),
    "In Progress": (("In Progress",), (1.0,)),
    "Review": (("In Review", "Code Review"), (0.6, 0.4)),
    "Testing": (("Testing", "QA"), (0.7, 0.3)),
    "Done": (("Done", "Released"), (0.8, 0.2)),
    "Cancelled": (("Cancelled", "Won't Do"), (0.7, 0.3)),
}

_FEATURE_VERBS = (
    "Export",
    "Import",
    "Filter",
    "Search",
    "Share",
    "Schedule",
    "Archive",
    "Preview",
    "Tag",
    "Sync",
)
_NOUNS = (
    "invoices",
    "orders",
    "customer notes",
    "reports",
    "user profiles",
    "payments",
    "shipments",
    "subscriptions",
    "product photos",
    "support tickets",
)
_FEATURE_SUFFIXES = ("", " as CSV", " by date", " on mobile", " for admins", " in bulk")
_DEFECT_SYMPTOMS = (
    "page crashes on save",
    "list times out",
    "totals are off by one cent",
    "duplicated after retry",
    "not shown on mobile",
    "export has the wrong encoding",
    "sorted in the wrong order",
)
_RISK_TEMPLATES = (
    "review access rights to {noun}",
    "load-test the {noun} API",
    "back up {noun} data",
    "add audit logging for {noun}",
    "patch vulnerable dependency in {noun}",
)
_DEBT_TEMPLATES = (
    "refactor the {noun} service",
    "remove dead code in {noun}",
    "migrate {noun} to the new schema",
    "add missing tests for {noun}",
    "upgrade {noun} dependencies",
)


def demo_workflow() -> Workflow:
    """The demo team's workflow: Backlog -> Ready -> In Progress -> Review -> Testing -> Done.

    Cancelled is a separate terminal stage. The commitment point is set
    explicitly to ``"Ready"``: the team pulls an item into Ready when it commits
    to doing it next (a common Kanban replenishment policy), so time queued in
    Ready is part of cycle time and the WIP limit introduced on
    :data:`PROCESS_CHANGE_DATE` shows up there. (It is also the first waiting
    or active stage, i.e. what the model would pick by default.)
    """
    stages = [
        ("Backlog", Category.BACKLOG),
        ("Ready", Category.WAITING),
        ("In Progress", Category.ACTIVE),
        ("Review", Category.WAITING),
        ("Testing", Category.ACTIVE),
        ("Done", Category.DONE),
        ("Cancelled", Category.CANCELLED),
    ]
    return Workflow(
        stages=tuple(
            Stage(name=name, statuses=_RAW_STATUSES[name][0], category=category)
            for name, category in stages
        ),
        start="Ready",
    )


def generate_demo_dataset(seed: int = 7, n_items: int = 600) -> CanonicalDataset:
    """Generate the demo team's items and status events.

    Args:
        seed: seed for ``numpy.random.default_rng``; the same seed (and
            ``n_items``) always gives identical frames.
        n_items: number of work items to create over the span (>= 1).

    Returns:
        A :class:`~vsm_core.model.CanonicalDataset` with timezone ``"UTC"``:
        ``items`` (ids ``DEMO-101``, ``DEMO-102``, ... in creation order;
        ``blocked_days`` in calendar days, 0.0 for items never blocked) and
        ``events`` (one row per status entry, grouped by item and in time
        order within an item; ``seq`` is the row number). ``metadata`` records
        the generator, seed, span and process-change date as strings/ints.
    """
    if n_items < 1:
        raise ValueError("n_items must be at least 1")
    rng = np.random.default_rng(seed)
    cutoff = datetime.combine(SPAN_END + timedelta(days=1), time(0), tzinfo=UTC)
    change_at = datetime.combine(PROCESS_CHANGE_DATE, time(0), tzinfo=UTC)

    item_rows: list[dict[str, object]] = []
    event_rows: list[tuple[str, str, datetime]] = []
    for number, created_at in enumerate(_creation_times(rng, n_items), start=101):
        item = _item_attributes(rng, f"DEMO-{number}", created_at)
        path, blocked = _item_path(
            rng, item["type"], item["attributes"]["Priority"], created_at, change_at
        )
        kept = [(status, at) for status, at in path if at < cutoff]
        item["blocked_days"] = _blocked_days_seen(blocked, cutoff)
        item_rows.append(item)
        event_rows.extend((item["item_id"], status, at) for status, at in kept)

    items = pd.DataFrame(item_rows)
    events = pd.DataFrame(event_rows, columns=["item_id", "status", "entered_at"])
    events["seq"] = np.arange(len(events), dtype="int64")
    metadata = {
        "generator": "vsm_core.sample_data",
        "seed": int(seed),
        "n_items": int(n_items),
        "span_start": SPAN_START.isoformat(),
        "span_end": SPAN_END.isoformat(),
        "process_change_date": PROCESS_CHANGE_DATE.isoformat(),
    }
    return make_dataset(items, events, demo_workflow(), timezone="UTC", metadata=metadata)


# --- items -------------------------------------------------------------------


def _creation_times(rng: np.random.Generator, n_items: int) -> list[datetime]:
    """``n_items`` sorted creation times over the span: weekdays mostly, 08:00-18:30."""
    days = pd.date_range(SPAN_START, SPAN_END, freq="D")
    weights = np.where(days.day_of_week < 5, 1.0, 0.04)
    picked = rng.choice(len(days), size=n_items, p=weights / weights.sum())
    seconds = rng.integers(8 * 3600, 18 * 3600 + 1800, size=n_items)
    times = sorted(
        datetime.combine(days[int(d)].date(), time(0), tzinfo=UTC) + timedelta(seconds=int(s))
        for d, s in zip(picked, seconds, strict=True)
    )
    return times


def _item_attributes(
    rng: np.random.Generator, item_id: str, created_at: datetime
) -> dict[str, object]:
    """The item row except ``blocked_days``: type, title, labels and attributes."""
    work_type = str(rng.choice(list(_TYPE_SHARES), p=list(_TYPE_SHARES.values())))
    priority = str(rng.choice(_PRIORITIES, p=_PRIORITY_SHARES[work_type]))
    n_labels = int(rng.choice(3, p=(0.35, 0.45, 0.20)))
    labels = tuple(sorted(str(x) for x in rng.choice(_LABELS, size=n_labels, replace=False)))
    return {
        "item_id": item_id,
        "title": _title(rng, work_type),
        "type": work_type,
        "team": DEMO_TEAM,
        "created_at": created_at,
        "labels": labels,
        "attributes": {"Priority": priority, "Component": str(rng.choice(_COMPONENTS))},
    }


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return str(options[int(rng.integers(len(options)))])


def _title(rng: np.random.Generator, work_type: str) -> str:
    """A short human title such as ``"Feature: Export invoices as CSV"``."""
    noun = _pick(rng, _NOUNS)
    if work_type == "Feature":
        text = f"{_pick(rng, _FEATURE_VERBS)} {noun}{_pick(rng, _FEATURE_SUFFIXES)}"
    elif work_type == "Defect":
        text = f"{noun} {_pick(rng, _DEFECT_SYMPTOMS)}"
    elif work_type == "Risk":
        text = _pick(rng, _RISK_TEMPLATES).format(noun=noun)
    else:
        text = _pick(rng, _DEBT_TEMPLATES).format(noun=noun)
    return f"{work_type}: {text[0].upper()}{text[1:]}"


# --- status path -------------------------------------------------------------


def _item_path(
    rng: np.random.Generator,
    work_type: str,
    priority: str,
    created_at: datetime,
    change_at: datetime,
) -> tuple[list[tuple[str, datetime]], tuple[float, datetime] | None]:
    """The full (untruncated) status history of one item.

    Returns ``(path, blocked)``: ``path`` is a time-ordered list of
    ``(raw status, entered_at)`` starting with the Backlog entry at creation;
    ``blocked`` is ``(calendar days, block start)`` for a blocked item, else None.
    """
    profile = _PROFILES[work_type]
    raw = {stage: _raw_status(rng, stage) for stage in _RAW_STATUSES}
    path = [(raw["Backlog"], created_at)]
    at = created_at

    cancel_from = _draw_cancel_stage(rng)
    parked = rng.random() < _P_PARKED
    skip_ready = rng.random() < profile.p_skip_ready
    skip_review = rng.random() < profile.p_skip_review
    skip_testing = rng.random() < profile.p_skip_testing
    rework = not skip_review and rng.random() < _P_REWORK
    blocked = _draw_blocked(rng, skip_review, skip_testing)
    if skip_ready and cancel_from == "Ready":
        cancel_from = "Backlog"

    backlog_hours = _duration(
        rng, profile.backlog * _PRIORITY_BACKLOG_FACTOR[priority], _SIGMA["backlog"]
    )
    if parked and cancel_from is None:
        return path, None
    at = _add_working_hours(at, backlog_hours)
    if cancel_from == "Backlog":
        path.append((raw["Cancelled"], at))
        return path, None

    # Commitment: from here on, the process change decides the waiting times.
    after_change = at >= change_at
    plan: list[tuple[str, float]] = []
    if not skip_ready:
        plan.append(("Ready", profile.ready))
    plan.append(("In Progress", profile.in_progress))
    if not skip_review:
        plan.append(("Review", profile.review))
        if rework:
            plan += [("In Progress", profile.in_progress * 0.4), ("Review", profile.review * 0.5)]
    if not skip_testing:
        plan.append(("Testing", profile.testing))

    block_start: datetime | None = None
    for stage, median in plan:
        path.append((raw[stage], at))
        if blocked is not None and blocked[0] == stage and block_start is None:
            block_start = at  # blocked on arrival: the stay grows by the blocked days
            at += timedelta(days=blocked[1])
        at = _add_working_hours(at, _stage_hours(rng, stage, median, after_change))
        if cancel_from == stage:
            path.append((raw["Cancelled"], at))
            return path, _block(blocked, block_start)
    path.append((raw["Done"], at))
    return path, _block(blocked, block_start)


def _block(
    blocked: tuple[str, float] | None, start: datetime | None
) -> tuple[float, datetime] | None:
    """``(blocked days, block start)`` when the item's block actually happened."""
    if blocked is None or start is None:
        return None
    return blocked[1], start


def _raw_status(rng: np.random.Generator, stage: str) -> str:
    names, shares = _RAW_STATUSES[stage]
    return str(names[int(rng.choice(len(names), p=shares))])


def _draw_cancel_stage(rng: np.random.Generator) -> str | None:
    """The stage an item will be cancelled from, or None (about 95% of items)."""
    u = rng.random()
    for stage, share in _P_CANCEL.items():
        if u < share:
            return stage
        u -= share
    return None


def _draw_blocked(
    rng: np.random.Generator, skip_review: bool, skip_testing: bool
) -> tuple[str, float] | None:
    """``(stage, calendar days)`` for the ~3% of items that get blocked, else None."""
    if rng.random() >= _P_BLOCKED:
        return None
    stage = str(rng.choice(list(_BLOCKED_STAGE_SHARES), p=list(_BLOCKED_STAGE_SHARES.values())))
    if (stage == "Review" and skip_review) or (stage == "Testing" and skip_testing):
        stage = "In Progress"
    return stage, round(float(rng.uniform(2.0, 10.0)), 1)


def _stage_hours(rng: np.random.Generator, stage: str, median: float, after_change: bool) -> float:
    """Working hours spent in a committed stage, shortened after the process change."""
    category = _STAGE_CATEGORY[stage]
    sigma = _SIGMA["waiting" if category is Category.WAITING else "active"]
    if after_change:
        median *= _AFTER_CHANGE_WAITING if category is Category.WAITING else _AFTER_CHANGE_ACTIVE
    return _duration(rng, median, sigma)


def _duration(rng: np.random.Generator, median_hours: float, sigma: float) -> float:
    """A lognormal duration in working hours with the given median."""
    return float(median_hours * np.exp(sigma * rng.standard_normal()))


def _blocked_days_seen(blocked: tuple[float, datetime] | None, cutoff: datetime) -> float:
    """Blocked calendar days (1 decimal) that fall before ``cutoff``; 0.0 if none."""
    if blocked is None or blocked[1] >= cutoff:
        return 0.0
    days, start = blocked
    return round(min(days, (cutoff - start) / timedelta(days=1)), 1)


# --- calendar ----------------------------------------------------------------


def _next_working_moment(at: datetime) -> datetime:
    """``at`` if it is within working hours, else the start of the next working day."""
    day_start = datetime.combine(at.date(), _WORKDAY_START, tzinfo=UTC)
    day_end = day_start + timedelta(hours=_WORKDAY_HOURS)
    if at.weekday() < 5 and day_start <= at < day_end:
        return at
    if at.weekday() < 5 and at < day_start:
        return day_start
    following = day_start + timedelta(days=1)
    while following.weekday() >= 5:
        following += timedelta(days=1)
    return following


def _add_working_hours(at: datetime, hours: float) -> datetime:
    """``at`` moved forward by ``hours`` working hours (whole seconds, >= 10 minutes).

    Working time is Monday-Friday 09:00-17:00 UTC; a start outside it first
    moves to the next working moment.
    """
    remaining = max(timedelta(seconds=round(hours * 3600)), _MIN_STAY)
    at = _next_working_moment(at)
    while True:
        day_end = datetime.combine(at.date(), _WORKDAY_START, tzinfo=UTC) + timedelta(
            hours=_WORKDAY_HOURS
        )
        if remaining < day_end - at:
            return at + remaining
        remaining -= day_end - at
        at = _next_working_moment(day_end)


def demo_experiments(*, dataset_id: int) -> list[dict]:
    """The demo team's two recorded experiments, as ``ExperimentCreate`` fields.

    The first is the built-in process change (a WIP limit on the queues from
    :data:`PROCESS_CHANGE_DATE`): its evidence says *improved*. The second
    changed nothing real (the generator has no change then): *no clear change*.
    Both are compared by start date, unfinished items censored (``method``).
    """
    return [
        {
            "dataset_id": dataset_id,
            "title": "WIP limit on Ready and Review",
            "hypothesis": "We believe that limiting Ready and Review to 3 items each will "
            "shorten queues, as measured by the 85th percentile cycle time.",
            "action": "WIP limit of 3 on Ready and on Review, enforced at stand-up.",
            "owner": "Priya (team lead)",
            "metric": "cycle_time_p85",
            "direction": "decrease",
            "target": 16.0,
            "method": "start",
            "change_date": PROCESS_CHANGE_DATE,
            "review_date": date(2026, 9, 7),
            "status": "reviewing",
        },
        {
            "dataset_id": dataset_id,
            "title": "Stand-up walks the board right to left",
            "hypothesis": "We believe that discussing the items closest to done first will "
            "finish work sooner, as measured by the 85th percentile cycle time.",
            "action": "The daily stand-up goes through the board from Testing back to Ready.",
            "owner": "Sam",
            "metric": "cycle_time_p85",
            "direction": "decrease",
            "target": 15.0,
            "method": "start",
            "change_date": date(2026, 3, 16),
            "review_date": date(2026, 5, 11),
            "status": "running",
        },
    ]
