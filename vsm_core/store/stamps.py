"""Stamps of the store's state, for cache keys: they change whenever the rows change.

Pages cache what they compute from many rows (the Check-in rows, Home's experiments, the
Retrospective's due experiments). A stamp is the cheap part of the key that makes an edit,
a review, an import or an archive compute afresh. A stamp is never shown to anyone: it holds
ids, timestamps and team names only, and who may read what is still decided by the store
functions the cached code calls with the acting identity.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from vsm_core.store.models import Dataset, DatasetVersion, Experiment, ExperimentSnapshot


def experiments_stamp(session: Session) -> tuple:
    """``(experiments, latest snapshot id, datasets, versions)``: every experiment's id and
    ``updated_at`` (ISO text), the newest snapshot's id, every dataset's id, team and archived
    flag, every version's id and archived flag — what experiment evidence depends on."""
    experiments = tuple(
        (experiment_id, updated_at.isoformat())
        for experiment_id, updated_at in session.exec(
            select(Experiment.id, Experiment.updated_at).order_by(col(Experiment.id))
        ).all()
    )
    snapshot = session.exec(select(func.max(ExperimentSnapshot.id))).one()
    datasets = tuple(
        (dataset_id, team, archived is not None)
        for dataset_id, team, archived in session.exec(
            select(Dataset.id, Dataset.team, Dataset.archived_at).order_by(col(Dataset.id))
        ).all()
    )
    versions = tuple(
        (version_id, archived is not None)
        for version_id, archived in session.exec(
            select(DatasetVersion.id, DatasetVersion.archived_at).order_by(col(DatasetVersion.id))
        ).all()
    )
    return experiments, snapshot, datasets, versions
