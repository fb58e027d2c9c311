"""``series import FILE --team TEAM`` and ``series show --team TEAM``: a team's own measures.

``import`` reads a CSV/TSV/Excel file of ``date, metric, value[, team]``
(:func:`vsm_core.series.parse_series`) and stores it for ``--team``
(:func:`vsm_core.store.series.save_series`); bad input prints every problem
(row, column, value) and exits 2, nothing stored. ``show`` prints each
metric's weekly or monthly means with the natural process limits and the
signals (:func:`vsm_core.series.run_chart`). With ``--json`` stdout holds
exactly one JSON document.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vsm_core.cli.common import (
    EXIT_OK,
    UsageError,
    loading_modules,
    open_engine,
    parse_window,
    print_json,
    print_table,
)

_DECIMAL = {"point": ".", "comma": ","}


def register(commands) -> None:
    parser = commands.add_parser("series", help="a team's own measures (CSAT, NPS, cost, ...)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    upload = actions.add_parser(
        "import",
        help="store a CSV/TSV/Excel file of date, metric, value[, team] for a team",
        description=(
            "Rows naming no team belong to --team; a newer value for the same team, metric "
            "and day replaces the stored one; the same file again stores nothing."
        ),
    )
    upload.add_argument("file", metavar="FILE")
    upload.add_argument("--team", required=True, metavar="TEAM")
    upload.add_argument("--date-order", choices=("dayfirst", "monthfirst"))
    upload.add_argument("--decimal", choices=tuple(_DECIMAL), help="the decimal separator")
    upload.add_argument("--separator", metavar="SEP", help="the column separator (default: sniff)")
    upload.add_argument("--json", action="store_true", help="print one JSON document")
    upload.set_defaults(handler=import_command)
    show = actions.add_parser("show", help="each metric's run chart with its limits and signals")
    show.add_argument("--team", required=True, metavar="TEAM")
    show.add_argument("--metric", metavar="M", help="only this metric")
    show.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    show.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    show.add_argument("--period", choices=("week", "month"), default="week")
    show.add_argument("--json", action="store_true", help="print one JSON document")
    show.set_defaults(handler=show_command)


def import_command(args) -> int:
    with loading_modules():
        from sqlmodel import Session

        from vsm_core.cli.importing import print_problems
        from vsm_core.importers.errors import ImportFailed
        from vsm_core.importers.options import ImportOptions
        from vsm_core.series import parse_series
        from vsm_core.store import series as store
        from vsm_core.store.access import SYSTEM

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        options = ImportOptions(separator=args.separator)
        parsed = parse_series(
            data,
            path.name,
            team=args.team,
            date_order=args.date_order,
            decimal=_DECIMAL.get(args.decimal),
            options=options,
        )
    except ImportFailed as failure:
        print_problems(failure)
        raise UsageError(f"{path.name} was not stored: {failure.total:,} problem(s)") from failure
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            saved = _save(store, session, SYSTEM, args.team, parsed, path.name)
    finally:
        engine.dispose()
    for note in parsed.notes:
        print(f"note: {note}", file=sys.stderr)
    metrics = parsed.metrics()
    if args.json:
        print_json(
            {
                "stored": saved.stored,
                "import_id": saved.import_id,
                "rows": len(parsed.points),
                "added": saved.added,
                "replaced": saved.replaced,
                "unchanged": saved.unchanged,
                "teams": saved.teams,
                "metrics": [
                    {
                        "team": row["team"],
                        "metric": row["metric"],
                        "points": int(row["points"]),
                        "first": row["first"].isoformat(),
                        "last": row["last"].isoformat(),
                    }
                    for row in metrics.to_dict("records")
                ],
                "columns": parsed.columns,
                "date_order": parsed.date_order,
                "decimal": parsed.decimal,
            }
        )
        return EXIT_OK
    if not saved.stored:
        print(f"{path.name}: every value is already stored; nothing stored")
        return EXIT_OK
    print(
        f"stored {path.name} for {args.team}: {saved.added} new values, {saved.replaced} "
        f"replaced, {saved.unchanged} unchanged"
    )
    rows = metrics.assign(
        first=[d.isoformat() for d in metrics["first"]],
        last=[d.isoformat() for d in metrics["last"]],
    )
    print_table(rows.to_dict("records"), ["team", "metric", "points", "first", "last"])
    return EXIT_OK


def _save(store, session, actor, team: str, parsed, filename: str):
    """Store the parsed upload; a refusal of the store (a bad team name) exits 2."""
    try:
        return store.save_series(
            session,
            actor=actor,
            team=team,
            points=parsed.points,
            source_filename=filename,
            source_sha256=parsed.sha256,
        )
    except ValueError as error:
        raise UsageError(f"{filename} was not stored: {error}") from error


def show_command(args) -> int:
    with loading_modules():
        from sqlmodel import Session

        from vsm_core.series import DEFINITION, LIMITS, run_chart
        from vsm_core.store import series as store
        from vsm_core.store.access import SYSTEM

    window = parse_window(args.start, args.end)
    start, end = window if window else (None, None)
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            points = store.load_points(session, actor=SYSTEM, team=args.team, metric=args.metric)
    finally:
        engine.dispose()
    if points.empty:
        what = f"metric {args.metric!r} of " if args.metric else ""
        raise UsageError(f"no measures stored for {what}team {args.team!r}")
    charts = [
        run_chart(points, metric, args.period, start=_real(start), end=_real(end))
        for metric in points["metric"].unique().tolist()
    ]
    if args.json:
        print_json(
            {
                "team": args.team,
                "period": args.period,
                "definition": DEFINITION[args.period] + LIMITS,
                "metrics": [chart.to_dict() for chart in charts],
            }
        )
        return EXIT_OK
    for chart in charts:
        _print_chart(chart)
    print(DEFINITION[args.period] + LIMITS)
    return EXIT_OK


def _real(day):
    """A window end that is a real bound (``date.min``/``date.max`` mean open)."""
    from datetime import date

    return None if day in (date.min, date.max) else day


def _print_chart(chart) -> None:
    document = chart.to_dict()
    flagged = {}
    for signal in document["signals"]:
        flagged.setdefault(signal["index"], []).append(signal["rule"].replace("_", " "))
    print(f"{chart.metric} (mean per {chart.period})")
    rows = [
        {
            "period": point["period_start"],
            "mean": f"{point['value']:.4g}",
            "values": point["count"],
            "signal": ", ".join(flagged.get(i, [])),
        }
        for i, point in enumerate(document["points"])
    ]
    print_table(rows, ["period", "mean", "values", "signal"])
    limits = [document.get(k) for k in ("lnpl", "centre", "unpl")]
    if None in limits:
        print("limits: need at least two points")
    else:
        print("limits: lower {:.4g}, average {:.4g}, upper {:.4g}".format(*limits))
    print()
