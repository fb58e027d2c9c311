"""The flow summary of a check-in: how a team flowed lately, against the period before.

:func:`flow_summary` takes one dataset and a "since" date and returns four measures
(throughput, cycle time p85, WIP, flow efficiency) for the period from ``since`` to
the dataset's last day, each beside its value for the previous period of the same
length, plus the bottleneck in words. Every number comes from
:func:`vsm_core.metrics.report.calculate_metrics` with the period as its window, so
it is the number the Flow metrics page shows for that window.

:func:`team_flow` gives one summary per stored dataset of a team.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from vsm_core.metrics.report import calculate_metrics
from vsm_core.metrics.scope import MetricOptions
from vsm_core.model import CanonicalDataset
from vsm_core.store import reading
from vsm_core.store.models import Dataset

__all__ = [
    "DEFAULT_DAYS",
    "MEASURES",
    "FlowSummary",
    "Measure",
    "default_since",
    "flow_summary",
    "team_flow",
]

#: The default period: the last four weeks up to the dataset's last day.
DEFAULT_DAYS = 28

#: (key, label, unit, better): ``better`` is the direction that is an improvement.
MEASURES: tuple[tuple[str, str, str, str], ...] = (
    ("throughput_per_week", "Throughput", "items per week", "up"),
    ("cycle_time_p85", "Cycle time, 85th percentile", "days", "down"),
    ("wip_mean", "Work in progress", "items, daily mean", "down"),
    ("flow_efficiency", "Flow efficiency", "%", "up"),
)


@dataclass(frozen=True)
class Measure:
    """One measure of the summary.

    ``value`` is for the period, ``previous`` for the period of the same length
    just before it (either None when there is nothing to measure); ``change`` is
    ``value - previous`` in the measure's unit (percentage points for flow
    efficiency). ``better`` is "up" or "down"; ``days`` the periods' length.
    """

    key: str
    label: str
    unit: str
    better: str
    value: float | None
    previous: float | None
    days: int | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def words(self) -> str:
        """``"3.1 days shorter than the 28 days before (better)"``: the change in words."""
        change = self.change
        if change is None:
            return "no previous period to compare with"
        before = f"the {self.days} days before" if self.days else "the period before"
        amount = round(abs(change), 1 if self.unit != "%" else 0)
        if amount == 0:
            return f"the same as {before}"
        unit = "points" if self.unit == "%" else self.unit.split(",")[0]
        if self.key == "cycle_time_p85":
            word = "longer" if change > 0 else "shorter"
        else:
            word = "more" if change > 0 else "less"
        verdict = "better" if (change > 0) == (self.better == "up") else "worse"
        return f"{_number(amount)} {unit} {word} than {before} ({verdict})"


@dataclass(frozen=True)
class FlowSummary:
    """A dataset's flow in a period and the one before it.

    ``period`` and ``previous_period`` are ``(first day, last day)``, both
    included, in the dataset's time zone. ``bottleneck`` is
    ``{"stage", "share", "category"}`` (share 0..1 of committed time) or None;
    ``bottleneck_text`` says it in words.
    """

    dataset: str
    period: tuple[date, date]
    previous_period: tuple[date, date]
    completed: int
    measures: tuple[Measure, ...]
    bottleneck: dict[str, Any] | None

    @property
    def bottleneck_text(self) -> str:
        if not self.bottleneck:
            return "No bottleneck: no item finished in the period."
        share = round(100 * float(self.bottleneck["share"]))
        return (
            f"Bottleneck: {self.bottleneck['stage']} holds {share} % of the time "
            "finished items spent between start and done."
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO text, numbers rounded as the CSV rounds them."""
        return {
            "dataset": self.dataset,
            "period": [d.isoformat() for d in self.period],
            "previous_period": [d.isoformat() for d in self.previous_period],
            "completed": self.completed,
            "measures": [
                {
                    "key": m.key,
                    "label": m.label,
                    "unit": m.unit,
                    "value": m.value,
                    "previous": m.previous,
                    "change": m.change,
                    "words": m.words(),
                }
                for m in self.measures
            ],
            "bottleneck": self.bottleneck,
            "bottleneck_text": self.bottleneck_text,
        }


