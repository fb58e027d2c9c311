"""A team's deployments are counted in its datasets' time zone (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlmodel import Session

from vsm_core.experiments.checkin_delivery import team_delivery
from vsm_core.store import crud, delivery
from vsm_core.store.access import SYSTEM, person


@pytest.fixture(scope="module")
def berlin_dataset():
    from vsm_core.sample_data import generate_demo_dataset

    return replace(generate_demo_dataset(n_items=20), timezone="Europe/Berlin")


def test_the_zone_of_the_teams_latest_dataset_else_utc(engine, berlin_dataset):
    outsider = person(name="Ou", email="ou@example.org", claimed={"B": "viewer"})
    with Session(engine) as session:
        assert crud.team_timezone(session, team="A", actor=SYSTEM) == "UTC"
        crud.save_dataset_version(
            session, dataset=berlin_dataset, name="Team A", team="A", format="demo", actor=SYSTEM
        )
        assert crud.team_timezone(session, team="A", actor=SYSTEM) == "Europe/Berlin"
        assert crud.team_timezone(session, team="A", actor=outsider) == "UTC"


def test_checkin_counts_a_deployment_on_its_local_day(engine, berlin_dataset):
    """23:30 UTC on Sunday 31 May is Monday 1 June in Berlin: inside a June period."""
    times = [datetime(2026, 5, 31, 23, 30, tzinfo=UTC)] + [
        datetime(2026, 6, 1, 10, tzinfo=UTC) + timedelta(days=k) for k in range(1, 28)
    ]
    with Session(engine) as session:
        crud.save_dataset_version(
            session, dataset=berlin_dataset, name="Team A", team="A", format="demo", actor=SYSTEM
        )
        delivery.save_import(
            session,
            actor=SYSTEM,
            team="A",
            kind="deployments",
            rows=pd.DataFrame(
                {"deployed_at": pd.to_datetime(times), "service": "api", "status": "success"}
            ),
            format="csv",
        )
        june = (date(2026, 6, 1), date(2026, 6, 28))
        summary = team_delivery(session, "A", period=june, actor=SYSTEM)
    assert summary.deployments == 28  # the first one too, on its Berlin day
