"""``experiments add|list|show|review``: record improvement experiments and judge them.

With ``--json`` stdout holds exactly one JSON document. ``add`` prints the
new id (``{"id": ...}``); ``show`` prints the evidence (docs/experiments.md).
"""

from __future__ import annotations

import getpass
import sys

from vsm_core.cli.common import (
    EXIT_OK,
    UsageError,
    loading_modules,
    open_engine,
    print_json,
    print_table,
)


def register(commands) -> None:
    parser = commands.add_parser("experiments", help="improvement experiments")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    _add_parser(actions)
    listing = actions.add_parser("list", help="list experiments")
    listing.add_argument("--dataset", type=int, metavar="ID")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_command)
    show = actions.add_parser("show", help="an experiment's before/after evidence")
    show.add_argument("id", type=int)
    show.add_argument(
        "--assign",
        choices=("start", "done"),
        default="start",
        help="per-item metrics: cohorts by start (default) or items by done date",
    )
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_command)
    review = actions.add_parser("review", help="conclude an experiment and store its result")
    review.add_argument("id", type=int)
    review.add_argument("--status", required=True, choices=("adopted", "adapted", "abandoned"))
    review.add_argument("--learnings", metavar="TEXT")
    review.add_argument("--author", default=None, help="default: the current user")
    review.add_argument("--json", action="store_true")
    review.set_defaults(handler=review_command)


def _add_parser(actions) -> None:
    add = actions.add_parser("add", help="record a new experiment")
    add.add_argument("--dataset", type=int, required=True, metavar="ID")
    for name in ("title", "hypothesis", "action", "owner", "metric"):
        add.add_argument(f"--{name}", required=True)
    add.add_argument("--direction", required=True, choices=("decrease", "increase"))
    add.add_argument("--target", type=float, metavar="VALUE")
    add.add_argument("--change-date", required=True, metavar="DATE")
    add.add_argument("--baseline-from", metavar="DATE")
    add.add_argument("--baseline-to", metavar="DATE")
    add.add_argument("--review-date", metavar="DATE")
    add.add_argument("--type", dest="types", action="extend", nargs="+", default=[], metavar="T")
    add.add_argument("--team", metavar="T")
    add.add_argument("--status", default="running", choices=("planned", "running", "reviewing"))
    add.add_argument("--author", default=None, help="default: the current user")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=add_command)


def _author(args) -> str:
    return args.author or getpass.getuser()


def add_command(args) -> int:
    from pydantic import ValidationError
    from sqlmodel import Session

    from vsm_core.experiments import records

    try:
        data = records.ExperimentCreate(
            dataset_id=args.dataset,
            title=args.title,
            hypothesis=args.hypothesis,
            action=args.action,
            owner=args.owner,
            metric=args.metric,
            direction=args.direction,
            target=args.target,
            change_date=args.change_date,
            baseline_from=args.baseline_from,
            baseline_to=args.baseline_to,
            review_date=args.review_date,
            status=args.status,
            scope={"work_types": args.types, "team": args.team},
        )
    except ValidationError as error:
        fields = records.field_errors(error)
        message = "; ".join(f"--{k.replace('_', '-')}: {v}" for k, v in fields.items())
        raise UsageError(message) from error
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            from vsm_core.store import crud

            if crud.get_dataset(session, dataset_id=args.dataset) is None:
                raise UsageError(f"no dataset {args.dataset}")
            experiment = records.create_experiment(session, data=data, author=_author(args))
            experiment_id = experiment.id
    finally:
        engine.dispose()
    if args.json:
        print_json({"id": experiment_id})
    else:
        print(experiment_id)
    return EXIT_OK


def list_command(args) -> int:
    from sqlmodel import Session

    from vsm_core.experiments import records

    engine = open_engine(args)
    try:
        with Session(engine) as session:
            rows = [
                records.ExperimentRead.model_validate(e).model_dump(mode="json")
                for e in records.list_experiments(session, dataset_id=args.dataset)
            ]
    finally:
        engine.dispose()
    if args.json:
        print_json(rows)
    elif not rows:
        print("No experiments yet. Record one with: python -m vsm_core experiments add ...")
    else:
        print_table(
            rows, ["id", "title", "metric", "direction", "target", "change_date", "status", "owner"]
        )
    return EXIT_OK


def show_command(args) -> int:
    # Reads only, with SQLAlchemy Core: no ORM, no SQLModel to import (start-up time).
    with loading_modules():
        import vsm_core.store  # noqa: F401  (open_engine's, loaded with the rest)
        from vsm_core.experiments.service import judge, show_document

    engine = open_engine(args)
    try:
        with engine.connect() as connection:
            try:
                judgement = judge(connection, experiment_id=args.id, assign=args.assign)
            except LookupError as error:
                raise UsageError(str(error)) from error
        document = show_document(judgement)
    finally:
        engine.dispose()
    if args.json:
        print_json(document)
    else:
        print_evidence(document)
    return EXIT_OK


def review_command(args) -> int:
    with loading_modules():
        from sqlmodel import Session

        import vsm_core.store  # noqa: F401  (open_engine's, loaded with the rest)
        from vsm_core.experiments.service import review, show_document

    engine = open_engine(args)
    try:
        with Session(engine) as session:
            try:
                judgement = review(
                    session,
                    experiment_id=args.id,
                    status=args.status,
                    learnings=args.learnings,
                    author=_author(args),
                )
            except LookupError as error:
                raise UsageError(str(error)) from error
            document = show_document(judgement)
    finally:
        engine.dispose()
    if args.json:
        print_json(document)
    else:
        print(f"experiment {args.id} reviewed as {args.status}; result stored")
        print_evidence(document)
    return EXIT_OK


def _num(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def print_evidence(doc: dict) -> None:
    """A readable before/after summary."""
    evidence = doc.get("evidence") or {}
    before, after = doc.get("before") or {}, doc.get("after") or {}
    print(f"#{doc['id']} {doc['title']} [{doc['status']}]")
    print(f"metric: {doc['metric']} — {evidence.get('label', '')}")
    print(
        f"before {before.get('from')}..{before.get('to')}: {_num(before.get('value'))} "
        f"(n={before.get('n')})"
    )
    print(
        f"after  {after.get('from')}..{after.get('to')}: {_num(after.get('value'))} "
        f"(n={after.get('n')})"
    )
    low, high = doc.get("ci95") or [None, None]
    pct = doc.get("change_pct")
    print(
        f"change: {_num(doc.get('change_abs'))}"
        + (f" ({100 * pct:+.0f} %)" if pct is not None else "")
        + f", 95% CI [{_num(low)}, {_num(high)}], p = {_num(doc.get('p_value'), 3)}"
    )
    print(f"verdict: {doc.get('verdict')}; target met: {doc.get('target_met')}")
    for warning in evidence.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if doc.get("snapshot_differs"):
        print("note: the stored review differs from today's re-computation", file=sys.stderr)
