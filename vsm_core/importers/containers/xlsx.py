"""Excel workbooks (.xlsx, .xlsm): checked before parsing, then the first visible sheet.

:mod:`.xlsx_guard` checks the archive first (zip bomb, parts read whole,
cells). Rows keep their sheet row numbers; cells become text as a CSV
export would write them (ISO dates, whole numbers without ``.0``); the
table then follows the same rules as delimited text
(:mod:`vsm_core.importers.containers.rows`), including the column limit on
the header and the cell limit (:data:`~vsm_core.importers.options.MAX_CELL_CHARS`).
Blank cells after a row's last value are dropped (Excel keeps empty
formatted cells). Reading stops, and the file is refused, past
:data:`~.xlsx_guard.XLSX_MAX_CELLS` cells (rows × columns as read, blank
cells included) or Excel's row limit.

XML that defusedxml refuses (entity declarations: the "billion laughs"
expansion bomb; external entities) is refused with a message that names it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

from vsm_core.importers.containers import xlsx_guard
from vsm_core.importers.containers.common import one_line
from vsm_core.importers.containers.rows import build_table, split_records
from vsm_core.importers.containers.xlsx_guard import EXPORTS, check_workbook, too_many_cells
from vsm_core.importers.errors import ImportFailed, ImportProblem
from vsm_core.importers.options import MAX_CELL_CHARS, ImportOptions, describe_limit
from vsm_core.importers.table import RawTable

__all__ = ["EXPORTS", "XLSX_EXTENSIONS", "read_xlsx"]

XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
#: Rows of an Excel sheet (a row number past it can only come from a crafted file).
EXCEL_MAX_ROWS = 1_048_576


def read_xlsx(data: bytes, ext: str, options: ImportOptions, notes: list[str]) -> RawTable:
    """The table of the workbook's first visible sheet (``ext``: the upload's extension,
    for messages; ``notes`` gets what the user should know)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {info.filename for info in archive.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise ImportFailed(
            f"the file is a damaged zip archive (.xlsx workbooks are zip archives): "
            f"{one_line(error)}"
        ) from None
    _require_workbook(archive, names, ext)
    try:
        check_workbook(archive, options)
    except ImportFailed:
        raise
    except Exception as error:  # damaged parts, refused XML in the relationships
        raise _unreadable(error, "could not be opened") from None

    import openpyxl  # only when needed

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # keep_links=False: external links carry cached copies of other workbooks
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
    except Exception as error:
        raise _unreadable(error, "could not be opened") from None
    try:
        sheets = workbook.worksheets
        visible = [sheet for sheet in sheets if sheet.sheet_state == "visible"]
        if not visible:
            raise ImportFailed("the workbook has no visible worksheet")
        sheet = visible[0]
        if len(sheets) > 1:
            notes.append(f"read the first visible sheet, {sheet.title!r}, of {len(sheets)}")
        sheet.reset_dimensions()  # do not trust the stored used range
        return build_table(
            split_records(_records(sheet), joiner=", ", max_columns=options.max_columns),
            encoding="utf-8",
            separator=None,
            container="xlsx",
            notes=notes,
        )
    except ImportFailed:
        raise
    except Exception as error:  # XML errors met while streaming the sheet
        raise _unreadable(error, "could not be read") from None
    finally:
        workbook.close()


def _records(sheet: Any) -> Iterator[tuple[int, list[str | None]]]:
    """(sheet row number, its cells as text) for every row, blank cells after the last
    value dropped; raises :class:`ImportFailed` past the cell or row limit and for a
    cell over the cell limit."""
    cells = 0
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        cells += len(values)  # counted as openpyxl built them: blank cells cost too
        if cells > xlsx_guard.XLSX_MAX_CELLS:
            limit = xlsx_guard.XLSX_MAX_CELLS
            raise ImportFailed(too_many_cells(limit, "its first visible sheet has"))
        if number > EXCEL_MAX_ROWS:
            raise ImportFailed(f"the sheet has more than {EXCEL_MAX_ROWS:,} rows")
        last = len(values)
        while last and values[last - 1] is None:
            last -= 1
        row = [_excel_text(value) for value in values[:last]]
        if any(cell is not None and len(cell) > MAX_CELL_CHARS for cell in row):
            raise ImportFailed(
                ImportProblem(
                    row=number,
                    message=f"a cell is larger than {describe_limit(MAX_CELL_CHARS)}, "
                    "the limit for one cell",
                )
            )
        yield number, row


def _unreadable(error: BaseException, what: str) -> ImportFailed:
    """The failure for an error met opening or reading the workbook: XML that defusedxml
    refuses is named in words, anything else quoted."""
    refused = _refused_xml(error)
    if refused:
        return ImportFailed(f"the workbook was not read: {refused}; {EXPORTS}")
    return ImportFailed(f"the .xlsx workbook {what}: {one_line(error)}")


def _refused_xml(error: BaseException) -> str | None:
    """What defusedxml refused, in words, when it did so anywhere in ``error``'s chain
    (openpyxl wraps it in "Unable to read workbook: could not read worksheets from
    None")."""
    from defusedxml import (
        DTDForbidden,
        EntitiesForbidden,
        ExternalReferenceForbidden,
        NotSupportedError,
    )

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, EntitiesForbidden):
            return (
                "its XML declares entities (an entity expansion or “billion laughs” bomb, "
                "which would fill the memory)"
            )
        if isinstance(current, ExternalReferenceForbidden):
            return "its XML refers to an external entity (a file or web address it would fetch)"
        if isinstance(current, DTDForbidden):
            return "its XML has a document type declaration (DTD), which workbooks never need"
        if isinstance(current, NotSupportedError):
            return "its XML uses a feature refused for safety"
        current = current.__cause__ or current.__context__
    return None


def _require_workbook(archive: zipfile.ZipFile, names: set[str], ext: str) -> None:
    if "xl/workbook.bin" in names:
        raise ImportFailed("Excel binary workbooks (.xlsb) are not supported; save as .xlsx or CSV")
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return
    if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
        mimetype = archive.read("mimetype").decode("ascii", errors="replace")
        if "opendocument.spreadsheet" in mimetype:
            raise ImportFailed(
                "OpenDocument spreadsheets (.ods) are not supported; save as .xlsx or CSV"
            )
    if any(name.startswith("word/") for name in names):
        raise ImportFailed(f"the file is a Word document, not a table; {EXPORTS}")
    if any(name.startswith("ppt/") for name in names):
        raise ImportFailed(f"the file is a PowerPoint presentation, not a table; {EXPORTS}")
    if ext in XLSX_EXTENSIONS:
        raise ImportFailed(
            "the file is a zip archive but not an Excel workbook (no xl/workbook.xml)"
        )
    raise ImportFailed(f"the file is a zip archive, not a table; unzip it or {EXPORTS}")


def _excel_text(value: object) -> str | None:
    """A cell as text: ISO dates, whole numbers without ``.0``, everything else ``str()``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip() or None
