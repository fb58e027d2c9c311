"""``forecast how-many|when|backtest|items``: Monte Carlo forecasts and their track record.

Each subcommand reads one export (``FILE``, parsed in memory, as ``metrics
FILE``) or stored datasets (``--dataset ID``, repeatable: several datasets are
forecast jointly by ``how-many`` and ``when``). With ``--json`` stdout holds
exactly one JSON document (keys: docs/cli.md and docs/forecasting.md);
without it, the forecast's sentences. Bad input exits 2 with one line.
"""

from __future__ import annotations

import argparse
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
    read_workflow_file,
)
from vsm_core.cli.importing import add_import_options


def register(commands) -> None:
    parser = commands.add_parser(
        "forecast",
        help="Monte Carlo forecasts: how many, when, per item, and their track record",
        description="Forecasts from past throughput. Method and definitions: docs/forecasting.md.",
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", parser_class=type(parser))
    kinds.required = True
    how_many = _subcommand(kinds, "how-many", "how many items will be done in N days or by DATE")
    horizon = how_many.add_mutually_exclusive_group(required=True)
    horizon.add_argument("--days", type=int, metavar="N", help="calendar days after as-of")
    horizon.add_argument("--by", metavar="DATE", help="last day of the forecast (included)")
    when = _subcommand(kinds, "when", "when will N items be done")
    when.add_argument(
        "--items",
        type=int,
        nargs="+",
        required=True,
        metavar="N",
        help="items to finish; with several datasets one N in all (done together) "
        "or one N per dataset (each its own)",
    )
    backtest = _subcommand(kinds, "backtest", "how often past forecasts came true")
    backtest.add_argument("--horizon-days", type=int, required=True, metavar="H")
    backtest.add_argument("--every-days", type=int, default=7, metavar="D", help="default 7")
    items = _subcommand(kinds, "items", "when will each item in progress finish")
    items.add_argument("--sle", type=float, metavar="DAYS", help="also list items past this SLE")


def _subcommand(kinds, name: str, help_text: str) -> argparse.ArgumentParser:
    """A subcommand with the options every forecast takes."""
    description = help_text[0].upper() + help_text[1:] + ". Method: docs/forecasting.md."
    parser = kinds.add_parser(name, help=help_text, description=description)
    parser.add_argument("file", nargs="?", metavar="FILE", help="an export to read in memory")
    parser.add_argument(
        "--dataset",
        dest="datasets",
        type=int,
        action="extend",
        nargs="+",
        default=[],
        metavar="ID",
        help="stored datasets instead (repeatable)",
    )
    parser.add_argument(
        "--version", type=int, metavar="N", help="with one --dataset: default latest"
    )
    add_import_options(parser)
    parser.add_argument("--history-weeks", type=int, metavar="W", help="default 12")
    parser.add_argument("--history-from", metavar="DATE", help="first day of the history")
    parser.add_argument("--history-to", metavar="DATE", help="last day of the history")
    parser.add_argument("--workdays", action="store_true", help="count Monday to Friday only")
    parser.add_argument(
        "--blackout",
        action="extend",
        nargs="+",
        default=[],
        metavar="DATE",
        help="non-working days (with --workdays)",
    )
    add_filter_options(parser)
    parser.add_argument("--trials", type=int, metavar="N", help="default 10000")
    parser.add_argument("--seed", type=int, metavar="S", help="default: a fixed seed")
    parser.add_argument("--as-of", metavar="DATE|now", help="default: the last event")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=forecast_command, command_name=name)
    return parser


def forecast_command(args) -> int:
    with loading_modules():
        from vsm_core import forecast
        from vsm_core.filters import ItemFilter

        if args.file is not None:
            import vsm_core.importers.pipeline  # noqa: F401  (loaded here to be frozen with the rest)

    with collection_paused():
        datasets = _load(args)
        try:
            options = _options(args, forecast.ForecastOptions, ItemFilter)
            result = _run(args, forecast, datasets, options)
        except forecast.ForecastError as error:
            raise UsageError(str(error)) from error
        if args.json:
            print_json(result.as_json())
        else:
            _print_sentences(args, result)
    return EXIT_OK


def _run(args, forecast, datasets, options):
    """The core call the subcommand names."""
    kind = args.command_name
    if kind != "how-many" and kind != "when" and len(datasets) > 1:
        raise UsageError(f"forecast {kind} reads one dataset; give one --dataset ID or FILE")
    if kind == "how-many":
        return forecast.how_many(
            datasets, days=args.days, by=parse_day(args.by, "--by"), options=options
        )
    if kind == "when":
        items = args.items[0] if len(args.items) == 1 else tuple(args.items)
        return forecast.when(datasets, items=items, options=options)
    if kind == "backtest":
        return forecast.backtest(
            datasets[0],
            horizon_days=args.horizon_days,
            every_days=args.every_days,
            options=options,
        )
    return forecast.item_forecasts(datasets[0], options=options)


def _print_sentences(args, result) -> None:
    if args.command_name == "items":
        for line in result.sentences(args.sle):
            print(line)
        for row in result.as_json()["items"]:
            print(
                f"{row['item_id']}  {row['stage']}  age {row['age_days']:.1f} days  "
                f"50 %: {row['p50_done'] or 'unknown'}  85 %: {row['p85_done'] or 'unknown'}"
            )
        return
    for line in result.sentences():
        print(line)


def _options(args, options_type, filter_type):
    """:class:`ForecastOptions` from the command line (defaults where an option is absent)."""

    given = {
        "as_of": parse_as_of(args.as_of),
        "history_from": parse_day(args.history_from, "--history-from"),
        "history_to": parse_day(args.history_to, "--history-to"),
        "workdays": args.workdays,
        "blackout": tuple(parse_day(text, "--blackout") for text in args.blackout),
        "item_filter": filter_type(work_types=tuple(args.types), teams=tuple(args.teams)),
    }
    if args.blackout and not args.workdays:
        raise UsageError("--blackout goes with --workdays")
    if args.history_weeks is not None:
        if given["history_from"] or given["history_to"]:
            raise UsageError("give --history-weeks or --history-from/--history-to, not both")
        given["history_weeks"] = args.history_weeks
    for name in ("trials", "seed"):
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    return options_type(**given)


def _load(args) -> list:
    """The datasets: parsed from FILE in memory, or read from the store (named by their name)."""
    if (args.file is None) == (not args.datasets):
        raise UsageError("give either FILE or --dataset ID")
    if args.version is not None and len(args.datasets) != 1:
        raise UsageError("--version goes with exactly one --dataset")
    if args.file is not None:
        from vsm_core.cli.importing import run_import

        dataset = run_import(args, quality=False).dataset
        return [replace(dataset, metadata={**dataset.metadata, "name": args.file})]
    from sqlmodel import Session

    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM

    workflow = read_workflow_file(args.workflow) if args.workflow else None
    engine = open_engine(args)
    loaded = []
    try:
        with Session(engine) as session:
            for dataset_id in args.datasets:
                version = crud.get_version(
                    session, dataset_id=dataset_id, version=args.version, actor=SYSTEM
                )
                if version is None:
                    raise no_such_version(dataset_id, args.version)
                dataset = crud.load_dataset(session, version_id=version.id, actor=SYSTEM)
                stored = crud.get_dataset(session, dataset_id=dataset_id, actor=SYSTEM)
                metadata = {**dataset.metadata, "name": stored.name if stored else None}
                dataset = replace(dataset, metadata=metadata)
                loaded.append(replace(dataset, workflow=workflow) if workflow else dataset)
    finally:
        engine.dispose()
    return loaded
