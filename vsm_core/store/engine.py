"""Engine factory: one place that knows how to connect to SQLite or PostgreSQL.

SQLite connections get WAL journaling (readers never block the writer),
a busy timeout (a second process waits instead of failing with "database is
locked") and enforced foreign keys (SQLite ignores them unless asked).
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

DEFAULT_DATABASE_URL = "sqlite:///data/flowlab.db"
SQLITE_BUSY_TIMEOUT_MS = 5000


def database_url(explicit: str | None = None) -> str:
    """The URL to use: ``explicit`` if given, else ``VSM_DATABASE_URL``, else the SQLite default."""
    return explicit or os.environ.get("VSM_DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (see :func:`database_url`).

    For a SQLite file the parent folder is created. Every engine is disposed
    at interpreter exit so SQLite checkpoints its WAL and leaves no ``-wal``
    or ``-shm`` files behind.
    """
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        engine = _sqlite_engine(resolved, echo=echo)
    else:
        engine = create_engine(resolved, echo=echo, pool_pre_ping=True)
    atexit.register(engine.dispose)
    return engine


def _sqlite_engine(url, *, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # Streamlit serves each session from its own thread; the pool hands a
    # connection to one thread at a time, so sharing across threads is safe.
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _apply_sqlite_pragmas)
    return engine


def _apply_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
