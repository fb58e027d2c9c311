"""What every command shares: errors with exit codes, the engine, JSON output."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

from vsm_core.gcpause import collection_paused

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report in one line with an exit code."""

    exit_code = EXIT_FAILURE


class UsageError(CliError):
    """Bad input or usage: exit code 2."""

    exit_code = EXIT_USAGE


#: True in a ``python -m vsm_core`` process of its own (set by ``vsm_core/__main__.py``):
#: what start-up loads is then frozen out of the garbage collector's sight.
FREEZE_START_UP = False


def loading_modules():
    """Import a command's heavy modules with the cyclic garbage collector paused.

    Importing pandas, SQLAlchemy and the engine allocates a few hundred
    thousand objects that live as long as the process, and next to no
    garbage, yet the collector would walk them a few hundred times on the
    way (a third of the CPU time of ``experiments show`` on the demo,
    measured). In a process of its own (:data:`FREEZE_START_UP`) they are
    then frozen (``gc.freeze``), so later collections skip them too; a
    caller in a longer-lived process (the tests) only gets the pause.
    """
    return collection_paused(freeze=FREEZE_START_UP)


def open_engine(args):
    """An engine for ``--db`` (or the environment's URL) with the schema upgraded to head."""
    from vsm_core.store import make_engine, upgrade_to_head

    engine = make_engine(args.db)
    upgrade_to_head(engine)
    return engine


def read_workflow_file(path: str):
    """The workflow in a TOML file, or a UsageError naming its line, stage and key."""
    from vsm_core.workflow import WorkflowFileError, load_workflow_file

    try:
        return load_workflow_file(path)
    except WorkflowFileError as error:
        raise UsageError(str(error)) from error


def no_such_version(dataset_id: int, version: int | None) -> UsageError:
    """The error for a dataset (version) that does not exist."""
    return UsageError(f"no dataset {dataset_id}" + (f" version {version}" if version else ""))


def print_json(document: Any) -> None:
    """Write exactly one JSON document to stdout."""
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """A plain aligned text table for humans."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


# --------------------------------------------------------------------------- shared options


def add_filter_options(parser) -> None:
    """``--type T ...`` and ``--team T`` (repeatable), as every metric command offers them."""
    parser.add_argument(
        "--type",
        dest="types",
        action="extend",
        nargs="+",
        default=[],
        metavar="T",
        help="only these work types (repeatable)",
    )
    parser.add_argument(
        "--team", dest="teams", action="append", default=[], metavar="T", help="only this team"
    )


def parse_day(text: str | None, option: str) -> date | None:
    """``YYYY-MM-DD`` given to ``option``, or None; a :class:`UsageError` naming both."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise UsageError(f"{option} expects a date like 2024-03-31, got {text!r}") from error


def parse_window(text_from: str | None, text_to: str | None) -> tuple[date, date] | None:
    """``--from``/``--to`` as a window of done dates: either end may be open; None for neither."""
    start, end = parse_day(text_from, "--from"), parse_day(text_to, "--to")
    if start is None and end is None:
        return None
    start, end = start or date.min, end or date.max
    if start > end:
        raise UsageError("--from is after --to")
    return (start, end)


def parse_as_of(text: str | None):
    """``--as-of``: None (the last event), ``"now"``, a date (the end of that day) or a
    timestamp."""
    import pandas as pd

    if text is None or text == "now":
        return text
    try:
        stamp = pd.Timestamp(text)
    except ValueError as error:
        raise UsageError(f"--as-of expects a date, a date-time or 'now', got {text!r}") from error
    if len(text) == 10:  # a plain date: the end of that day
        return stamp.date()
    return stamp
