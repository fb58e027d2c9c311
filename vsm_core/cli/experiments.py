"""``experiments add|edit|list|show|review``: record improvement experiments and judge them.

With ``--json`` stdout holds exactly one JSON document. ``add`` prints the
new id (``{"id": ...}``); ``show`` prints the evidence (docs/experiments.md).

Every write names its author: ``--author NAME``, else ``$VSM_AUTHOR``. The
name of the computer's user is never taken instead: on a shared machine or
in a container it says nothing about who changed an experiment.
"""

from __future__ import annotations

import argparse
import os
import sys

from vsm_core.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    loading_modules,
    open_engine,
    print_json,
    print_table,
)

#: Where a write's author comes from when ``--author`` is not given.
AUTHOR_ENV = "VSM_AUTHOR"
METHOD_HELP = (
    "how per-item metrics are compared: 'start' = items by start date, unfinished items "
    "counted as censored (default); 'done' = items by done date"
)
#: The columns ``experiments list`` prints without ``--json``.
LIST_COLUMNS = [
    "id",
    "title",
    "metric",
    "direction",
    "target",
    "method",
    "change_date",
    "status",
    "owner",
]
#: ``edit`` options and the record fields they set (status: not the reviewed ones).
EDIT_FIELDS = (
    "title",
    "hypothesis",
    "action",
    "owner",
    "metric",
    "direction",
    "target",
    "method",
    "change_date",
    "baseline_from",
    "baseline_to",
    "review_date",
    "status",
    "learnings",
)


def register(commands) -> None:
    parser = commands.add_parser("experiments", help="improvement experiments")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    _add_parser(actions)
    _edit_parser(actions)
    listing = actions.add_parser("list", help="list experiments")
    listing.add_argument("--dataset", type=int, metavar="ID")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_command)
    show = actions.add_parser("show", help="an experiment's before/after evidence")
    show.add_argument("id", type=int)
    # Gone: the method is stored on the experiment. Kept hidden to say so plainly.
    show.add_argument("--assign", help=argparse.SUPPRESS)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_command)
    review = actions.add_parser("review", help="conclude an experiment and store its result")
    review.add_argument("id", type=int)
    review.add_argument("--status", required=True, choices=("adopted", "adapted", "abandoned"))
    review.add_argument("--learnings", metavar="TEXT")
    _author_option(review)
    review.add_argument("--json", action="store_true")
    review.set_defaults(handler=review_command)


def _author_option(parser) -> None:
    parser.add_argument(
        "--author", metavar="NAME", help=f"who makes this change (default: ${AUTHOR_ENV})"
    )


def _add_parser(actions) -> None:
    add = actions.add_parser("add", help="record a new experiment")
    add.add_argument("--dataset", type=int, required=True, metavar="ID")
    for name in ("title", "hypothesis", "action", "owner", "metric"):
        add.add_argument(f"--{name}", required=True)
    add.add_argument("--direction", required=True, choices=("decrease", "increase"))
    add.add_argument("--target", type=float, metavar="VALUE")
    add.add_argument("--method", default="start", choices=("start", "done"), help=METHOD_HELP)
    add.add_argument("--change-date", required=True, metavar="DATE")
    add.add_argument("--baseline-from", metavar="DATE")
    add.add_argument("--baseline-to", metavar="DATE")
    add.add_argument("--review-date", metavar="DATE")
    add.add_argument("--type", dest="types", action="extend", nargs="+", default=[], metavar="T")
    add.add_argument("--team", metavar="T")
    add.add_argument("--status", default="running", choices=("planned", "running", "reviewing"))
    _author_option(add)
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=add_command)


