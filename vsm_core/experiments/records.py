"""The experiment record: what a team tried, why, how it is judged, and what it learned.

Models follow the SQLModel docs' shape: ``ExperimentBase`` and the ``experiment``
table live in :mod:`vsm_core.store.models`; here are the input and output models

* :class:`ExperimentCreate` – a new experiment, fully validated;
* :class:`ExperimentUpdate` – an edit, every field optional (only the fields set change);
* :class:`ExperimentRead`   – an experiment as pages and the CLI show it,

:func:`field_errors` (a ``ValidationError`` as ``{field: message}`` for a form), and the
keyword-only store functions, each taking a ``sqlmodel.Session`` first. Writes commit
once; on any error they roll back and raise. Experiments are never deleted: there is no
delete function, and every foreign key to or from them is RESTRICT.

Every edit is kept (``experiment_edit``: who, when, ``{field: [old, new]}``; the first
entry records the creation). Each experiment carries a ``version`` that every stored edit
raises by one; an edit made from what someone saw at version *n* passes ``if_version=n``,
and when someone else saved in between it is refused with :class:`EditConflict`, which
says what they changed (optimistic locking: the second save never overwrites the first).
When an experiment is reviewed, :func:`save_snapshot` keeps the evidence it was judged
on together with the dataset version it was computed from, so later imports or mapping
changes never rewrite what the team concluded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
from pydantic import ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError, to_jsonable_python
from sqlmodel import Field, Session, SQLModel, col, select

from vsm_core.experiments.catalogue import parse_metric
from vsm_core.experiments.spec import (
    DEFAULT_WINDOW,
    REVIEWED_STATUSES,
    Direction,
    ExperimentScope,
    Method,
    Status,
    evidence_spec,
    experiment_scope,
    experiment_window,
    overlapping,
)
from vsm_core.store.access import Actor, NotFound, check, readable
from vsm_core.store.crud import DATASET_TEAM, team_of
from vsm_core.store.models import (
    Dataset,
    DatasetVersion,
    Experiment,
    ExperimentBase,
    ExperimentEdit,
    ExperimentSnapshot,
)
from vsm_core.store.teams import record_activity
from vsm_core.store.types import utc_now
from vsm_core.store.writing import write_transaction

__all__ = [
    "DEFAULT_WINDOW",
    "FIELD_LABELS",
    "HYPOTHESIS_TEMPLATE",
    "EditConflict",
    "Experiment",
    "ExperimentCreate",
    "ExperimentEdit",
    "ExperimentRead",
    "ExperimentSnapshot",
    "ExperimentUpdate",
    "create_experiment",
    "evidence_spec",
    "experiment_history",
    "experiment_scope",
    "experiment_window",
    "field_errors",
    "get_experiment",
    "latest_snapshot",
    "list_experiments",
    "overlapping_experiments",
    "save_snapshot",
    "update_experiment",
]

#: What a form offers as the hypothesis placeholder.
HYPOTHESIS_TEMPLATE = "We believe that <change> will <effect> as measured by <metric>."


#: How messages name each field.
FIELD_LABELS: dict[str, str] = {
    "title": "title",
    "hypothesis": "hypothesis",
    "action": "action",
    "owner": "owner",
    "dataset_id": "dataset",
    "scope": "scope",
    "metric": "metric",
    "direction": "direction",
    "target": "target",
    "method": "comparison method",
    "change_date": "change date",
    "baseline_from": "baseline start",
    "baseline_to": "baseline end",
    "review_date": "review date",
    "status": "status",
    "learnings": "learnings",
}

#: The fields an edit can change, in form order (``ExperimentCreate``'s fields).
EDITABLE_FIELDS: tuple[str, ...] = tuple(FIELD_LABELS)


# --- validation ---------------------------------------------------------------------------
#
# The single-field checks are plain functions, attached to both ExperimentCreate and
# ExperimentUpdate. The metric and the baseline are checked by the catalogue and by
# EvidenceSpec, exactly as the evidence will read them.


def _not_blank(value: str | None, info) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise PydanticCustomError(
            "blank", "the {label} must not be blank", {"label": FIELD_LABELS[info.field_name]}
        )
    return value


def _known_metric(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_metric(value).name
    except ValueError as error:
        raise PydanticCustomError("unknown_metric", "{message}", {"message": str(error)}) from None


def _finite_target(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise PydanticCustomError("not_finite", "the target must be a finite number")
    return value


def _stripped(value: str | None) -> str | None:
    return value.strip() if value is not None else None


def _field_error(field: str, message: str) -> PydanticCustomError:
    """A check of several fields, reported on ``field`` (see :func:`field_errors`)."""
    return PydanticCustomError("experiment", "{message}", {"field": field, "message": message})


class ExperimentCreate(ExperimentBase):
    """A new experiment. Every check runs here; the store writes only valid experiments."""

    scope: ExperimentScope = Field(default_factory=ExperimentScope)

    check_not_blank = field_validator("title", "hypothesis", "owner")(_not_blank)
    check_stripped = field_validator("action", "learnings")(_stripped)
    check_metric = field_validator("metric")(_known_metric)
    check_target = field_validator("target")(_finite_target)

    @model_validator(mode="after")
    def check_dates(self) -> ExperimentCreate:
        try:
            evidence_spec(self)
        except ValidationError as error:
            [detail] = error.errors(include_url=False)[:1]
            message = detail["msg"].removeprefix("Value error, ")
            raise _field_error(_baseline_field(self), message) from None
        if self.review_date is not None and self.review_date < self.change_date:
            raise _field_error("review_date", "the review date must not be before the change date")
        return self


def _baseline_field(data: ExperimentCreate) -> str:
    """The field a baseline error is shown next to: the missing date, else the end."""
    if data.baseline_from is None and data.baseline_to is not None:
        return "baseline_from"
    return "baseline_to"


class ExperimentUpdate(SQLModel):
    """An edit: only the fields given (even as None) change; the result is validated whole."""

    title: str | None = None
    hypothesis: str | None = None
    action: str | None = None
    owner: str | None = None
    dataset_id: int | None = None
    scope: ExperimentScope | None = None
    metric: str | None = None
    direction: Direction | None = None
    target: float | None = None
    method: Method | None = None
    change_date: date | None = None
    baseline_from: date | None = None
    baseline_to: date | None = None
    review_date: date | None = None
    status: Status | None = None
    learnings: str | None = None

    check_not_blank = field_validator("title", "hypothesis", "owner")(_not_blank)
    check_stripped = field_validator("action", "learnings")(_stripped)
    check_metric = field_validator("metric")(_known_metric)
    check_target = field_validator("target")(_finite_target)


class ExperimentRead(ExperimentBase):
    """A stored experiment (build with ``ExperimentRead.model_validate(experiment)``)."""

    id: int
    version: int
    scope: ExperimentScope
    author: str
    created_at: datetime
    updated_at: datetime


def field_errors(error: ValidationError) -> dict[str, str]:
    """``{field: message}`` for a form: the first message of each field, naming the field.

    Checks of several fields (the baseline, the review date) are reported on the field
    to correct. Nested errors (inside the scope) are reported on the top-level field.
    """
    messages: dict[str, str] = {}
    for detail in error.errors(include_url=False):
        context = detail.get("ctx") or {}
        location = detail["loc"]
        field = str(context.get("field") or (location[0] if location else "")) or "experiment"
        label = FIELD_LABELS.get(field, field.replace("_", " "))
        if detail["type"] in ("experiment", "blank", "unknown_metric", "not_finite"):
            message = detail["msg"]
        elif detail["type"] == "missing":
            message = f"the {label} is required"
        else:
            message = f"{label}: {detail['msg'].removeprefix('Value error, ')}"
        messages.setdefault(field, message)
    return messages


# --- reading an experiment ----------------------------------------------------------------


def _as_create(experiment: Experiment) -> dict[str, Any]:
    """The stored experiment as ``ExperimentCreate`` input."""
    return {name: getattr(experiment, name) for name in EDITABLE_FIELDS}


def _jsonable(value: Any) -> Any:
    """``value`` as JSON both backends store: dates as ISO text, non-finite floats as null."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.generic | np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat() if value == value else None  # NaT is not equal to itself
    return _jsonable(to_jsonable_python(value))


