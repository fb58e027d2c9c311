"""Turn the bytes of an upload into a :class:`RawTable` or a list of records.

:func:`read_upload` decides the container from the file name *and* the
content: a signature that proves what the file is (an Excel workbook, a PDF,
an old ``.xls``, an HTML page saved as ``.xls``) wins over the extension.

* ``.csv``/``.tsv``/``.txt`` (and unknown extensions holding text): the
  encoding (:mod:`.encoding`) and separator (:mod:`.separator`) are detected
  unless given; the text, as UTF-8, is read by Arrow, quoted or not
  (:mod:`.delimited`); rows keep the line number where they start in the
  source, even after quoted cells holding line ends. Python's ``csv`` module
  only reads what Arrow refuses, to say what is wrong (:mod:`.lenient`).
* ``.xlsx``/``.xlsm``: checked against zip bombs, oversized parts and too
  many cells before openpyxl reads the first visible sheet (:mod:`.xlsx_guard`);
  rows are sheet row numbers (:mod:`.xlsx`).
* ``.json`` (an array of objects, an object holding one such array, or an
  array of such page objects) and ``.jsonl``/``.ndjson`` (one object a line)
  (:mod:`.records`), refused unnested deeper than
  :data:`~.json_depth.MAX_JSON_DEPTH` levels before they are parsed.

Every reader is bounded in time and memory by the size of the upload
(docs/reliability.md, "Bounded parsing"): the size limit is checked first,
a table's header may have at most ``ImportOptions.max_columns`` cells
(checked before any work per column), a cell at most
:data:`~vsm_core.importers.options.MAX_CELL_CHARS` characters.

Only :class:`ImportFailed` ever escapes :func:`read_upload`; problems that can
be collected (ragged rows, bad JSON lines) are all reported together.
"""

from __future__ import annotations

import re
from typing import Any

from vsm_core.importers.containers.common import describe_size, one_line
from vsm_core.importers.containers.delimited import read_delimited
from vsm_core.importers.containers.encoding import (
    JSON_EXTENSIONS,
    JSONL_EXTENSIONS,
    TEXT_EXTENSIONS,
    UTF8_BOM,
    UTF16_BOMS,
    UTF32_BOMS,
    decode,
    utf8_text,
)
from vsm_core.importers.containers.records import read_json, read_json_or_jsonl, read_jsonl
from vsm_core.importers.containers.separator import separator_option, sniff_separator
from vsm_core.importers.containers.xlsx import EXPORTS, XLSX_EXTENSIONS, read_xlsx
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import ImportOptions, describe_limit
from vsm_core.importers.table import Container, RawTable, Upload

__all__ = ["read_upload"]

TAB_EXTENSIONS = frozenset({".tsv", ".tab"})

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed (decompress it first)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_HTML_STARTS = ("<!doctype html", "<html", "<table", "<head", "<body", "<meta")
# The bytes ``bytes.strip()`` removes and those of the UTF-8 byte-order mark. One class
# repeated: the regex engine keeps no state per byte (an alternation repeated kept
# about 130 bytes of backtracking state per byte of a blank file: 6 GB for 47 MB).
_BLANK_BYTES = re.compile(rb"[ \t\n\r\x0b\x0c\xef\xbb\xbf]*")
_WHITESPACE = b" \t\n\r\x0b\x0c"
# Whitespace at the start of a decoded text (one class repeated, as above).
_LEADING_SPACE = re.compile(r"\s*")


def read_upload(data: bytes, filename: str, options: ImportOptions) -> Upload:
    """Decode an upload into a table (CSV, TSV, TXT, XLSX) or records (JSON, JSON Lines).

    Raises :class:`ImportFailed` (and nothing else) when the file cannot be
    read; every other error is turned into one.
    """
    try:
        return _read_upload(bytes(data), filename, options)
    except ImportFailed:
        raise
    except Exception as error:
        raise ImportFailed(f"could not read the file: {one_line(error)}") from error