def _number(value: float) -> str:
    return f"{value:g}"


def default_since(dataset: CanonicalDataset) -> date | None:
    """The first day of the default period: :data:`DEFAULT_DAYS` up to the last day."""
    last = _last_day(dataset)
    return None if last is None else last - timedelta(days=DEFAULT_DAYS - 1)


def _last_day(dataset: CanonicalDataset) -> date | None:
    """The dataset's last event day in its own time zone (None without events)."""
    last = dataset.last_event_at
    return None if last is None else last.tz_convert(dataset.timezone).date()


def _first_day(dataset: CanonicalDataset) -> date:
    """The dataset's first event day in its own time zone (it has events)."""
    return dataset.first_event_at.tz_convert(dataset.timezone).date()


def flow_summary(dataset: CanonicalDataset, *, since: date | None = None) -> FlowSummary | None:
    """The four measures from ``since`` to the last day, and the period before.

    ``since`` (a local date; default :func:`default_since`). Returns None for a
    dataset without events. A previous period that would start before the
    data's first day has no values (``previous`` None). Throughput: mean done
    items per week; cycle time: 85th percentile in days of items done in the
    period; WIP: mean daily count; flow efficiency: ratio of sums as a
    percentage (0..100).
    """
    last = _last_day(dataset)
    if last is None:
        return None
    since = since or default_since(dataset)
    since = min(since, last)
    length = (last - since).days + 1
    before = (since - timedelta(days=length), since - timedelta(days=1))
    now_doc = calculate_metrics(dataset, MetricOptions(window=(since, last))).document
    # A previous period that starts before the data would count days without data
    # (WIP 0, no items done): no comparison then rather than a false one.
    before_doc = (
        calculate_metrics(dataset, MetricOptions(window=before)).document
        if before[0] >= _first_day(dataset)
        else None
    )
    measures = tuple(
        Measure(
            key,
            label,
            unit,
            better,
            _measure(now_doc, key),
            _measure(before_doc, key) if before_doc is not None else None,
            length,
        )
        for key, label, unit, better in MEASURES
    )
    return FlowSummary(
        dataset=str(dataset.metadata.get("name") or ""),
        period=(since, last),
        previous_period=before,
        completed=int(now_doc["counts"]["completed"]),
        measures=measures,
        bottleneck=now_doc["bottleneck"],
    )


def _measure(document: dict[str, Any], key: str) -> float | None:
    """One measure out of a ``metrics --json`` document (None when not finite)."""
    value = {
        "throughput_per_week": lambda: document["throughput"]["per_week_mean"],
        "cycle_time_p85": lambda: document["cycle_time_days"].get("p85"),
        "wip_mean": lambda: document["wip"]["mean"],
        "flow_efficiency": lambda: _percent(document["flow_efficiency"]["ratio_of_sums"]),
    }[key]()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _percent(ratio: Any) -> float | None:
    return None if ratio is None else 100 * float(ratio)


def team_flow(
    session: Session, team: str | None, *, since: date | None = None
) -> list[FlowSummary]:
    """One :func:`flow_summary` per stored, not archived dataset of ``team`` (None: all).

    Datasets are in name order; a dataset without a version or events is left out.
    """
    query = select(Dataset).where(Dataset.archived_at.is_(None))
    if team is not None:
        query = query.where(Dataset.team == team)
    summaries = []
    for dataset in sorted(session.exec(query).all(), key=lambda d: d.name.casefold()):
        version = reading.latest_version(session, dataset_id=dataset.id)
        if version is None:
            continue
        summary = flow_summary(reading.load_dataset(session, version_id=version.id), since=since)
        if summary is not None:
            summaries.append(_named(summary, dataset.name))
    return summaries


def _named(summary: FlowSummary, name: str) -> FlowSummary:
    return FlowSummary(
        name,
        summary.period,
        summary.previous_period,
        summary.completed,
        summary.measures,
        summary.bottleneck,
    )
