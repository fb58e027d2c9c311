"""``import FILE``: parse an export, check it, store it as a new dataset version.

Bad input exits 2 after printing every problem (row, column, value);
nothing is stored then. With ``--json`` stdout holds exactly one JSON
document and the suggested workflow goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from vsm_core.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    UsageError,
    open_engine,
    print_json,
    read_workflow_file,
)
from vsm_core.importers.options import FORMATS, ROLES


def register(commands) -> None:
    parser = commands.add_parser(
        "import",
        help="import an export file as a new dataset version",
        description="Import a work-item export. ROLE is one of: " + ", ".join(ROLES),
    )
    parser.add_argument("file", metavar="FILE", help="CSV, TSV, TXT, XLSX, JSON or JSON Lines")
    add_import_options(parser)
    parser.add_argument("--dataset", metavar="NAME", help="dataset name (default: the file name)")
    parser.add_argument("--team", metavar="TEAM", help="the team the data belongs to")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=import_command)


def add_import_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that reads a file takes (import, metrics FILE)."""
    parser.add_argument("--format", default="auto", choices=("auto", *FORMATS))
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="use COLUMN for ROLE (repeatable; splits on the first '=')",
    )
    parser.add_argument("--workflow", metavar="FILE.toml", help="workflow mapping (TOML)")
    parser.add_argument("--date-order", choices=("dayfirst", "monthfirst"))
    parser.add_argument("--timezone", default="UTC", metavar="TZ", help="zone of naive times")
    parser.add_argument(
        "--force",
        action="store_true",
        help="use the file even when the sanity check says the result cannot be right",
    )
    parser.add_argument(
        "--github-status",
        default="milestone",
        choices=("milestone", "labels", "project", "state"),
        help="github-json: where an issue's status comes from (default: milestone)",
    )


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["status=To Status", "title=a=b"]`` -> ``{"status": "To Status", "title": "a=b"}``."""
    mapping = {}
    for pair in pairs:
        role, sep, column = pair.partition("=")
        role = role.strip()
        if not sep or not role or not column:
            raise UsageError(f"--map expects ROLE=COLUMN, got {pair!r}")
        if role not in ROLES:
            raise UsageError(f"--map: unknown role {role!r}; roles are {', '.join(ROLES)}")
        mapping[role] = column
    return mapping


def _import_options(args):
    """The ImportOptions the shared command-line options say."""
    from vsm_core.importers.options import ImportOptions

    return ImportOptions(
        format=args.format,
        mapping=parse_mapping(args.map),
        date_order=args.date_order,
        timezone=args.timezone,
        github_status_source=args.github_status,
    )


def read_import_request(args):
    """(bytes, ImportOptions, Workflow | None) from the shared options, or a UsageError."""
    from pydantic import ValidationError

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        options = _import_options(args)
    except ValidationError as error:
        raise UsageError(error.errors()[0]["msg"].removeprefix("Value error, ")) from error
    workflow = read_workflow_file(args.workflow) if args.workflow else None
    return data, options, workflow


def run_import(args, *, quality: bool = True):
    """Parse the file; on bad input print every problem and raise UsageError (exit 2).

    A format that detection is not sure of, and a result the sanity check
    finds implausible (unless ``--force``), are bad input too: nothing is
    stored, and the message names what to pass instead.
    """
    from vsm_core.importers.detect import FormatUnclear
    from vsm_core.importers.errors import ImportFailed
    from vsm_core.importers.pipeline import InternalImportError, import_bytes

    name = Path(args.file).name
    try:
        data, options, workflow = read_import_request(args)
        result = import_bytes(data, name, options, workflow=workflow, quality=quality)
    except FormatUnclear as unclear:
        raise UsageError(f"{unclear}; nothing was stored") from unclear
    except InternalImportError as bug:  # Flowlab's fault, not the file's: exit 1
        raise CliError(str(bug)) from bug
    except ImportFailed as failure:
        print_problems(failure)
        raise UsageError(f"{name} was not imported: {failure.total:,} problem(s)") from failure
    if result.implausible and not getattr(args, "force", False):
        print(f"{name} was read as {result.format} ({result.format_reason}), but:", file=sys.stderr)
        for finding in result.implausible:
            print(f"  - {finding}", file=sys.stderr)
        raise UsageError(
            f"{name} was not imported: the result cannot be right (see above); fix the "
            "options, or pass --force to use it anyway"
        )
    return result


def print_problems(failure) -> None:
    print(f"{failure.total:,} problem(s):", file=sys.stderr)
    for problem in failure.problems[:200]:
        print(f"  - {problem}", file=sys.stderr)
    if failure.total > 200:
        print(f"  … and {failure.total - 200:,} more", file=sys.stderr)


def import_command(args) -> int:
    result = run_import(args)
    name = args.dataset or Path(args.file).stem
    dataset_id, version_number, stored = _store(args, result, name)
    if stored and result.workflow_suggested:
        from vsm_core.workflow import workflow_to_toml

        toml = workflow_to_toml(
            result.workflow, header="Suggested workflow; edit and pass back with --workflow"
        )
        print(toml, file=sys.stderr if args.json else sys.stdout)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    file = Path(args.file).name
    if not stored:
        message = (
            f"{file} is already stored as dataset {dataset_id} ({name!r}) version "
            f"{version_number} (same file, same reading, same workflow); nothing stored"
        )
    if args.json:
        document = {
            "dataset_id": dataset_id,
            "version": version_number,
            "stored": stored,
            "items": len(result.dataset.items),
            "events": len(result.dataset.events),
            "quality": result.quality.summary(),
            "format": result.format,
            "columns": result.mapping,
            "detected": result.detection.as_json(),
        }
        print_json(document if stored else {**document, "message": message})
    elif not stored:
        print(message)
    else:
        _print_summary(result, file, name, dataset_id, version_number)
    return EXIT_OK


def _store(args, result, name: str) -> tuple[int, int, bool]:
    """(dataset id, version number, stored?): a new version, or the latest one when it
    already holds this file, read this way, with this workflow (then nothing is stored)."""
    from sqlmodel import Session

    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM

    sha256 = hashlib.sha256(Path(args.file).read_bytes()).hexdigest()
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            version, stored = crud.save_unless_identical(
                session,
                dataset=result.dataset,
                name=name,
                team=args.team,
                format=result.format,
                source_filename=Path(args.file).name,
                source_sha256=sha256,
                actor=SYSTEM,
            )
            return version.dataset_id, version.version, stored
    finally:
        engine.dispose()


def _print_summary(result, file: str, name: str, dataset_id: int, version_number: int) -> None:
    print(
        f"imported {file} as dataset {dataset_id} ({name!r}) version {version_number}: "
        f"{len(result.dataset.items)} items, {len(result.dataset.events)} events, "
        f"format {result.format} ({result.format_reason})"
    )
    print("columns: " + ", ".join(f"{role}={column!r}" for role, column in result.mapping.items()))
    for role, others in result.detection.alternatives.items():
        if role in result.mapping:
            print(f"  {role}: also fits {', '.join(map(repr, others))} (--map {role}=COLUMN)")
    flagged = {k: v for k, v in result.quality.summary().items() if v}
    print(
        "data quality: " + (", ".join(f"{k}={v}" for k, v in flagged.items()) or "no issues found")
    )


__all__ = ["EXIT_USAGE", "add_import_options", "register", "run_import"]
