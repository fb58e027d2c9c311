"""``workflow export --dataset ID [--version N]``: a stored workflow as TOML."""

from __future__ import annotations

from vsm_core.cli.common import EXIT_OK, UsageError, open_engine


def register(commands) -> None:
    parser = commands.add_parser("workflow", help="workflow mappings")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    export = actions.add_parser("export", help="print a stored dataset's workflow as TOML")
    export.add_argument("--dataset", type=int, required=True, metavar="ID")
    export.add_argument("--version", type=int, metavar="N", help="default: the latest")
    export.set_defaults(handler=export_command)


def export_command(args) -> int:
    from sqlmodel import Session

    from vsm_core.model import Workflow
    from vsm_core.store import crud
    from vsm_core.workflow import workflow_to_toml

    engine = open_engine(args)
    try:
        with Session(engine) as session:
            version = crud.get_version(session, dataset_id=args.dataset, version=args.version)
            if version is None:
                raise UsageError(
                    f"no dataset {args.dataset}"
                    + (f" version {args.version}" if args.version else "")
                )
            workflow = Workflow.model_validate(version.workflow)
            header = f"Workflow of dataset {args.dataset} version {version.version}"
    finally:
        engine.dispose()
    print(workflow_to_toml(workflow, header=header), end="")
    return EXIT_OK
