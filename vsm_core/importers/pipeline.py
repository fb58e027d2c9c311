"""The whole import: bytes -> decoded upload -> format parser -> validated dataset + quality.

:func:`import_bytes` is what the CLI and the Import page call. Only
:class:`ImportFailed` escapes it; nothing is stored here. An error nobody
anticipated (a bug) becomes an :class:`InternalImportError`: one sentence
naming the file, the step and, where the parser knew it, the row and column,
asking for a report; its traceback goes to the log at debug level only (the
CLI's ``--debug`` shows it).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import TYPE_CHECKING

import pandas as pd

from vsm_core.importers.containers import read_upload
from vsm_core.importers.detect import Detection, FormatUnclear, detect
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.formats import JSON_FORMAT_MODULES, TABLE_FORMAT_MODULES
from vsm_core.importers.formats.common import ParsedImport, located, place_of
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.sanity import implausibilities
from vsm_core.importers.table import Upload
from vsm_core.model import CanonicalDataset, ModelError, Workflow, make_dataset
from vsm_core.workflow import WorkflowFileError
from vsm_core.workflow_suggest import suggest_workflow

if TYPE_CHECKING:
    from vsm_core.quality import QualityReport

log = logging.getLogger(__name__)


class InternalImportError(ImportFailed):
    """A bug met while importing a file: the message says where and asks for a report."""


class _ParserModules(Mapping[str, ModuleType]):
    """Format name -> parser module, each imported the first time it is looked up.

    A command reads one format; importing the other parsers (the JSON ones
    pull in their own helpers) would only slow its start.
    """

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = modules

    def __getitem__(self, name: str) -> ModuleType:
        return importlib.import_module(f"vsm_core.importers.formats.{self._modules[name]}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


TABLE_PARSERS: Mapping[str, ModuleType] = _ParserModules(TABLE_FORMAT_MODULES)

#: JSON formats: ``parse_records(records, options)`` over the records of a .json/.jsonl upload.
JSON_PARSERS: Mapping[str, ModuleType] = _ParserModules(JSON_FORMAT_MODULES)


@dataclass(frozen=True)
class ImportResult:
    """A parsed, validated upload, ready to store.

    ``detection`` says how the format and columns were found; ``mapping`` is
    role -> column as the parser used it; ``implausible`` lists what cannot
    be right about this reading (:mod:`vsm_core.importers.sanity`): such a
    result is not stored unless the user insists.
    """

    dataset: CanonicalDataset
    format: str
    format_reason: str
    mapping: dict[str, str]
    detection: Detection
    workflow: Workflow
    workflow_suggested: bool
    quality: QualityReport | None
    upload: Upload
    status_counts: dict[str, int]
    notes: list[str] = field(default_factory=list)
    raw_item_ids: pd.Series | None = None
    repeated_header_rows: int = 0
    date_orders: dict[str, str | None] = field(default_factory=dict)
    implausible: tuple[str, ...] = ()


def import_bytes(
    data: bytes,
    filename: str,
    options: ImportOptions | None = None,
    *,
    workflow: Workflow | None = None,
    quality: bool = True,
) -> ImportResult:
    """Import ``data`` (the bytes of ``filename``) into the canonical model.

    Without ``workflow`` a workflow is suggested from the statuses found.
    ``quality=False`` skips the data-quality report (``quality`` is then
    None), for callers that only want the metrics.
    Raises :class:`ImportFailed` with every problem found; running out of
    memory is said so; any other error is a bug, raised as
    :class:`InternalImportError` (see :func:`internal_error`).
    """
    options = options or ImportOptions()
    try:
        return _import(data, filename, options, workflow, quality)
    except ImportFailed:
        raise
    except (ModelError, WorkflowFileError) as error:
        # Data that cannot form a valid dataset or workflow: bad input, said plainly.
        raise ImportFailed(str(error)) from error
    except MemoryError as error:  # not a bug: this machine, this file
        log.debug("out of memory importing %s", filename, exc_info=error)
        raise ImportFailed(
            f"not enough memory to import {filename}{_place(error)}; free some memory or "
            "import a smaller export"
        ) from error
    except Exception as error:  # the contract: only ImportFailed leaves an importer
        raise internal_error(error, filename) from error


def internal_error(error: Exception, filename: str) -> InternalImportError:
    """The :class:`InternalImportError` for ``error``, met while importing ``filename``.

    The message names the file, the step (the parser of a format, detection…)
    and the row and column where a :class:`~vsm_core.importers.formats.common.located`
    block knew them, then the error in one line. The traceback is logged at
    debug level only: a user sees one sentence, ``--debug`` shows the rest.
    """
    log.debug("internal error importing %s", filename, exc_info=error)
    return InternalImportError(
        f"internal error while reading {filename}{_place(error)}: {_one_line(error)}. "
        "This is a bug in Flowlab; please report it with the file if you can."
    )


def _place(error: BaseException) -> str:
    """`` (in the events parser, row 3, column 'Status')``: what is known of where
    ``error`` was met; empty when nothing is."""
    where = place_of(error)
    parts = [
        f"in {where['stage']}" if where["stage"] else None,
        f"row {where['row']}" if where["row"] is not None else None,
        f"column {where['column']!r}" if where["column"] is not None else None,
    ]
    shown = ", ".join(part for part in parts if part)
    return f" ({shown})" if shown else ""


def _one_line(error: BaseException, limit: int = 200) -> str:
    """``Type: first line of the message``, shortened to ``limit`` characters."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _import(data, filename, options, workflow, want_quality: bool = True) -> ImportResult:
    # Each step names itself (``located``) so that a bug says where it was met.
    with located(stage="the file reader"):
        upload = read_upload(data, filename, options)
    with located(stage="format detection"):
        detection = detect(upload, options)
    if detection.format is None:
        raise FormatUnclear(detection, filename)
    format_name = detection.format
    # The parser reads exactly the columns detection chose (the user's --map over them).
    parse_options = options.model_copy(
        update={"mapping": {**detection.columns, **options.mapping}, "format": format_name}
    )
    with located(stage=f"the {format_name} parser"):
        parsed = _parse(upload, format_name, parse_options)
    with located(stage="the dataset checks"):
        return _result(upload, filename, options, detection, parsed, workflow, want_quality)


