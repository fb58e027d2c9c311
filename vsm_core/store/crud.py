"""Keyword-only store functions. Each takes a ``sqlmodel.Session`` first and the acting
identity (``actor``, :mod:`vsm_core.store.access`).

A dataset belongs to one team (``dataset.team``; a dataset stored without a team is a
team of its own name). Reads return only what the actor may read: an unreadable
dataset or version is "not found" (None, an empty list or ``NotFound``). Writes need
the editor role in the team (import, workflow) or the admin role (delete, archive) and
record the change in the team's activity log in the same transaction.

Writes commit once at the end, so a failure stores nothing; reads never
commit.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Integer, func, insert, literal
from sqlalchemy import column as sa_column
from sqlalchemy import delete as sa_delete
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import table as sa_table
from sqlmodel import Session, col, select

from vsm_core.model import EVENT_COLUMNS, CanonicalDataset, Workflow
from vsm_core.store import reading
from vsm_core.store.access import DATASET_TEAM, AccessDenied, Actor, NotFound, check, readable
from vsm_core.store.codec import EVENT_ENCODING, encode_events
from vsm_core.store.models import (
    Dataset,
    DatasetSummary,
    DatasetVersion,
    StatusEventBlock,
    WorkItem,
)
from vsm_core.store.teams import record_activity
from vsm_core.store.writing import begin_write, with_retries, write_transaction
from vsm_core.workflow import same_workflow

# DATASET_TEAM (a dataset's team in SQL) is defined in vsm_core.store.access and still
# importable from here.


def team_of(dataset: Dataset) -> str:
    """The team a dataset belongs to (its team, else its own name)."""
    return dataset.team or dataset.name


class NameTaken(ValueError):
    """A dataset name that another team's dataset already has (names are unique)."""


def save_dataset_version(
    session: Session,
    *,
    dataset: CanonicalDataset,
    name: str,
    team: str | None = None,
    format: str,
    source_filename: str | None = None,
    source_sha256: str | None = None,
    actor: Actor,
) -> DatasetVersion:
    """Store ``dataset`` as the next version of the dataset called ``name``.

    A new name creates the dataset (version 1) in ``team`` (default: a team of
    the dataset's own name); an existing one keeps its team. The actor needs
    the editor role in that team; a name another team's dataset has raises
    :class:`NameTaken` (without saying whose). Items become rows; the event
    log is stored as one compressed block. Everything is one transaction:
    on any error nothing is stored and the error is raised. Concurrent
    imports into one name take turns (:mod:`vsm_core.store.writing`); one
    that keeps clashing raises :class:`~vsm_core.store.writing.StoreConflict`.
    """

    def write() -> DatasetVersion:
        begin_write(session)
        parent = _locked_dataset(session, name=name)
        if parent is not None and not actor.may(team_of(parent), "read"):
            raise NameTaken(f"the dataset name {name!r} is taken; choose another name")
        owner = team_of(parent) if parent is not None else (team or name)
        if not actor.may(owner, "edit"):
            raise AccessDenied(
                f"{actor.name} may not import into team {owner!r}: that needs the editor "
                "role there. A team admin can give it on the Admin page."
            )
        if parent is None:
            parent = Dataset(name=name, team=owner)
            session.add(parent)
            session.flush()
        version = DatasetVersion(
            dataset_id=parent.id,
            version=_next_version_number(session, dataset_id=parent.id),
            source_filename=source_filename,
            source_sha256=source_sha256,
            format=format,
            timezone=dataset.timezone,
            item_count=len(dataset.items),
            event_count=len(dataset.events),
            workflow=dataset.workflow.model_dump(mode="json"),
        )
        session.add(version)
        session.flush()
        _insert_items(session, version_id=version.id, items=dataset.items)
        session.add(
            StatusEventBlock(
                version_id=version.id,
                encoding=EVENT_ENCODING,
                event_count=len(dataset.events),
                payload=encode_events(dataset.events),
            )
        )
        record_activity(
            session,
            actor=actor,
            team=owner,
            action="import",
            subject=f"{name} version {version.version}",
            detail={"dataset_id": parent.id, "items": len(dataset.items), "format": format},
        )
        session.commit()
        return version

    version = with_retries(session, write, what=f"storing a new version of {name!r}")
    session.refresh(version)
    # After the commit, in a transaction of its own: the Organisation row of the default
    # period (issue #13's 3 s for 50 teams). It never fails the import (logged instead).
    from vsm_core.organisation.stored import summarise_at_import  # it builds on the store

    summarise_at_import(session, actor=actor, version_id=version.id, dataset=dataset)
    session.refresh(version)
    return version


