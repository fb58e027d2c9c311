"""``workflow export|apply``: a stored workflow as TOML, and a new version under another one.

``workflow apply --dataset ID [--version N] FILE.toml`` stores the items and
events of a version again under the workflow of FILE.toml, as the dataset's
next version; nothing is re-imported. An invalid file exits 2 naming its
line, stage and key; a workflow that reads every status as the base version
does stores nothing and says so. Each stage's "adds value" flag (``adds_value =
true|false``, docs/metrics.md) is part of the file: ``export`` writes the flags
that differ from the default (active stages add value), ``apply`` stores them
(a changed flag alone makes a new version) and names the stages that add value.
"""

from __future__ import annotations

from vsm_core.cli.common import (
    EXIT_OK,
    no_such_version,
    open_engine,
    print_json,
    read_workflow_file,
)


def register(commands) -> None:
    parser = commands.add_parser("workflow", help="workflow mappings")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    export = actions.add_parser("export", help="print a stored dataset's workflow as TOML")
    export.add_argument("--dataset", type=int, required=True, metavar="ID")
    export.add_argument("--version", type=int, metavar="N", help="default: the latest")
    export.set_defaults(handler=export_command)
    apply = actions.add_parser(
        "apply",
        help="store a dataset's items and events again under another workflow (a new version)",
    )
    apply.add_argument("file", metavar="FILE.toml", help="the workflow (as `workflow export`)")
    apply.add_argument("--dataset", type=int, required=True, metavar="ID")
    apply.add_argument(
        "--version", type=int, metavar="N", help="the version to start from (default: the latest)"
    )
    apply.add_argument("--json", action="store_true", help="print one JSON document")
    apply.set_defaults(handler=apply_command)


def export_command(args) -> int:
    from sqlmodel import Session

    from vsm_core.model import Workflow
    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM
    from vsm_core.workflow import workflow_to_toml

    engine = open_engine(args)
    try:
        with Session(engine) as session:
            version = crud.get_version(
                session, dataset_id=args.dataset, version=args.version, actor=SYSTEM
            )
            if version is None:
                raise no_such_version(args.dataset, args.version)
            workflow = Workflow.model_validate(version.workflow)
            header = f"Workflow of dataset {args.dataset} version {version.version}"
    finally:
        engine.dispose()
    print(workflow_to_toml(workflow, header=header), end="")
    return EXIT_OK


def apply_command(args) -> int:
    from sqlmodel import Session

    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM

    workflow = read_workflow_file(args.file)
    engine = open_engine(args)
    try:
        with Session(engine) as session:
            base = crud.get_version(
                session, dataset_id=args.dataset, version=args.version, actor=SYSTEM
            )
            if base is None:
                raise no_such_version(args.dataset, args.version)
            base_number, base_id = base.version, base.id
            created = crud.save_workflow_version(
                session,
                dataset_id=args.dataset,
                workflow=workflow,
                version=base_number,
                actor=SYSTEM,
            )
            if created is None:
                outcome = _unchanged(args, base_number, base_id)
            else:
                outcome = _stored(args, base_number, created)
                outcome["quality"] = _quality_summary(session, created.id)
                outcome["value_adding_stages"] = [
                    stage.name for stage in workflow.stages if stage.value_adding
                ]
    finally:
        engine.dispose()
    _report(args, outcome)
    return EXIT_OK


def _quality_summary(session, version_id: int) -> dict[str, int]:
    """The data-quality counts of the new version (how its workflow reads the events)."""
    from vsm_core.quality import quality_report
    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM

    return quality_report(crud.load_dataset(session, version_id=version_id, actor=SYSTEM)).summary()


def _stored(args, base_number: int, created) -> dict:
    """The ``--json`` document of a stored version (``quality`` and ``value_adding_stages``,
    the names of the stages whose time is value-added, are added by the caller)."""
    return {
        "dataset_id": args.dataset,
        "stored": True,
        "version": created.version,
        "version_id": created.id,
        "based_on": base_number,
        "items": created.item_count,
        "events": created.event_count,
    }


def _unchanged(args, base_number: int, base_id: int) -> dict:
    """The ``--json`` document when nothing was stored: the version that has the workflow."""
    return {
        "dataset_id": args.dataset,
        "stored": False,
        "version": base_number,
        "version_id": base_id,
        "based_on": base_number,
    }


def _report(args, outcome: dict) -> None:
    if args.json:
        print_json(outcome)
        return
    if not outcome["stored"]:
        print(
            f"the workflow of {args.file} is the same as that of dataset {args.dataset} version "
            f"{outcome['based_on']}; nothing stored"
        )
        return
    print(
        f"stored dataset {args.dataset} version {outcome['version']}: the items and events of "
        f"version {outcome['based_on']} ({outcome['items']} items, {outcome['events']} events) "
        f"under the workflow of {args.file}"
    )
    adding = outcome["value_adding_stages"]
    print("stages that add value: " + (", ".join(adding) or "none"))
    flagged = {k: v for k, v in outcome["quality"].items() if v}
    print(
        "data quality: " + (", ".join(f"{k}={v}" for k, v in flagged.items()) or "no issues found")
    )
