"""Engine factory: one place that knows how to connect to SQLite or PostgreSQL.

SQLite connections get WAL journaling (readers never block the writer),
a busy timeout (a second writer waits, up to 30 s, instead of failing with
"database is locked") and enforced foreign keys (SQLite ignores them unless
asked). SQLAlchemy, not the sqlite3 module, begins their transactions, so a
write can begin with ``BEGIN IMMEDIATE`` (see :mod:`vsm_core.store.writing`).
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

DEFAULT_DATABASE_URL = "sqlite:///data/flowlab.db"
#: Execution option naming how a SQLite transaction begins (``IMMEDIATE`` for writes).
SQLITE_BEGIN = "flowlab_sqlite_begin"
#: How long a SQLite writer waits for another to finish before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


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
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _begin_sqlite_transaction(connection) -> None:
    """``BEGIN``, or ``BEGIN IMMEDIATE`` for a write (:func:`vsm_core.store.writing.begin_write`).

    The sqlite3 module's own transaction handling is off (``isolation_level =
    None``, set on connect), so this is the only place a transaction begins.
    """
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _apply_sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLAlchemy's "begin" event emits BEGIN itself (the sqlite3 module's implicit
    # transactions would start too late to take the write lock first).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