def _locked_dataset(session: Session, *, name: str) -> Dataset | None:
    """The dataset called ``name``, its row locked until the transaction ends (PostgreSQL;
    SQLite's write transaction already excludes other writers)."""
    return session.exec(select(Dataset).where(Dataset.name == name).with_for_update()).first()


def _next_version_number(session: Session, *, dataset_id: int) -> int:
    statement = select(func.max(DatasetVersion.version)).where(
        DatasetVersion.dataset_id == dataset_id
    )
    return (session.exec(statement).one() or 0) + 1


def _insert_items(session: Session, *, version_id: int, items: pd.DataFrame) -> None:
    if items.empty:
        return
    rows = items.assign(
        version_id=version_id,
        labels=items["labels"].map(list),
        created_at=items["created_at"].astype(object).where(items["created_at"].notna(), None),
    )
    rows = rows.astype(object).where(rows.notna(), None)
    session.execute(insert(WorkItem), rows.to_dict("records"))


def list_datasets(
    session: Session, *, include_archived: bool = False, actor: Actor
) -> list[DatasetSummary]:
    """Every dataset the actor may read with its latest version's facts, ordered by name."""
    statement = select(Dataset).where(readable(DATASET_TEAM, actor)).order_by(Dataset.name)
    if not include_archived:
        statement = statement.where(col(Dataset.archived_at).is_(None))
    summaries = []
    for dataset in session.exec(statement).all():
        versions = list_versions(session, dataset_id=dataset.id, actor=actor)
        latest = versions[-1] if versions else None
        summaries.append(
            DatasetSummary(
                id=dataset.id,
                name=dataset.name,
                team=team_of(dataset),
                latest_version=latest.version if latest else None,
                versions=len(versions),
                version_id=latest.id if latest else None,
                format=latest.format if latest else None,
                source_filename=latest.source_filename if latest else None,
                items=latest.item_count if latest else 0,
                events=latest.event_count if latest else 0,
                imported_at=latest.imported_at if latest else None,
                archived=dataset.archived_at is not None,
            )
        )
    return summaries


def count_datasets(session: Session, *, actor: Actor) -> int:
    """How many datasets (archived ones included) the actor may read."""
    statement = select(func.count()).select_from(Dataset).where(readable(DATASET_TEAM, actor))
    return session.exec(statement).one()


def get_dataset(session: Session, *, dataset_id: int, actor: Actor) -> Dataset | None:
    """The dataset, or None when there is none the actor may read."""
    dataset = session.get(Dataset, dataset_id)
    return dataset if dataset is not None and actor.may(team_of(dataset)) else None


def _readable_versions(actor: Actor):
    """``SELECT DatasetVersion`` of the datasets the actor may read."""
    return (
        select(DatasetVersion)
        .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(readable(DATASET_TEAM, actor))
    )


def team_timezone(session: Session, *, team: str, actor: Actor) -> str:
    """The time zone of ``team``'s most recently imported live dataset version, "UTC" when
    it has none the actor may read: the zone its deployment and incident weeks are counted
    in, so they are the same local weeks as its flow metrics and experiments."""
    zone = session.exec(
        _readable_versions(actor)
        .where(
            team == DATASET_TEAM,
            col(Dataset.archived_at).is_(None),
            col(DatasetVersion.archived_at).is_(None),
        )
        .order_by(col(DatasetVersion.imported_at).desc(), col(DatasetVersion.id).desc())
        .limit(1)
    ).first()
    return zone.timezone if zone is not None else "UTC"


def list_versions(
    session: Session, *, dataset_id: int, include_archived: bool = False, actor: Actor
) -> list[DatasetVersion]:
    """The dataset's versions, oldest first (archived ones only when asked); none when the
    actor may not read the dataset."""
    statement = (
        _readable_versions(actor)
        .where(DatasetVersion.dataset_id == dataset_id)
        .order_by(DatasetVersion.version)
    )
    if not include_archived:
        statement = statement.where(col(DatasetVersion.archived_at).is_(None))
    return list(session.exec(statement).all())


