"""Deployment records stored straight into the store for tests (no file, no page)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlmodel import Session

from vsm_core.store import delivery
from vsm_core.store.access import SYSTEM


def store_deployments(
    session: Session, team: str, times: Sequence[datetime | str], service: str = "api"
) -> None:
    """Successful deployments of ``service`` at ``times`` (aware datetimes or ISO text) as
    ``team``'s current deployments import (it replaces the one before)."""
    delivery.save_import(
        session,
        actor=SYSTEM,
        team=team,
        kind="deployments",
        rows=pd.DataFrame(
            {"deployed_at": pd.to_datetime(list(times)), "service": service, "status": "success"}
        ),
        format="csv",
    )
