"""An experiment on a DORA key or an uploaded series, judged end to end from the store.

The team's records (deployments; an NPS series) are stored with the store functions and the
experiment is judged by ``service.judge`` like any other: the weekly values come from the
records of its dataset's team, read with the acting identity. SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session

from vsm_core.experiments import records, service
from vsm_core.experiments.records import ExperimentCreate
from vsm_core.store import crud, delivery, series
from vsm_core.store.access import SYSTEM, person

CHANGE = date(2026, 6, 1)  # a Monday
FIRST = CHANGE - timedelta(weeks=12)


@pytest.fixture(scope="module")
def small_dataset():
    from vsm_core.sample_data import generate_demo_dataset

    return generate_demo_dataset(n_items=20)


def _deployments(per_week_before: int, per_week_after: int) -> pd.DataFrame:
    """Deployments of "api" on weekdays: so many a week for 12 weeks, then so many for 12."""
    times = []
    for week in range(24):
        count = per_week_before if week < 12 else per_week_after
        monday = datetime.combine(FIRST + timedelta(weeks=week), datetime.min.time(), UTC)
        times += [monday + timedelta(days=k % 5, hours=10 + k) for k in range(count)]
    return pd.DataFrame(
        {
            "deployed_at": pd.to_datetime(times, utc=True),
            "service": "api",
            "status": "success",
        }
    )


def _experiment(session, dataset_id: int, metric: str, direction: str) -> int:
    return records.create_experiment(
        session,
        data=ExperimentCreate(
            title="Smaller batches",
            hypothesis="Smaller changes will ship more often",
            owner="Ana",
            dataset_id=dataset_id,
            metric=metric,
            direction=direction,
            change_date=CHANGE,
        ),
        author="ana",
        actor=SYSTEM,
    ).id


def test_deployment_frequency_experiment_is_judged_on_the_teams_deployments(engine, small_dataset):
    with Session(engine) as session:
        version = crud.save_dataset_version(
            session, dataset=small_dataset, name="Team A", team="A", format="demo", actor=SYSTEM
        )
        delivery.save_import(
            session,
            actor=SYSTEM,
            team="A",
            kind="deployments",
            rows=_deployments(2, 5),
            format="csv",
        )
        overall = _experiment(session, version.dataset_id, "deployment_frequency", "increase")
        other_service = _experiment(
            session, version.dataset_id, "deployment_frequency:web", "increase"
        )
        judged = service.judge(session, experiment_id=overall, actor=SYSTEM).evidence
        assert judged.kind == "delivery"
        assert (judged.before["value"], judged.after["value"]) == (2.0, 5.0)
        # The records end on the last deployment, a Friday: that week is not whole.
        assert (judged.before["n"], judged.after["n"]) == (12, 11)
        assert judged.verdict == "improved"
        # No deployment names "web": every week has 0 deployments of it.
        web = service.judge(session, experiment_id=other_service, actor=SYSTEM).evidence
        assert (web.before["value"], web.after["value"]) == (0.0, 0.0)
        assert web.verdict == "no clear change"


def test_series_experiment_reads_the_teams_uploaded_values(engine, small_dataset):
    days = pd.date_range(FIRST, periods=24 * 7, freq="D")
    rng = np.random.default_rng(3)
    values = np.where(days < pd.Timestamp(CHANGE), 30.0, 45.0) + rng.normal(0, 2, len(days))
    with Session(engine) as session:
        version = crud.save_dataset_version(
            session, dataset=small_dataset, name="Team A", team="A", format="demo", actor=SYSTEM
        )
        series.save_series(
            session,
            actor=SYSTEM,
            team="A",
            points=pd.DataFrame({"team": None, "metric": "NPS", "day": days, "value": values}),
        )
        experiment_id = _experiment(session, version.dataset_id, "series:NPS", "increase")
        missing_id = _experiment(session, version.dataset_id, "series:CSAT", "increase")
        judged = service.judge(session, experiment_id=experiment_id, actor=SYSTEM).evidence
        assert judged.kind == "series"
        assert judged.before["value"] == pytest.approx(values[:84].mean(), abs=1e-9)
        assert judged.verdict == "improved"
        missing = service.judge(session, experiment_id=missing_id, actor=SYSTEM).evidence
        assert missing.verdict == "not enough data"
        assert "no data: there are no values of CSAT uploaded for A" in missing.warnings


def test_a_viewer_of_the_team_is_judged_on_the_same_records(engine, small_dataset):
    viewer = person(name="Vi", email="vi@example.org", claimed={"A": "viewer"})
    with Session(engine) as session:
        version = crud.save_dataset_version(
            session, dataset=small_dataset, name="Team A", team="A", format="demo", actor=SYSTEM
        )
        delivery.save_import(
            session,
            actor=SYSTEM,
            team="A",
            kind="deployments",
            rows=_deployments(3, 3),
            format="csv",
        )
        experiment_id = _experiment(session, version.dataset_id, "deployment_frequency", "increase")
        evidence = service.judge(session, experiment_id=experiment_id, actor=viewer).evidence
        assert evidence.after["value"] == 3.0
        outsider = person(name="Ou", email="ou@example.org", claimed={"B": "editor"})
        with pytest.raises(LookupError):
            service.judge(session, experiment_id=experiment_id, actor=outsider)


def test_the_form_offers_what_the_teams_records_can_measure(engine, small_dataset):
    from vsm_core.experiments.sources import record_targets

    keys = [
        "deployment_frequency",
        "change_lead_time_p50",
        "change_failure_rate",
        "recovery_time_p50",
        "deployment_rework_rate",
    ]
    with Session(engine) as session:
        assert record_targets(session, actor=SYSTEM, team="A") == []
        delivery.save_import(
            session,
            actor=SYSTEM,
            team="A",
            kind="deployments",
            rows=_deployments(1, 1),
            format="csv",
        )
        series.save_series(
            session,
            actor=SYSTEM,
            team="A",
            points=pd.DataFrame(
                {"team": None, "metric": ["NPS", "Cost"], "day": [FIRST, FIRST], "value": [1, 2]}
            ),
        )
        assert record_targets(session, actor=SYSTEM, team="A") == [
            *keys,
            *(f"{key}:api" for key in keys),
            "series:Cost",
            "series:NPS",
        ]
        outsider = person(name="Ou", email="ou@example.org", claimed={"B": "editor"})
        assert record_targets(session, actor=outsider, team="A") == []
