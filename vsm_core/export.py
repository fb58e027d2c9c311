"""Exports users open in spreadsheets: CSV with formula-safe cells.

A spreadsheet runs a cell as a formula when it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return. A line break inside a cell is a
second way in: a bare carriage return that the CSV writer does not quote
starts a new row for Excel, and that row's first cell may be a formula. So
line breaks inside cells are first normalised to ``\\n`` (which the writer
always quotes, since rows end in ``\\r\\n``), then the start of the cell and
the start of every line inside it are checked, and a risky one gets a ``'``.
"""

from __future__ import annotations

import pandas as pd

#: A cell starting with one of these is a formula to Excel/LibreOffice/Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: A line inside a cell starting with one of these is neutralised too.
_RISKY_LINE = r"\n(?=[=+\-@\t])"
#: Row ends of the CSV written: RFC 4180's, so any CR or LF inside a cell is quoted.
LINE_END = "\r\n"


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as formulas in a spreadsheet.

    Line breaks inside text cells become ``\\n``; a cell, or a line inside it,
    that starts like a formula is prefixed with ``'``. Numbers stay numbers (a
    negative number is not text); only text cells (including text that looks
    like a negative number) are changed. Header names get the same treatment.
    """
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            safe[column] = _safe_text(values)
    safe.columns = [_safe_cell(str(c)) for c in safe.columns]
    return safe


def _safe_text(values: pd.Series) -> pd.Series:
    """Text cells neutralised; missing values and non-text objects left as they are."""
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        is_text = values.notna()
    else:  # an object column may mix text with numbers, tuples or None: ask each cell
        is_text = values.map(lambda v: isinstance(v, str)).astype(bool)
    if not is_text.any():
        return values
    text = values[is_text].astype("str")
    text = text.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
    text = text.str.replace(_RISKY_LINE, "\n'", regex=True)
    risky = text.str.startswith(FORMULA_STARTS).astype(bool)
    text = text.where(~risky, "'" + text)
    out = values.astype(object).copy()
    out[is_text] = text.astype(object)
    return out


def _safe_cell(text: str) -> str:
    return _safe_text(pd.Series([text], dtype=object)).iloc[0]


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Formula-safe UTF-8 CSV (with BOM, so Excel reads accents right), rows ending CRLF."""
    return formula_safe(frame).to_csv(index=False, lineterminator=LINE_END).encode("utf-8-sig")
