"""``future simulate``: the future-state designer on a stored dataset (docs/future-state.md).

``python -m vsm_core future simulate --dataset ID [--version N] --change TEXT ...
[--runs N] [--seed S] [--as-of DATE] [--history-weeks W | --history-from DATE
--history-to DATE] [--type T ...] [--team T] [--json]``

With ``--json`` stdout holds exactly one JSON document: ``{"current":
{"measured", "simulated"}, "future", "changes"}`` (keys: docs/cli.md);
without it, the sentences and the stage tables. A bad change, option or
dataset exits 2 with one line naming it.
"""

from __future__ import annotations

from dataclasses import replace

from vsm_core.cli.common import (
    EXIT_OK,
    UsageError,
    add_filter_options,
    collection_paused,
    loading_modules,
    no_such_version,
    open_engine,
    parse_as_of,
    parse_day,
    print_json,
)


def register(commands) -> None:
    parser = commands.add_parser(
        "future",
        help="design the future state: simulate changes to the value stream",
        description="Simulate changes to a value stream. Method: docs/future-state.md.",
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", parser_class=type(parser))
    kinds.required = True
    simulate = kinds.add_parser(
        "simulate",
        help="measure the current state, simulate it and the changed stream",
        description="Measure the current state of a stored dataset, simulate it as it is and "
        "with the changes, and compare.",
    )
    simulate.add_argument("--dataset", type=int, required=True, metavar="ID")
    simulate.add_argument("--version", type=int, metavar="N", help="default: the latest")
    simulate.add_argument(
        "--change",
        dest="changes",
        action="append",
        default=[],
        metavar="TEXT",
        help="scale:STAGE=FACTOR, remove:STAGE, merge:STAGE+STAGE, wip:STAGE=N, wip:*=N or "
        "arrivals=FACTOR (repeatable)",
    )
    simulate.add_argument("--runs", type=int, metavar="N", help="simulation runs (default 20)")
    simulate.add_argument("--seed", type=int, metavar="S", help="default: a fixed seed")
    simulate.add_argument("--as-of", metavar="DATE|now", help="default: the last event")
    simulate.add_argument("--history-weeks", type=int, metavar="W", help="default 12")
    simulate.add_argument("--history-from", metavar="DATE", help="first day of the history")
    simulate.add_argument("--history-to", metavar="DATE", help="last day of the history")
    add_filter_options(simulate)
    simulate.add_argument("--json", action="store_true", help="print one JSON document")
    simulate.set_defaults(handler=simulate_command)


def simulate_command(args) -> int:
    with loading_modules():
        from vsm_core import future
        from vsm_core.filters import ItemFilter

    with collection_paused():
        options = _options(args, future, ItemFilter)
        dataset = _load(args)
        try:
            result = future.design(dataset, args.changes, options)
        except (future.ChangeError, future.FutureError) as error:
            raise UsageError(str(error)) from error
        if args.json:
            print_json(result.as_json())
        else:
            _print(result)
    return EXIT_OK


def _options(args, future, filter_type):

    given = {
        "as_of": parse_as_of(args.as_of),
        "history_from": parse_day(args.history_from, "--history-from"),
        "history_to": parse_day(args.history_to, "--history-to"),
        "history_weeks": args.history_weeks,
        "item_filter": filter_type(work_types=tuple(args.types), teams=tuple(args.teams)),
    }
    if args.runs is not None:
        given["runs"] = args.runs
    if args.seed is not None:
        given["seed"] = args.seed
    return future.FutureOptions(**given)


def _load(args):
    """The stored dataset version, its name in the metadata."""
    from sqlmodel import Session

    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM

    engine = open_engine(args)
    try:
        with Session(engine) as session:
            version = crud.get_version(
                session, dataset_id=args.dataset, version=args.version, actor=SYSTEM
            )
            if version is None:
                raise no_such_version(args.dataset, args.version)
            dataset = crud.load_dataset(session, version_id=version.id, actor=SYSTEM)
            stored = crud.get_dataset(session, dataset_id=args.dataset, actor=SYSTEM)
    finally:
        engine.dispose()
    return replace(dataset, metadata={**dataset.metadata, "name": stored.name if stored else None})


def _print(result) -> None:
    for line in result.sentences():
        print(line)
    print()
    print(result.method())
    for title, table in (("Now (measured)", result.current_map), ("Future", result.future_map)):
        print()
        print(f"{title}: days per item in each stage")
        for row in table.itertuples(index=False):  # a handful of stages
            median = "" if row.median_days is None else f"{row.median_days:.1f}"
            print(f"  {row.stage}: median {median} days, visited by {row.visited_share:.0%}")
