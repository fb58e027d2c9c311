"""Schema migrations through Alembic, run programmatically.

The app, ``make run`` and the CLI call :func:`upgrade_to_head` on start; the
schema is never created with ``create_all`` nor dropped.

Most starts find the database already at head. Importing Alembic and loading
its script directory (each migration file imports SQLModel) costs about
0.15 s, more than a short command's own work, so :func:`upgrade_to_head`
first compares the database's ``alembic_version`` row, read with one plain
query, with :data:`HEAD_REVISION`. Only when they differ does Alembic run: a
fresh database and a database behind the code go through ``alembic upgrade``.

Several processes may start at once on one empty database (a deployment
with several app processes): the upgrade runs under a lock — a PostgreSQL
advisory lock, SQLite's write lock (``BEGIN IMMEDIATE``) — and looks again
at the recorded revision once it holds it, so exactly one process migrates
and the others find the schema at head.

Migrations only go forward: a database written by a newer Flowlab (a
revision this code does not know) is refused with :class:`SchemaTooNew`,
and the migrations' ``downgrade`` steps refuse to run (they would drop
experiments and reviews).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

if TYPE_CHECKING:  # pragma: no cover - typing only
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The newest revision in ``migrations/versions``. A new migration updates it too:
#: tests/unit/test_migrations.py checks that it is Alembic's head. It only decides when
#: Alembic may be skipped; what Alembic upgrades to is always the files' own head.
HEAD_REVISION = "0011"
#: Every revision this code knows, oldest first (tests check it against Alembic's).
KNOWN_REVISIONS = tuple(f"{n:04d}" for n in range(1, int(HEAD_REVISION) + 1))
#: Key of the PostgreSQL advisory lock held while migrating ("FLOWLAB" in ASCII, shortened).
ADVISORY_LOCK_KEY = 0x464C4F574C4142
#: Alembic's default version table (``env.py`` does not change it).
VERSION_TABLE = "alembic_version"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Flowlab: this one must not touch it."""


def upgrade_to_head(engine: Engine, *, revision: str = "head") -> None:
    """Apply every pending migration (up to ``revision``) in one transaction, under a lock.

    When ``revision`` is ``"head"`` and the database already records exactly
    the head revision (:func:`at_head`), nothing is imported or run. Raises
    :class:`SchemaTooNew` for a database from a newer Flowlab.
    """
    if revision == "head" and at_head(engine):
        return
    from vsm_core.store.engine import SQLITE_BEGIN

    with engine.connect() as connection:
        connection = connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with connection.begin():
            _lock(connection)
            recorded = recorded_revisions(connection)  # again: another process may have run
            refuse_newer(recorded)
            if revision == "head" and recorded == [HEAD_REVISION]:
                return
            from alembic import command

            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)


def _lock(connection: Connection) -> None:
    """Hold the migration lock until the transaction ends (SQLite's is BEGIN IMMEDIATE)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


def refuse_newer(recorded: list[str]) -> None:
    """Raise :class:`SchemaTooNew` when the database records a revision this code lacks."""
    unknown = [revision for revision in recorded if revision not in KNOWN_REVISIONS]
    if unknown:
        raise SchemaTooNew(
            f"this database was written by a newer Flowlab (schema revision "
            f"{', '.join(unknown)}; this Flowlab knows up to {HEAD_REVISION}): upgrade Flowlab "
            "to use it. Nothing was changed."
        )


def refuse_downgrade() -> None:
    """What every migration's ``downgrade`` does: migrations only go forward."""
    raise RuntimeError(
        "Flowlab's schema migrations only go forward: a downgrade would drop stored "
        "experiments, reviews or datasets. Restore a backup taken before the upgrade instead."
    )


def at_head(engine: Engine) -> bool:
    """Whether the database records exactly :data:`HEAD_REVISION`.

    False when the version table is missing or empty, or holds another
    revision (behind, or ahead of this code) or several: the caller then
    lets Alembic decide.
    """
    with engine.connect() as connection:
        return recorded_revisions(connection) == [HEAD_REVISION]


def recorded_revisions(connection: Connection) -> list[str]:
    """The revisions in the database's version table ([] without the table)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return []
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    return sorted(rows)


def head_revision() -> str:
    """The head revision as Alembic computes it (loads every migration file)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database records (None for a database never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
