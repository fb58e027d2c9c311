"""Keyword-only store functions for retrospectives. Each takes a ``sqlmodel.Session`` first.

A retrospective (:class:`~vsm_core.store.models.Retrospective`) records when a team
looked back (``held_on``), the day its look back started (``since``), who came
(``attendees``, free text), what was said (``notes``), who saved it (``author``) and,
in ``retrospective_experiment``, the experiments it started. The next retrospective of
the team starts from the latest one (:func:`latest_retrospective`).

Writes go through :mod:`vsm_core.store.writing`: one write transaction each (SQLite's
``BEGIN IMMEDIATE``), retried after a clash with another writer, committed once; on any
error nothing is stored and the error is raised. Retrospectives are never deleted.

A retrospective belongs to its dataset's team (:mod:`vsm_core.store.access`): every
function takes the acting identity; reads return only what it may read, saving needs
the editor role, and a save is recorded in the team's activity log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from vsm_core.store.access import Actor, NotFound, check, readable
from vsm_core.store.crud import DATASET_TEAM, team_of
from vsm_core.store.models import Dataset, Experiment, Retrospective, RetrospectiveExperiment
from vsm_core.store.teams import record_activity
from vsm_core.store.types import utc_now
from vsm_core.store.writing import begin_write, with_retries

__all__ = [
    "create_retrospective",
    "get_retrospective",
    "latest_retrospective",
    "link_experiments",
    "list_retrospectives",
    "retrospective_experiments",
    "update_retrospective",
]


def _text(value: str | None) -> str:
    return (value or "").strip()


def _author(author: str) -> str:
    if not author or not author.strip():
        raise ValueError("the author must not be blank")
    return author.strip()


def create_retrospective(
    session: Session,
    *,
    dataset_id: int,
    team: str | None,
    held_on: date,
    since: date,
    author: str,
    attendees: str = "",
    notes: str = "",
    experiment_ids: Iterable[int] = (),
    actor: Actor,
) -> Retrospective:
    """Store a retrospective and link the experiments it started.

    ``since`` must not be after ``held_on`` (``ValueError``); a blank author is a
    ``ValueError``; an unknown dataset or experiment a ``LookupError``. Attendees and
    notes are stored as typed (surrounding spaces removed).
    """
    author = _author(author)
    if since > held_on:
        raise ValueError("the retrospective cannot look back from a day after it was held")
    ids = sorted(set(int(i) for i in experiment_ids))

    def write() -> Retrospective:
        begin_write(session)
        owner = _dataset_team(session, actor, dataset_id)
        retrospective = Retrospective(
            team=(team or None),
            dataset_id=dataset_id,
            held_on=held_on,
            since=since,
            attendees=_text(attendees),
            notes=_text(notes),
            author=author,
            created_at=utc_now(),
        )
        session.add(retrospective)
        session.flush()
        _add_links(session, retrospective.id, ids, actor)
        record_activity(
            session,
            actor=actor,
            team=owner,
            action="retrospective",
            subject=f"retrospective of {held_on:%d %b %Y}",
            detail={"retrospective_id": retrospective.id, "experiments": ids},
        )
        session.commit()
        return retrospective

    retrospective = with_retries(session, write, what="saving the retrospective")
    session.refresh(retrospective)
    return retrospective


def _dataset_team(session: Session, actor: Actor, dataset_id: int, action: str = "edit") -> str:
    """The team of a dataset, after checking the actor may ``action`` its rows."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or not actor.may(team_of(dataset)):
        raise NotFound(f"no dataset with id {dataset_id}")
    check(actor, team_of(dataset), action, what="its retrospectives")
    return team_of(dataset)


def _readable(actor: Actor):
    """``SELECT Retrospective`` of the datasets the actor may read."""
    return (
        select(Retrospective)
        .join(Dataset, Dataset.id == Retrospective.dataset_id)
        .where(readable(DATASET_TEAM, actor))
    )


def _add_links(session: Session, retrospective_id: int, ids: list[int], actor: Actor) -> None:
    """Link ``ids`` (sorted, unique) not linked yet; experiments that do not exist or that
    the actor may not read raise LookupError."""
    if not ids:
        return
    known = set(
        session.exec(
            select(Experiment.id)
            .join(Dataset, Dataset.id == Experiment.dataset_id)
            .where(col(Experiment.id).in_(ids), readable(DATASET_TEAM, actor))
        ).all()
    )
    missing = [i for i in ids if i not in known]
    if missing:
        raise LookupError(f"no experiment with id {', '.join(map(str, missing))}")
    linked = set(
        session.exec(
            select(RetrospectiveExperiment.experiment_id).where(
                RetrospectiveExperiment.retrospective_id == retrospective_id
            )
        ).all()
    )
    session.add_all(
        RetrospectiveExperiment(retrospective_id=retrospective_id, experiment_id=i)
        for i in ids
        if i not in linked
    )


