"""Which encoding an upload's text is in, and its text as ``str`` or as UTF-8 bytes.

Detection, in order: a UTF-32, UTF-8 or UTF-16 byte-order mark; plain
UTF-16 without a mark (ASCII-range text with every other byte NUL);
otherwise UTF-8, and Windows-1252 when the bytes are not valid UTF-8. Any
other NUL byte means a binary file. An encoding the user names wins.

Delimited text is read from UTF-8 bytes (:func:`utf8_text`): UTF-8 uploads
are checked by Arrow and used as they are (no copy); every other encoding
is decoded and written back as UTF-8.
"""

from __future__ import annotations

import codecs

import numpy as np
import pyarrow as pa

from vsm_core.importers.errors import ImportFailed, ImportProblem

TEXT_EXTENSIONS = frozenset({".csv", ".tsv", ".tab", ".txt"})
JSON_EXTENSIONS = frozenset({".json"})
JSONL_EXTENSIONS = frozenset({".jsonl", ".ndjson"})

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def utf8_text(data: bytes, forced: str | None, ext: str) -> tuple[bytes, str, list[str]]:
    """(the text as UTF-8 bytes, the encoding it was read as, notes about the choice).

    The bytes are ``data`` itself when it is UTF-8 without a byte-order
    mark (no copy), ``data`` after its mark when it has one, and otherwise
    the decoded text encoded again. Byte-order marks at the start are left
    out. Raises :class:`ImportFailed` as :func:`decode` does (bytes the
    encoding cannot read, NUL bytes).
    """
    if not forced:
        encoding = detect_encoding(data, ext)
        if encoding in ("utf-8", "utf-8-sig"):
            start = len(UTF8_BOM) if encoding == "utf-8-sig" else 0
            if valid_utf8(memoryview(data)[start:]):
                nul = data.find(b"\x00", start)  # only possible after a BOM: checked otherwise
                if nul >= 0:
                    raise nul_bytes(ext, data.count(b"\n", start, nul) + 1)
                return _without_boms(data), encoding, []
    text, encoding, notes = decode(data, forced, ext)
    return _without_boms(text.encode("utf-8")), encoding, notes


def _without_boms(text: bytes) -> bytes:
    """UTF-8 ``text`` without the byte-order marks it starts with (Arrow would drop one)."""
    marks = 0
    while text.startswith(UTF8_BOM, marks):
        marks += len(UTF8_BOM)
    return text[marks:] if marks else text


def valid_utf8(data: memoryview | bytes) -> bool:
    """Whether ``bytes(data).decode("utf-8")`` would succeed, checked by Arrow without a copy."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    cells = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        cells.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def decode(data: bytes, forced: str | None, ext: str) -> tuple[str, str, list[str]]:
    """(the text, the encoding used, notes about the choice); one leading BOM is left out."""
    notes: list[str] = []
    if forced:
        try:
            encoding = codecs.lookup(forced).name
        except LookupError:
            raise ImportFailed(f"unknown encoding {forced!r}") from None
        text = _decode_as(data, forced, forced)
    else:
        encoding = detect_encoding(data, ext)
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
        raise nul_bytes(ext, text.count("\n", 0, nul) + 1)
    return text, encoding, notes


def detect_encoding(data: bytes, ext: str) -> str:
    """The codec name for ``data`` (see the module docstring); raises on NUL bytes of a
    file that is not UTF-16 or UTF-32."""
    if data.startswith(UTF32_BOMS):
        return "utf-32"
    if data.startswith(UTF8_BOM):
        return "utf-8-sig"
    if data.startswith(UTF16_BOMS):
        return "utf-16"
    nul = data.find(b"\x00")
    if nul < 0:
        return "utf-8"
    bomless = _bomless_utf16(data)
    if bomless:
        return bomless
    raise nul_bytes(ext, data.count(b"\n", 0, nul) + 1)


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


def nul_bytes(ext: str, line: int) -> ImportFailed:
    """The failure for a NUL byte at ``line``: the file is probably binary."""
    named = ext if ext in TEXT_EXTENSIONS or ext in JSON_EXTENSIONS | JSONL_EXTENSIONS else ".csv"
    return ImportFailed(
        ImportProblem(
            row=line,
            message=f"the file contains NUL bytes — is it a binary file renamed to {named}?",
        )
    )
