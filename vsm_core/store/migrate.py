"""Schema migrations through Alembic, run programmatically.

The app, ``make run`` and the CLI call :func:`upgrade_to_head` on start; the
schema is never created with ``create_all`` nor dropped.

Most starts find the database already at head. Importing Alembic and loading
its script directory (each migration file imports SQLModel) costs about
0.15 s, more than a short command's own work, so :func:`upgrade_to_head`
first compares the database's ``alembic_version`` row, read with one plain
query, with :data:`HEAD_REVISION`. Only when they differ does Alembic run: a
fresh database, a database behind the code (upgraded) and one ahead of it
(Alembic refuses it, naming the revision it does not know) all go through
``alembic upgrade``.
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
HEAD_REVISION = "0003"
#: Alembic's default version table (``env.py`` does not change it).
VERSION_TABLE = "alembic_version"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_to_head(engine: Engine, *, revision: str = "head") -> None:
    """Apply every pending migration (up to ``revision``) in one transaction.

    When ``revision`` is ``"head"`` and the database already records exactly
    the head revision (:func:`at_head`), nothing is imported or run.
    """
    if revision == "head" and at_head(engine):
        return
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


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
