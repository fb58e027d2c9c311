"""Turn the bytes of an upload into a :class:`RawTable` or a list of records.

:func:`read_upload` decides the container from the file name *and* the
content: a signature that proves what the file is (an Excel workbook, a PDF,
an old ``.xls``, an HTML page saved as ``.xls``) wins over the extension.

* ``.csv``/``.tsv``/``.txt`` (and unknown extensions holding text): the
  encoding and separator are detected unless given; rows keep the line number
  where they start in the source, even after quoted fields with newlines.
  Text without a single ``"`` is read by Arrow's CSV reader (the *fast path*,
  :func:`_split_fast`); anything else, and anything the fast path is
  not sure to read exactly as the ``csv`` module would, by the ``csv`` module.
* ``.xlsx``/``.xlsm``: checked against zip bombs before openpyxl reads the
  first visible sheet; rows are sheet row numbers.
* ``.json`` (an array of objects, an object holding one such array, or an
  array of such page objects) and ``.jsonl``/``.ndjson`` (one object a line).

Only :class:`ImportFailed` ever escapes :func:`read_upload`; problems that can
be collected (ragged rows, bad JSON lines) are all reported together.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import re
import threading
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from vsm_core.importers import ahead
from vsm_core.importers.errors import ImportFailed, ImportProblem, clip
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import Container, RawTable, Upload

MB = 1024 * 1024
#: Largest single CSV cell (``csv.field_size_limit``): giant fields work but are bounded.
FIELD_LIMIT = 10 * MB
#: An .xlsx may unpack to this many times the upload limit, never less than the
#: floor (so small limits do not reject ordinary workbooks) nor more than the cap.
XLSX_UNPACK_FACTOR = 20
XLSX_UNPACK_FLOOR = 16 * MB
XLSX_UNPACK_CAP = 500 * MB
#: Largest compression ratio of an .xlsx member bigger than XLSX_RATIO_MIN_SIZE.
XLSX_MAX_RATIO = 100
XLSX_RATIO_MIN_SIZE = 1 * MB
#: Records looked at to guess the separator.
SNIFF_RECORDS = 50
#: The first prefix of a UTF-8 file decoded to sniff it (grown until it holds the records).
SNIFF_PREFIX_BYTES = 1 << 16
SEPARATORS = (",", ";", "\t", "|")
#: Every character ``str.strip()`` removes (``str.isspace()``), for Arrow's ``utf8_trim``.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

TEXT_EXTENSIONS = frozenset({".csv", ".tsv", ".tab", ".txt"})
TAB_EXTENSIONS = frozenset({".tsv", ".tab"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
JSON_EXTENSIONS = frozenset({".json"})
JSONL_EXTENSIONS = frozenset({".jsonl", ".ndjson"})
#: Keys under which search pages keep their records (Jira: issues, Azure DevOps: value).
PAGE_KEYS = ("issues", "value", "items", "workItems", "results", "records", "nodes")
#: The keys accepted when a JSON array holds several pages.
LIST_PAGE_KEYS = ("issues", "value", "items", "workItems")

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
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
_EXPORTS = "export CSV, Excel (.xlsx) or JSON instead"

# Line ends at the start of a text (its UTF-8): the empty lines before its header.
_LEADING_LINE_ENDS_UTF8 = re.compile(rb"[\r\n]*")
# UTF-8 byte-order marks and the bytes ``bytes.strip()`` removes.
_BLANK_UTF8 = re.compile(rb"(?:\xef\xbb\xbf|[ \t\n\r\x0b\x0c])*")
# A quoted field (only where a field starts), a candidate separator, or a line end.
_SNIFF_TOKEN = re.compile(r'(?<![^,;\t|\r\n])"[^"]*(?:""[^"]*)*"?|[,;\t|]|\r\n?|\n')


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
        raise ImportFailed(f"could not read the file: {_one_line(error)}") from error


def _read_upload(data: bytes, filename: str, options: ImportOptions) -> Upload:
    size = len(data)
    if size > options.max_bytes:
        raise ImportFailed(
            f"the file is {_size(size)}; the limit is {_size(options.max_bytes)} "
            "(VSM_MAX_UPLOAD_MB)"
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
        return upload("xlsx", table=_read_xlsx(data, ext, options, notes))
    if ext in XLSX_EXTENSIONS:
        raise ImportFailed(
            f"the file is not an Excel {ext} workbook (it is not a zip archive); "
            "if it is CSV text, rename it to .csv"
        )

    if ext in TEXT_EXTENSIONS and not options.encoding:
        table = _read_utf8_table(data, ext, options)
        if table is not None:  # BOM-less UTF-8 read by the fast path, never decoded whole
            return upload("csv", table=table)
    text, encoding, notes = _decode(data, options.encoding, ext)
    if ext in JSON_EXTENSIONS:
        return upload("json", records=_read_json(text))
    if ext in JSONL_EXTENSIONS:
        return upload("jsonl", records=_read_jsonl(text))
    if ext not in TEXT_EXTENSIONS and ext != ".xls":
        start = text.lstrip()[:1]
        if start == "[":
            return upload("json", records=_read_json(text))
        if start == "{":
            return upload(*_read_json_or_jsonl(text))
    if ext == ".xls":
        notes.append("the file is named .xls but holds delimited text; read it as text")
    # The upload's bytes are the text's UTF-8 when it was read as BOM-less UTF-8.
    utf8 = data if encoding == "utf-8" and not data.startswith(_UTF8_BOM) else None
    return upload("csv", table=_read_delimited(text, encoding, ext, options, notes, utf8))


# --- sniffing ---------------------------------------------------------------------------------


def _extension(filename: str) -> str:
    base = re.split(r"[\\/]", filename or "")[-1]
    return "." + base.rsplit(".", 1)[1].strip().lower() if "." in base else ""


def _is_blank(data: bytes) -> bool:
    """Nothing but whitespace and byte-order marks."""
    if data.startswith(_UTF32_BOMS) or data.startswith(_UTF16_BOMS):
        codec = "utf-32" if data.startswith(_UTF32_BOMS) else "utf-16"
        return not data.decode(codec, errors="replace").replace("\ufeff", "").strip()
    # == not data.replace(_UTF8_BOM, b"").strip(), without copying the whole file
    return _BLANK_UTF8.match(data).end() == len(data)


def _head_text(data: bytes) -> str:
    """The start of the file as lower-case text, good enough to spot markup."""
    head = data[:4096]
    if head.startswith(_UTF32_BOMS):
        text = head.decode("utf-32", errors="ignore")
    elif head.startswith(_UTF16_BOMS):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("latin-1")
    return text.replace("\ufeff", "").replace("\xef\xbb\xbf", "").lstrip().lower()


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
            raise ImportFailed(f"the file is {what}, not a table; {_EXPORTS}")
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
        raise ImportFailed(f"the file is XML, which is not supported; {_EXPORTS}")


# --- text -------------------------------------------------------------------------------------


def _decode(data: bytes, forced: str | None, ext: str) -> tuple[str, str, list[str]]:
    """The text, the encoding used, and notes about the choice."""
    notes: list[str] = []
    if forced:
        try:
            encoding = codecs.lookup(forced).name
        except LookupError:
            raise ImportFailed(f"unknown encoding {forced!r}") from None
        text = _decode_as(data, forced, forced)
    else:
        encoding = _detect_encoding(data, ext)
        if encoding == "utf-8":
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                encoding = "cp1252"
                notes.append("the file is not UTF-8; read it as Windows-1252 (cp1252)")
        if encoding != "utf-8":
            label = "UTF-8 or Windows-1252" if encoding == "cp1252" else encoding.upper()
            text = _decode_as(data, encoding, label)
    text = text.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        raise _nul_bytes(ext, text.count("\n", 0, nul) + 1)
    return text, encoding, notes


def _detect_encoding(data: bytes, ext: str) -> str:
    if data.startswith(_UTF32_BOMS):
        return "utf-32"
    if data.startswith(_UTF8_BOM):
        return "utf-8-sig"
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    nul = data.find(b"\x00")
    if nul < 0:
        return "utf-8"
    bomless = _bomless_utf16(data)
    if bomless:
        return bomless
    raise _nul_bytes(ext, data.count(b"\n", 0, nul) + 1)


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the file is plainly ASCII-range UTF-16 without a BOM."""
    sample = data[:4096]
    sample = sample[: len(sample) // 2 * 2]
    if len(data) % 2 or len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _decode_as(data: bytes, encoding: str, label: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex().upper() or "end"
        raise ImportFailed(
            ImportProblem(
                row=line,
                message=(
                    f"the file is not valid {label} text (byte 0x{byte} at line {line}); "
                    "save it as UTF-8 or choose the encoding"
                ),
            )
        ) from None


def _nul_bytes(ext: str, line: int) -> ImportFailed:
    named = ext if ext in TEXT_EXTENSIONS or ext in JSON_EXTENSIONS | JSONL_EXTENSIONS else ".csv"
    return ImportFailed(
        ImportProblem(
            row=line,
            message=f"the file contains NUL bytes — is it a binary file renamed to {named}?",
        )
    )


def _separator_option(separator: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    sep = named.get(separator.strip().lower(), separator) if separator.strip() else separator
    if len(sep) != 1 or sep in '"\r\n':
        raise ImportFailed(f"the separator must be one character other than a quote, not {sep!r}")
    return sep


def _sniff_separator(text: str, prefer_tab: bool) -> str:
    """The candidate found the same non-zero number of times in (nearly) every record."""
    return _choose_separator(_sniff_records(text)[0], prefer_tab)


def _sniff_records(text: str) -> tuple[list[Counter[str]], bool]:
    """(candidate counts of the first SNIFF_RECORDS non-blank records, whether it stopped
    there before the end of ``text``)."""
    records: list[Counter[str]] = []
    current: Counter[str] = Counter()
    start = 0
    for match in _SNIFF_TOKEN.finditer(text):
        token = match.group()
        if token in SEPARATORS:
            current[token] += 1
        elif token[0] in "\r\n":
            if text[start : match.start()].strip():
                records.append(current)
                if len(records) >= SNIFF_RECORDS:
                    return records, True
            current, start = Counter(), match.end()
    if text[start:].strip():
        records.append(current)
    return records, False


def _choose_separator(records: list[Counter[str]], prefer_tab: bool) -> str:
    order = ("\t", ",", ";", "|") if prefer_tab else SEPARATORS
    if not records:
        return order[0]
    scores = []
    for priority, sep in enumerate(order):
        counts = Counter(record[sep] for record in records if record[sep])
        if counts:
            hits = counts.most_common(1)[0][1]  # records agreeing on the commonest count
            scores.append((hits / len(records), -priority, sep))
    if not scores:
        return order[0]  # a single column
    consistent = [score for score in scores if score[0] >= 0.9]
    if consistent:
        return min(consistent, key=lambda score: -score[1])[2]
    return max(scores)[2]


def _read_utf8_table(data: bytes, ext: str, options: ImportOptions) -> RawTable | None:
    """The table of a quote-free, BOM-less UTF-8 text file read by the fast path, without
    decoding the whole file into a ``str``; None: read it the usual way (decoded).

    The same table as :func:`_decode` then :func:`_read_delimited` give: the
    bytes are checked to be valid UTF-8 (what decoding would check), the
    separator is sniffed from a decoded prefix holding the records the
    sniffer reads, and :func:`_split_fast` works on the bytes.
    """
    ahead = _taken_read_ahead(data, ext, options)
    if ahead is not None:  # done by read_ahead, on a thread, from these very bytes
        sep, records = ahead
    else:
        sep = _utf8_separator(data, ext, options)
        if sep is None:
            return None
        records = _split_fast(None, sep, utf8=data)
    if records is None:
        return None
    return _build_table(
        records, encoding="utf-8", separator=sep, container="csv", joiner=sep, notes=[]
    )


def _utf8_separator(data: bytes, ext: str, options: ImportOptions) -> str | None:
    """The separator of a file :func:`_read_utf8_table` may read; None when it may not."""
    if _detect_encoding(data, ext) != "utf-8" or b'"' in data or not _valid_utf8(data):
        return None
    if options.separator:
        return _separator_option(options.separator)
    return _sniff_utf8(data, prefer_tab=ext in TAB_EXTENSIONS)


# --- reading ahead on a worker thread ---------------------------------------------------------

#: The rows of one upload split ahead by :func:`read_ahead` (on a thread).
_READ_AHEAD: dict[str, Any] = {}
_READ_AHEAD_LOCK = threading.Lock()


def read_ahead(data: bytes, filename: str, options: ImportOptions) -> None:
    """Do the slow part of :func:`read_upload` of ``data`` now, typically on a worker thread.

    A command that has the file's bytes before it has imported pandas and
    the rest can call this on a thread: the UTF-8 check, the Arrow read,
    the line count and the column clean-up mostly release the GIL, so they
    overlap with the imports. When ``data`` is a ``.csv``/``.tsv``/``.txt``
    the UTF-8 fast route reads (quote-free, BOM-less UTF-8), its separator
    and split rows are kept, and :func:`read_upload` of the same bytes
    object with the same separator option uses them, building only the
    pandas table. Anything else, or any error, keeps nothing:
    :func:`read_upload` then does all the work itself, with its usual checks
    and messages. Needs neither pandas nor anything but numpy and pyarrow.
    """
    try:
        ext = _extension(filename)
        if ext not in TEXT_EXTENSIONS or options.encoding or len(data) > options.max_bytes:
            return
        if _is_blank(data) or data.startswith(_ZIP):
            return
        sep = _utf8_separator(data, ext, options)
        records = None if sep is None else _split_fast(None, sep, utf8=data)
    except Exception:  # read_upload will meet it again, and say what it is
        return
    if records is None:
        return
    with _READ_AHEAD_LOCK:
        _READ_AHEAD.clear()
        _READ_AHEAD.update(
            data=data, ext=ext, separator=options.separator, sep=sep, records=records
        )
    try:
        _work_out_columns(records, options)
    except Exception:  # only a head start: the parsers compute whatever is missing
        ahead.forget()


def _work_out_columns(records: SplitRows, options: ImportOptions) -> None:
    """Factorise the columns that look like the item id and the status, and read the ones
    that look like the timestamps, for the parsers to find (:mod:`vsm_core.importers.ahead`).

    A guess from the headers and the user's mapping, as the events parser
    will make it; a wrong guess only means the parser computes it itself.
    """
    from vsm_core.importers.columns import suggest_columns

    names = _column_names(records.header)
    index = {name: at for at, name in enumerate(names) if names.count(name) == 1}
    wanted = ("item_id", "status", "timestamp", "created")
    roles = suggest_columns(list(index), wanted)
    roles.update((role, column) for role, column in options.mapping.items() if role in wanted)
    for role, column in roles.items():
        if column in index:
            dated = role in ("timestamp", "created")
            ahead.work_out(
                records.columns[index[column]],
                codes=not dated,
                timezone=options.timezone if dated else None,
            )


def forget_read_ahead() -> None:
    """Drop what :func:`read_ahead` kept (read_upload takes it when it uses it), and the
    column results worked out with it."""
    with _READ_AHEAD_LOCK:
        _READ_AHEAD.clear()
    ahead.forget()


def _taken_read_ahead(
    data: bytes, ext: str, options: ImportOptions
) -> tuple[str, SplitRows] | None:
    """(separator, split rows) read ahead from exactly these bytes, extension and separator
    option; taken once."""
    with _READ_AHEAD_LOCK:
        ahead = dict(_READ_AHEAD)
        if ahead.get("data") is not data or (ahead["ext"], ahead["separator"]) != (
            ext,
            options.separator,
        ):
            return None
        _READ_AHEAD.clear()
    return ahead["sep"], ahead["records"]


def _valid_utf8(data: bytes) -> bool:
    """Whether ``data.decode("utf-8")`` would succeed, checked by Arrow without a copy."""
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    cells = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        cells.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _sniff_utf8(data: bytes, prefer_tab: bool) -> str:
    """:func:`_sniff_separator` of the text of quote-free UTF-8 ``data``, decoding only a
    prefix: lines up to a line end, enough for the sniffer to stop before their end (or
    all of the text). Without quotes every token the sniffer sees is a character or a
    line end, so those lines tokenise as they do in the whole text."""
    limit = SNIFF_PREFIX_BYTES
    while True:
        cut = len(data) if limit >= len(data) else data.rfind(b"\n", 0, limit) + 1
        if cut > 0 or not data:
            records, stopped = _sniff_records(data[:cut].decode("utf-8"))
            if stopped or cut == len(data):
                return _choose_separator(records, prefer_tab)
        limit *= 4


def _read_delimited(
    text: str,
    encoding: str,
    ext: str,
    options: ImportOptions,
    notes: list[str],
    utf8: bytes | None = None,
) -> RawTable:
    """The table of delimited ``text``; ``utf8``, when given, is ``text.encode("utf-8")``."""
    if options.separator:
        sep = _separator_option(options.separator)
    else:
        sep = _sniff_separator(text, prefer_tab=ext in TAB_EXTENSIONS)
    records: SplitRows | Iterable[tuple[int, list[str | None]]] | None
    records = _split_fast(text, sep, utf8=utf8)
    if records is None:
        csv.field_size_limit(FIELD_LIMIT)
        reader = csv.reader(
            io.StringIO(text, newline=""),
            delimiter=sep,
            quotechar='"',
            doublequote=True,
            skipinitialspace=True,  # `a, "b, c"` quotes "b, c"
            strict=True,  # an unclosed quote is an error, not a cell swallowing the rest
        )
        records = _csv_records(reader)
    return _build_table(
        records,
        encoding=encoding,
        separator=sep,
        container="csv",
        joiner=sep,
        notes=notes,
    )


# --- the fast path: quote-free text, read by Arrow ----------------------------------------------


def fast_path_applies(text: str, separator: str) -> bool:
    """Whether the fast path may read ``text`` split at ``separator`` (it may still decline).

    The rule: the separator is one of :data:`SEPARATORS`, the text holds no
    ``"`` at all (so no cell is quoted and no line end can hide inside a
    cell: every record is exactly one line, split at every separator), every
    ``\\r`` is part of a ``\\r\\n`` line end (lines end at ``\\n`` only), and
    the text does not start with a second byte-order mark (Arrow would drop
    it, the ``csv`` module keeps it).
    """
    if separator not in SEPARATORS or '"' in text or text.startswith("\ufeff"):
        return False
    return "\r" not in text or text.count("\r") == text.count("\r\n")


def _header_cells(data: bytes, sep: str) -> list[str | None]:
    """The stripped cells of the first non-empty line of UTF-8 ``data`` (None when blank)."""
    lead = _LEADING_LINE_ENDS_UTF8.match(data).end()  # empty lines before the header
    first_end = data.find(b"\n", lead)
    first = data[lead : first_end if first_end >= 0 else len(data)].decode("utf-8")
    return [cell.strip() or None for cell in first.removesuffix("\r").split(sep)]


def _fast_path_applies_utf8(data: bytes, separator: str) -> bool:
    """:func:`fast_path_applies` to the text whose UTF-8 is ``data`` (no byte of a multi-byte
    character is ASCII, so ``"`` and ``\\r`` are found and counted in the bytes alike)."""
    if separator not in SEPARATORS or b'"' in data or data.startswith(codecs.BOM_UTF8):
        return False
    return b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")


@dataclass(frozen=True)
class SplitRows:
    """Records already split, stripped and filtered, as :func:`_build_table` would leave them.

    ``columns`` holds one Arrow ``large_string`` array per header cell
    (missing = blank); ``lines`` the line number of each kept row;
    ``repeated_rows`` the line numbers of rows equal to the header.
    """

    header: list[str | None]
    columns: list[Any]
    lines: np.ndarray
    repeated_rows: list[int]


def _split_fast(text: str | None, sep: str, *, utf8: bytes | None = None) -> SplitRows | None:
    """The rows the ``csv`` path would keep, read by Arrow; None: let the ``csv`` path read it.

    Only for text where :func:`fast_path_applies`: then the ``csv`` module's
    quoting, ``skipinitialspace`` and ``strict`` settings change nothing
    (cells are stripped anyway), and every non-empty line is a record. Arrow
    reads every cell as text; cells are stripped of exactly the characters
    ``str.strip()`` removes, blank cells become missing, all-blank rows and
    rows equal to the header are dropped, and each row keeps its line number
    (empty lines counted, as the ``csv`` module counts them).

    It declines on anything it does not handle identically, and the ``csv``
    path then reads the text and reports what it finds: a row with more or
    fewer cells than the header (ragged rows are padded, trimmed or reported
    there), a first line without a header cell, a cell that might exceed
    :data:`FIELD_LIMIT`, a header without rows, or any error from Arrow.
    ``utf8``, when given, must be ``text.encode("utf-8")`` (saves encoding it);
    ``text`` may then be None (the rule is checked on the bytes).
    """
    if text is not None and not fast_path_applies(text, sep):
        return None
    try:
        data = text.encode("utf-8") if utf8 is None else utf8
    except UnicodeEncodeError:  # lone surrogates: the csv path keeps them
        return None
    if text is None and not _fast_path_applies_utf8(data, sep):
        return None
    header = _header_cells(data, sep)
    if not any(header):
        return None
    try:
        table = _arrow_read_text(data, sep, len(header))
    except Exception:  # any doubt: the csv path reads it and reports problems itself
        return None
    lines = lines_all = _line_numbers(data, table.num_rows)
    if lines is None:
        return None

    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.num_rows
    raw_columns = table.columns
    table = None  # each raw column is freed once cleaned
    columns: list[Any] = []
    # Row 0 is the header: neither data nor a repeat (set after the loop). Once no
    # row can be blank or a repeated header any more, later columns are not compared.
    blank = np.ones(rows, dtype=bool)  # every cell of the row is blank
    is_header = np.ones(rows, dtype=bool)  # the row repeats the header
    blank[0] = is_header[0] = False
    for index, name in enumerate(header):
        raw = raw_columns[index].combine_chunks()  # one chunk already (one block)
        raw_columns[index] = None
        lengths = _byte_lengths(raw)
        if lengths.max(initial=0) >= FIELD_LIMIT:
            return None  # characters <= bytes: below the limit, the csv path takes every cell
        if _may_need_trim(raw, lengths):
            stripped = pc.utf8_trim(raw, characters=PY_WHITESPACE)
            lengths = _byte_lengths(stripped)
        else:  # no cell starts or ends with a space or a non-ASCII character
            stripped = raw
        raw = None
        empty = lengths == 0
        if blank.any():
            blank &= empty
        if is_header.any():
            is_header &= empty if name is None else pc.equal(stripped, name).to_numpy(False)
        count = int(empty.sum())
        columns.append(_blank_as_missing(stripped, pa.array(empty) if count else None, count))
    blank[0] = True
    keep = ~blank & ~is_header
    if not keep.any():
        return None  # a header but no rows: the csv path says so
    if keep[1:].all():  # only the header goes: a slice, not a copy of every column
        columns = [column.slice(1) for column in columns]
        lines = lines[1:]
    else:
        mask = pa.array(keep)
        columns = [column.filter(mask) for column in columns]
        lines = lines[keep]
    return SplitRows(
        header=header,
        columns=columns,
        lines=lines,
        repeated_rows=[] if not is_header.any() else lines_all[is_header].tolist(),
    )


#: Bytes that may begin or end something ``str.strip()`` removes: the ASCII ones of
#: PY_WHITESPACE, and every non-ASCII byte (part of a multi-byte character).
_MAY_TRIM = np.zeros(256, dtype=bool)
_MAY_TRIM[[ord(c) for c in PY_WHITESPACE if ord(c) < 128]] = True
_MAY_TRIM[128:] = True


def _byte_lengths(cells: Any) -> np.ndarray:
    """The UTF-8 length of each cell of a ``large_string`` array, from its offsets."""
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64)
    return np.diff(offsets[cells.offset : cells.offset + len(cells) + 1])


def _may_need_trim(cells: Any, lengths: np.ndarray) -> bool:
    """Whether stripping could change a cell: False when every non-empty cell starts and
    ends with a byte outside :data:`_MAY_TRIM` (then ``utf8_trim`` would copy the column
    unchanged). Reads two bytes per cell."""
    present = lengths > 0
    if not present.any():
        return False
    data = np.frombuffer(cells.buffers()[2], dtype=np.uint8)
    if data.min() > ord(" ") and data.max() < 0x80:
        return False  # no space, control or non-ASCII byte anywhere (ids, dates, ...)
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64)
    offsets = offsets[cells.offset : cells.offset + len(cells) + 1]
    starts, ends = offsets[:-1], offsets[1:]
    if not present.all():
        starts, ends = starts[present], ends[present]
    return bool(_MAY_TRIM[data[starts]].any() or _MAY_TRIM[data[ends - 1]].any())


def _blank_as_missing(cells: Any, empty: Any, count: int) -> Any:
    """``cells`` (large_string) with the ``empty`` ones missing, sharing the cells' buffers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not count:
        return cells
    valid = pc.invert(empty)
    if cells.offset or valid.offset:  # never from a fresh kernel; stay safe anyway
        return pc.if_else(empty, pa.scalar(None, pa.large_string()), cells)
    _, offsets, data = cells.buffers()
    return pa.Array.from_buffers(
        pa.large_string(), len(cells), [valid.buffers()[1], offsets, data], null_count=count
    )


def _arrow_read_text(data: bytes, sep: str, width: int) -> Any:
    """Each non-empty line of quote-free UTF-8 ``data`` as a row of ``width`` text cells.

    Arrow skips empty lines and raises when a line has another number of cells.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{index}" for index in range(width)]
    return pacsv.read_csv(
        pa.BufferReader(data),
        # One block, one thread: one chunk per column, and no thread waiting for a busy core.
        read_options=pacsv.ReadOptions(
            column_names=names, use_threads=False, block_size=min(len(data) + 1, 1 << 30)
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=sep,
            quote_char=False,
            double_quote=False,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=True,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            check_utf8=False,  # the bytes are valid UTF-8: decoded or encoded by Python
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _line_numbers(data: bytes, rows: int) -> np.ndarray | None:
    """The line number of each non-empty line of ``data``; None if there are not ``rows``.

    Lines end at ``\\n`` (a ``\\r`` before it belongs to the line end, and
    the text has no other ``\\r``); a line is empty when nothing else precedes
    its line end. Arrow's rows are exactly the non-empty lines, so when
    ``rows`` (Arrow's count) equals the number of lines, none is empty and
    the numbers are 1..rows without looking for empty lines.
    """
    codes = np.frombuffer(data, dtype=np.uint8)
    step = 1 << 22  # counted 4 MB at a time: no file-sized temporary, few steps
    newlines = sum(
        int(np.count_nonzero(codes[at : at + step] == ord("\n")))
        for at in range(0, len(codes), step)
    )
    if newlines + (1 if data and data[-1:] != b"\n" else 0) == rows:
        return np.arange(1, rows + 1, dtype=np.int64)  # Arrow skipped no line: none is empty
    ends = np.flatnonzero(codes == ord("\n"))
    if len(codes) and codes[-1] != ord("\n"):
        ends = np.append(ends, len(codes))  # the last line has no line end
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    carriage = (ends > starts) & (codes[np.maximum(ends - 1, 0)] == ord("\r"))
    numbers = np.flatnonzero(ends - starts - carriage > 0) + 1
    return numbers.astype(np.int64) if len(numbers) == rows else None


# --- the csv path -----------------------------------------------------------------------------


def _csv_records(reader: Any) -> Iterator[tuple[int, list[str | None]]]:
    """(first line, stripped cells or None) for every record; csv errors become problems."""
    problems: list[ImportProblem] = []
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            stuck = reader.line_num == previous
            start, previous = previous + 1, reader.line_num
            problems.append(ImportProblem(row=start, message=_csv_error(error)))
            if stuck or "field larger" in str(error):
                break
            continue
        start, previous = previous + 1, reader.line_num
        yield start, [cell.strip() or None for cell in row]
    if problems:
        raise ImportFailed(problems)


def _csv_error(error: csv.Error) -> str:
    text = str(error)
    if "field larger" in text:
        return (
            f"a cell is larger than {FIELD_LIMIT // MB} MB — probably a quote that is never "
            "closed, starting in this row"
        )
    if "unexpected end of data" in text:
        return 'a quoted cell starting in this row is never closed (a missing ")'
    if "expected after" in text:
        return 'text follows a closing quote; a quote inside a quoted cell must be doubled ("")'
    return f"the row is not valid CSV: {text}"


# --- the table --------------------------------------------------------------------------------


def _build_table(
    records: SplitRows | Iterable[tuple[int, list[str | None]]],
    *,
    encoding: str,
    separator: str | None,
    container: Container,
    joiner: str,
    notes: list[str],
) -> RawTable:
    """Header, repeated headers, blank and ragged rows: the same for CSV and Excel.

    ``records`` are (line, stripped cells) pairs, or rows the fast path has
    already split and filtered.
    """
    import pandas as pd  # here, so that a reading thread can import this module without it

    split = records if isinstance(records, SplitRows) else _split_records(records, joiner)
    names = _column_names(split.header)
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        positions.setdefault(name, []).append(index)
    frame = pd.DataFrame(
        {name: _column(split.columns, where) for name, where in positions.items()},
        index=pd.RangeIndex(len(split.lines)),
    )
    repeated = {name: len(where) for name, where in positions.items() if len(where) > 1}
    for name, count in repeated.items():
        notes.append(
            f"{count} columns are named {name!r}; merged into one whose cells list "
            "their non-blank values"
        )
    repeated_rows = split.repeated_rows
    if repeated_rows:
        shown = ", ".join(str(line) for line in repeated_rows[:10])
        more = ", …" if len(repeated_rows) > 10 else ""
        plural = "s" if len(repeated_rows) > 1 else ""
        notes.append(
            f"{len(repeated_rows)} repeated header row{plural} skipped (row{plural} {shown}{more})"
        )
    return RawTable(
        frame=frame,
        rows=split.lines,
        encoding=encoding,
        separator=separator,
        container=container,
        repeated_headers=repeated,
        notes=notes,
        repeated_header_rows=len(repeated_rows),
    )


def _split_records(records: Iterable[tuple[int, list[str | None]]], joiner: str) -> SplitRows:
    """The header and the kept rows; every ragged row with extra cells is a problem."""
    header: list[str | None] | None = None
    data: list[list[str | None]] = []
    lines: list[int] = []
    repeated_rows: list[int] = []
    problems: list[ImportProblem] = []
    width = 0
    for line, cells in records:
        if header is None:
            if any(cells):
                header, width = cells, len(cells)
            continue
        if not any(cells):
            continue
        if len(cells) > width:
            extras = cells[width:]
            if any(extras):
                problems.append(
                    ImportProblem(
                        row=line,
                        value=clip(joiner.join(cell or "" for cell in extras)),
                        message=f"the row has {len(cells)} cells but the header has {width}",
                    )
                )
                continue
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + [None] * (width - len(cells))
        if cells == header:
            repeated_rows.append(line)
            continue
        data.append(cells)
        lines.append(line)

    if header is None:
        raise ImportFailed("the file is empty")
    if problems:
        raise ImportFailed(problems)
    if not data:
        raise ImportFailed("the file has a header but no rows")
    return SplitRows(
        header=header,
        columns=list(zip(*data, strict=True)),
        lines=np.asarray(lines, dtype=np.int64),
        repeated_rows=repeated_rows,
    )


def _column_names(header: list[str | None]) -> list[str]:
    taken = {name for name in header if name}
    names = []
    for number, name in enumerate(header, start=1):
        if not name:
            name = f"column_{number}"
            while name in taken:
                name += "_"
            taken.add(name)
        names.append(name)
    return names


def _column(columns: list[Any], where: list[int]) -> Any:
    import pandas as pd

    if len(where) == 1:
        return pd.array(columns[where[0]], dtype="str")
    merged = [
        tuple(value for value in values if value is not None) or np.nan
        for values in zip(*(_cells(columns[index]) for index in where), strict=True)
    ]
    return pd.Series(merged, dtype=object).array


def _cells(column: Any) -> Any:
    """A column's cells as Python ``str``/None (Arrow arrays are converted)."""
    return column.to_pylist() if hasattr(column, "to_pylist") else column


# --- Excel ------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, ext: str, options: ImportOptions, notes: list[str]) -> RawTable:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise ImportFailed(
            f"the file is a damaged zip archive (.xlsx workbooks are zip archives): "
            f"{_one_line(error)}"
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
        raise ImportFailed(f"the .xlsx workbook could not be opened: {_one_line(error)}") from None
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
        return _build_table(
            records, encoding="utf-8", separator=None, container="xlsx", joiner=", ", notes=notes
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
        raise ImportFailed(f"the file is a Word document, not a table; {_EXPORTS}")
    if any(name.startswith("ppt/") for name in names):
        raise ImportFailed(f"the file is a PowerPoint presentation, not a table; {_EXPORTS}")
    if ext in XLSX_EXTENSIONS:
        raise ImportFailed(
            "the file is a zip archive but not an Excel workbook (no xl/workbook.xml)"
        )
    raise ImportFailed(f"the file is a zip archive, not a table; unzip it or {_EXPORTS}")


def _check_zip_bomb(infos: list[zipfile.ZipInfo], options: ImportOptions) -> None:
    """Refuse archives that unpack to far more than they weigh, before parsing any XML."""
    limit = min(max(XLSX_UNPACK_FACTOR * options.max_bytes, XLSX_UNPACK_FLOOR), XLSX_UNPACK_CAP)
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise ImportFailed(
            f"the workbook would unpack to {_size(total)} (the limit is {_size(limit)}); "
            "it looks like a zip bomb"
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


# --- JSON -------------------------------------------------------------------------------------


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        hint = " — is it JSON Lines? name it .jsonl" if error.msg == "Extra data" else ""
        raise ImportFailed(
            ImportProblem(
                row=error.lineno,
                message=(
                    f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}{hint}"
                ),
            )
        ) from None


def _read_json_or_jsonl(text: str) -> tuple[Container, None, list[dict[str, Any]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            return "jsonl", None, _read_jsonl(text)
        document = _load_json(text)  # raises with the position
    return "json", None, _records(document)


def _read_json(text: str) -> list[dict[str, Any]]:
    return _records(_load_json(text))


def _records(document: Any) -> list[dict[str, Any]]:
    """The records of a JSON document: an array, a search page, or an array of pages."""
    if isinstance(document, list):
        pages = [
            _page_records(item, LIST_PAGE_KEYS) if isinstance(item, dict) else None
            for item in document
        ]
        if document and all(page is not None for page in pages):
            records = [record for page in pages for record in page or []]
        else:
            records = document
    elif isinstance(document, dict):
        found = _page_records(document, PAGE_KEYS) or _sole_list(document)
        if found is None:
            keys = ", ".join(repr(key) for key in LIST_PAGE_KEYS)
            raise ImportFailed(
                "the JSON object holds no list of records (expected an array of objects, "
                f"or an object with one under {keys})"
            )
        records = found
    else:
        raise ImportFailed(f"the JSON is {_json_type(document)}, not an array of objects")
    problems = [
        ImportProblem(
            value=clip(json.dumps(record)),
            message=f"record {number} is {_json_type(record)}, not an object",
        )
        for number, record in enumerate(records, start=1)
        if not isinstance(record, dict)
    ]
    if problems:
        raise ImportFailed(problems)
    if not records:
        raise ImportFailed("the JSON holds no records")
    return records


def _page_records(page: dict[str, Any], keys: tuple[str, ...]) -> list[Any] | None:
    for key in keys:
        value = page.get(key)
        if isinstance(value, list):
            return value
    return None


def _sole_list(page: dict[str, Any]) -> list[Any] | None:
    """The one list of objects in an object whose other values are plain (paging) values."""
    lists = [value for value in page.values() if isinstance(value, list)]
    if len(lists) != 1 or not lists[0] or not all(isinstance(item, dict) for item in lists[0]):
        return None
    if any(isinstance(value, dict) for value in page.values()):
        return None
    return lists[0]


def _read_jsonl(text: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    problems: list[ImportProblem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(
                ImportProblem(
                    row=number,
                    value=clip(line),
                    message=f"invalid JSON at column {error.colno}: {error.msg}",
                )
            )
            continue
        if isinstance(record, dict):
            records.append(record)
        else:
            problems.append(
                ImportProblem(
                    row=number,
                    value=clip(line),
                    message=f"the line is {_json_type(record)}, not an object",
                )
            )
    if problems:
        raise ImportFailed(problems)
    if not records:
        raise ImportFailed("the file is empty")
    return records


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


# --- helpers ----------------------------------------------------------------------------------


def _size(count: int) -> str:
    if count < MB // 10:
        return f"{count:,} bytes"
    megabytes = f"{count / MB:.1f}".removesuffix(".0")
    return f"{megabytes} MB"


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return clip(line) or type(error).__name__
