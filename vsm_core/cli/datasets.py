"""``datasets list [--json] [--all]``: the stored datasets."""

from __future__ import annotations

from vsm_core.cli.common import EXIT_OK, open_engine, print_json, print_table


def register(commands) -> None:
    parser = commands.add_parser("datasets", help="list stored datasets")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="list datasets with their latest version")
    listing.add_argument(
        "--json", action="store_true", help="print a JSON array, one object per dataset"
    )
    listing.add_argument("--all", action="store_true", help="include archived datasets")
    listing.set_defaults(handler=list_command)


def list_command(args) -> int:
    from sqlmodel import Session

    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM

    engine = open_engine(args)
    try:
        with Session(engine) as session:
            summaries = crud.list_datasets(session, include_archived=args.all, actor=SYSTEM)
    finally:
        engine.dispose()
    if args.json:
        print_json([summary.model_dump(mode="json") for summary in summaries])
        return EXIT_OK
    if not summaries:
        print("No datasets yet. Import one with: python -m vsm_core import FILE")
        return EXIT_OK
    rows = [summary.model_dump() | {"version": summary.latest_version} for summary in summaries]
    print_table(rows, ["id", "name", "team", "version", "format", "items", "events", "imported_at"])
    return EXIT_OK