def _stored_json(experiment: Experiment) -> dict[str, Any]:
    """The editable fields of a stored experiment as JSON, its scope in canonical form."""
    values = _as_create(experiment)
    try:
        values["scope"] = experiment_scope(experiment).model_dump(mode="json")
    except ValidationError:
        values["scope"] = experiment.scope  # as stored; any edit of it is then a change
    return _jsonable(values)


# --- store functions ----------------------------------------------------------------------


def _team_for(session: Session, actor: Actor, dataset_id: int, action: str, what: str) -> str:
    """The team of dataset ``dataset_id`` after checking the actor may ``action`` its rows.

    Raises ``NotFound`` (a ``LookupError``) for a dataset that does not exist or
    that the actor may not read; ``AccessDenied`` when the role is too weak.
    """
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or not actor.may(team_of(dataset)):
        raise NotFound(f"no dataset with id {dataset_id}")
    check(actor, team_of(dataset), action, what=what)
    return team_of(dataset)


def create_experiment(
    session: Session, *, data: ExperimentCreate, author: str, actor: Actor
) -> Experiment:
    """Store a new experiment and the first entry of its history ("created").

    The experiment belongs to its dataset's team; the actor needs the editor
    role there. Raises ``LookupError`` for an unknown (or unreadable) dataset,
    ``ValueError`` for a blank author.
    """
    author = _author(author)
    with write_transaction(session):
        team = _team_for(session, actor, data.dataset_id, "edit", what="its experiments")
        now = utc_now()
        values = data.model_dump(exclude={"scope"})
        experiment = Experiment(
            **values,
            scope=data.scope.model_dump(mode="json"),
            author=author,
            created_at=now,
            updated_at=now,
        )
        session.add(experiment)
        session.flush()
        initial = _jsonable(data.model_dump(mode="json"))
        session.add(
            ExperimentEdit(
                experiment_id=experiment.id,
                kind="created",
                at=now,
                author=author,
                version=1,
                changes={
                    name: [None, initial[name]]
                    for name in EDITABLE_FIELDS
                    if initial[name] not in (None, "")
                },
            )
        )
        record_activity(
            session,
            actor=actor,
            team=team,
            action="experiment_create",
            subject=f"experiment {experiment.id}: {experiment.title}",
        )
    session.refresh(experiment)
    return experiment