def _result(upload, filename, options, detection, parsed, workflow, want_quality) -> ImportResult:
    """The validated dataset of a parsed upload, its workflow, quality and sanity findings."""
    format_name = detection.format
    status_counts = (
        parsed.status_counts if parsed.status_counts is not None else _status_counts(parsed.events)
    )
    chosen = (
        workflow
        or parsed.workflow
        or suggest_workflow(
            parsed.status_order,
            counts=status_counts,
            file_categories=parsed.status_categories,
        )
    )
    dataset = make_dataset(
        parsed.items,
        parsed.events,
        chosen,
        timezone=options.timezone,
        metadata={"format": format_name, "source_filename": filename},
    )
    report = None
    if want_quality:
        from vsm_core.quality import quality_report  # not imported when it is not wanted

        report = quality_report(
            dataset, raw_item_ids=parsed.raw_item_ids, repeated_header_rows=_repeated_rows(upload)
        )
    return ImportResult(
        dataset=dataset,
        format=format_name,
        format_reason=detection.evidence,
        mapping=parsed.mapping,
        detection=detection,
        workflow=chosen,
        workflow_suggested=workflow is None,
        quality=report,
        upload=upload,
        status_counts=status_counts,
        notes=(upload.table.notes if upload.table else []) + parsed.notes,
        raw_item_ids=parsed.raw_item_ids,
        repeated_header_rows=_repeated_rows(upload),
        date_orders=parsed.date_orders,
        implausible=implausibilities(
            dataset, format_name=format_name, raw_item_ids=parsed.raw_item_ids
        ),
    )


def with_workflow(result: ImportResult, workflow: Workflow) -> ImportResult:
    """The same import under another workflow mapping, with its quality report redone."""
    from vsm_core.quality import quality_report

    dataset = replace(result.dataset, workflow=workflow)
    report = quality_report(
        dataset,
        raw_item_ids=result.raw_item_ids,
        repeated_header_rows=result.repeated_header_rows,
    )
    implausible = implausibilities(
        dataset, format_name=result.format, raw_item_ids=result.raw_item_ids
    )
    return replace(
        result,
        dataset=dataset,
        workflow=workflow,
        workflow_suggested=False,
        quality=report,
        implausible=implausible,
    )


def format_roles(format_name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) column roles of a table format; empty for JSON formats."""
    parser = TABLE_PARSERS.get(format_name)
    return (parser.REQUIRED, parser.OPTIONAL) if parser else ((), ())


def suggested_mapping(upload: Upload, format_name: str, given: dict[str, str]) -> dict[str, str]:
    """Role -> column the parser would use for ``format_name``: the user's choices over
    what detection finds from names and content."""
    options = ImportOptions(format=format_name, mapping=given)
    return {**detect(upload, options).columns, **given}


def _parse(upload: Upload, format_name: str, options: ImportOptions) -> ParsedImport:
    parser = TABLE_PARSERS.get(format_name)
    if parser is not None:
        if upload.table is None:
            raise ImportFailed(
                f"the {format_name} format needs a table (CSV, TSV or Excel), but the file is "
                f"{upload.container.upper()}; choose a JSON format (jira-json, ado-json, "
                "github-json) or export a table"
            )
        return parser.parse(upload.table, options)
    parser = JSON_PARSERS.get(format_name)
    if parser is not None:
        if upload.records is None:
            raise ImportFailed(
                f"the {format_name} format needs a .json or .jsonl file, but the file was read "
                f"as a table ({upload.container.upper()})"
            )
        return parser.parse_records(upload.records, options)
    raise ImportFailed(f"the {format_name} format is not supported yet")


def _status_counts(events: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in events["status"].value_counts(sort=False).items()}


def _repeated_rows(upload: Upload) -> int:
    return upload.table.repeated_header_rows if upload.table is not None else 0
