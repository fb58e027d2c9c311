"""The flow summary: how a team flowed lately, against the previous period of the same length.

The one definition of "the previous period of the same length" (Check-in, Home and the
check-in export all use it): for a period from day ``a`` to day ``b`` (both included,
``n = b - a + 1`` days), the previous period is ``a - n`` to ``a - 1``
(:func:`previous_period`). When it would start before the data's first day there is no
comparison (a period without data would read as WIP 0 and nothing done).

:func:`flow_summary` takes one dataset, a period (``since`` to ``until``, by default the
last four weeks up to the data's last day) and optionally an item filter, and returns
four measures (throughput, cycle time p85, WIP, flow efficiency) for the period, each
beside its value for the previous period, plus the bottleneck in words. Every number is
the one :func:`vsm_core.metrics.report.calculate_metrics` gives with the period as its
window (the same functions on the same scope), so it is the number the Flow metrics
page shows for that window.

:func:`team_flow` gives the summaries of a team: one per stored dataset of the team,
and for a dataset whose items carry several teams (the items' own team field), one per
team of its items (:func:`team_slices`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from vsm_core.export import to_csv_bytes
from vsm_core.filters import ItemFilter
from vsm_core.metrics import efficiency, stages, throughput, wip
from vsm_core.metrics.percentiles import summarize_days
from vsm_core.metrics.report import started
from vsm_core.metrics.scope import MetricOptions, Scope, build_scope, with_window
from vsm_core.model import CanonicalDataset
from vsm_core.store import reading
from vsm_core.store.access import Actor, readable
from vsm_core.store.crud import DATASET_TEAM, team_of
from vsm_core.store.models import Dataset, DatasetVersion, WorkItem

__all__ = [
    "DEFAULT_DAYS",
    "MEASURES",
    "FlowSummary",
    "Measure",
    "default_since",
    "flow_csv",
    "flow_html",
    "flow_summary",
    "period_words",
    "previous_period",
    "recent_period",
    "team_flow",
    "team_slices",
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


def previous_period(period: tuple[date, date]) -> tuple[date, date]:
    """The period of the same length just before ``period`` (first and last day, included).

    ``(a, b)`` with ``n = b - a + 1`` days gives ``(a - n, a - 1)``.
    """
    start, end = period
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def recent_period(
    last: date, *, first: date | None = None, days: int = DEFAULT_DAYS
) -> tuple[date, date]:
    """The last ``days`` days up to ``last`` (both included), never before ``first``."""
    start = last - timedelta(days=days - 1)
    return (max(start, first) if first is not None else start), last


def period_words(days: int | None) -> str:
    """``"the 4 weeks before"``, ``"the week before"``, ``"the 10 days before"``."""
    if not days:
        return "the period before"
    if days % 7 == 0:
        weeks = days // 7
        return "the week before" if weeks == 1 else f"the {weeks} weeks before"
    return "the day before" if days == 1 else f"the {days} days before"


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

    def _rounded_change(self) -> float | None:
        """The change rounded as it is shown: points to 1, the rest to 0.1."""
        change = self.change
        return None if change is None else round(change, 0 if self.unit == "%" else 1)

    def comparison(self) -> str:
        """``"shorter than the 4 weeks before (better)"``: the change's direction in words."""
        change = self._rounded_change()
        before = period_words(self.days)
        if change is None:
            return "no previous period to compare with"
        if change == 0:
            return f"the same as {before}"
        if self.unit == "days":  # a duration grows longer, a count or a share more
            word = "longer" if change > 0 else "shorter"
        else:
            word = "more" if change > 0 else "less"
        verdict = "better" if (change > 0) == (self.better == "up") else "worse"
        return f"{word} than {before} ({verdict})"

    def words(self) -> str:
        """``"3.1 days shorter than the 4 weeks before (better)"``: the change in words."""
        change = self._rounded_change()
        if change is None or change == 0:
            return self.comparison()
        unit = "points" if self.unit == "%" else self.unit.split(",")[0]
        if abs(change) == 1:  # "1 item per week", "1 day", "1 point"
            first, _, rest = unit.partition(" ")
            unit = " ".join(filter(None, (first.removesuffix("s"), rest)))
        return f"{_number(abs(change))} {unit} {self.comparison()}"


