"""``metrics (--dataset ID | FILE) [options]``: the full metric set, as JSON or a summary.

``metrics FILE`` parses the export in memory and never touches the
database; ``--dataset ID`` reads a stored version (the latest unless
``--version N``). With ``--json`` stdout holds exactly one JSON document.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from vsm_core.cli.common import (
    EXIT_OK,
    UsageError,
    add_filter_options,
    collection_paused,
    loading_modules,
    no_such_version,
    open_engine,
    parse_as_of,
    parse_window,
    print_json,
    read_workflow_file,
)
from vsm_core.cli.importing import add_import_options


def register(commands) -> None:
    parser = commands.add_parser(
        "metrics",
        help="flow metrics of a stored dataset or of a file",
        description="Flow metrics. Definitions: docs/metrics.md.",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="an export to read in memory")
    parser.add_argument("--dataset", type=int, metavar="ID", help="a stored dataset instead")
    parser.add_argument("--version", type=int, metavar="N", help="with --dataset: default latest")
    add_import_options(parser)
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="window start (done date)")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="window end (done date)")
    add_filter_options(parser)
    parser.add_argument("--as-of", metavar="DATE|now", help="default: the last event")
    parser.add_argument("--cycle-time", choices=("elapsed", "inclusive"), default="elapsed")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--items", metavar="FILE.csv", help="also write the item-level table")
    parser.set_defaults(handler=metrics_command)


def metrics_command(args) -> int:
    with loading_modules():
        from vsm_core.filters import ItemFilter
        from vsm_core.metrics.report import calculate_metrics, item_table
        from vsm_core.metrics.scope import MetricOptions

        if args.file is not None:
            import vsm_core.importers.pipeline  # noqa: F401  (loaded here to be frozen with the rest)

    # The command makes a few hundred thousand small objects (an attribute dict and a
    # labels tuple per item, JSON values) and finds no cycles among them: ~0.08 s of
    # collector walks at 100k items saved.
    with collection_paused():
        dataset = _load(args)
        options = MetricOptions(
            window=parse_window(args.date_from, args.date_to),
            item_filter=ItemFilter(work_types=tuple(args.types), teams=tuple(args.teams)),
            as_of=parse_as_of(args.as_of),
            cycle_time_mode=args.cycle_time,
        )
        report = calculate_metrics(dataset, options)
        if args.items:
            _write_items(item_table(report.scope), args.items)
        if args.json:
            print_json(report.document)
        else:
            print_summary(report.document)
    return EXIT_OK


def _load(args):
    """The dataset: parsed from FILE in memory, or read from the store."""
    if (args.file is None) == (args.dataset is None):
        raise UsageError("give either FILE or --dataset ID")
    if args.file is not None:
        from vsm_core.cli.importing import run_import

        if args.version is not None:
            raise UsageError("--version goes with --dataset")
        # metrics never read the quality report
        return run_import(args, quality=False).dataset
    from dataclasses import replace

    from sqlmodel import Session

    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM

    workflow = read_workflow_file(args.workflow) if args.workflow else None
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            version = crud.get_version(
                session, dataset_id=args.dataset, version=args.version, actor=SYSTEM
            )
            if version is None:
                raise no_such_version(args.dataset, args.version)
            dataset = crud.load_dataset(session, version_id=version.id, actor=SYSTEM)
    finally:
        engine.dispose()
    return replace(dataset, workflow=workflow) if workflow is not None else dataset


def _write_items(table, path: str) -> None:
    from vsm_core.export import to_csv_bytes

    try:
        Path(path).write_bytes(to_csv_bytes(table))
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from error
    print(f"wrote {len(table)} items to {path}", file=sys.stderr)


def _num(value, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def print_summary(doc: dict) -> None:
    """A readable summary table of the JSON document."""
    counts, cycle, lead = doc["counts"], doc["cycle_time_days"], doc["lead_time_days"]
    definitions = doc["definitions"]
    print(
        f"as of {doc['as_of']} ({definitions['as_of_rule']}), time zone {definitions['timezone']}"
    )
    print(
        f"items {counts['items']}: {counts['completed']} completed, {counts['in_progress']} in "
        f"progress, {counts['not_started']} not started, {counts['cancelled']} cancelled"
    )
    rows = [("cycle time (days)", cycle), ("lead time (days)", lead)]
    print(f"{'':20}{'p50':>8}{'p70':>8}{'p85':>8}{'p95':>8}{'mean':>8}{'n':>7}")
    for label, stats in rows:
        cells = "".join(f"{_num(stats.get(k)):>8}" for k in ("p50", "p70", "p85", "p95", "mean"))
        print(f"{label:20}{cells}{stats['n']:>7}")
    print(f"throughput per week (mean): {_num(doc['throughput']['per_week_mean'])}")
    print(f"WIP (daily mean): {_num(doc['wip']['mean'])}")
    efficiency = doc["flow_efficiency"]
    print(
        f"flow efficiency: {_num(_pct(efficiency['ratio_of_sums']))} % (ratio of sums), "
        f"{_num(_pct(efficiency['mean_of_ratios']))} % (mean of ratios)"
    )
    print(
        f"value-added time (mean): {_num(doc.get('value_added_days_mean'), ' d')}; "
        f"process cycle efficiency: {_num(_pct(doc.get('process_cycle_efficiency')))} % "
        "(value-added time / lead time)"
    )
    if doc["bottleneck"]:
        b = doc["bottleneck"]
        print(
            f"bottleneck: {b['stage']} ({_num(_pct(b['share']))} % of cycle time, {b['category']})"
        )
    print(
        f"start: {definitions['start_stage']}; cycle time: {definitions['cycle_time_definition']}"
    )
    flagged = {k: v for k, v in doc["flags"].items() if v}
    if flagged:
        print("flags: " + ", ".join(f"{k}={v}" for k, v in flagged.items()))


def _pct(value):
    return None if value is None else 100 * value
