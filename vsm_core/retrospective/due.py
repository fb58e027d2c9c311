"""Experiments due for review at a retrospective, with their verdict today.

Definition (docs/retrospective.md): an experiment of the team (the Check-in's
notion: its scope's team, else its dataset's team; a dataset without a team: the
dataset's experiments) is *due* when it is not reviewed yet (planned, running or
reviewing) and either its status is "reviewing" or its review date falls on or
before the day of the next retrospective (``held_on + horizon_days``). *Overdue*:
the review date is before ``held_on``. The verdict is today's, computed on the
dataset's latest version with the experiment's own comparison method
(:func:`vsm_core.experiments.service.judge`).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlmodel import Session

from vsm_core.experiments import records, service
from vsm_core.experiments.checkin import metric_label
from vsm_core.experiments.spec import REVIEWED_STATUSES
from vsm_core.store.access import Actor

#: The columns of :func:`due_for_review`.
DUE_COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "owner",
    "status",
    "review_date",
    "overdue",
    "verdict",
    "metric",
    "learnings",
)


def due_for_review(
    session: Session,
    *,
    team: str | None,
    dataset_id: int,
    held_on: date,
    horizon_days: int,
    actor: Actor,
) -> pd.DataFrame:
    """The due experiments (module docstring), earliest review date first.

    Columns :data:`DUE_COLUMNS`; ``metric`` in words, ``verdict`` None when there is
    no evidence (no data yet).
    """
    found = (
        records.list_experiments(session, team=team, actor=actor)
        if team
        else records.list_experiments(session, dataset_id=dataset_id, actor=actor)
    )
    until = held_on + timedelta(days=max(int(horizon_days), 0))
    due = [
        e
        for e in found
        if e.status not in REVIEWED_STATUSES
        and (e.status == "reviewing" or (e.review_date is not None and e.review_date <= until))
    ]
    rows = []
    for experiment in due:  # a handful of experiments, not items
        judgement = service.judge(
            session, experiment_id=experiment.id, sensitivity=False, actor=actor
        )
        evidence = judgement.evidence
        rows.append(
            {
                "id": experiment.id,
                "title": experiment.title,
                "owner": experiment.owner,
                "status": experiment.status,
                "review_date": experiment.review_date,
                "overdue": bool(
                    experiment.review_date is not None and experiment.review_date < held_on
                ),
                "verdict": evidence.verdict if evidence is not None else None,
                "metric": metric_label(experiment.metric),
                "learnings": experiment.learnings or None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(DUE_COLUMNS)).astype({"overdue": "bool"})
    key = frame["review_date"].map(lambda d: d if isinstance(d, date) else date.max)
    return (
        frame.assign(_key=key)
        .sort_values(["_key", "id"])
        .drop(columns="_key")
        .reset_index(drop=True)
    )
