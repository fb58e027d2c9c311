"""``teams summary``: one row per team, for a manager across teams (the Organisation page's table).

``python -m vsm_core teams summary [--team T ...] [--from DATE --to DATE] [--json]``

Each row reads the team's latest dataset version; its numbers are exactly those
of ``metrics --dataset ID --json`` (whole data, as-of its last event) or, with
``--from/--to``, of ``metrics --dataset ID --from ... --to ...``. ``--json``
prints one array of ``{"team", "dataset_id", "version", "throughput_per_week",
"cycle_time_p85", "wip_mean", "flow_efficiency", "bottleneck", "experiments":
{"running", "improved", "no_clear_change", "worsened"}}`` (definitions:
:mod:`vsm_core.organisation.summary`, docs/cli.md). The command line acts as the
system actor: it sees every team.

Exit codes: 0 printed (an empty array when there is no team); 2 a bad date or a
team that has no dataset; 1 anything else.
"""

from __future__ import annotations

from vsm_core.cli.common import (
    EXIT_OK,
    UsageError,
    loading_modules,
    open_engine,
    parse_window,
    print_json,
    print_table,
)

COLUMNS = [
    "team",
    "dataset_id",
    "version",
    "throughput_per_week",
    "cycle_time_p85",
    "wip_mean",
    "flow_efficiency",
    "bottleneck",
    "running",
    "improved",
    "no_clear_change",
    "worsened",
]


def register(commands) -> None:
    parser = commands.add_parser("teams", help="every team side by side")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    summary = actions.add_parser(
        "summary", help="one row per team: flow of its latest dataset and its experiments"
    )
    summary.add_argument(
        "--team", dest="teams", action="append", default=[], metavar="T", help="only this team"
    )
    summary.add_argument("--from", dest="date_from", metavar="DATE", help="window start (done)")
    summary.add_argument("--to", dest="date_to", metavar="DATE", help="window end (done date)")
    summary.add_argument("--json", action="store_true", help="print one JSON array")
    summary.set_defaults(handler=summary_command)


def summary_command(args) -> int:
    with loading_modules():
        from sqlmodel import Session

        from vsm_core.organisation.summary import team_datasets, teams_summary
        from vsm_core.store.access import SYSTEM

    window = parse_window(args.date_from, args.date_to)
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            if args.teams:
                found = {t.team for t in team_datasets(session, actor=SYSTEM, teams=args.teams)}
                missing = [team for team in args.teams if team not in found]
                if missing:
                    raise UsageError(f"no dataset of team {', '.join(map(repr, missing))}")
            rows = teams_summary(session, actor=SYSTEM, teams=args.teams, window=window)
    finally:
        engine.dispose()
    documents = [row.as_json() for row in rows]
    if args.json:
        print_json(documents)
    elif not documents:
        print("No team has a dataset yet.")
    else:
        print_table([_flat(document) for document in documents], COLUMNS)
    return EXIT_OK


def _flat(document: dict) -> dict:
    flat = {key: value for key, value in document.items() if key != "experiments"}
    for key, value in list(flat.items()):
        if isinstance(value, float):
            flat[key] = round(value, 2) if key == "flow_efficiency" else round(value, 1)
    return {**flat, **document["experiments"]}
