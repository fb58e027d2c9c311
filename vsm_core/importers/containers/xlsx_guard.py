"""What an .xlsx workbook must pass before openpyxl parses any of it.

openpyxl (read-only, through defusedxml) streams worksheets row by row but
reads some parts whole: the styles, the workbook and its relationships, and
the shared strings table, which it keeps as one Python string per entry. It
also reads every worksheet without a ``<dimension>`` element to the end
once to size it (about 7 µs a cell), and then reads the sheet Flowlab
imports (about 25 µs a cell). So, in this order, from the zip directory
and by streaming the decompressed parts (zlib and ``bytes.count``: about
2 s for 450 MiB), never by parsing them:

1. **Zip bomb**: the parts together unpack to at most
   :data:`XLSX_UNPACK_FACTOR` times the upload limit (at least
   :data:`XLSX_UNPACK_FLOOR`), and no part over
   :data:`XLSX_RATIO_MIN_SIZE` expands more than :data:`XLSX_MAX_RATIO`
   times.
2. **Parts read whole** unpack to at most :data:`XLSX_WHOLE_PART_MAX` each:
   every XML part except the worksheets (those the workbook names, and any
   under ``xl/worksheets/``: streamed, and counted below), the shared
   strings (counted below) and the parts openpyxl never opens in read-only
   mode (pivot caches, external links, comments, tables); the parts the
   workbook's relationships name (styles, theme, chart sheets) always count.
3. **Cells**: all worksheets together hold at most :data:`XLSX_MAX_CELLS`
   cell elements, and the shared strings table at most as many entries.

Then :mod:`.xlsx` reads the first visible sheet and stops at the same
number of cells as it reads them (rows × columns, blank cells included).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterable

from vsm_core.importers.containers.common import describe_size
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import MIB, ImportOptions, describe_limit

#: An .xlsx may unpack to this many times the upload limit (500 MiB for 50 MiB), and
#: always to the floor, so that small limits do not refuse ordinary workbooks.
XLSX_UNPACK_FACTOR = 10
XLSX_UNPACK_FLOOR = 16 * MIB
#: Largest compression ratio of a part bigger than XLSX_RATIO_MIN_SIZE.
XLSX_MAX_RATIO = 100
XLSX_RATIO_MIN_SIZE = 1 * MIB
#: Largest unpacked XML part that openpyxl parses whole (Excel's largest styles part,
#: 64,000 cell formats, is about 8 MiB; parsed, 8 MiB take about 100 MB).
XLSX_WHOLE_PART_MAX = 8 * MIB
#: Cells read from a workbook: all its worksheets together, the sheet read, and the
#: entries of its shared strings table (about 30 s to read on a 2-core machine).
XLSX_MAX_CELLS = 1_000_000
EXPORTS = "export CSV, Excel (.xlsx) or JSON instead"

_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"
#: Folders of parts openpyxl does not open when it reads a workbook read-only.
_NEVER_READ = (
    "xl/pivotCache/",
    "xl/pivotTables/",
    "xl/externalLinks/",
    "xl/comments",
    "xl/threadedComments/",
    "xl/persons/",
    "xl/tables/",
    "xl/queryTables/",
    "customXml/",
)
_XML_SUFFIXES = (".xml", ".rels", ".vml")
#: How a cell element and a shared string entry start (with or without the ``x:``
#: prefix some writers use).
_CELL_TAGS = (b"<c ", b"<c>", b"<c/>", b"<x:c ", b"<x:c>")
_STRING_TAGS = (b"<si>", b"<si ", b"<x:si>", b"<x:si ")
_STREAM_BYTES = 1 << 20


def check_workbook(archive: zipfile.ZipFile, options: ImportOptions) -> None:
    """Raise :class:`ImportFailed` unless the workbook passes every check of the module
    docstring; parses nothing but the (size-checked) workbook relationships."""
    infos = {info.filename: info for info in archive.infolist()}
    check_zip_bomb(list(infos.values()), options)
    worksheets, strings, others = _workbook_parts(archive, infos)
    for name, info in infos.items():
        streamed = name in worksheets or (
            name.startswith("xl/worksheets/") and "/_rels/" not in name
        )
        exempt = streamed or name in strings or name.startswith(_NEVER_READ)
        read_whole = name in others or (name.endswith(_XML_SUFFIXES) and not exempt)
        if read_whole and info.file_size > XLSX_WHOLE_PART_MAX:
            raise ImportFailed(
                f"the workbook part {name!r} unpacks to {describe_size(info.file_size)}; "
                f"parts read whole may unpack to {describe_limit(XLSX_WHOLE_PART_MAX)} — "
                f"save the sheet you need as a new workbook, or {EXPORTS}"
            )
    sheets = [infos[name] for name in worksheets if name in infos]
    cells = _count(archive, sheets, _CELL_TAGS, XLSX_MAX_CELLS)
    if cells > XLSX_MAX_CELLS:
        raise ImportFailed(too_many_cells(XLSX_MAX_CELLS, "its worksheets hold"))
    tables = [infos[name] for name in strings if name in infos]
    entries = _count(archive, tables, _STRING_TAGS, XLSX_MAX_CELLS)
    if entries > XLSX_MAX_CELLS:
        raise ImportFailed(too_many_cells(XLSX_MAX_CELLS, "its shared strings table holds"))


def too_many_cells(limit: int, what: str) -> str:
    """The message for a workbook over the cell limit (``what``: where they were found)."""
    return (
        f"the workbook is too large to read: {what} more than {limit:,} cells, "
        "and Flowlab reads at most that many from an Excel workbook — "
        "export CSV (no such limit), or save only the rows and columns you need"
    )


def check_zip_bomb(infos: list[zipfile.ZipInfo], options: ImportOptions) -> None:
    """Refuse archives that unpack to far more than they weigh, before parsing any XML."""
    scaled = XLSX_UNPACK_FACTOR * options.max_bytes
    limit = max(scaled, XLSX_UNPACK_FLOOR)
    total = sum(info.file_size for info in infos)
    if total > limit:
        rule = f", {XLSX_UNPACK_FACTOR} times the upload limit" if limit == scaled else ""
        raise ImportFailed(
            f"the workbook would unpack to {describe_size(total)} (the limit is "
            f"{describe_limit(limit)}{rule}); it looks like a zip bomb"
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


def _workbook_parts(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]
) -> tuple[set[str], set[str], set[str]]:
    """(worksheet parts, shared strings parts, other parts) the workbook's relationships
    name, as paths in the archive. Empty sets when there is no relationships part (openpyxl
    then says what is wrong)."""
    info = infos.get(_RELATIONSHIPS)
    if info is None:
        return set(), set(), set()
    if info.file_size > XLSX_WHOLE_PART_MAX:
        raise ImportFailed(
            f"the workbook part {_RELATIONSHIPS!r} unpacks to {describe_size(info.file_size)}; "
            f"parts read whole may unpack to {describe_limit(XLSX_WHOLE_PART_MAX)}"
        )
    from defusedxml.ElementTree import fromstring  # refuses entities, like openpyxl

    worksheets: set[str] = set()
    strings: set[str] = set()
    others: set[str] = set()
    for element in fromstring(archive.read(info)):
        target = element.get("Target") or ""
        kind = (element.get("Type") or "").rsplit("/", 1)[-1]
        if element.get("TargetMode") == "External" or not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        path = posixpath.normpath(path)
        {"worksheet": worksheets, "sharedStrings": strings}.get(kind, others).add(path)
    return worksheets, strings, others


def _count(
    archive: zipfile.ZipFile, infos: Iterable[zipfile.ZipInfo], tags: tuple[bytes, ...], stop: int
) -> int:
    """Occurrences of ``tags`` in the decompressed parts, streamed a block at a time;
    stops counting once over ``stop``."""
    keep = max(len(tag) for tag in tags) - 1  # a tag split between two blocks is not lost
    count = 0
    for info in infos:
        tail = b""
        with archive.open(info) as part:
            while block := part.read(_STREAM_BYTES):
                text = tail + block
                tail = text[-keep:]
                # a tag wholly inside the tail is counted again with the next block
                count += sum(text.count(tag) - tail.count(tag) for tag in tags)
                if count > stop:
                    return count
        count += sum(tail.count(tag) for tag in tags)
    return count
