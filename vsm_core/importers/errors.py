"""The one error every importer raises, carrying every problem found.

Parsers collect problems instead of stopping at the first, so a user sees all
of them at once (a table in the page, lines in the CLI). Nothing is stored
when an import fails. A failure keeps the first :data:`MAX_PROBLEMS` problems
and counts the others (:attr:`ImportFailed.total`): a file with a bad cell in
every one of its million rows costs a thousand problems to hold, show and
send between processes, not a million.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

#: Problems an :class:`ImportFailed` keeps, in the order they were found.
MAX_PROBLEMS = 1000


class ImportProblem(BaseModel):
    """One thing wrong with an upload.

    ``row`` is the 1-based line of the source file (the header is row 1, so
    the first data row is row 2); ``None`` when the problem is about the
    whole file. ``value`` is the raw cell text, shortened to 200 characters.
    """

    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


MAX_VALUE_CHARS = 200


def clip(value: object) -> str | None:
    """The raw value as text for a problem report, shortened."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


class ImportFailed(Exception):
    """An upload cannot be imported.

    ``problems``: the first :data:`MAX_PROBLEMS` problems found, in order
    (never empty). ``total``: how many problems were found in all (at least
    ``len(problems)``); a caller that stopped collecting early passes the
    count it made as ``total``. The message is the first problem and, when
    there are more, how many.

    Failures pickle with every attribute, subclasses too (an import run in a
    worker process raises the same failure in its parent).
    """

    def __init__(
        self,
        problems: Iterable[ImportProblem] | ImportProblem | str,
        *,
        total: int | None = None,
    ):
        if isinstance(problems, str):
            problems = [ImportProblem(message=problems)]
        elif isinstance(problems, ImportProblem):
            problems = [problems]
        if isinstance(problems, Sequence):
            kept, found = list(problems[:MAX_PROBLEMS]), len(problems)
        else:  # an iterator: keep the first ones, count the rest without holding them
            iterator = iter(problems)
            kept = list(itertools.islice(iterator, MAX_PROBLEMS))
            found = len(kept) + sum(1 for _ in iterator)
        if not kept:
            kept, found = [ImportProblem(message="the file could not be imported")], 1
        self.problems: list[ImportProblem] = kept
        self.total: int = max(found, total or 0)
        more = self.total - 1
        super().__init__(str(kept[0]) + (f" (and {more:,} more problems)" if more else ""))

    @property
    def omitted(self) -> int:
        """Problems found but not kept in :attr:`problems`."""
        return self.total - len(self.problems)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls ``type(self)(*self.args)``, which would
        # rebuild a FormatUnclear or AmbiguousDateOrder from its message alone.
        return (_rebuild_failure, (type(self), self.args, self.__dict__))


def _rebuild_failure(
    cls: type[ImportFailed], args: tuple[Any, ...], state: dict[str, Any]
) -> ImportFailed:
    """An unpickled :class:`ImportFailed` (or subclass) with its message and attributes."""
    failure = cls.__new__(cls)
    Exception.__init__(failure, *args)
    failure.__dict__.update(state)
    return failure
