"""``delivery import`` and ``delivery metrics``: deployments, incidents and the DORA keys.

``python -m vsm_core delivery import FILE --team TEAM [--kind deployments|incidents]
[--format auto|csv|github] [--timezone TZ] [--date-order dayfirst|monthfirst] [--json]``
reads the file (docs/metrics.md, "Delivery: the DORA keys") and stores it as the team's
current import of its kind; the same file again stores nothing. Bad input exits 2 after
printing every problem (row, column, value); nothing is stored then.

``python -m vsm_core delivery metrics --team TEAM [--service S] [--from DATE --to DATE]
[--timezone TZ] [--json]`` prints the five keys over the window with their DORA band,
their weekly values and limits, and the keys per service. JSON keys: docs/cli.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vsm_core.cli.common import (
    EXIT_OK,
    UsageError,
    loading_modules,
    open_engine,
    parse_day,
    print_json,
)
from vsm_core.store.access import SYSTEM


def register(commands) -> None:
    parser = commands.add_parser(
        "delivery",
        help="import deployments and incidents; the DORA keys",
        description="Deployments, incidents and the five DORA keys (docs/metrics.md).",
    )
    kinds = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    kinds.required = True
    reading = kinds.add_parser(
        "import",
        help="store a file of deployments or incidents for a team",
        description="Read deployments (CSV/TSV/Excel, GitHub deployments JSON) or incidents "
        "(CSV/TSV/Excel) and store them as the team's current records of that kind.",
    )
    reading.add_argument("file", metavar="FILE")
    reading.add_argument("--team", required=True, metavar="TEAM")
    reading.add_argument("--kind", choices=("deployments", "incidents"), help="default: detect")
    reading.add_argument("--format", default="auto", choices=("auto", "csv", "github"))
    reading.add_argument("--timezone", default="UTC", metavar="TZ", help="zone of naive times")
    reading.add_argument("--date-order", choices=("dayfirst", "monthfirst"))
    reading.add_argument("--json", action="store_true", help="print one JSON document")
    reading.set_defaults(handler=import_command)
    metrics = kinds.add_parser(
        "metrics",
        help="the five DORA keys of a team",
        description="Deployment frequency, lead time for changes, change failure rate, "
        "failed deployment recovery time and deployment rework rate.",
    )
    metrics.add_argument("--team", required=True, metavar="TEAM")
    metrics.add_argument("--service", metavar="S", help="only this service")
    metrics.add_argument(
        "--from", dest="start", metavar="DATE", help="first day (default: the first record)"
    )
    metrics.add_argument(
        "--to", dest="end", metavar="DATE", help="last day (default: the last record)"
    )
    metrics.add_argument("--timezone", default="UTC", metavar="TZ", help="zone of the weeks")
    metrics.add_argument("--json", action="store_true", help="print one JSON document")
    metrics.set_defaults(handler=metrics_command)


def _read(args):
    with loading_modules():
        from vsm_core.delivery import read_delivery
        from vsm_core.importers.errors import ImportFailed

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {args.file}: {error.strerror or error}") from error
    try:
        return read_delivery(
            data,
            path.name,
            kind=args.kind,
            format=args.format,
            timezone=args.timezone,
            date_order=args.date_order,
        )
    except ImportFailed as failure:
        if failure.total > 1:
            print(f"{failure.total:,} problem(s):", file=sys.stderr)
            for problem in failure.problems[:200]:
                print(f"  - {problem}", file=sys.stderr)
        raise UsageError(f"{path.name} was not imported: {failure}") from failure


def import_command(args) -> int:
    read = _read(args)
    with loading_modules():
        from sqlmodel import Session

        from vsm_core.store import delivery

    table = read.table
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            saved = delivery.save_import(
                session,
                actor=SYSTEM,
                team=args.team,
                kind=read.kind,
                rows=table,
                format=read.format,
                source_filename=read.filename,
                source_sha256=read.sha256,
            )
    except ValueError as error:
        raise UsageError(str(error)) from error
    finally:
        engine.dispose()
    document = {
        "team": args.team,
        "kind": read.kind,
        "format": read.format,
        "rows": read.rows,
        "left_out": read.left_out,
        "import_id": saved.import_id,
        "stored": saved.created,
        "superseded": saved.superseded,
        "evidence": read.evidence,
        "columns": read.columns,
        "notes": list(read.notes),
    }
    if args.json:
        print_json(document)
        return EXIT_OK
    for note in read.notes:
        print(f"note: {note}", file=sys.stderr)
    if saved.created:
        print(
            f"stored {read.rows} {read.kind} for {args.team} (import {saved.import_id}); "
            f"{read.evidence}"
        )
    else:
        print(f"{read.filename} is already the current {read.kind} of {args.team}: nothing stored")
    return EXIT_OK


def metrics_command(args) -> int:
    start, end = parse_day(args.start, "--from"), parse_day(args.end, "--to")
    if start and end and start > end:
        raise UsageError("--from is after --to")
    with loading_modules():
        from sqlmodel import Session

        from vsm_core.delivery.report import delivery_report
        from vsm_core.importers.options import ImportOptions
        from vsm_core.store import delivery
        from vsm_core.store.access import NotFound

    try:
        ImportOptions(timezone=args.timezone)
    except ValueError as error:
        raise UsageError(f"unknown time zone {args.timezone!r} (use an IANA name)") from error
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            log = delivery.load_log(session, actor=SYSTEM, team=args.team)
    except NotFound as error:
        raise UsageError(str(error)) from error
    finally:
        engine.dispose()
    if args.service is not None and args.service not in log.services():
        known = ", ".join(log.services()) or "none"
        raise UsageError(
            f"no service {args.service!r} in the records of {args.team} (services: {known})"
        )
    report = delivery_report(
        log, start=start, end=end, service=args.service, timezone=args.timezone
    )
    document = {"team": args.team, **report.as_json()}
    if args.json:
        print_json(document)
    else:
        _print(document)
    return EXIT_OK


_WORDS = {
    "deployment_frequency": ("Deployment frequency", "per week"),
    "change_lead_time_p50": ("Lead time for changes, median", "days"),
    "change_failure_rate": ("Change failure rate", ""),
    "recovery_time_p50": ("Failed deployment recovery time, median", "days"),
    "deployment_rework_rate": ("Deployment rework rate", ""),
}


def _print(document: dict) -> None:
    window = document["window"]
    if window is None:
        print(f"{document['team']} has no deployment or incident records")
        return
    what = document["service"] or "all services"
    print(f"{document['team']}, {what}, {window['from']} to {window['to']}")
    for key, (name, unit) in _WORDS.items():
        entry = document["keys"][key]
        value = entry["value"]
        if value is None:
            shown = "no value"
        elif unit:
            shown = f"{value:.2f} {unit}"
        else:
            shown = f"{value:.0%}"
        band = f" — DORA band: {entry['band']}" if entry["band"] else ""
        print(f"  {name}: {shown} ({entry['n']} records){band}")
