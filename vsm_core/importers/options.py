"""What the user (or the CLI) says about an upload."""

from __future__ import annotations

import math
import os
from typing import Literal

from pydantic import BaseModel, Field, field_validator

FORMATS = (
    "stages",
    "events",
    "transitions",
    "snapshots",
    "dates",
    "jira-json",
    "ado-json",
    "github-json",
)
FormatName = Literal[
    "auto",
    "stages",
    "events",
    "transitions",
    "snapshots",
    "dates",
    "jira-json",
    "ado-json",
    "github-json",
]

#: The roles a column can play (``--map ROLE=COLUMN``).
ROLES = (
    "item_id",
    "title",
    "type",
    "team",
    "labels",
    "status",
    "from_status",
    "timestamp",
    "created",
    "started",
    "done",
    "blocked_days",
    "status_category",
    "cancelled",
)

#: One mebibyte: every size limit of an import is counted in MiB.
MIB = 1024 * 1024
#: The upload limit in MiB when ``VSM_MAX_UPLOAD_MB`` is not set.
DEFAULT_MAX_UPLOAD_MIB = 50
#: The most columns a table may have (``ImportOptions.max_columns``): checked on the
#: header before any work per column.
DEFAULT_MAX_COLUMNS = 1000
#: The longest cell, in characters, of any table (CSV, TSV, TXT and Excel alike).
MAX_CELL_CHARS = 10 * MIB


def max_upload_bytes() -> int:
    """The upload limit in bytes: ``VSM_MAX_UPLOAD_MB`` mebibytes (MiB: 1,048,576
    bytes each; a fraction is allowed), default :data:`DEFAULT_MAX_UPLOAD_MIB`.

    This one setting bounds the Import page (its uploader is given
    :func:`streamlit_upload_mb` of it) and the CLI alike. Raises ``ValueError``
    when the variable is not a positive number.
    """
    raw = os.environ.get("VSM_MAX_UPLOAD_MB", "").strip()
    if not raw:
        return DEFAULT_MAX_UPLOAD_MIB * MIB
    try:
        mebibytes = float(raw)
    except ValueError:
        mebibytes = math.nan
    if not (math.isfinite(mebibytes) and mebibytes > 0):
        raise ValueError(f"VSM_MAX_UPLOAD_MB must be a positive number of MiB, not {raw!r}")
    return max(1, int(mebibytes * MIB))


def describe_limit(limit_bytes: int) -> str:
    """A byte limit as users read it: ``"50 MiB"``, ``"1.5 MiB"``, or bytes below 0.1 MiB."""
    if limit_bytes < MIB // 10:
        return f"{limit_bytes:,} bytes"
    return f"{limit_bytes / MIB:,.2f}".rstrip("0").rstrip(".") + " MiB"


def streamlit_upload_mb(limit_bytes: int) -> int:
    """The whole number of "MB" to give Streamlit's uploader so that it accepts every
    file of at most ``limit_bytes`` bytes.

    Streamlit's ``server.maxUploadSize`` (and the uploader's ``max_upload_size``)
    is a whole number of megabytes that its server counts as 1,048,576 bytes and
    its browser code as 1,000,000 bytes (1,048,576 on Windows). The smallest
    whole number of 1,000,000-byte megabytes holding the limit satisfies all
    three: 53 for 50 MiB. A file between the limit and that number reaches the
    importer, which refuses it with the limit in MiB.
    """
    return max(1, math.ceil(limit_bytes / 1_000_000))


class ImportOptions(BaseModel):
    """Everything that steers an import; every field has an automatic default."""

    format: FormatName = "auto"
    mapping: dict[str, str] = Field(default_factory=dict)  # role -> column name
    date_order: Literal["dayfirst", "monthfirst"] | None = None  # None: decide per column
    timezone: str = "UTC"  # zone of naive timestamps
    encoding: str | None = None  # None: detect
    separator: str | None = None  # None: sniff among , ; TAB |
    max_bytes: int = Field(default_factory=max_upload_bytes)  # the upload limit, bytes
    max_columns: int = Field(default=DEFAULT_MAX_COLUMNS, ge=1)  # refused above, before parsing
    github_status_source: Literal["milestone", "labels", "project", "state"] = "milestone"

    @field_validator("mapping")
    @classmethod
    def _known_roles(cls, mapping: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(mapping) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; roles are {', '.join(ROLES)}")
        return mapping

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {zone!r} (use an IANA name like Europe/Berlin)"
            ) from error
        return zone