def get_version(
    session: Session, *, dataset_id: int, version: int | None = None, actor: Actor
) -> DatasetVersion | None:
    """Version ``version`` of the dataset, or its latest when ``version`` is None; None when
    there is no such version the actor may read."""
    statement = _readable_versions(actor).where(DatasetVersion.dataset_id == dataset_id)
    if version is None:
        statement = statement.where(col(DatasetVersion.archived_at).is_(None))
        statement = statement.order_by(col(DatasetVersion.version).desc())
    else:
        statement = statement.where(DatasetVersion.version == version)
    return session.exec(statement).first()


def may_read_version(session: Session, *, version_id: int, actor: Actor) -> bool:
    """Whether the version exists and the actor may read its dataset (one small query).

    For callers that keep loaded versions in a cache keyed by version id: they ask
    this before serving an entry.
    """
    statement = (
        select(DATASET_TEAM)
        .select_from(DatasetVersion)
        .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(DatasetVersion.id == version_id)
    )
    team = session.exec(statement).first()
    return team is not None and actor.may(team)


def load_dataset(session: Session, *, version_id: int, actor: Actor) -> CanonicalDataset:
    """Read a stored version back into the canonical model.

    Raises :class:`~vsm_core.store.access.NotFound` (a ``LookupError``) when
    the version does not exist or the actor may not read it. The reading is
    done with SQLAlchemy Core (:func:`vsm_core.store.reading.load_dataset`).
    """
    return reading.load_dataset(session, version_id=version_id, actor=actor)


def archive_dataset(session: Session, *, dataset_id: int, when: datetime, actor: Actor) -> Dataset:
    """Hide a dataset from lists without deleting anything (the team's admin role)."""
    return _mark_dataset(session, dataset_id, when, actor)


def restore_dataset(session: Session, *, dataset_id: int, actor: Actor) -> Dataset:
    """Show an archived dataset in the lists again (the team's admin role)."""
    return _mark_dataset(session, dataset_id, None, actor)


def _mark_dataset(
    session: Session, dataset_id: int, when: datetime | None, actor: Actor
) -> Dataset:
    """Set the dataset's ``archived_at`` to ``when`` (None: restored) and log it."""
    with write_transaction(session):
        dataset = session.get(Dataset, dataset_id)
        if dataset is None or not actor.may(team_of(dataset)):
            raise NotFound(f"no dataset with id {dataset_id}")
        check(actor, team_of(dataset), "admin", what=f"dataset {dataset.name!r}")
        dataset.archived_at = when
        session.add(dataset)
        record_activity(
            session,
            actor=actor,
            team=team_of(dataset),
            action="archive" if when is not None else "restore",
            subject=dataset.name,
        )
    session.refresh(dataset)
    return dataset


def archive_version(
    session: Session, *, version_id: int, when: datetime, actor: Actor
) -> DatasetVersion:
    """Hide one version of a dataset without deleting anything (the team's admin role).

    The version leaves the lists and is no longer the dataset's latest (the
    newest live version before it is); experiments judged on it keep it.
    Raises ``NotFound`` when the version does not exist or the actor may not read it.
    """
    return _mark_version(session, version_id, when, actor)


def restore_version(session: Session, *, version_id: int, actor: Actor) -> DatasetVersion:
    """Show an archived version again (the team's admin role); the newest live version is
    the dataset's latest, so restoring the newest makes it the latest again."""
    return _mark_version(session, version_id, None, actor)


def _mark_version(
    session: Session, version_id: int, when: datetime | None, actor: Actor
) -> DatasetVersion:
    """Set the version's ``archived_at`` to ``when`` (None: restored) and log it."""
    with write_transaction(session):
        version = session.get(DatasetVersion, version_id)
        parent = session.get(Dataset, version.dataset_id) if version is not None else None
        if parent is None or not actor.may(team_of(parent)):
            raise NotFound(f"no dataset version with id {version_id}")
        check(actor, team_of(parent), "admin", what=f"dataset {parent.name!r}")
        version.archived_at = when
        session.add(version)
        record_activity(
            session,
            actor=actor,
            team=team_of(parent),
            action="archive" if when is not None else "restore",
            subject=f"{parent.name} version {version.version}",
        )
    session.refresh(version)
    return version


#: Tables that belong to a version and go with it when it is deleted.
_OWNED_BY_VERSION = {"work_item", "status_event_block", "version_summary"}