def _edit_parser(actions) -> None:
    edit = actions.add_parser(
        "edit", help="change an experiment's fields (every change is kept in its history)"
    )
    edit.add_argument("id", type=int)
    for name in ("title", "hypothesis", "action", "owner", "metric", "learnings"):
        edit.add_argument(f"--{name}", metavar="TEXT")
    edit.add_argument("--direction", choices=("decrease", "increase"))
    edit.add_argument("--target", type=float, metavar="VALUE")
    edit.add_argument("--method", choices=("start", "done"), help=METHOD_HELP)
    for name in ("change-date", "baseline-from", "baseline-to", "review-date"):
        edit.add_argument(f"--{name}", metavar="DATE")
    edit.add_argument(
        "--status",
        choices=("planned", "running", "reviewing"),
        help="a reviewed status (adopted, adapted, abandoned) is set with 'review'",
    )
    edit.add_argument(
        "--if-version",
        type=int,
        metavar="N",
        help="save only if the experiment is still at version N (as 'list'/'show' print it); "
        "otherwise exit 2 and say what changed since",
    )
    _author_option(edit)
    edit.add_argument("--json", action="store_true")
    edit.set_defaults(handler=edit_command)


def _author(args) -> str:
    """The author of a write: ``--author``, else ``$VSM_AUTHOR``; a UsageError when neither."""
    author = (args.author or os.environ.get(AUTHOR_ENV) or "").strip()
    if not author:
        raise UsageError(f"say who is making this change: give --author NAME or set {AUTHOR_ENV}")
    return author


def _field_message(records, error) -> str:
    """A ``ValidationError`` as one line naming the options to correct."""
    fields = records.field_errors(error)
    return "; ".join(f"--{k.replace('_', '-')}: {v}" for k, v in fields.items())


def add_command(args) -> int:
    from pydantic import ValidationError
    from sqlmodel import Session

    from vsm_core.experiments import records
    from vsm_core.store.access import SYSTEM

    author = _author(args)  # before anything is read or written
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
            method=args.method,
            change_date=args.change_date,
            baseline_from=args.baseline_from,
            baseline_to=args.baseline_to,
            review_date=args.review_date,
            status=args.status,
            scope={"work_types": args.types, "team": args.team},
        )
    except ValidationError as error:
        raise UsageError(_field_message(records, error)) from error
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            from vsm_core.store import crud

            if crud.get_dataset(session, dataset_id=args.dataset, actor=SYSTEM) is None:
                raise UsageError(f"no dataset {args.dataset}")
            experiment = records.create_experiment(session, data=data, author=author, actor=SYSTEM)
            experiment_id = experiment.id
    finally:
        engine.dispose()
    if args.json:
        print_json({"id": experiment_id})
    else:
        print(experiment_id)
    return EXIT_OK


def edit_command(args) -> int:
    """Change the fields given; prints what changed (``--json``: ``{id, version, changed}``).

    With ``--if-version N`` and a stored version other than N nothing is saved:
    the conflict goes to stderr (and, with ``--json``, as ``{id, conflict: true,
    expected_version, current_version, changes_since, message}`` to stdout); exit 2.
    """
    from pydantic import ValidationError
    from sqlmodel import Session

    from vsm_core.experiments import records

    author = _author(args)
    given = {name: getattr(args, name) for name in EDIT_FIELDS if getattr(args, name) is not None}
    if not given:
        raise UsageError("nothing to change: give at least one field option (see --help)")
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            try:
                changed, version = _edit(session, records, args, given, author)
            except records.EditConflict as conflict:
                return _report_conflict(args, conflict)
            except ValidationError as error:
                raise UsageError(_field_message(records, error)) from error
            except LookupError as error:
                raise UsageError(str(error)) from error
    finally:
        engine.dispose()
    if args.json:
        print_json({"id": args.id, "version": version, "changed": changed})
    elif not changed:
        print(f"experiment {args.id}: nothing changed (version {version})")
    else:
        for name, (old, new) in changed.items():
            print(f"experiment {args.id}: {name} {old!r} -> {new!r}")
        print(f"experiment {args.id}: now version {version}")
    return EXIT_OK


def _edit(session, records, args, given: dict, author: str) -> tuple[dict, int]:
    """Apply ``given``; return ``({field: [old, new]}`` of what really changed, the version)."""
    from vsm_core.store.access import SYSTEM

    before = len(records.experiment_history(session, experiment_id=args.id, actor=SYSTEM))
    experiment = records.update_experiment(
        session,
        experiment_id=args.id,
        changes=records.ExperimentUpdate(**given),
        author=author,
        if_version=args.if_version,
        actor=SYSTEM,
    )
    history = records.experiment_history(session, experiment_id=args.id, actor=SYSTEM)
    changed = dict(history[-1].changes) if len(history) > before else {}
    return changed, experiment.version


