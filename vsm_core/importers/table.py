"""What a container reader hands to the format parsers.

A CSV/TSV/TXT or Excel sheet becomes a :class:`RawTable` of text; JSON and
JSON Lines become a list of records. Format parsers never see bytes.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # typing only: the readers import pandas themselves, when they need it
    import numpy as np
    import pandas as pd

Container = Literal["csv", "xlsx", "json", "jsonl"]


@dataclass(frozen=True)
class RawTable:
    """A table of text cells exactly as the file had them.

    * ``frame``: one column per distinct header. Cells are ``str`` (stripped
      of surrounding whitespace) or missing (``NaN``) when blank. A header
      that appears several times (Jira repeats ``Sprint``) is merged into one
      column whose cells are tuples of the non-blank values, in file order.
    * ``rows``: for each frame row, its line number in the source (the header
      is line 1, so the first data row is 2); used in every problem report.
    * ``repeated_headers``: header name -> how many columns carried it.
    * ``notes``: what the reader did that the user should know (e.g. "2
      repeated header rows skipped").
    """

    frame: pd.DataFrame
    rows: np.ndarray
    encoding: str
    separator: str | None
    container: Container
    repeated_headers: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    repeated_header_rows: int = 0  # rows identical to the header, skipped

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


@dataclass(frozen=True)
class Upload:
    """A decoded upload: a table (CSV, TSV, TXT, XLSX) or records (JSON, JSON Lines).

    ``data`` holds the upload's bytes, for :attr:`sha256`.
    """

    filename: str
    container: Container
    size_bytes: int
    table: RawTable | None = None
    records: list[dict[str, Any]] | None = None
    data: bytes = field(default=b"", repr=False, compare=False)

    @functools.cached_property
    def sha256(self) -> str:
        """The hex SHA-256 of the upload's bytes, computed the first time it is asked for
        (most imports never need it: 30 ms for a 45 MB file)."""
        return hashlib.sha256(self.data).hexdigest()