def _read_upload(data: bytes, filename: str, options: ImportOptions) -> Upload:
    size = len(data)
    if size > options.max_bytes:
        raise ImportFailed(
            f"the file is {describe_size(size)} ({size:,} bytes); the limit is "
            f"{describe_limit(options.max_bytes)} ({options.max_bytes:,} bytes, "
            "VSM_MAX_UPLOAD_MB) — export fewer items or a shorter period"
        )
    if _is_blank(data):
        raise ImportFailed("the file is empty")
    ext = _extension(filename)

    def upload(
        container: Container,
        table: RawTable | None = None,
        records: list[dict[str, Any]] | None = None,
    ) -> Upload:
        return Upload(
            filename=filename,
            container=container,
            size_bytes=size,
            table=table,
            records=records,
            data=data,
        )

    _reject_foreign(data, ext)
    if data.startswith(_ZIP):
        notes = []
        if ext not in XLSX_EXTENSIONS:
            named = f"named {ext}" if ext else "named without an extension"
            notes.append(f"the file is {named} but is an Excel workbook; read it as .xlsx")
        return upload("xlsx", table=read_xlsx(data, ext, options, notes))
    if ext in XLSX_EXTENSIONS:
        raise ImportFailed(
            f"the file is not an Excel {ext} workbook (it is not a zip archive); "
            "if it is CSV text, rename it to .csv"
        )

    if ext in TEXT_EXTENSIONS:  # UTF-8 is read where it lies, never decoded whole
        utf8, encoding, notes = utf8_text(data, options.encoding, ext)
        return upload("csv", table=_read_text_table(utf8, encoding, ext, options, notes))
    text, encoding, notes = decode(data, options.encoding, ext)
    if ext in JSON_EXTENSIONS:
        return upload("json", records=read_json(text))
    if ext in JSONL_EXTENSIONS:
        return upload("jsonl", records=read_jsonl(text))
    if ext != ".xls":
        first = _LEADING_SPACE.match(text).end()
        start = text[first : first + 1]
        if start == "[":
            return upload("json", records=read_json(text))
        if start == "{":
            return upload(*read_json_or_jsonl(text))
    if ext == ".xls":
        notes.append("the file is named .xls but holds delimited text; read it as text")
    utf8 = text.encode("utf-8")
    return upload("csv", table=_read_text_table(utf8, encoding, ext, options, notes))


def _read_text_table(
    utf8: bytes, encoding: str, ext: str, options: ImportOptions, notes: list[str]
) -> RawTable:
    """The table of delimited text (UTF-8 bytes) split at the given or sniffed separator."""
    if options.separator:
        sep = separator_option(options.separator)
    else:
        sep = sniff_separator(utf8, prefer_tab=ext in TAB_EXTENSIONS)
    return read_delimited(
        utf8, sep, encoding=encoding, notes=notes, max_columns=options.max_columns
    )


def _extension(filename: str) -> str:
    base = re.split(r"[\\/]", filename or "")[-1]
    return "." + base.rsplit(".", 1)[1].strip().lower() if "." in base else ""


def _is_blank(data: bytes) -> bool:
    """Nothing but whitespace and byte-order marks."""
    if data.startswith(UTF32_BOMS) or data.startswith(UTF16_BOMS):
        codec = "utf-32" if data.startswith(UTF32_BOMS) else "utf-16"
        return not data.decode(codec, errors="replace").replace("\ufeff", "").strip()
    # == not data.replace(UTF8_BOM, b"").strip(), without copying a file that is not blank
    if _BLANK_BYTES.match(data).end() != len(data):
        return False
    return not data.translate(None, _WHITESPACE).replace(UTF8_BOM, b"")


def _head_text(data: bytes) -> str:
    """The start of the file as lower-case text, good enough to spot markup."""
    head = data[:4096]
    if head.startswith(UTF32_BOMS):
        text = head.decode("utf-32", errors="ignore")
    elif head.startswith(UTF16_BOMS):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("latin-1")
    return text.replace("\ufeff", "").replace(UTF8_BOM.decode("latin-1"), "").lstrip().lower()


def _reject_foreign(data: bytes, ext: str) -> None:
    """Fail on content that is certainly not a table, whatever the file is called."""
    if data.startswith(_OLE2):
        if ext in XLSX_EXTENSIONS:
            raise ImportFailed(
                "the workbook is password-protected (encrypted) or an old .xls renamed; "
                "remove the password and save as .xlsx, or export CSV"
            )
        what = "" if ext == ".xls" else " (the file is an old Microsoft Office document)"
        raise ImportFailed(f"old Excel .xls is not supported{what}; save as .xlsx or CSV")
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ImportFailed(f"the file is {what}, not a table; {EXPORTS}")
    head = _head_text(data)
    if head.startswith(_HTML_STARTS) or (head.startswith("<?xml") and "<html" in head):
        raise ImportFailed(
            'the file is an HTML page, not a spreadsheet or CSV (Jira\'s "Excel" export '
            "is an HTML page); export CSV instead"
        )
    if head.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in head or "<workbook" in head:
            raise ImportFailed(
                "Excel 2003 XML spreadsheets are not supported; save as .xlsx or CSV"
            )
        raise ImportFailed(f"the file is XML, which is not supported; {EXPORTS}")
