"""The one error every importer raises, carrying every problem found.

Parsers collect problems instead of stopping at the first, so a user sees all
of them at once (a table in the page, lines in the CLI). Nothing is stored
when an import fails.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel


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
    """An upload cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[ImportProblem] | ImportProblem | str):
        if isinstance(problems, str):
            problems = [ImportProblem(message=problems)]
        elif isinstance(problems, ImportProblem):
            problems = [problems]
        self.problems: list[ImportProblem] = list(problems)
        if not self.problems:
            self.problems = [ImportProblem(message="the file could not be imported")]
        first = str(self.problems[0])
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problems)" if more else ""))
