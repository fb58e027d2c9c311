"""Stamps of the store's state, for cache keys: they change whenever the rows change.

Pages cache what they compute from many rows (the Check-in rows, Home's experiments, the
Retrospective's due experiments). A stamp is the cheap part of the key that makes an edit,
a review, an import or an archive compute afresh. A stamp is never shown to anyone: it holds
ids, timestamps and team names only, and only of the rows the acting identity may read:
one team's edits do not invalidate another team's caches, and a stamp says nothing about
rows its reader may not see.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from vsm_core.store.access import DATASET_TEAM, Actor, readable
from vsm_core.store.models import (
    Dataset,
    DatasetVersion,
    DeliveryImport,
    Experiment,
    ExperimentSnapshot,
    SeriesPoint,
)


def experiments_stamp(session: Session, *, actor: Actor) -> tuple:
    """``(experiments, latest snapshot id, datasets, versions, records)`` of the datasets
    ``actor`` may read: each experiment's id and ``updated_at`` (ISO text), the newest
    snapshot's id, each dataset's id, team and archived flag, each version's id and archived
    flag, and :func:`records_stamp` (an experiment on a DORA key or a series is judged on the
    team's records) — what experiment evidence depends on."""
    mine = readable(DATASET_TEAM, actor)
    experiments = tuple(
        (experiment_id, updated_at.isoformat())
        for experiment_id, updated_at in session.exec(
            select(Experiment.id, Experiment.updated_at)
            .join(Dataset, Dataset.id == Experiment.dataset_id)
            .where(mine)
            .order_by(col(Experiment.id))
        ).all()
    )
    snapshot = session.exec(
        select(func.max(ExperimentSnapshot.id))
        .join(Experiment, Experiment.id == ExperimentSnapshot.experiment_id)
        .join(Dataset, Dataset.id == Experiment.dataset_id)
        .where(mine)
    ).one()
    datasets = tuple(
        (dataset_id, team, archived is not None)
        for dataset_id, team, archived in session.exec(
            select(Dataset.id, Dataset.team, Dataset.archived_at)
            .where(mine)
            .order_by(col(Dataset.id))
        ).all()
    )
    versions = tuple(
        (version_id, archived is not None)
        for version_id, archived in session.exec(
            select(DatasetVersion.id, DatasetVersion.archived_at)
            .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
            .where(mine)
            .order_by(col(DatasetVersion.id))
        ).all()
    )
    return experiments, snapshot, datasets, versions, records_stamp(session, actor=actor)


def records_stamp(session: Session, *, actor: Actor, team: str | None = None) -> tuple:
    """``(current deployment and incident imports, (newest series point id, points))`` of
    ``team`` (None: every team ``actor`` may read): the import ids change when a file is
    imported or replaced, the series pair when a value is added or replaced."""
    delivery_team = readable(DeliveryImport.team, actor)
    series_team = readable(SeriesPoint.team, actor)
    if team is not None:
        delivery_team = delivery_team & (DeliveryImport.team == team)
        series_team = series_team & (SeriesPoint.team == team)
    imports = tuple(
        session.exec(
            select(DeliveryImport.id)
            .where(delivery_team, col(DeliveryImport.superseded_at).is_(None))
            .order_by(col(DeliveryImport.id))
        ).all()
    )
    newest, count = session.exec(
        select(func.max(SeriesPoint.id), func.count(SeriesPoint.id)).where(series_team)
    ).one()
    return imports, (newest, int(count))
