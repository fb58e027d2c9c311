"""Command-line front over the same core functions the pages call.

``python -m vsm_core [--db URL] [--debug] COMMAND ...``

Exit codes: 0 success, 2 bad input or usage, 1 anything else. Failures print
one line to stderr (``flowlab: error: ...``); ``--debug`` shows the traceback,
and Flowlab's debug log (``vsm_core.*`` loggers: e.g. the traceback of an
internal error met while importing) on stderr. Without it nothing below a
warning is logged, so no traceback reaches stderr.
Each command lives in its own module with a ``register(subparsers)`` function.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from vsm_core.cli import (
    checkin,
    datasets,
    db,
    delivery,
    experiments,
    forecast,
    future,
    importing,
    metrics,
    series,
    teams,
    workflows,
)
from vsm_core.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError, UsageError

COMMAND_MODULES = (
    checkin,
    datasets,
    db,
    delivery,
    experiments,
    forecast,
    future,
    importing,
    metrics,
    series,
    teams,
    workflows,
)


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error and exit code 2."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m vsm_core",
        description="Flowlab: flow metrics and improvement experiments from work-item exports.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $VSM_DATABASE_URL or sqlite:///data/flowlab.db)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``argv``, default ``sys.argv[1:]``); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if not debug:
        return _run(argv, debug)
    logger, handler = logging.getLogger("vsm_core"), _debug_handler()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        return _run(argv, debug)
    finally:  # as it was: tests call main many times in one process
        logger.removeHandler(handler)
        logger.setLevel(level)


def _debug_handler() -> logging.Handler:
    """Flowlab's own log records (not the libraries', e.g. SQLAlchemy's every statement)
    on stderr, for ``--debug``; exception records come with their traceback."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("flowlab: debug: %(name)s: %(message)s"))
    return handler


def _run(argv: list[str], debug: bool) -> int:
    """Parse ``argv`` and run the command; every failure becomes one line and an exit code."""
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except CliError as error:
        if debug:
            raise
        print(f"flowlab: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("flowlab: interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except Exception as error:  # the contract: one line, no traceback unless --debug
        if debug:
            raise
        if _is_plain_refusal(error):  # a write clash, a database from a newer Flowlab
            print(f"flowlab: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        print(f"flowlab: error: {describe_unexpected(error)}", file=sys.stderr)
        return EXIT_FAILURE


def _is_plain_refusal(error: Exception) -> bool:
    """Store refusals whose message already says what to do (exit 2)."""
    from vsm_core.store.migrate import SchemaTooNew
    from vsm_core.store.writing import StoreConflict

    return isinstance(error, StoreConflict | SchemaTooNew)


def describe_unexpected(error: Exception) -> str:
    """One line for an error nobody anticipated (drivers write several)."""
    from sqlalchemy.exc import OperationalError

    if isinstance(error, OperationalError):
        detail = str(error.orig or error).strip().splitlines()[0]
        return f"cannot use the database: {detail} (check --db or VSM_DATABASE_URL)"
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}".rstrip(": ")


__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]
