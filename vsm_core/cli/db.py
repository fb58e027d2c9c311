"""``db upgrade [--seed-demo]``: bring the database schema to head."""

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
    from vsm_core.store import current_revision, make_engine
    from vsm_core.store.bootstrap import prepare_database

    engine = make_engine(args.db)
    try:
        seeded = prepare_database(engine, seed_demo=args.seed_demo)
        revision = current_revision(engine)
    finally:
        engine.dispose()
    print(f"database at revision {revision}" + ("; demo dataset stored" if seeded else ""))
    return EXIT_OK
