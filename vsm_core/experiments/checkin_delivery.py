"""The Check-in's delivery summary: a team's DORA keys in a period against the one before.

A manager's check-in reads the flow of a team's work items and, once the team imports its
deployments (and incidents), how it delivers: the five keys of :mod:`vsm_core.delivery`
over the same period as the flow summary, each against the period of the same length just
before, with the DORA band it falls in. The measures are
:class:`~vsm_core.experiments.checkin_flow.Measure` objects, so they read and compare in
words exactly like the flow's. Rates are percentages (changes in points); times in days.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlmodel import Session

from vsm_core.delivery import DeliveryLog, band, log_span, window_summary
from vsm_core.experiments.checkin_flow import Measure, previous_period
from vsm_core.store import crud, delivery
from vsm_core.store.access import Actor

#: (key, label, unit, better) of each key, in the order the Check-in shows them.
DELIVERY_MEASURES: tuple[tuple[str, str, str, str], ...] = (
    ("deployment_frequency", "Deployment frequency", "deployments per week", "up"),
    ("change_lead_time_p50", "Lead time for changes, median", "days", "down"),
    ("change_failure_rate", "Change failure rate", "%", "down"),
    ("recovery_time_p50", "Failed-deployment recovery time, median", "days", "down"),
    ("deployment_rework_rate", "Deployment rework rate", "%", "down"),
)
#: Default period when there is no flow summary to follow: the log's last four weeks.
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class DeliverySummary:
    """A team's delivery in ``period`` and ``previous_period`` (first and last local day,
    both included): one :class:`Measure` per key, the DORA band of each key's value in the
    period (``bands[key]``, None when there is none) and the deployments in the period."""

    team: str
    period: tuple[date, date]
    previous_period: tuple[date, date]
    measures: tuple[Measure, ...]
    bands: dict[str, str | None]
    deployments: int


def delivery_summary(
    log: DeliveryLog, *, team: str, period: tuple[date, date] | None = None, timezone: str = "UTC"
) -> DeliverySummary | None:
    """The summary of ``log`` over ``period`` (default: the log's last four weeks); None when
    the log records nothing."""
    span = log_span(log, timezone=timezone)
    if span is None:
        return None
    if period is None:
        period = (span[1] - timedelta(days=DEFAULT_DAYS - 1), span[1])
    before = previous_period(period)
    now = window_summary(log, start=period[0], end=period[1], timezone=timezone)
    then = window_summary(log, start=before[0], end=before[1], timezone=timezone)
    days = (period[1] - period[0]).days + 1
    measures = tuple(
        Measure(
            key=key,
            label=label,
            unit=unit,
            better=better,
            value=_shown(now[key].value, unit),
            previous=_shown(then[key].value, unit) if before[1] >= span[0] else None,
            days=days,
        )
        for key, label, unit, better in DELIVERY_MEASURES
    )
    return DeliverySummary(
        team=team,
        period=period,
        previous_period=before,
        measures=measures,
        bands={key: band(key, now[key].value) for key, *_ in DELIVERY_MEASURES},
        deployments=int(now["deployment_frequency"].n),
    )


def _shown(value: float, unit: str) -> float | None:
    """A key's value in the unit shown: rates as percentages; None when there is none."""
    if value is None or np.isnan(value):
        return None
    return float(value) * 100 if unit == "%" else float(value)


def team_delivery(
    session: Session, team: str, *, period: tuple[date, date] | None = None, actor: Actor
) -> DeliverySummary | None:
    """``team``'s delivery summary from its current imports (None: no records, or a team
    the actor may not read). ``period``: the flow summary's, so both cover the same days."""
    if not actor.may(team):
        return None
    log = delivery.load_log(session, actor=actor, team=team)
    timezone = crud.team_timezone(session, team=team, actor=actor)  # the flow's local days
    return delivery_summary(log, team=team, period=period, timezone=timezone)


def delivery_html(summary: DeliverySummary | None) -> str:
    """The summary as an HTML section of the Check-in report (every text escaped once)."""
    if summary is None:
        return ""
    (start, end), (before_start, before_end) = summary.period, summary.previous_period
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Key", f"{start} to {end}", f"{before_start} to {before_end}", "Change", "Band")
    )
    rows = "".join(
        f"<tr><td>{_text(m.label)} ({_text(m.unit)})</td><td>{_number(m.value, m.unit)}</td>"
        f"<td>{_number(m.previous, m.unit)}</td><td>{_text(m.words())}</td>"
        f"<td>{_text(summary.bands.get(m.key) or '')}</td></tr>"
        for m in summary.measures
    )
    return (
        f"<h2>Delivery: {_text(summary.team)}</h2>"
        f'<table class="checkin flow"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
        f'</table><p class="note">{summary.deployments} deployments in the period; the DORA '
        "keys and their bands are defined in Flowlab's docs/metrics.md.</p>"
    )


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if unit == "%" else f"{value:.1f}"


def _text(value: str) -> str:
    return html.escape(str(value), quote=False)
