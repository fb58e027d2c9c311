"""What reading one deployment or incident file gives (:class:`DeliveryRead`), shared by
the CSV reader (:mod:`vsm_core.delivery.parse`) and the GitHub deployments reader
(:mod:`vsm_core.delivery.github`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from vsm_core.delivery.log import DeliveryLog
from vsm_core.importers.errors import ImportFailed

Kind = Literal["deployments", "incidents"]
#: How far past "now" a time may be before it counts as in the future (clocks, zones).
FUTURE_SLACK = pd.Timedelta(days=1)


class KindUnclear(ImportFailed):
    """The file is neither clearly deployments nor clearly incidents; nothing was read."""


@dataclass(frozen=True)
class DeliveryRead:
    """What was read from one file.

    ``kind``: deployments or incidents; ``format``: ``deployments-csv``,
    ``incidents-csv`` or ``github-deployments``; ``log``: the rows read (the other
    kind's table is empty); ``columns``: role -> column (or JSON field) used;
    ``evidence``: why the file was read this way, in words; ``notes``: what the user
    should know (rows left out and why); ``filename``/``sha256``: the upload's.
    """

    kind: Kind
    format: str
    log: DeliveryLog
    columns: dict[str, str]
    evidence: str
    notes: tuple[str, ...] = ()
    filename: str = ""
    sha256: str = ""
    left_out: int = 0
    container_notes: tuple[str, ...] = field(default=(), repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """The rows read: the log's table of this file's kind."""
        return self.log.deployments if self.kind == "deployments" else self.log.incidents

    @property
    def rows(self) -> int:
        return len(self.table)