def delete_version(
    session: Session, *, version_id: int, when: datetime | None = None, actor: Actor
) -> str:
    """Delete a dataset version with its items and events, unless something refers to it.

    A version (or its dataset) that any other table refers to through a
    foreign key (experiments do) is **archived** instead: hidden from lists,
    still readable, never removed by a cascade. A dataset left without live
    versions is deleted or archived the same way. Returns ``"deleted"`` or
    ``"archived"``. Needs the team's admin role. Raises ``NotFound`` (a
    ``LookupError``) when the version does not exist or the actor may not read it.
    """
    when = when or datetime.now(UTC)
    with write_transaction(session):
        version = session.get(DatasetVersion, version_id)
        parent = session.get(Dataset, version.dataset_id) if version is not None else None
        if parent is None or not actor.may(team_of(parent)):
            raise NotFound(f"no dataset version with id {version_id}")
        check(actor, team_of(parent), "admin", what=f"dataset {parent.name!r}")
        dataset_id = version.dataset_id
        record_activity(
            session,
            actor=actor,
            team=team_of(parent),
            action="delete_version",
            subject=f"{parent.name} version {version.version}",
        )
        if _is_referenced(session, "dataset_version", version_id):
            version.archived_at = when
            session.add(version)
            outcome = "archived"
        else:
            session.execute(sa_delete(DatasetVersion).where(DatasetVersion.id == version_id))
            outcome = "deleted"
        session.flush()
        if not list_versions(session, dataset_id=dataset_id, actor=actor):
            _retire_dataset(session, dataset_id=dataset_id, when=when)
    return outcome


def _retire_dataset(session: Session, *, dataset_id: int, when: datetime) -> None:
    """A dataset without live versions: delete it, or archive it if anything refers to it."""
    dataset = session.get(Dataset, dataset_id)
    has_archived = session.exec(
        select(func.count())
        .select_from(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset_id)
    ).one()
    if has_archived or _is_referenced(session, "dataset", dataset_id):
        dataset.archived_at = when
        session.add(dataset)
    else:
        session.execute(sa_delete(Dataset).where(Dataset.id == dataset_id))


def _is_referenced(session: Session, table: str, row_id: int) -> bool:
    """Whether a row of another table (other than a version's own data) points at this row.

    Read from the live schema, so a table added by a later migration (the
    experiments) protects what it refers to without this code knowing it.
    """
    inspector = sa_inspect(session.connection())
    for other in inspector.get_table_names():
        if other in _OWNED_BY_VERSION or other in ("dataset", "dataset_version"):
            continue
        for key in inspector.get_foreign_keys(other):
            if key["referred_table"] != table or len(key["constrained_columns"]) != 1:
                continue
            column = sa_column(key["constrained_columns"][0])
            query = select(func.count()).select_from(sa_table(other)).where(column == row_id)
            if session.connection().execute(query).scalar():
                return True
    return False


def latest_workflow_for_team(session: Session, *, team: str, actor: Actor) -> Workflow | None:
    """The workflow of the team's most recently imported version, to reuse on the next upload
    (None when there is none or the actor may not read the team)."""
    statement = (
        _readable_versions(actor)
        .where(DATASET_TEAM == team)  # noqa: SIM300 (a column expression, not a constant)
        .order_by(col(DatasetVersion.imported_at).desc(), col(DatasetVersion.id).desc())
    )
    latest = session.exec(statement).first()
    return Workflow.model_validate(latest.workflow) if latest is not None else None


# ------------------------------------------------------------- re-imports and workflow edits


def save_unless_identical(
    session: Session,
    *,
    dataset: CanonicalDataset,
    name: str,
    team: str | None = None,
    format: str,
    source_filename: str | None = None,
    source_sha256: str | None = None,
    actor: Actor,
) -> tuple[DatasetVersion, bool]:
    """(version, stored?): :func:`save_dataset_version`, unless the latest version of ``name``
    already holds the same bytes read the same way with the same workflow
    (:func:`identical_version`); then that version and False, and nothing is stored."""
    same = identical_version(
        session,
        name=name,
        dataset=dataset,
        format=format,
        source_sha256=source_sha256,
        actor=actor,
    )
    if same is not None:
        return same, False
    version = save_dataset_version(
        session,
        dataset=dataset,
        name=name,
        team=team,
        format=format,
        source_filename=source_filename,
        source_sha256=source_sha256,
        actor=actor,
    )
    return version, True


