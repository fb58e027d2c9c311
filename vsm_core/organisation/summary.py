"""One row per team: its latest dataset's flow and its experiments' verdicts.

What ``python -m vsm_core teams summary`` prints and the Organisation page
shows. A team's row reads the team's most recently imported dataset (not
archived), at its latest version. Its numbers are exactly those of
``metrics --dataset ID --json`` over the same window (default: the whole
data, as-of its last event; definitions in docs/metrics.md):

* ``throughput_per_week``: ``throughput.per_week_mean`` (items per week);
* ``cycle_time_p85``: ``cycle_time_days.p85`` (days);
* ``wip_mean``: ``wip.mean`` (items);
* ``flow_efficiency``: ``flow_efficiency.ratio_of_sums`` (0..1);
* ``bottleneck``: ``bottleneck.stage`` (None when no item finished).

``experiments`` counts the team's experiments (on any of its datasets):
``running`` — not reviewed yet (planned, running or reviewing); then the
reviewed ones by the verdict stored when they were reviewed (``improved``,
``no_clear_change``, ``worsened``; a review without evidence counts in
none). Only the teams the acting :class:`~vsm_core.store.access.Actor` may
read appear.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from vsm_core.experiments.spec import REVIEWED_STATUSES
from vsm_core.filters import ItemFilter
from vsm_core.metrics.report import calculate_metrics
from vsm_core.metrics.scope import MetricOptions
from vsm_core.model import CanonicalDataset
from vsm_core.store import crud
from vsm_core.store.access import Actor, readable
from vsm_core.store.crud import DATASET_TEAM
from vsm_core.store.models import Dataset, DatasetVersion, Experiment, ExperimentSnapshot

#: The verdict counts of a row, in the order the JSON and the page give them.
VERDICT_KEYS = ("running", "improved", "no_clear_change", "worsened")


@dataclass(frozen=True)
class TeamRow:
    """One team's row (see the module docstring for each number's definition)."""

    team: str
    dataset_id: int
    dataset: str
    version: int
    version_id: int
    throughput_per_week: float | None
    cycle_time_p85: float | None
    wip_mean: float | None
    flow_efficiency: float | None
    bottleneck: str | None
    experiments: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The ``teams summary --json`` element: exactly the documented keys."""
        return {
            "team": self.team,
            "dataset_id": self.dataset_id,
            "version": self.version,
            "throughput_per_week": self.throughput_per_week,
            "cycle_time_p85": self.cycle_time_p85,
            "wip_mean": self.wip_mean,
            "flow_efficiency": self.flow_efficiency,
            "bottleneck": self.bottleneck,
            "experiments": {key: self.experiments.get(key, 0) for key in VERDICT_KEYS},
        }


@dataclass(frozen=True)
class TeamDataset:
    """The dataset version a team's row reads (``imported_at``: when that version was)."""

    team: str
    dataset_id: int
    dataset: str
    version: int
    version_id: int
    imported_at: datetime | None = None


def team_datasets(
    session: Session, *, actor: Actor, teams: Sequence[str] = ()
) -> list[TeamDataset]:
    """Each readable team's most recently imported dataset at its latest version, by team name.

    ``teams``: only these (empty: every team the actor may read). A dataset
    without a team counts as a team of its own name.
    """
    team = DATASET_TEAM
    latest = (
        select(
            DatasetVersion.dataset_id,
            func.max(DatasetVersion.version).label("version"),
        )
        .where(col(DatasetVersion.archived_at).is_(None))
        .group_by(DatasetVersion.dataset_id)
        .subquery()
    )
    # One query for every team: each live dataset's latest live version with its id and
    # import time (a query per team made 50 teams cost 50 round trips).
    statement = (
        select(
            team,
            Dataset.id,
            Dataset.name,
            DatasetVersion.version,
            DatasetVersion.id,
            DatasetVersion.imported_at,
        )
        .join(latest, latest.c.dataset_id == Dataset.id)
        .join(
            DatasetVersion,
            (DatasetVersion.dataset_id == Dataset.id)
            & (DatasetVersion.version == latest.c.version),
        )
        .where(col(Dataset.archived_at).is_(None), readable(team, actor))
    )
    if teams:
        statement = statement.where(team.in_(list(teams)))
    chosen: dict[str, TeamDataset] = {}
    for name, dataset_id, dataset, number, version_id, imported_at in session.exec(statement):
        candidate = TeamDataset(name, dataset_id, dataset, number, version_id, imported_at)
        current = chosen.get(name)
        if current is None or (imported_at, dataset_id) > (
            current.imported_at,
            current.dataset_id,
        ):
            chosen[name] = candidate
    return [chosen[name] for name in sorted(chosen, key=str.casefold)]