@dataclass(frozen=True)
class FlowSummary:
    """A dataset's flow in a period and the one before it.

    ``period`` and ``previous_period`` are ``(first day, last day)``, both
    included, in the dataset's time zone. ``team`` is the items' own team the
    summary is limited to (None: every item of the dataset). ``bottleneck`` is
    ``{"stage", "share", "category"}`` (share 0..1 of committed time) or None;
    ``bottleneck_text`` says it in words.
    """

    dataset: str
    period: tuple[date, date]
    previous_period: tuple[date, date]
    completed: int
    measures: tuple[Measure, ...]
    bottleneck: dict[str, Any] | None
    team: str | None = None

    @property
    def title(self) -> str:
        """``"Platform board, team Payments"``, or the dataset's name alone."""
        return self.dataset if self.team is None else f"{self.dataset}, team {self.team}"

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
        """JSON-ready: dates as ISO text, numbers as computed (unrounded)."""
        return {
            "dataset": self.dataset,
            "team": self.team,
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
    return None if last is None else recent_period(last)[0]


def _last_day(dataset: CanonicalDataset) -> date | None:
    """The dataset's last event day in its own time zone (None without events)."""
    last = dataset.last_event_at
    return None if last is None else last.tz_convert(dataset.timezone).date()


def _first_day(dataset: CanonicalDataset) -> date:
    """The dataset's first event day in its own time zone (it has events)."""
    return dataset.first_event_at.tz_convert(dataset.timezone).date()


def flow_summary(
    dataset: CanonicalDataset,
    *,
    since: date | None = None,
    until: date | None = None,
    item_filter: ItemFilter | None = None,
    base: Scope | None = None,
) -> FlowSummary | None:
    """The four measures from ``since`` to ``until``, and the period before.

    ``since``/``until`` are local dates (default: :data:`DEFAULT_DAYS` days up to
    ``until``; ``until`` defaults to, and is capped at, the data's last day).
    ``item_filter`` limits the items (the metrics pages' filter; as-of stays the
    whole dataset's last event). Returns None for a dataset without events. A
    previous period (:func:`previous_period`) that would start before the data's
    first day has no values (``previous`` None). Throughput: mean done items per
    week; cycle time: 85th percentile in days of items done in the period; WIP:
    mean daily count; flow efficiency: ratio of sums as a percentage (0..100).

    ``base``: a scope the caller already built for ``dataset`` with the same
    ``item_filter`` and the default as-of and cycle-time mode (Home's); its flow
    is reused, so the flow is built once for both periods.
    """
    last = _last_day(dataset)
    if last is None:
        return None
    until = min(until or last, last)
    since = min(since or recent_period(until)[0], until)
    period = (since, until)
    before = previous_period(period)
    item_filter = item_filter or ItemFilter()
    base = base or build_scope(dataset, MetricOptions(window=period, item_filter=item_filter))
    now_scope = with_window(base, period)
    now = period_measures(now_scope)
    # A previous period that starts before the data would count days without data
    # (WIP 0, no items done): no comparison then rather than a false one.
    then = period_measures(with_window(base, before)) if before[0] >= _first_day(dataset) else None
    length = (until - since).days + 1
    measures = tuple(
        Measure(key, label, unit, better, now[key], then[key] if then else None, length)
        for key, label, unit, better in MEASURES
    )
    return FlowSummary(
        dataset=str(dataset.metadata.get("name") or ""),
        period=period,
        previous_period=before,
        completed=len(now_scope.completed),
        measures=measures,
        bottleneck=stages.bottleneck(now_scope) if len(now_scope.completed) else None,
    )


def period_measures(scope: Scope) -> dict[str, float | None]:
    """The :data:`MEASURES` of one scope (its window is the period), None when not finite.

    The same functions and rules as the ``metrics --json`` document
    (:func:`vsm_core.metrics.report.metrics_document`), without the rest of it.
    """
    weekly = throughput.throughput_series(scope, "week")
    daily = wip.daily_wip(scope)
    ratio = efficiency.flow_efficiency(scope)[1]["ratio_of_sums"]
    cycle = summarize_days(started(scope.completed)["cycle_time_days"], (85,))
    values = {
        "throughput_per_week": weekly["count"].mean() if len(weekly) else None,
        "cycle_time_p85": cycle.get("p85"),
        "wip_mean": daily["count"].mean() if len(daily) else None,
        "flow_efficiency": None if ratio is None else 100 * float(ratio),
    }
    return {key: _finite(value) for key, value in values.items()}


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def team_slices(
    item_teams: list[str], dataset_team: str | None, team: str | None
) -> list[str | None]:
    """Which summaries a dataset gives for ``team`` (None: every team).

    ``item_teams``: the distinct teams its items carry (the items' own team
    field); ``dataset_team``: the team the dataset was imported for. Returns the
    item teams to limit a summary to, None meaning the whole dataset:

    * items of several teams: one summary per item team (``team`` None), or the
      one of ``team`` when its items carry it, else the whole dataset when it
      is ``team``'s dataset;
    * items of one team or none: the whole dataset, when ``team`` is None, the
      dataset's team or the items' team.
    """
    if len(item_teams) > 1:
        if team is None:
            return list(item_teams)
        if team in item_teams:
            return [team]
        return [None] if dataset_team == team else []
    if team is None or team == dataset_team or item_teams == [team]:
        return [None]
    return []


def item_teams(session: Session, version_id: int, *, actor: Actor) -> list[str]:
    """The distinct non-empty team values of a stored version's items, sorted (none when the
    version does not exist or the actor may not read its dataset)."""
    values = session.exec(
        select(WorkItem.team)
        .join(DatasetVersion, DatasetVersion.id == WorkItem.version_id)
        .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(WorkItem.version_id == version_id, readable(DATASET_TEAM, actor))
        .distinct()
    ).all()
    return sorted({v for v in values if v}, key=str.casefold)


def team_flow(
    session: Session, team: str | None, *, since: date | None = None, actor: Actor
) -> list[FlowSummary]:
    """The flow summaries of ``team`` (None: every team), see :func:`team_slices`.

    One per stored, not archived dataset of the team (that the actor may read),
    or per team of its items when they carry several. Datasets are in name
    order, item teams in name order; a dataset without a version or events is
    left out.
    """
    query = select(Dataset).where(col(Dataset.archived_at).is_(None), readable(DATASET_TEAM, actor))
    summaries = []
    for dataset in sorted(session.exec(query).all(), key=lambda d: d.name.casefold()):
        version = reading.latest_version(session, dataset_id=dataset.id, actor=actor)
        if version is None:
            continue
        slices = team_slices(item_teams(session, version.id, actor=actor), team_of(dataset), team)
        if not slices:
            continue
        data = reading.load_dataset(session, version_id=version.id, actor=actor)
        for item_team in slices:
            item_filter = ItemFilter(teams=(item_team,)) if item_team else None
            summary = flow_summary(data, since=since, item_filter=item_filter)
            if summary is not None:
                summaries.append(replace(summary, dataset=dataset.name, team=item_team))
    return summaries


# --------------------------------------------------------------------------- exports


def _text(value: Any) -> str:
    """``value`` as the text of an HTML element, escaped once (no attribute holds user text)."""
    return html.escape(str(value), quote=False)


def flow_html(flow: Sequence[FlowSummary]) -> str:
    """The flow summaries as HTML: a small table per dataset and its bottleneck in words."""
    sections = []
    for summary in flow:
        start, end = summary.period
        before_start, before_end = summary.previous_period
        head = "".join(
            f"<th>{h}</th>"
            for h in ("Measure", f"{start} to {end}", f"{before_start} to {before_end}", "Change")
        )
        body = "".join(
            f"<tr><td>{_text(m.label)} ({_text(m.unit)})</td><td>{_flow_value(m.value, m.unit)}"
            f"</td><td>{_flow_value(m.previous, m.unit)}</td><td>{_text(m.words())}</td></tr>"
            for m in summary.measures
        )
        sections.append(
            f"<h2>Flow: {_text(summary.title)}</h2>"
            f'<table class="checkin flow"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
            f'<p class="bottleneck">{_text(summary.bottleneck_text)}</p>'
        )
    return "".join(sections)


def _flow_value(value: float | None, unit: str) -> str:
    """A measure's value as the report shows it: percentages whole, the rest to 0.1."""
    if value is None:
        return ""
    return f"{value:.0f}" if unit == "%" else f"{value:.1f}"


#: The columns of :func:`flow_csv`, in order.
FLOW_COLUMNS: tuple[str, ...] = (
    "dataset",
    "team",
    "period_from",
    "period_to",
    "previous_from",
    "previous_to",
    "measure",
    "unit",
    "value",
    "previous",
    "change",
    "change_in_words",
)


def flow_csv(flow: Sequence[FlowSummary]) -> bytes:
    """The flow summaries as formula-safe CSV: one row per measure, then the bottleneck.

    Columns :data:`FLOW_COLUMNS`. ``team`` is the items' own team a summary is
    limited to (empty: the whole dataset). Per summary, one row per measure
    (value, previous period's value, change; days and items to 0.1, flow
    efficiency and its change in whole percent and points) and a last row
    ``Bottleneck`` whose value is the stage's share of the time finished items
    spent between start and done (whole percent) and whose words name the stage.
    Dates are ISO ``YYYY-MM-DD``; a missing value is an empty cell.
    """
    rows = []
    for summary in flow:
        common = {
            "dataset": summary.dataset,
            "team": summary.team or "",
            "period_from": summary.period[0].isoformat(),
            "period_to": summary.period[1].isoformat(),
            "previous_from": summary.previous_period[0].isoformat(),
            "previous_to": summary.previous_period[1].isoformat(),
        }
        for m in summary.measures:
            digits = 0 if m.unit == "%" else 1
            rows.append(
                common
                | {
                    "measure": m.label,
                    "unit": m.unit,
                    "value": _round_or_empty(m.value, digits),
                    "previous": _round_or_empty(m.previous, digits),
                    "change": _round_or_empty(m.change, digits),
                    "change_in_words": m.words(),
                }
            )
        share = (summary.bottleneck or {}).get("share")
        rows.append(
            common
            | {
                "measure": "Bottleneck",
                "unit": "% of the time between start and done",
                "value": _round_or_empty(None if share is None else 100 * share, 0),
                "previous": "",
                "change": "",
                "change_in_words": summary.bottleneck_text,
            }
        )
    return to_csv_bytes(pd.DataFrame(rows, columns=list(FLOW_COLUMNS), dtype=object))


def _round_or_empty(value: float | None, digits: int) -> float | int | str:
    """``value`` rounded to ``digits`` (a whole number when 0); empty when missing."""
    number = _finite(value)
    if number is None:
        return ""
    return round(number) if digits == 0 else round(number, digits)
