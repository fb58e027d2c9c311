"""Where a delivery or series target's weekly values come from: the team's own records.

An experiment on a DORA key (``change_failure_rate:payments``) or on an uploaded series
(``series:NPS``) is judged on the records of its dataset's team — the current deployment and
incident imports (:mod:`vsm_core.store.delivery`) or the stored points of the series
(:mod:`vsm_core.store.series`) — read with the acting identity, like every other read.
:func:`weekly_source` turns them into the :class:`~vsm_core.experiments.evidence.WeeklySource`
the evidence compares by whole weeks.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy.engine import Connection
from sqlmodel import Session

from vsm_core.delivery import log_span
from vsm_core.delivery.weekly import weekly_values as delivery_weekly
from vsm_core.experiments.catalogue import DELIVERY_METRICS, MetricSpec
from vsm_core.experiments.evidence import WeeklySource
from vsm_core.series.weekly import series_span
from vsm_core.series.weekly import weekly_values as series_weekly
from vsm_core.store import delivery, series
from vsm_core.store.access import Actor


def weekly_source(
    db, *, metric: MetricSpec, team: str, actor: Actor, timezone: str = "UTC"
) -> WeeklySource:
    """The weekly values of a ``delivery`` or ``series`` metric for ``team``.

    ``db``: a session or a connection (only read). ``timezone``: the dataset's, so weeks
    are the same local Monday-to-Sunday weeks as the flow metrics'. Raises ``NotFound``
    when the actor may not read the team, ``ValueError`` for another kind of metric.
    """
    with _session(db) as session:
        if metric.kind == "delivery":
            log = delivery.load_log(session, actor=actor, team=team)
            service = metric.argument

            def weekly(mondays: np.ndarray) -> np.ndarray:
                return delivery_weekly(
                    log, metric.family, mondays, service=service, timezone=timezone
                )

            what = f"deployment or incident records of {team}" + (
                f" for {service}" if service else ""
            )
            return WeeklySource(span=log_span(log, timezone=timezone), weekly=weekly, what=what)
        if metric.kind == "series":
            name = metric.argument or ""
            points = series.load_points(session, actor=actor, team=team, metric=name)
            return WeeklySource(
                span=series_span(points, name),
                weekly=lambda mondays: series_weekly(points, name, mondays),
                what=f"values of {name} uploaded for {team}",
            )
    raise ValueError(f"{metric.name} is measured on the dataset's items, not on records")


def record_targets(session: Session, *, actor: Actor, team: str) -> list[str]:
    """The targets ``team``'s records offer: the DORA keys, overall and per service, once it
    has imported deployments; ``series:<metric>`` for each series it uploaded. Empty for a
    team the actor may not read."""
    if not actor.may(team):
        return []
    targets: list[str] = []
    if any(i.kind == "deployments" for i in delivery.list_imports(session, actor=actor, team=team)):
        services = delivery.services(session, actor=actor, team=team)
        targets += list(DELIVERY_METRICS)
        targets += [f"{key}:{service}" for service in services for key in DELIVERY_METRICS]
    targets += [f"series:{m.metric}" for m in series.list_metrics(session, actor=actor, team=team)]
    return targets


class _session:
    """A session over ``db``: the session itself, or a new one bound to a connection."""

    def __init__(self, db) -> None:
        self.db = db
        self.owned: Session | None = None

    def __enter__(self) -> Session:
        if isinstance(self.db, Connection):
            self.owned = Session(bind=self.db)
            return self.owned
        return self.db

    def __exit__(self, *exc) -> None:
        if self.owned is not None:
            self.owned.close()
