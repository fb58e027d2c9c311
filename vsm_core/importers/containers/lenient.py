"""Delimited text Arrow refuses, read record by record by Python's ``csv`` module.

Only for what :mod:`vsm_core.importers.containers.delimited` hands over: a
row with more or fewer cells than the header (padded, trimmed or reported
with its line), a quote that is never closed, text after a closing quote,
a quoted cell after spaces (``a, "b, c"``), a quote inside an unquoted cell,
a cell over :data:`FIELD_LIMIT`, a separator Arrow cannot take, a header
over ``ImportOptions.max_columns`` cells (refused before any other row is
read). Problems name the line where the record starts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from vsm_core.importers.errors import MAX_PROBLEMS, ImportFailed, ImportProblem
from vsm_core.importers.options import MAX_CELL_CHARS, describe_limit

#: Largest single cell in characters (``csv.field_size_limit``): the one cell limit of
#: every table (:data:`vsm_core.importers.options.MAX_CELL_CHARS`).
FIELD_LIMIT = MAX_CELL_CHARS


def csv_records(text: str, sep: str) -> Iterator[tuple[int, list[str | None]]]:
    """(line where the record starts, its stripped cells or None) for every record.

    Settings: ``"`` quotes, doubled inside a quoted cell; spaces after a
    separator are skipped (so ``a, "b, c"`` has two cells); strict, so an
    unclosed quote is an error rather than a cell swallowing the rest.
    Records the module cannot read become problems, raised together at the
    end as :class:`ImportFailed`.
    """
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=sep,
        quotechar='"',
        doublequote=True,
        skipinitialspace=True,
        strict=True,
    )
    problems: list[ImportProblem] = []
    found = 0  # problems found; only the first MAX_PROBLEMS are kept
    previous = 0  # the line the previous record ended on
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            stuck = reader.line_num == previous
            start, previous = previous + 1, reader.line_num
            found += 1
            if found <= MAX_PROBLEMS:
                problems.append(ImportProblem(row=start, message=_csv_error(error)))
            if stuck or "field larger" in str(error):
                break
            continue
        start, previous = previous + 1, reader.line_num
        yield start, [cell.strip() or None for cell in row]
    if problems:
        raise ImportFailed(problems, total=found)


def _csv_error(error: csv.Error) -> str:
    """What a ``csv`` module error means for the user."""
    text = str(error)
    if "field larger" in text:
        return (
            f"a cell is larger than {describe_limit(FIELD_LIMIT)}, the limit for one cell — "
            "probably a quote that is never closed, starting in this row"
        )
    if "unexpected end of data" in text:
        return 'a quoted cell starting in this row is never closed (a missing ")'
    if "expected after" in text:
        return 'text follows a closing quote; a quote inside a quoted cell must be doubled ("")'
    return f"the row is not valid CSV: {text}"