def experiment_counts(session: Session, *, actor: Actor) -> dict[str, Counter]:
    """Team → :data:`VERDICT_KEYS` counts over every readable experiment."""
    team = DATASET_TEAM
    rows = session.exec(
        select(team, Experiment.id, Experiment.status)
        .join(Dataset, Dataset.id == Experiment.dataset_id)
        .where(readable(team, actor))
    ).all()
    verdicts = _review_verdicts(session, [row[1] for row in rows if row[2] in REVIEWED_STATUSES])
    counts: dict[str, Counter] = {}
    for name, experiment_id, status in rows:
        key = "running" if status not in REVIEWED_STATUSES else verdicts.get(experiment_id)
        if key in VERDICT_KEYS:
            counts.setdefault(name, Counter())[key] += 1
    return counts


def _review_verdicts(session: Session, experiment_ids: list[int]) -> dict[int, str]:
    """Experiment id → the verdict of its latest snapshot, as a key ("no clear change" →
    ``no_clear_change``)."""
    if not experiment_ids:
        return {}
    statement = (
        select(ExperimentSnapshot.experiment_id, ExperimentSnapshot.result)
        .where(col(ExperimentSnapshot.experiment_id).in_(experiment_ids))
        .order_by(col(ExperimentSnapshot.taken_at), col(ExperimentSnapshot.id))
    )
    latest = {experiment_id: result for experiment_id, result in session.exec(statement).all()}
    return {
        experiment_id: str((result or {}).get("verdict") or "").replace(" ", "_")
        for experiment_id, result in latest.items()
    }


def team_row(
    chosen: TeamDataset,
    dataset: CanonicalDataset,
    *,
    window: tuple[date, date] | None = None,
    experiments: Counter | None = None,
) -> TeamRow:
    """The row of one team from its loaded dataset (numbers as ``metrics --json``'s)."""
    document = calculate_metrics(
        dataset, MetricOptions(window=window, item_filter=ItemFilter())
    ).document
    bottleneck = document.get("bottleneck") or {}
    return TeamRow(
        team=chosen.team,
        dataset_id=chosen.dataset_id,
        dataset=chosen.dataset,
        version=chosen.version,
        version_id=chosen.version_id,
        throughput_per_week=_finite(document["throughput"]["per_week_mean"]),
        cycle_time_p85=_finite(document["cycle_time_days"].get("p85")),
        wip_mean=_finite(document["wip"]["mean"]),
        flow_efficiency=_finite(document["flow_efficiency"]["ratio_of_sums"]),
        bottleneck=bottleneck.get("stage"),
        experiments=dict(experiments or {}),
    )


def teams_summary(
    session: Session,
    *,
    actor: Actor,
    teams: Sequence[str] = (),
    window: tuple[date, date] | None = None,
    load: Callable[[int], CanonicalDataset] | None = None,
) -> list[TeamRow]:
    """One :class:`TeamRow` per readable team (``teams``: only these), by team name.

    ``window``: completed items by done date, as ``metrics --from/--to``
    (None: the whole data). ``load`` reads a version by id (default: from
    ``session``; the page passes its cached loader).
    """
    load = load or (
        lambda version_id: crud.load_dataset(session, version_id=version_id, actor=actor)
    )
    counts = experiment_counts(session, actor=actor)
    return [
        team_row(
            chosen, load(chosen.version_id), window=window, experiments=counts.get(chosen.team)
        )
        for chosen in team_datasets(session, actor=actor, teams=teams)
    ]


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number