def identical_version(
    session: Session,
    *,
    name: str,
    dataset: CanonicalDataset,
    format: str,
    source_sha256: str | None,
    actor: Actor,
) -> DatasetVersion | None:
    """The latest version of dataset ``name`` when storing ``dataset`` again would add nothing.

    That is when the latest live version came from the same bytes
    (``source_sha256``), in the same format and time zone, under the same
    workflow (:func:`vsm_core.workflow.same_workflow`), and holds the same
    items and events (the same file read with another column mapping is not
    identical). None otherwise, and always when ``source_sha256`` is None.
    Reads only; stores nothing.
    """
    parent = session.exec(select(Dataset).where(Dataset.name == name)).first()
    latest = None if parent is None else get_version(session, dataset_id=parent.id, actor=actor)
    if latest is None or source_sha256 is None or latest.source_sha256 != source_sha256:
        return None
    same_facts = (
        latest.format == format
        and latest.timezone == dataset.timezone
        and latest.item_count == len(dataset.items)
        and latest.event_count == len(dataset.events)
        and same_workflow(Workflow.model_validate(latest.workflow), dataset.workflow)
    )
    if not same_facts:
        return None
    stored = load_dataset(session, version_id=latest.id, actor=actor)
    return latest if _same_content(stored, dataset) else None


def _same_content(stored: CanonicalDataset, fresh: CanonicalDataset) -> bool:
    """Whether two datasets hold equal items and events (the canonical columns)."""
    columns = list(EVENT_COLUMNS)
    return stored.items.reset_index(drop=True).equals(
        fresh.items.reset_index(drop=True)
    ) and stored.events.loc[:, columns].reset_index(drop=True).equals(
        fresh.events.loc[:, columns].reset_index(drop=True)
    )


def save_workflow_version(
    session: Session,
    *,
    dataset_id: int,
    workflow: Workflow,
    version: int | None = None,
    actor: Actor,
) -> DatasetVersion | None:
    """Store the items and events of a version again, under ``workflow``, as the next version.

    ``version`` is the version number to start from (default: the latest
    live one). Nothing is parsed or decoded: the item rows and the event
    block are copied inside the database. The source file, format and time
    zone are kept. Returns the new version, or None (and stores nothing)
    when ``workflow`` reads every status as the base version's does.
    Needs the team's editor role. Raises ``NotFound`` (a ``LookupError``) when
    the dataset or the version does not exist or the actor may not read it.
    Versions that experiments were judged on are untouched: their snapshots
    keep referring to them by id.
    """

    def write() -> DatasetVersion | None:
        begin_write(session)
        base = get_version(session, dataset_id=dataset_id, version=version, actor=actor)
        if base is None:
            raise NotFound(
                f"no dataset {dataset_id}" + (f" version {version}" if version is not None else "")
            )
        parent = session.get(Dataset, dataset_id)
        check(actor, team_of(parent), "edit", what=f"the workflow of {parent.name!r}")
        if same_workflow(Workflow.model_validate(base.workflow), workflow):
            session.rollback()
            return None
        session.exec(select(Dataset).where(Dataset.id == dataset_id).with_for_update()).first()
        created = DatasetVersion(
            dataset_id=dataset_id,
            version=_next_version_number(session, dataset_id=dataset_id),
            source_filename=base.source_filename,
            source_sha256=base.source_sha256,
            format=base.format,
            timezone=base.timezone,
            item_count=base.item_count,
            event_count=base.event_count,
            workflow=workflow.model_dump(mode="json"),
        )
        session.add(created)
        session.flush()
        _copy_rows(session, WorkItem, from_version=base.id, to_version=created.id)
        _copy_rows(session, StatusEventBlock, from_version=base.id, to_version=created.id)
        record_activity(
            session,
            actor=actor,
            team=team_of(parent),
            action="workflow",
            subject=f"{parent.name} version {created.version} (from version {base.version})",
        )
        session.commit()
        return created

    created = with_retries(session, write, what=f"storing a new workflow of dataset {dataset_id}")
    if created is not None:
        session.refresh(created)
    return created


def _copy_rows(session: Session, model, *, from_version: int, to_version: int) -> None:
    """``INSERT … SELECT`` a version's rows of ``model``'s table under another version id.

    Rows keep their order (the items are read back by row id).
    """
    source = model.__table__
    kept = [c.name for c in source.columns if c.name not in ("id", "version_id")]
    rows = (
        select(literal(to_version, Integer), *(source.c[name] for name in kept))
        .where(source.c.version_id == from_version)
        .order_by(*(source.primary_key.columns))
    )
    session.execute(insert(source).from_select(["version_id", *kept], rows))
