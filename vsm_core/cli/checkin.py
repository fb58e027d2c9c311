"""``checkin export``: a team's check-in report written to files, for a scheduled job.

``python -m vsm_core checkin export --team TEAM --html FILE [--csv FILE] [--flow-csv FILE]
[--since DATE]`` writes the same files as the Check-in page's download buttons: the
HTML report (the team's flow summary, from ``--since``, default the last four weeks,
against the period of the same length before, and its experiments with their
hypothesis, action and learnings), the experiments as CSV (``--csv``) and the flow
summary as CSV (``--flow-csv``: one row per measure, see docs/cli.md). One line per file
written goes to stderr; stdout stays empty.

Exit codes: 0 written; 2 an unknown team, a bad date or a file that cannot be
written (nothing is written then); 1 anything else.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from vsm_core.cli.common import EXIT_OK, UsageError, loading_modules, open_engine, parse_day


def register(commands) -> None:
    parser = commands.add_parser("checkin", help="a team's check-in report")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    export = actions.add_parser(
        "export", help="write a team's check-in as an HTML report (and a CSV)"
    )
    export.add_argument("--team", required=True, help="the team (as on the Check-in page)")
    export.add_argument("--html", required=True, metavar="FILE", help="the HTML report to write")
    export.add_argument("--csv", metavar="FILE", help="also write the experiments as CSV")
    export.add_argument(
        "--flow-csv", metavar="FILE", help="also write the flow summary as CSV (one row a measure)"
    )
    export.add_argument(
        "--since",
        metavar="DATE",
        help="first day of the flow summary's period (default: the last four weeks of data)",
    )
    export.set_defaults(handler=export_command)


def export_command(args) -> int:
    """Write the report (and the CSV) of ``args.team``; see the module docstring."""
    since = parse_day(args.since, "--since")
    with loading_modules():
        from sqlmodel import Session

        from vsm_core.experiments.checkin import (
            checkin_csv,
            checkin_figures,
            checkin_html,
            checkin_rows,
            checkin_teams,
        )
        from vsm_core.experiments.checkin_delivery import team_delivery
        from vsm_core.experiments.checkin_flow import flow_csv, team_flow
        from vsm_core.store.access import SYSTEM

        engine = open_engine(args)
    with Session(engine) as session:
        teams = checkin_teams(session, actor=SYSTEM)
        if args.team not in teams:
            known = ", ".join(repr(t) for t in teams) or "none yet"
            raise UsageError(f"no team {args.team!r} (teams: {known})")
        rows = checkin_rows(session, team=args.team, today=date.today(), actor=SYSTEM)
        flow = team_flow(session, args.team, since=since, actor=SYSTEM)
        period = flow[0].period if flow else None
        delivery = team_delivery(session, args.team, period=period, actor=SYSTEM)
    page = checkin_html(
        rows,
        title=f"{args.team} check-in",
        figures=checkin_figures(rows),
        generated_at=datetime.now(UTC),
        flow=flow,
        delivery=delivery,
    )
    count = f"{len(rows)} experiment{'s' if len(rows) != 1 else ''}"
    outputs = [(args.html, page.encode("utf-8"), count)]
    if args.csv:
        outputs.append((args.csv, checkin_csv(rows), count))
    if args.flow_csv:
        summaries = f"{len(flow)} flow summar{'ies' if len(flow) != 1 else 'y'}"
        outputs.append((args.flow_csv, flow_csv(flow), summaries))
    for path, data, what in outputs:
        _write(path, data)
        print(f"wrote {path} ({what})", file=sys.stderr)
    return EXIT_OK


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from error
