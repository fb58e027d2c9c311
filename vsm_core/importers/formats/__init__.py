"""Format parsers: a :class:`~vsm_core.importers.table.RawTable` -> items and status events.

Each module exposes ``REQUIRED``/``OPTIONAL`` roles and
``parse(table, options) -> ParsedImport``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Table format -> its parser module (in this package).
TABLE_FORMAT_MODULES = {
    "events": "events",
    "transitions": "transitions",
    "snapshots": "snapshots",
    "stages": "stages",
    "dates": "item_dates",
}
#: JSON format -> its parser module: ``parse_records(records, options)``.
JSON_FORMAT_MODULES = {
    "jira-json": "jira_json",
    "ado-json": "ado_json",
    "github-json": "github_json",
}


def parser_module(format_name: str) -> ModuleType:
    """The parser module of a format, imported the first time it is asked for."""
    name = TABLE_FORMAT_MODULES.get(format_name) or JSON_FORMAT_MODULES[format_name]
    return importlib.import_module(f"{__name__}.{name}")


def table_format_roles(format_name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) column roles of a table format."""
    module = parser_module(format_name)
    return module.REQUIRED, module.OPTIONAL
