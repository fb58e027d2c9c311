"""Exports users open in spreadsheets: CSV with formula-safe cells."""

from __future__ import annotations

import pandas as pd

#: A cell starting with one of these is a formula to Excel/LibreOffice/Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells that could run as formulas are prefixed with ``'``.

    Numbers stay numbers (a negative number is not text); only text cells
    (including text that looks like a negative number) are changed.
    """
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype("str")
            risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
            if risky.any():
                safe[column] = values.astype(object).where(~risky, "'" + text)
    safe.columns = [f"'{c}" if str(c).startswith(FORMULA_STARTS) else c for c in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Formula-safe UTF-8 CSV (with BOM, so Excel reads accents right)."""
    return formula_safe(frame).to_csv(index=False).encode("utf-8-sig")