class EditConflict(ValueError):
    """An edit based on an older version of the experiment than the stored one.

    ``expected``: the version the editor saw; ``current``: the stored version;
    ``since``: the history entries stored after ``expected``, oldest first, as
    plain dicts ``{version, author, at, changes: {field: [old, new]}}`` (they
    outlive the rolled-back session), so the message can show what changed.
    """

    def __init__(self, experiment_id: int, expected: int, current: int, since: list) -> None:
        self.experiment_id, self.expected, self.current = experiment_id, expected, current
        self.since = since
        super().__init__(conflict_message(experiment_id, expected, current, since))


def conflict_message(experiment_id: int, expected: int, current: int, since: list) -> str:
    """One plain paragraph: who changed what since ``expected``; nothing was saved."""
    changes = []
    for entry in since:
        fields = ", ".join(
            f"{FIELD_LABELS.get(name, name)} {_quoted(old)} → {_quoted(new)}"
            for name, (old, new) in entry["changes"].items()
        )
        changes.append(f"{entry['author']} at {entry['at']:%Y-%m-%d %H:%M} UTC: {fields}")
    said = "; ".join(changes) if changes else "the record changed"
    return (
        f"Experiment {experiment_id} was changed since you opened it (version {expected}, now "
        f"{current}): {said}. Nothing was saved; reload it and make your change again."
    )


