"""What every command shares: errors with exit codes, the engine, JSON output."""

from __future__ import annotations

import json
import sys
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
