"""Schema migrations through Alembic, run programmatically.

The app, ``make run`` and the CLI call :func:`upgrade_to_head` on start; the
schema is never created with ``create_all`` nor dropped.

Most starts find the database already at head. Importing Alembic and loading
its script directory (each migration file imports SQLModel) costs about
0.15 s, more than a short command's own work, so :func:`upgrade_to_head`
first compares the database's ``alembic_version`` row, read with one plain
query, with the head revision read from the migration files' text
(:func:`script_head`). Only when they differ, or when either cannot be told
for sure, does Alembic run, exactly as before: a fresh database, a database
behind (or ahead of) the code, and a migration tree with several heads all
go through ``alembic upgrade``.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

if TYPE_CHECKING:  # pragma: no cover - typing only
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
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
    """Whether the database records exactly the migration files' single head.

    False when the version table is missing or empty, holds another revision
    (behind, or ahead of this code) or several, or when the head cannot be
    read from the files (:func:`script_head` is None): the caller then lets
    Alembic decide.
    """
    head = script_head()
    if head is None:
        return False
    with engine.connect() as connection:
        return recorded_revisions(connection) == [head]


def recorded_revisions(connection: Connection) -> list[str]:
    """The revisions in the database's version table ([] without the table)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return []
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    return sorted(rows)


@functools.cache
def script_head() -> str | None:
    """The head revision of the migration files, read from their text without Alembic.

    Each file in ``migrations/versions`` declares ``revision`` and
    ``down_revision`` (a revision, a tuple of them for a merge, or None) as
    module-level literals; the head is the one revision no other revision
    names as its parent. None when that is not exactly one revision or a
    file cannot be read that way: then Alembic is asked instead.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(VERSIONS_DIR.glob("*.py")):
        declared = _declared_revisions(path)
        if declared is None:
            return None
        revision, down = declared
        if revision in revisions:
            return None
        revisions.add(revision)
        parents.update(down)
    heads = revisions - parents
    if len(heads) != 1 or not parents <= revisions:
        return None
    return heads.pop()


def _declared_revisions(path: Path) -> tuple[str, tuple[str, ...]] | None:
    """``(revision, down_revisions)`` of one migration file; None when not plain literals."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, value = node.target.id, node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, value = node.targets[0].id, node.value
        else:
            continue
        if name in ("revision", "down_revision") and value is not None:
            try:
                values[name] = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError):
                return None
    revision, down = values.get("revision"), values.get("down_revision", "missing")
    if not isinstance(revision, str) or down == "missing":
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, (tuple, list)) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    return None


def head_revision() -> str:
    """The head revision as Alembic computes it (loads every migration file)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database records (None for a database never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
