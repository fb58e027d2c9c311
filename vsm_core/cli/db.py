"""``db upgrade [--seed-demo] [--sample-records]``: bring the database schema to head.

After the schema, the Organisation page's stored rows are filled in for every team's
latest version that has none (versions imported before rows were stored), so the page's
first draw after an upgrade reads them instead of computing every team's.
``--sample-records`` stores the demo team's made-up deployments, incidents and measures
(:func:`vsm_core.store.bootstrap.seed_demo_records`; again, nothing new is stored).
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
    upgrade.add_argument(
        "--sample-records",
        action="store_true",
        help="also store the demo team's sample deployments, incidents and measures",
    )
    upgrade.set_defaults(handler=upgrade_command)


def upgrade_command(args) -> int:
    from sqlmodel import Session

    from vsm_core.organisation.stored import store_missing_rows
    from vsm_core.store import current_revision, make_engine
    from vsm_core.store.access import SYSTEM
    from vsm_core.store.bootstrap import prepare_database, seed_demo_records

    engine = make_engine(args.db)
    try:
        seeded = prepare_database(engine, seed_demo=args.seed_demo)
        revision = current_revision(engine)
        with Session(engine) as session:
            rows = store_missing_rows(session, actor=SYSTEM)
            samples = seed_demo_records(session, actor=SYSTEM) if args.sample_records else []
    finally:
        engine.dispose()
    print(
        f"database at revision {revision}"
        + ("; demo dataset stored" if seeded else "")
        + (f"; {rows} Organisation row(s) computed and stored" if rows else "")
    )
    for sentence in samples:
        print(sentence)
    return EXIT_OK