def link_experiments(
    session: Session,
    *,
    retrospective_id: int,
    experiment_ids: Iterable[int],
    actor: Actor,
) -> list[Experiment]:
    """Add experiments to a retrospective (ones already linked are kept once).

    Returns every experiment of the retrospective. Unknown ids raise ``LookupError``.
    """
    ids = sorted(set(int(i) for i in experiment_ids))

    def write() -> None:
        begin_write(session)
        retrospective = session.get(Retrospective, retrospective_id)
        if retrospective is None:
            raise NotFound(f"no retrospective with id {retrospective_id}")
        _dataset_team(session, actor, retrospective.dataset_id)
        _add_links(session, retrospective_id, ids, actor)
        session.commit()

    with_retries(session, write, what="linking experiments to the retrospective")
    return retrospective_experiments(session, retrospective_id=retrospective_id, actor=actor)


def update_retrospective(
    session: Session,
    *,
    retrospective_id: int,
    attendees: str | None = None,
    notes: str | None = None,
    actor: Actor,
) -> Retrospective:
    """Change the attendees and/or the notes (None: unchanged). ``LookupError`` if unknown
    (or not readable by the actor)."""

    def write() -> Retrospective:
        begin_write(session)
        retrospective = session.get(Retrospective, retrospective_id)
        if retrospective is None:
            raise NotFound(f"no retrospective with id {retrospective_id}")
        owner = _dataset_team(session, actor, retrospective.dataset_id)
        record_activity(
            session,
            actor=actor,
            team=owner,
            action="retrospective",
            subject=f"retrospective of {retrospective.held_on:%d %b %Y}",
            detail={"retrospective_id": retrospective_id, "edited": True},
        )
        if attendees is not None:
            retrospective.attendees = _text(attendees)
        if notes is not None:
            retrospective.notes = _text(notes)
        session.add(retrospective)
        session.commit()
        return retrospective

    retrospective = with_retries(session, write, what="saving the retrospective")
    session.refresh(retrospective)
    return retrospective


def get_retrospective(
    session: Session, *, retrospective_id: int, actor: Actor
) -> Retrospective | None:
    """The retrospective, or None when there is none the actor may read."""
    statement = _readable(actor).where(Retrospective.id == retrospective_id)
    return session.exec(statement).first()


def list_retrospectives(
    session: Session,
    *,
    team: str | None = None,
    dataset_id: int | None = None,
    actor: Actor,
) -> list[Retrospective]:
    """The retrospectives the actor may read, newest first (by the day held, then by id).

    ``team``: only that team's; ``dataset_id``: only those on that dataset (both: both).
    """
    statement = _readable(actor).order_by(
        col(Retrospective.held_on).desc(), col(Retrospective.id).desc()
    )
    if team is not None:
        statement = statement.where(Retrospective.team == team)
    if dataset_id is not None:
        statement = statement.where(Retrospective.dataset_id == dataset_id)
    return list(session.exec(statement).all())


def latest_retrospective(
    session: Session, *, team: str | None, dataset_id: int | None = None, actor: Actor
) -> Retrospective | None:
    """The team's newest retrospective (the next one starts from it), or None.

    A dataset without a team has its retrospectives found by ``dataset_id``.
    """
    if team is None and dataset_id is None:
        return None
    found = list_retrospectives(
        session, team=team, dataset_id=dataset_id if team is None else None, actor=actor
    )
    return found[0] if found else None


def retrospective_experiments(
    session: Session, *, retrospective_id: int, actor: Actor
) -> list[Experiment]:
    """The experiments a retrospective started, by id (none when the actor may not read it)."""
    if get_retrospective(session, retrospective_id=retrospective_id, actor=actor) is None:
        return []
    statement = (
        select(Experiment)
        .join(
            RetrospectiveExperiment,
            col(RetrospectiveExperiment.experiment_id) == col(Experiment.id),
        )
        .where(RetrospectiveExperiment.retrospective_id == retrospective_id)
        .order_by(col(Experiment.id))
    )
    return list(session.exec(statement).all())
