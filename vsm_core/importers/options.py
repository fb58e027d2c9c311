"""What the user (or the CLI) says about an upload."""

from __future__ import annotations

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

DEFAULT_MAX_UPLOAD_MB = 50


def max_upload_bytes() -> int:
    """The upload size limit: ``VSM_MAX_UPLOAD_MB`` (default 50, as in .streamlit/config.toml)."""
    return int(float(os.environ.get("VSM_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)) * 1024 * 1024)


class ImportOptions(BaseModel):
    """Everything that steers an import; every field has an automatic default."""

    format: FormatName = "auto"
    mapping: dict[str, str] = Field(default_factory=dict)  # role -> column name
    date_order: Literal["dayfirst", "monthfirst"] | None = None  # None: decide per column
    timezone: str = "UTC"  # zone of naive timestamps
    encoding: str | None = None  # None: detect
    separator: str | None = None  # None: sniff among , ; TAB |
    max_bytes: int = Field(default_factory=max_upload_bytes)
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
