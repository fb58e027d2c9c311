"""Excel workbooks (.xlsx, .xlsm): checked against zip bombs, then the first visible sheet.

Rows keep their sheet row numbers; cells become text as a CSV export would
write them (ISO dates, whole numbers without ``.0``); the table then follows
the same rules as delimited text (:mod:`vsm_core.importers.containers.rows`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import warnings
import zipfile

from vsm_core.importers.containers.common import MB, describe_size, one_line
from vsm_core.importers.containers.rows import build_table, split_records
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable

XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
#: An .xlsx may unpack to this many times the upload limit, never less than the
#: floor (so small limits do not reject ordinary workbooks) nor more than the cap.
XLSX_UNPACK_FACTOR = 20
XLSX_UNPACK_FLOOR = 16 * MB
XLSX_UNPACK_CAP = 500 * MB
#: Largest compression ratio of an .xlsx member bigger than XLSX_RATIO_MIN_SIZE.
XLSX_MAX_RATIO = 100
XLSX_RATIO_MIN_SIZE = 1 * MB
EXPORTS = "export CSV, Excel (.xlsx) or JSON instead"


def read_xlsx(data: bytes, ext: str, options: ImportOptions, notes: list[str]) -> RawTable:
    """The table of the workbook's first visible sheet (``ext``: the upload's extension,
    for messages; ``notes`` gets what the user should know)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise ImportFailed(
            f"the file is a damaged zip archive (.xlsx workbooks are zip archives): "
            f"{one_line(error)}"
        ) from None
    names = {info.filename for info in infos}
    _require_workbook(archive, names, ext)
    _check_zip_bomb(infos, options)

    import openpyxl  # only when needed

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise ImportFailed(f"the .xlsx workbook could not be opened: {one_line(error)}") from None
    try:
        sheets = workbook.worksheets
        visible = [sheet for sheet in sheets if sheet.sheet_state == "visible"]
        if not visible:
            raise ImportFailed("the workbook has no visible worksheet")
        sheet = visible[0]
        if len(sheets) > 1:
            notes.append(f"read the first visible sheet, {sheet.title!r}, of {len(sheets)}")
        sheet.reset_dimensions()  # do not trust the stored used range
        records = (
            (number, [_excel_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        )
        return build_table(
            split_records(records, joiner=", "),
            encoding="utf-8",
            separator=None,
            container="xlsx",
            notes=notes,
        )
    finally:
        workbook.close()


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


def _check_zip_bomb(infos: list[zipfile.ZipInfo], options: ImportOptions) -> None:
    """Refuse archives that unpack to far more than they weigh, before parsing any XML."""
    limit = min(max(XLSX_UNPACK_FACTOR * options.max_bytes, XLSX_UNPACK_FLOOR), XLSX_UNPACK_CAP)
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise ImportFailed(
            f"the workbook would unpack to {describe_size(total)} "
            f"(the limit is {describe_size(limit)}); it looks like a zip bomb"
        )
    for info in infos:
        if info.file_size <= XLSX_RATIO_MIN_SIZE:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > XLSX_MAX_RATIO:
            raise ImportFailed(
                f"the workbook part {info.filename!r} expands {ratio:,.0f} times "
                f"(the limit is {XLSX_MAX_RATIO}); it looks like a zip bomb"
            )


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