def _quoted(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def update_experiment(
    session: Session,
    *,
    experiment_id: int,
    changes: ExperimentUpdate,
    author: str,
    if_version: int | None = None,
    actor: Actor,
) -> Experiment:
    """Apply ``changes`` (the fields set in it) and record what really changed.

    The edited experiment is validated whole (``pydantic.ValidationError``, see
    :func:`field_errors`). An edit that changes nothing writes nothing. With
    ``if_version``, the edit is refused with :class:`EditConflict` unless the
    stored version is still that one (the row is locked while checking, so two
    editors cannot both pass). A stored edit raises the version by one. The
    actor needs the editor role in the experiment's team. Raises
    ``LookupError`` for an unknown (or unreadable) experiment or dataset.
    """
    author = _author(author)
    with write_transaction(session):
        experiment = session.get(Experiment, experiment_id, with_for_update=True)
        if experiment is None:
            raise NotFound(f"no experiment with id {experiment_id}")
        team = _team_for(
            session, actor, experiment.dataset_id, "edit", what=f"experiment {experiment_id}"
        )
        if if_version is not None and experiment.version != if_version:
            raise EditConflict(
                experiment_id,
                if_version,
                experiment.version,
                _edits_after(session, experiment_id=experiment_id, version=if_version),
            )
        given = changes.model_dump(exclude_unset=True)
        edited = ExperimentCreate.model_validate({**_as_create(experiment), **given})
        old, new = _stored_json(experiment), _jsonable(edited.model_dump(mode="json"))
        changed = {
            name: [old[name], new[name]] for name in EDITABLE_FIELDS if old[name] != new[name]
        }
        if not changed:
            return experiment  # nothing to write, no history entry
        if "dataset_id" in changed:
            _team_for(session, actor, edited.dataset_id, "edit", what="its experiments")
        now = utc_now()
        for name in changed:
            value = new["scope"] if name == "scope" else getattr(edited, name)
            setattr(experiment, name, value)
        experiment.updated_at = now
        experiment.version += 1
        session.add(experiment)
        session.add(
            ExperimentEdit(
                experiment_id=experiment.id,
                kind="edited",
                at=now,
                author=author,
                changes=changed,
                version=experiment.version,
            )
        )
        reviewed = "status" in changed and experiment.status in REVIEWED_STATUSES
        record_activity(
            session,
            actor=actor,
            team=team,
            action="experiment_review" if reviewed else "experiment_edit",
            subject=f"experiment {experiment.id}: {experiment.title}",
            detail={"fields": sorted(changed), "version": experiment.version},
        )
    session.refresh(experiment)
    return experiment


def _edits_after(session: Session, *, experiment_id: int, version: int) -> list[dict[str, Any]]:
    """History entries that produced versions after ``version``, oldest first (plain dicts)."""
    statement = (
        select(ExperimentEdit)
        .where(ExperimentEdit.experiment_id == experiment_id, ExperimentEdit.version > version)
        .order_by(col(ExperimentEdit.version))
    )
    return [
        {"version": e.version, "author": e.author, "at": e.at, "changes": dict(e.changes)}
        for e in session.exec(statement).all()
    ]


def get_experiment(session: Session, *, experiment_id: int, actor: Actor) -> Experiment | None:
    """The experiment, or None when there is none the actor may read."""
    experiment = session.get(Experiment, experiment_id)
    if experiment is None:
        return None
    dataset = session.get(Dataset, experiment.dataset_id)
    return experiment if actor.may(team_of(dataset)) else None


def list_experiments(
    session: Session,
    *,
    dataset_id: int | None = None,
    statuses: Iterable[str] | None = None,
    team: str | None = None,
    actor: Actor,
) -> list[Experiment]:
    """The experiments the actor may read (those of its teams' datasets), newest change
    date first.

    ``statuses``: keep only these. ``team``: experiments whose scope names the team, or,
    when the scope names none, whose dataset belongs to the team.
    """
    statement = (
        select(Experiment)
        .join(Dataset, Dataset.id == Experiment.dataset_id)
        .where(readable(DATASET_TEAM, actor))
        .order_by(col(Experiment.change_date).desc(), col(Experiment.id).desc())
    )
    if dataset_id is not None:
        statement = statement.where(Experiment.dataset_id == dataset_id)
    if isinstance(statuses, str):
        statuses = [statuses]
    if statuses is not None:
        statement = statement.where(col(Experiment.status).in_(list(statuses)))
    experiments = list(session.exec(statement).all())
    if team is None:
        return experiments
    dataset_teams = dict(session.exec(select(Dataset.id, DATASET_TEAM)).all())
    return [
        experiment
        for experiment in experiments
        if ((experiment.scope or {}).get("team") or dataset_teams.get(experiment.dataset_id))
        == team
    ]


def experiment_history(
    session: Session, *, experiment_id: int, actor: Actor
) -> list[ExperimentEdit]:
    """Every entry of the experiment's history, oldest first (the first one: created);
    none when the actor may not read the experiment."""
    if get_experiment(session, experiment_id=experiment_id, actor=actor) is None:
        return []
    statement = (
        select(ExperimentEdit)
        .where(ExperimentEdit.experiment_id == experiment_id)
        .order_by(col(ExperimentEdit.at), col(ExperimentEdit.id))
    )
    return list(session.exec(statement).all())


def save_snapshot(
    session: Session,
    *,
    experiment_id: int,
    version_id: int,
    result: dict[str, Any],
    author: str,
    actor: Actor,
) -> ExperimentSnapshot:
    """Keep the evidence a reviewed experiment was judged on, with the version it came from.

    The experiment must have been reviewed (status adopted, adapted or abandoned) and the
    version must belong to its dataset, else ``ValueError``; unknown ids raise
    ``LookupError``. ``result`` is stored as JSON (dates as ISO text, NaN as null).
    The version is kept from then on: deleting it archives it instead.
    """
    author = _author(author)
    with write_transaction(session):
        experiment = session.get(Experiment, experiment_id)
        if experiment is None:
            raise NotFound(f"no experiment with id {experiment_id}")
        _team_for(session, actor, experiment.dataset_id, "edit", what=f"experiment {experiment_id}")
        version = session.get(DatasetVersion, version_id)
        if version is None:
            raise LookupError(f"no dataset version with id {version_id}")
        if experiment.status not in REVIEWED_STATUSES:
            raise ValueError(
                f"experiment {experiment_id} is {experiment.status}; a snapshot is taken when "
                f"it is reviewed ({', '.join(REVIEWED_STATUSES)})"
            )
        if version.dataset_id != experiment.dataset_id:
            raise ValueError(
                f"version {version_id} belongs to dataset {version.dataset_id}, "
                f"not to the experiment's dataset {experiment.dataset_id}"
            )
        snapshot = ExperimentSnapshot(
            experiment_id=experiment_id,
            version_id=version_id,
            status=experiment.status,
            taken_at=utc_now(),
            author=author,
            result=_jsonable(result),
        )
        session.add(snapshot)
    session.refresh(snapshot)
    return snapshot


def latest_snapshot(
    session: Session, *, experiment_id: int, actor: Actor
) -> ExperimentSnapshot | None:
    """The newest review snapshot (None without one or when the actor may not read it)."""
    if get_experiment(session, experiment_id=experiment_id, actor=actor) is None:
        return None
    statement = (
        select(ExperimentSnapshot)
        .where(ExperimentSnapshot.experiment_id == experiment_id)
        .order_by(col(ExperimentSnapshot.taken_at).desc(), col(ExperimentSnapshot.id).desc())
    )
    return session.exec(statement).first()


def overlapping_experiments(
    session: Session, *, experiment: Experiment | ExperimentCreate, actor: Actor
) -> list[Experiment]:
    """Other experiments on the same dataset whose effects can mix with this one's.

    Both their windows (:func:`experiment_window`) and their scopes
    (:meth:`ExperimentScope.overlaps`) overlap. Newest change date first. ``experiment``
    may also be an unsaved ``ExperimentCreate`` (to warn before it is stored).
    """
    others = list_experiments(session, dataset_id=experiment.dataset_id, actor=actor)
    return overlapping(experiment, others)


def _author(author: str) -> str:
    if not author or not author.strip():
        raise ValueError("the author must not be blank")
    return author.strip()
