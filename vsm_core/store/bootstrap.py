"""Bring a database to a usable state: schema at head, demo data if empty."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from vsm_core.store import crud
from vsm_core.store.access import SYSTEM, Actor
from vsm_core.store.migrate import upgrade_to_head
from vsm_core.store.writing import begin_write

#: PostgreSQL advisory lock held while deciding whether to seed ("SEED" in ASCII).
SEED_LOCK_KEY = 0x53454544


def prepare_database(engine: Engine, *, seed_demo: bool = True) -> bool:
    """Upgrade the schema to head and, if no dataset exists yet, store the demo team.

    Returns True when the demo dataset was seeded by this call. Idempotent:
    a database that already holds any dataset is left as it is. Processes
    starting together on an empty database seed it once: the check and the
    first write happen under a lock (SQLite's write lock, a PostgreSQL
    advisory lock), so the others wait and then find the demo stored.
    """
    upgrade_to_head(engine)
    if not seed_demo:
        return False
    with Session(engine) as session:
        begin_write(session)
        if session.connection().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEED_LOCK_KEY})
        if crud.count_datasets(session, actor=SYSTEM) > 0:
            session.rollback()
            return False
        seed_demo_dataset(session, actor=SYSTEM)  # its first commit (the dataset) releases the lock
    return True


def seed_demo_dataset(session: Session, *, actor: Actor):
    """Store the deterministic demo team (see :mod:`vsm_core.sample_data`) and its experiments
    as ``actor`` (the system when a database is prepared; it needs the editor role in the
    demo team)."""
    from vsm_core import sample_data  # only needed on first run
    from vsm_core.experiments import records

    version = crud.save_dataset_version(
        session,
        dataset=sample_data.generate_demo_dataset(),
        name=sample_data.DEMO_DATASET_NAME,
        team=sample_data.DEMO_TEAM,
        format="demo",
        source_filename="(generated demo data)",
        actor=actor,
    )
    for experiment in sample_data.demo_experiments(dataset_id=version.dataset_id):
        records.create_experiment(
            session, data=records.ExperimentCreate(**experiment), author="demo", actor=actor
        )
    return version


def seed_demo_records(session: Session, *, actor: Actor) -> list[str]:
    """Store the demo team's sample deployments, incidents and measures
    (:mod:`vsm_core.sample_records`) as ``actor`` (who needs the editor role in the demo
    team), read by the same readers as an upload. Returns one sentence per file ("Stored 160
    deployments from demo-deployments.csv."); storing them again stores nothing."""
    from vsm_core import sample_data, sample_records
    from vsm_core.delivery import read_delivery
    from vsm_core.series import parse_series
    from vsm_core.store import delivery, series

    team = sample_data.DEMO_TEAM
    said = []
    for name, data in sample_records.demo_record_files():
        if name == sample_records.MEASURES_FILE:
            parsed = parse_series(data, name, team=team)
            saved = series.save_series(
                session,
                actor=actor,
                team=team,
                points=parsed.points,
                source_filename=name,
                source_sha256=parsed.sha256,
            )
            said.append(
                f"Stored {saved.added:,} values of measures from {name}."
                if saved.added or saved.replaced
                else f"{name} was already stored."
            )
            continue
        read = read_delivery(data, name)
        stored = delivery.save_import(
            session,
            actor=actor,
            team=team,
            kind=read.kind,
            rows=read.table,
            format=read.format,
            source_filename=name,
            source_sha256=read.sha256,
        )
        count = f"{stored.rows:,} {read.kind}"
        said.append(
            f"Stored {count} from {name}." if stored.created else f"{name} was already stored."
        )
    return said
