"""Writes that several processes may make at once: they wait their turn, retry a clash,
or fail with one plain sentence — never with a driver's message.

* **SQLite** allows one writer at a time. A write transaction starts with
  ``BEGIN IMMEDIATE`` (:func:`begin_write`), so it takes the write lock
  before it reads anything: a second writer waits (up to the engine's busy
  timeout) instead of reading a stale state and failing later with
  "database is locked".
* **PostgreSQL** lets writers overlap. Allocating the next version number of
  a dataset locks the dataset's row (``SELECT … FOR UPDATE``), so two imports
  into one dataset take turns.
* A clash that still happens (two imports creating the same new dataset
  name, a lock given up) is retried from the start (:func:`with_retries`);
  if it keeps happening, :class:`StoreConflict` says so in plain words.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from vsm_core.store.engine import SQLITE_BEGIN

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Attempts of one write before a clash is reported.
WRITE_ATTEMPTS = 5
#: Pause before the n-th retry: n times this many seconds.
RETRY_PAUSE_S = 0.05


class StoreConflict(RuntimeError):
    """A write that other writers kept getting in the way of; the message says what to do."""


def begin_write(session: Session) -> None:
    """Make the session's next transaction a write transaction.

    On SQLite it starts with ``BEGIN IMMEDIATE`` (the write lock is taken
    first, waiting for other writers); elsewhere this changes nothing. In a
    write transaction already begun it does nothing. A SQLite *read*
    transaction still open on the session (typically the refresh that
    follows a write's commit) is ended first: a deferred transaction that
    later writes cannot wait for the lock — SQLite fails it at once with
    "database is locked" when another writer is active.
    """
    if session.in_transaction():
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            return
        if connection.get_execution_options().get(SQLITE_BEGIN) == "IMMEDIATE":
            return  # already a write transaction
        if session.new or session.dirty or session.deleted:
            return  # the caller's own unflushed work: its transaction, its choice
        session.commit()  # a read transaction: nothing to keep
    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})


@contextmanager
def write_transaction(session: Session) -> Iterator[None]:
    """The block as one write transaction: begun as a write (:func:`begin_write`), committed
    at the end, rolled back on any error (which is raised)."""
    begin_write(session)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def with_retries(session: Session, write: Callable[[], T], *, what: str) -> T:
    """``write()``, retried after a clash with another writer; the session is rolled back
    after every failure.

    ``what`` names the write for the message ("storing version of 'Payments'").
    Raises :class:`StoreConflict` when every attempt clashed; any other error
    is raised as it is.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return write()
        except (IntegrityError, OperationalError) as error:
            session.rollback()
            if not _is_clash(error):
                raise
            log.info("write clash (%s), attempt %d: %s", what, attempt, error.orig)
            if attempt == WRITE_ATTEMPTS:
                raise StoreConflict(_conflict_message(what, error)) from error
            time.sleep(RETRY_PAUSE_S * attempt)
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _is_clash(error: Exception) -> bool:
    """Whether ``error`` comes from another writer (a uniqueness race, a busy database)."""
    if isinstance(error, IntegrityError):
        text = str(error.orig).casefold()
        return "unique" in text or "duplicate key" in text
    text = str(getattr(error, "orig", error)).casefold()
    return any(
        sign in text
        for sign in ("database is locked", "database is busy", "deadlock", "could not serialize")
    )


def _conflict_message(what: str, error: Exception) -> str:
    if isinstance(error, IntegrityError):
        return (
            f"{what} clashed {WRITE_ATTEMPTS} times with other writes made at the same moment; "
            "nothing was stored. Try again."
        )
    return (
        f"{what} waited too long for other writers to finish; nothing was stored. Try again "
        "in a moment."
    )
