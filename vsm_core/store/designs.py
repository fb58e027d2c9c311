"""Saved future-state designs (issue #14): keyword-only store functions taking a session first
and the acting :class:`~vsm_core.store.access.Actor`.

A design (:class:`~vsm_core.store.models.FutureDesign`) records a name, the change texts,
the dataset version it was computed on and its record (``vsm_core.future.FutureDesign.record()``:
history, as-of, runs, seed, scope, the prediction and its sentences). It belongs to its
dataset's team (:func:`~vsm_core.store.crud.team_of`): reads return only the designs of
teams the actor may read (another team's design does not exist for them), saving or turning
one into an experiment needs the editor role there, and each change is written to the team's
activity log in its own transaction. Designs are never deleted.

:func:`start_experiment` turns a design into an experiment whose target comes from the
prediction (:func:`vsm_core.future.track.proposed_experiment`) and links the two.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from vsm_core.experiments import records
from vsm_core.experiments.records import ExperimentCreate
from vsm_core.future.track import proposed_experiment
from vsm_core.store.access import Actor, NotFound, check, readable
from vsm_core.store.crud import DATASET_TEAM, team_of
from vsm_core.store.models import Dataset, DatasetVersion, Experiment, FutureDesign
from vsm_core.store.teams import record_activity
from vsm_core.store.writing import write_transaction

__all__ = [
    "design_of_experiment",
    "get_design",
    "link_experiment",
    "list_designs",
    "save_design",
    "start_experiment",
]

MAX_NAME = 200


def _dataset_team(session: Session, actor: Actor, dataset_id: int, action: str, what: str) -> str:
    """The team of ``dataset_id`` once the actor may ``action`` its rows (else NotFound or
    AccessDenied, as :func:`~vsm_core.store.access.check`)."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or not actor.may(team_of(dataset)):
        raise NotFound(f"no dataset with id {dataset_id}")
    check(actor, team_of(dataset), action, what=what)
    return team_of(dataset)


def save_design(
    session: Session,
    *,
    actor: Actor,
    version_id: int,
    name: str,
    changes: list[str],
    record: dict[str, Any],
) -> FutureDesign:
    """Store a design computed on dataset version ``version_id``.

    ``name``: 1 to 200 characters after trimming (``ValueError`` otherwise);
    ``changes``: the change texts; ``record``: JSON-ready (``FutureDesign.record()``).
    Needs the editor role in the dataset's team; an unknown or unreadable version raises
    ``NotFound``. The author is the actor's name.
    """
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"a design needs a name of 1 to {MAX_NAME} characters")
    with write_transaction(session):
        version = session.get(DatasetVersion, version_id)
        if version is None:
            raise NotFound(f"no dataset version with id {version_id}")
        team = _dataset_team(session, actor, version.dataset_id, "edit", what="its designs")
        design = FutureDesign(
            dataset_id=version.dataset_id,
            version_id=version_id,
            name=name,
            changes=[str(c) for c in changes],
            record=dict(record),
            author=actor.name,
        )
        session.add(design)
        session.flush()
        record_activity(
            session,
            actor=actor,
            team=team,
            action="design",
            subject=f"design {design.id}: {name}",
            detail={"changes": design.changes, "version_id": version_id},
        )
    session.refresh(design)
    return design


def get_design(session: Session, *, actor: Actor, design_id: int) -> FutureDesign | None:
    """The design, or None when there is none the actor may read."""
    design = session.get(FutureDesign, design_id)
    if design is None:
        return None
    dataset = session.get(Dataset, design.dataset_id)
    return design if dataset is not None and actor.may(team_of(dataset)) else None


def list_designs(
    session: Session, *, actor: Actor, dataset_id: int | None = None
) -> list[FutureDesign]:
    """The designs the actor may read (of ``dataset_id`` only, if given), newest first."""
    statement = (
        select(FutureDesign)
        .join(Dataset, Dataset.id == FutureDesign.dataset_id)
        .where(readable(DATASET_TEAM, actor))
        .order_by(col(FutureDesign.created_at).desc(), col(FutureDesign.id).desc())
    )
    if dataset_id is not None:
        statement = statement.where(FutureDesign.dataset_id == dataset_id)
    return list(session.exec(statement).all())


def design_of_experiment(
    session: Session, *, actor: Actor, experiment_id: int
) -> FutureDesign | None:
    """The design that became experiment ``experiment_id`` (None without one, or when the
    actor may not read it): what the Experiments page shows the result against."""
    statement = select(FutureDesign).where(FutureDesign.experiment_id == experiment_id)
    design = session.exec(statement).first()
    if design is None:
        return None
    return get_design(session, actor=actor, design_id=design.id)


def link_experiment(
    session: Session, *, actor: Actor, design_id: int, experiment_id: int
) -> FutureDesign:
    """Record that the design became experiment ``experiment_id``.

    Both must exist for the actor (``NotFound``) and be on the same dataset; the design must
    not have become an experiment already, nor the experiment come from another design
    (``ValueError``). Needs the editor role.
    """
    with write_transaction(session):
        design = get_design(session, actor=actor, design_id=design_id)
        if design is None:
            raise NotFound(f"no design with id {design_id}")
        team = _dataset_team(session, actor, design.dataset_id, "edit", what="its designs")
        experiment = session.get(Experiment, experiment_id)
        if experiment is None or experiment.dataset_id != design.dataset_id:
            raise NotFound(f"no experiment with id {experiment_id} on the design's dataset")
        if design.experiment_id is not None:
            raise ValueError(
                f"design {design.name!r} already became experiment {design.experiment_id}"
            )
        taken = select(FutureDesign.name).where(FutureDesign.experiment_id == experiment_id)
        other = session.exec(taken).first()
        if other is not None:
            raise ValueError(f"experiment {experiment_id} already came from design {other!r}")
        design.experiment_id = experiment_id
        session.add(design)
        record_activity(
            session,
            actor=actor,
            team=team,
            action="design",
            subject=f"design {design.id}: {design.name} became experiment {experiment_id}",
            detail={"experiment_id": experiment_id},
        )
    session.refresh(design)
    return design


def start_experiment(
    session: Session,
    *,
    actor: Actor,
    design_id: int,
    change_date: date,
    review_date: date | None = None,
) -> Experiment:
    """Create the experiment the design proposes (target from its prediction, hypothesis its
    sentence, the team's ``change_date``) and link it to the design.

    Checked before anything is written: the design exists for the actor (``NotFound``), the
    actor may edit its team (``AccessDenied``), it has not become an experiment yet and
    predicts a cycle time (``ValueError``); the experiment's own checks raise pydantic's
    ``ValidationError``. The experiment and the link are two writes: a link refused after the
    experiment was stored (someone linked the design in between) leaves the experiment
    standing, and the error names it.
    """
    design = get_design(session, actor=actor, design_id=design_id)
    if design is None:
        raise NotFound(f"no design with id {design_id}")
    _dataset_team(session, actor, design.dataset_id, "edit", what="its experiments")
    if design.experiment_id is not None:
        raise ValueError(f"design {design.name!r} already became experiment {design.experiment_id}")
    fields = proposed_experiment(
        name=design.name,
        record=design.record or {},
        dataset_id=design.dataset_id,
        change_date=change_date,
        owner=actor.name,
        review_date=review_date,
    )
    experiment = records.create_experiment(
        session, data=ExperimentCreate(**fields), author=actor.name, actor=actor
    )
    link_experiment(session, actor=actor, design_id=design_id, experiment_id=experiment.id)
    session.refresh(experiment)
    return experiment
