"""The delivery log: a team's deployments and incidents as two tables (UTC instants).

:class:`DeliveryLog` is what the parsers (:mod:`.parse`, :mod:`.github`) return and
what the store's ``load_log`` gives back; every DORA key (:mod:`.keys`) is a pure
function of it.

``deployments`` columns (one row per deployment):

* ``external_id`` – the tool's own id (text) or missing;
* ``deployed_at`` – when it reached the environment (``datetime64[us, UTC]``);
* ``service`` – the service deployed (the environment when the file names no service);
* ``environment`` – the environment, or missing;
* ``status`` – ``"success"`` or ``"failure"``;
* ``kind`` – ``"rollback"``, ``"hotfix"`` or missing (a planned deployment);
* ``commit_at`` – the first commit of the change deployed (UTC), or ``NaT``;
* ``change_ids`` – a tuple of the change ids named (may be empty).

``incidents`` columns (one row per incident):

* ``external_id``, ``title`` – text or missing;
* ``started_at`` – when it began (UTC); ``resolved_at`` – when service was restored, or
  ``NaT`` while it is open;
* ``service`` – text or missing;
* ``deployment_ref`` – the ``external_id`` of the deployment that caused it, or missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

__all__ = [
    "DEPLOYMENT_COLUMNS",
    "INCIDENT_COLUMNS",
    "REWORK_KINDS",
    "DeliveryLog",
    "empty_deployments",
    "empty_incidents",
    "local_days",
    "log_span",
]

DEPLOYMENT_COLUMNS = (
    "external_id",
    "deployed_at",
    "service",
    "environment",
    "status",
    "kind",
    "commit_at",
    "change_ids",
)
INCIDENT_COLUMNS = (
    "external_id",
    "title",
    "started_at",
    "resolved_at",
    "service",
    "deployment_ref",
)
#: Deployment kinds that are rework: unplanned, made because of a problem in production.
REWORK_KINDS = frozenset({"rollback", "hotfix"})

_UTC = "datetime64[us, UTC]"
_TIME_COLUMNS = {"deployed_at", "commit_at", "started_at", "resolved_at"}


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series([], dtype=_UTC if c in _TIME_COLUMNS else "object") for c in columns}
    )


def empty_deployments() -> pd.DataFrame:
    """A deployments table without rows (the columns of the module docstring)."""
    return _empty(DEPLOYMENT_COLUMNS)


def empty_incidents() -> pd.DataFrame:
    """An incidents table without rows (the columns of the module docstring)."""
    return _empty(INCIDENT_COLUMNS)


def _normalised(frame: pd.DataFrame | None, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with exactly ``columns`` (missing ones empty), times as UTC microseconds."""
    if frame is None:
        return _empty(columns)
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column in columns:
        if column in frame.columns:
            values = frame[column].reset_index(drop=True)
        else:
            values = pd.Series([None] * len(frame), dtype="object")
        if column in _TIME_COLUMNS:
            values = pd.to_datetime(values, utc=True).astype(_UTC)
        elif column == "change_ids":
            values = values.map(_ids).astype(object)
        else:  # text or None: missing cells are None whatever the reader gave (NaN, NA)
            values = text_or_none(values)
        out[column] = values
    return out


def text_or_none(values: pd.Series) -> pd.Series:
    """``values`` as an object column of ``str`` and ``None`` (never NaN or NA)."""
    cells = values.to_numpy(dtype=object)
    missing = pd.isna(cells)
    out = np.empty(len(cells), dtype=object)
    out[~missing] = cells[~missing].astype(str)
    out[missing] = None
    return pd.Series(out, index=values.index, dtype=object)


def _ids(value) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return ()


@dataclass(frozen=True)
class DeliveryLog:
    """A team's deployments and incidents (see the module docstring for the columns)."""

    deployments: pd.DataFrame = field(default_factory=empty_deployments)
    incidents: pd.DataFrame = field(default_factory=empty_incidents)

    def __post_init__(self) -> None:
        object.__setattr__(self, "deployments", _normalised(self.deployments, DEPLOYMENT_COLUMNS))
        object.__setattr__(self, "incidents", _normalised(self.incidents, INCIDENT_COLUMNS))

    @property
    def empty(self) -> bool:
        return self.deployments.empty and self.incidents.empty

    def services(self) -> list[str]:
        """Every service named by a deployment or an incident, sorted."""
        names = pd.concat([self.deployments["service"], self.incidents["service"]]).dropna()
        return sorted({str(n) for n in names if str(n)}, key=str.casefold)

    def for_service(self, service: str | None) -> DeliveryLog:
        """The log of one service (``None``: the whole log)."""
        if service is None:
            return self
        deployments = self.deployments[self.deployments["service"] == service]
        incidents = self.incidents[self.incidents["service"] == service]
        return DeliveryLog(deployments, incidents)


def local_days(values: pd.Series, timezone: str = "UTC") -> np.ndarray:
    """The local calendar day (``datetime64[D]``) of each UTC instant in ``timezone``;
    ``NaT`` stays ``NaT``."""
    local = pd.to_datetime(values, utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
    return local.dt.normalize().to_numpy(dtype="datetime64[D]")


def log_span(log: DeliveryLog, *, timezone: str = "UTC") -> tuple[date, date] | None:
    """The first and last day (local in ``timezone``) on which the log records anything
    (a deployment, an incident's start or its resolution); None for an empty log."""
    days = np.concatenate(
        [
            local_days(log.deployments["deployed_at"], timezone),
            local_days(log.incidents["started_at"], timezone),
            local_days(log.incidents["resolved_at"], timezone),
        ]
    )
    days = days[~np.isnat(days)]
    if days.size == 0:
        return None
    return days.min().astype(date), days.max().astype(date)
