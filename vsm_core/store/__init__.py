"""Persistence: engine factory, SQLModel tables, keyword-only CRUD, Alembic migrations.

Use ``make_engine`` + ``upgrade_to_head`` (or ``prepare_database``) and then the
functions of :mod:`vsm_core.store.crud` with a ``sqlmodel.Session``.
:mod:`vsm_core.store.reading` reads versions and experiments with SQLAlchemy
Core only (a session or a connection), for callers that should not pay for
importing the ORM (``experiments show``). Importing this package loads
neither SQLModel nor Alembic.
"""

from vsm_core.store.engine import DEFAULT_DATABASE_URL, database_url, make_engine
from vsm_core.store.migrate import current_revision, head_revision, upgrade_to_head

__all__ = [
    "DEFAULT_DATABASE_URL",
    "current_revision",
    "database_url",
    "head_revision",
    "make_engine",
    "upgrade_to_head",
]