def _report_conflict(args, conflict) -> int:
    print(f"error: {conflict}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "id": conflict.experiment_id,
                "conflict": True,
                "expected_version": conflict.expected,
                "current_version": conflict.current,
                "changes_since": [
                    {**entry, "at": entry["at"].isoformat()} for entry in conflict.since
                ],
                "message": str(conflict),
            }
        )
    return EXIT_USAGE


def list_command(args) -> int:
    from sqlmodel import Session

    from vsm_core.experiments import records
    from vsm_core.store.access import SYSTEM

    engine = open_engine(args)
    try:
        with Session(engine) as session:
            rows = [
                records.ExperimentRead.model_validate(e).model_dump(mode="json")
                for e in records.list_experiments(session, dataset_id=args.dataset, actor=SYSTEM)
            ]
    finally:
        engine.dispose()
    if args.json:
        print_json(rows)
    elif not rows:
        print("No experiments yet. Record one with: python -m vsm_core experiments add ...")
    else:
        print_table(
            rows,
            LIST_COLUMNS,
        )
    return EXIT_OK


def show_command(args) -> int:
    if args.assign is not None:
        raise UsageError(
            "--assign is gone: the comparison method is stored on the experiment (change it "
            "with 'experiments edit ID --method start|done'); show prints the other method as "
            "a sensitivity check"
        )
    # Reads only, with SQLAlchemy Core: no ORM, no SQLModel to import (start-up time).
    with loading_modules():
        import vsm_core.store  # noqa: F401  (open_engine's, loaded with the rest)
        from vsm_core.experiments.service import judge, show_document
        from vsm_core.store.access import SYSTEM

    engine = open_engine(args)
    try:
        with engine.connect() as connection:
            try:
                judgement = judge(connection, experiment_id=args.id, actor=SYSTEM)
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
    author = _author(args)
    with loading_modules():
        from sqlmodel import Session

        import vsm_core.store  # noqa: F401  (open_engine's, loaded with the rest)
        from vsm_core.experiments.service import review, show_document
        from vsm_core.store.access import SYSTEM

    engine = open_engine(args)
    try:
        with Session(engine) as session:
            try:
                judgement = review(
                    session,
                    experiment_id=args.id,
                    status=args.status,
                    learnings=args.learnings,
                    author=author,
                    actor=SYSTEM,
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


def _yes_no(value) -> str:
    return "–" if value is None else ("yes" if value else "no")


def print_evidence(doc: dict) -> None:
    """A readable summary: the record's words, the evidence, the check, the learnings."""
    evidence = doc.get("evidence") or {}
    print(f"#{doc['id']} {doc['title']} [{doc['status']}]")
    print(f"owner: {doc.get('owner')}")
    print(f"hypothesis: {doc.get('hypothesis')}")
    print(f"action: {doc.get('action') or '–'}")
    print(f"metric: {doc['metric']} — {evidence.get('label', '')}")
    print(f"compared ({doc.get('method')}): {doc.get('method_description')}")
    for name in ("before", "after"):
        window = doc.get(name) or {}
        print(
            f"{name:<6} {window.get('from')}..{window.get('to')}: {_num(window.get('value'))} "
            f"(n={window.get('n')})"
        )
    low, high = doc.get("ci95") or [None, None]
    pct = doc.get("change_pct")
    print(
        f"change: {_num(doc.get('change_abs'))}"
        + (f" ({100 * pct:+.0f} %)" if pct is not None else "")
        + f", 95% interval [{_num(low)}, {_num(high)}]"
    )
    if doc.get("p_value_sentence"):
        print(doc["p_value_sentence"])
    print(f"verdict: {doc.get('verdict')}; target met: {_yes_no(doc.get('target_met'))}")
    check = doc.get("sensitivity")
    if check:
        low, high = check.get("interval") or [None, None]
        print(
            f"sensitivity check, {check['sentence']} (95% interval [{_num(low)}, "
            f"{_num(high)}]); it does not change the verdict"
        )
    print(f"learnings: {doc.get('learnings') or '–'}")
    for warning in evidence.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if doc.get("snapshot_differs"):
        print("note: the stored review differs from today's re-computation", file=sys.stderr)
