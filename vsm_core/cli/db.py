"""``db upgrade [--seed-demo]``: bring the database schema to head.

After the schema, the Organisation page's stored rows are filled in for every team's
latest version that has none (versions imported before rows were stored), so the page's
first draw after an upgrade reads them instead of computing every team's.
"""

from __future__ import annotations

from vsm_core.cli.common import EXIT_OK


def register(commands) -> None:
    parser = commands.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    upgrade = actions.add_parser("upgrade", help="apply pending schema migrations")
    upgrade.add_argument(
        "--seed-demo",
        action="store_true",
        help="also store the demo team's dataset when the database holds no dataset",
    )
    upgrade.set_defaults(handler=upgrade_command)


def upgrade_command(args) -> int:
    from sqlmodel import Session

    from vsm_core.organisation.stored import store_missing_rows
    from vsm_core.store import current_revision, make_engine
    from vsm_core.store.access import SYSTEM
    from vsm_core.store.bootstrap import prepare_database

    engine = make_engine(args.db)
    try:
        seeded = prepare_database(engine, seed_demo=args.seed_demo)
        revision = current_revision(engine)
        with Session(engine) as session:
            rows = store_missing_rows(session, actor=SYSTEM)
    finally:
        engine.dispose()
    print(
        f"database at revision {revision}"
        + ("; demo dataset stored" if seeded else "")
        + (f"; {rows} Organisation row(s) computed and stored" if rows else "")
    )
    return EXIT_OK
