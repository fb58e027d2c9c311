"""``snapshots``: one full-record row per update (ServiceNow-style audit exports).

The rows are collapsed to the moments the state changed; item attributes
come from the latest non-blank value.
"""

from __future__ import annotations

from vsm_core.importers.formats import events
from vsm_core.importers.formats.common import ParsedImport
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable

REQUIRED = events.REQUIRED
OPTIONAL = events.OPTIONAL


def parse(table: RawTable, options: ImportOptions) -> ParsedImport:
    return events.parse(table, options, kind="snapshots")
