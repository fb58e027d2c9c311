"""The Organisation page's table: every team's recent flow against the period before.

One :class:`OverviewRow` per team the actor may read, from the team's latest
dataset version (:func:`vsm_core.organisation.summary.team_datasets`):

* the Check-in flow summary (:func:`vsm_core.experiments.checkin_flow.flow_summary`)
  of the team's last four weeks of data (or a chosen period) — throughput per
  week, cycle time 85th percentile, mean WIP, flow efficiency — each with its
  change against the previous period of the same length, and the bottleneck;
* the **SLE hit rate**: the share of the items finished in the period whose
  cycle time was within the team's service level expectation, taken as the
  85th percentile cycle time of the items finished *before* the period (the
  expectation the team had when the period began; none without such items);
* the experiments: not reviewed yet, and reviewed ones by stored verdict.

Exports: :func:`overview_csv` (formula-safe, rounded as shown) and
:func:`overview_html` (one self-contained page, user text escaped once).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlmodel import Session

from vsm_core.experiments.checkin_flow import DEFAULT_DAYS, FlowSummary, flow_summary, recent_period
from vsm_core.export import to_csv_bytes
from vsm_core.filters import in_window
from vsm_core.metrics.report import started
from vsm_core.metrics.scope import MetricOptions, Scope, build_scope
from vsm_core.model import CanonicalDataset
from vsm_core.organisation.summary import (
    VERDICT_KEYS,
    TeamDataset,
    experiment_counts,
    team_datasets,
)
from vsm_core.store.access import Actor

#: Column labels of the table and the CSV, in order.
COLUMNS: dict[str, str] = {
    "team": "Team",
    "dataset": "Dataset",
    "throughput_per_week": "Throughput (items per week)",
    "throughput_per_week_change": "Throughput change",
    "cycle_time_p85": "Cycle time, 85th percentile (days)",
    "cycle_time_p85_change": "Cycle time change (days)",
    "wip_mean": "Work in progress (items)",
    "wip_mean_change": "Work in progress change",
    "flow_efficiency": "Flow efficiency (%)",
    "flow_efficiency_change": "Flow efficiency change (points)",
    "bottleneck": "Bottleneck",
    "sle_hit_rate": "Within the SLE (%)",
    "running": "Experiments running",
    "improved": "Improved",
    "no_clear_change": "No clear change",
    "worsened": "Worsened",
    "period": "Period",
}


@dataclass(frozen=True)
class OverviewRow:
    """One team: where its numbers come from, its flow summary, SLE hit rate and experiments.

    ``sle_days`` is the expectation the hit rate was measured against (None
    without items finished before the period); ``sle_hit_rate`` is 0..100.
    """

    chosen: TeamDataset
    flow: FlowSummary | None
    sle_days: float | None
    sle_hit_rate: float | None
    experiments: dict[str, int] = field(default_factory=dict)

    def record(self) -> dict[str, object]:
        """The row as plain values keyed like :data:`COLUMNS` (None where nothing to show)."""
        values: dict[str, object] = {"team": self.chosen.team, "dataset": self.chosen.dataset}
        measures = {m.key: m for m in self.flow.measures} if self.flow else {}
        for key in ("throughput_per_week", "cycle_time_p85", "wip_mean", "flow_efficiency"):
            measure = measures.get(key)
            values[key] = measure.value if measure else None
            values[f"{key}_change"] = measure.change if measure else None
        bottleneck = (self.flow.bottleneck or {}) if self.flow else {}
        values["bottleneck"] = bottleneck.get("stage")
        values["sle_hit_rate"] = self.sle_hit_rate
        values.update({key: self.experiments.get(key, 0) for key in VERDICT_KEYS})
        values["period"] = (
            f"{self.flow.period[0]:%d %b %Y} – {self.flow.period[1]:%d %b %Y}"
            if self.flow
            else None
        )
        return values


def sle_hit_rate(
    dataset: CanonicalDataset, period: tuple[date, date], *, scope: Scope | None = None
) -> tuple[float | None, float | None]:
    """(SLE in days, % of the period's finished items within it); see the module docstring.

    Both None when no item finished before the period; the rate alone is None
    when none finished in it. ``scope``: ``build_scope(dataset, MetricOptions())``
    when the caller has it already (built here otherwise).
    """
    scope = scope or build_scope(dataset, MetricOptions())
    done = started(scope.completed)
    if done.empty:
        return None, None
    earlier = (date.min, period[0] - timedelta(days=1))
    before = done.loc[in_window(done["done"], earlier, scope.flow.timezone), "cycle_time_days"]
    inside = done.loc[in_window(done["done"], period, scope.flow.timezone), "cycle_time_days"]
    before, inside = before.dropna(), inside.dropna()
    if before.empty:
        return None, None
    sle = float(np.percentile(before.to_numpy(dtype=float), 85))
    if inside.empty:
        return sle, None
    return sle, float(100 * (inside.to_numpy(dtype=float) <= sle).mean())


def team_overview(
    session: Session,
    *,
    actor: Actor,
    load: Callable[[int], CanonicalDataset],
    teams: Sequence[str] = (),
    days: int = DEFAULT_DAYS,
) -> list[OverviewRow]:
    """One :class:`OverviewRow` per readable team, by team name.

    ``load`` reads a version by id (the page passes its cached loader);
    ``days``: the length of each team's period, ending on its last day of data.
    Each row's flow part is read from the store when it was computed before and
    computed then stored otherwise (:mod:`vsm_core.organisation.stored`); the
    experiment counts are read live.
    """
    from vsm_core.organisation.stored import overview_rows  # it builds on this module

    return overview_rows(
        session,
        actor=actor,
        chosen=team_datasets(session, actor=actor, teams=teams),
        load=load,
        counts=experiment_counts(session, actor=actor),
        days=days,
    )


def overview_row(
    chosen: TeamDataset,
    dataset: CanonicalDataset,
    experiments: Counter | None = None,
    *,
    days: int = DEFAULT_DAYS,
) -> OverviewRow:
    """The row of one team from its loaded dataset version: the last ``days`` days of its
    data against the ``days`` before."""
    last = dataset.last_event_at
    since = None
    if last is not None:
        since = recent_period(last.tz_convert(dataset.timezone).date(), days=days)[0]
    if since is None:  # no events: no period, no numbers
        return OverviewRow(chosen, None, None, None, dict(experiments or {}))
    # One flow for the summary's two periods and the SLE (building it is most of a row's
    # cost); flow_summary takes its windows from it exactly as from a scope of their own.
    whole = build_scope(dataset, MetricOptions())
    flow = flow_summary(dataset, since=since, base=whole)
    if flow is not None:  # the team's stored name, not whatever the loaded copy carries
        flow = replace(flow, dataset=chosen.dataset)
    sle, rate = (
        sle_hit_rate(dataset, flow.period, scope=whole) if flow is not None else (None, None)
    )
    return OverviewRow(chosen, flow, sle, rate, dict(experiments or {}))


def overview_table(rows: Sequence[OverviewRow]) -> pd.DataFrame:
    """The rows as a table with :data:`COLUMNS`' keys (numbers unrounded)."""
    return pd.DataFrame([row.record() for row in rows], columns=list(COLUMNS))


def overview_csv(rows: Sequence[OverviewRow]) -> bytes:
    """The table as CSV: labelled columns, days and items to 0.1, percentages whole,
    empty cells empty, every text cell formula-safe."""
    table = overview_table(rows)
    for key in COLUMNS:
        if key in ("flow_efficiency", "flow_efficiency_change", "sle_hit_rate"):
            table[key] = table[key].astype("Float64").round(0).astype("Int64")
        elif key.startswith(("throughput", "cycle_time", "wip")):
            table[key] = table[key].astype("Float64").round(1)
    return to_csv_bytes(table.rename(columns=COLUMNS))


def overview_html(rows: Sequence[OverviewRow], *, generated_at: datetime) -> str:
    """One self-contained HTML page of the table (no script, user text escaped once)."""
    table = overview_table(rows)
    head = "".join(f"<th>{html.escape(label)}</th>" for label in COLUMNS.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(key, record[key])}</td>" for key in COLUMNS) + "</tr>"
        for record in table.to_dict("records")
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Flowlab · Organisation</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#f3f3f3}</style></head><body>"
        "<h1>Organisation</h1>"
        "<p>Every team's latest period of data against the period of the same length before, "
        "generated "
        f"{generated_at:%d %b %Y %H:%M} UTC. Within the SLE: the share of items finished in "
        "the period within the 85th percentile cycle time of the items finished before it.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


def _cell(key: str, value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        digits = 0 if key in ("flow_efficiency", "flow_efficiency_change", "sle_hit_rate") else 1
        text = f"{value:+.{digits}f}" if key.endswith("_change") else f"{value:.{digits}f}"
        return html.escape(text)
    return html.escape(str(value))
