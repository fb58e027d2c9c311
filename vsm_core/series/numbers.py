"""Read a column of number text: signs, a trailing ``%``, a currency symbol, thousands
separators, and a decimal point or a decimal comma — the latter only when unambiguous.

Each cell is read two ways: with a decimal point (``1,234.5``: a comma only
between groups of three digits) and with a decimal comma (``1.234,5``: a
point only between groups). Digits grouped by spaces or apostrophes
(``1 234,5``, ``1'234.5``) read the same both ways. Which way the column is
read:

* given (``decimal="."`` or ``","``): that way;
* otherwise a cell only one way reads (``2.5``, ``1,234.5``, ``1,234,567``
  say point; ``2,5``, ``1.234,5`` say comma) decides for the column; cells
  saying both ways are a problem (the upload mixes conventions);
* nothing decides: ``1,234`` (1234 or 1.234) is a question, refused with
  both readings; a cell of digits and one point (``1.234``) is read with a
  decimal point, as every spreadsheet writes numbers in CSV.

``85 %`` is read as 85 (the number before the sign). A leading or trailing
currency symbol ($, €, £, ¥) is dropped. ``NaN``, ``inf`` and numbers too
large for a float are refused: a measure is a finite number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Decimal = Literal[".", ","]

_SIGN = r"^[+-]?"
_POINT = (
    _SIGN + r"(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
)
_COMMA = _SIGN + r"(?:(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]*)?|,[0-9]+)$"
_SPACED = _SIGN + r"[0-9]{1,3}(?:[ '\u00a0\u202f][0-9]{3})+(?:[.,][0-9]+)?$"
_GROUPING = r"[ '\u00a0\u202f]"
_NOT_FINITE = r"^[+-]?(?:nan|inf|infinity)$"
_CURRENCY = r"^[$€£¥]\s*|\s*[$€£¥]$"


@dataclass(frozen=True, eq=False)
class ReadNumbers:
    """The numbers of a column and what could not be read.

    ``values``: float64, NaN where a cell was blank or unreadable;
    ``percent``: True where the cell ended with ``%``; ``reasons``: per cell,
    why it could not be read (empty where it was); ``decimal``: the decimal
    separator the column was read with (None: no cell needed one);
    ``ambiguous``: positions of cells that read differently both ways when
    nothing settled the convention (the caller asks the user).
    """

    values: np.ndarray
    percent: np.ndarray
    reasons: np.ndarray
    decimal: Decimal | None
    ambiguous: np.ndarray
    mixed: tuple[int, int] | None = None  # positions of a point-only and a comma-only cell


def read_numbers(cells: pd.Series, *, decimal: Decimal | None = None) -> ReadNumbers:
    """Read ``cells`` (text or missing) as numbers; see the module docstring.

    Input: one column of text cells. Output: :class:`ReadNumbers`, position by
    position. Blank cells are NaN without a reason (the caller reports them).
    """
    text = pd.Series(cells, dtype="str").reset_index(drop=True).fillna("").str.strip()
    present = (text != "").to_numpy(dtype=bool)
    percent = np.zeros(len(text), dtype=bool)
    spaced = np.zeros(len(text), dtype=bool)
    # Signs, currency, % and grouping spaces are rare: only the cells holding a character
    # other than digits, . , e + - go through the (slower, Python) patterns below.
    special = text.str.contains(r"[^0-9.,eE+-]", regex=True).to_numpy(dtype=bool)
    if special.any():
        odd = text[special].str.replace("\u2212", "-", regex=False)
        odd = odd.str.replace(_CURRENCY, "", regex=True)
        percent[special] = odd.str.endswith("%").to_numpy(dtype=bool)
        odd = odd.str.replace(r"\s*%$", "", regex=True).str.strip()
        spaced[special] = odd.str.match(_SPACED).to_numpy(dtype=bool)
        text = text.astype(object)
        text[special] = odd.astype(object)
        text = text.astype("str")
    by_point = _as_float(text.str.replace(",", "", regex=False), text.str.match(_POINT))
    by_comma = _as_float(
        text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
        text.str.match(_COMMA),
    )
    grouped = np.full(len(text), np.nan)
    if spaced.any():
        digits = text[spaced].str.replace(_GROUPING, "", regex=True)
        grouped[spaced] = _as_float(
            digits.str.replace(",", ".", regex=False), pd.Series(True, index=digits.index)
        )
    point_ok, comma_ok = ~np.isnan(by_point), ~np.isnan(by_comma)
    differ = point_ok & comma_ok & (by_point != by_comma)
    point_only = present & point_ok & ~comma_ok
    comma_only = present & comma_ok & ~point_ok
    mixed = None
    if decimal is None:
        if point_only.any() and comma_only.any():
            mixed = (int(np.argmax(point_only)), int(np.argmax(comma_only)))
        elif comma_only.any():
            decimal = ","
        elif point_only.any():
            decimal = "."
    values = (by_comma if decimal == "," else by_point).copy()
    ambiguous = np.zeros(0, dtype=np.int64)
    if decimal is None and mixed is None:
        # Nothing settles the convention: 1,234 is a question; 1.234 reads with a point.
        has_comma = text.str.contains(",", regex=False).to_numpy(dtype=bool)
        ambiguous = np.flatnonzero(present & differ & has_comma)
    values = np.where(spaced, grouped, values)
    values[~present] = np.nan
    values[ambiguous] = np.nan
    if mixed is not None:
        values[:] = np.nan
    finite = np.isfinite(values)
    values = np.where(finite, values, np.nan)
    reasons = _reasons(text, present, finite, decimal, point_only, comma_only)
    reasons[ambiguous] = ""
    if mixed is not None:
        reasons[:] = ""
    return ReadNumbers(values, percent, reasons, decimal, ambiguous, mixed)


def _as_float(text: pd.Series, matches: pd.Series) -> np.ndarray:
    """``text`` as float64 where ``matches``, NaN elsewhere (infinite where too large)."""
    out = pd.to_numeric(text.where(matches.to_numpy(dtype=bool)), errors="coerce")
    return out.to_numpy(dtype="float64", na_value=np.nan)


def _reasons(text, present, finite, decimal, point_only, comma_only) -> np.ndarray:
    """Why each unread, non-blank cell was not read ("" where it was)."""
    reasons = np.full(len(text), "", dtype=object)
    bad = present & ~finite
    not_finite = text.str.casefold().str.match(_NOT_FINITE).to_numpy(dtype=bool)
    reasons[bad] = (
        "not a number (e.g. 12, -3.5, 1,234.5, 85 %; a decimal comma like 2,5 when the "
        "whole column uses it)"
    )
    overflow = bad & ~not_finite & text.str.match(_POINT + "|" + _COMMA).to_numpy(dtype=bool)
    reasons[overflow] = "too large a number for a measure"
    reasons[bad & not_finite] = "not a finite number: a measure needs a value"
    if decimal == ".":
        reasons[present & comma_only] = (
            "written with a decimal comma, but the column's other values use a decimal point"
        )
    elif decimal == ",":
        reasons[present & point_only & ~finite] = (
            "written with a decimal point, but the column's other values use a decimal comma"
        )
    return reasons


def both_readings(cell: str) -> tuple[float, float]:
    """The values of an ambiguous cell read with a decimal point and with a decimal comma."""
    read = read_numbers(pd.Series([cell]), decimal=".").values[0]
    comma = read_numbers(pd.Series([cell]), decimal=",").values[0]
    return float(read), float(comma)
