"""The demo team's sample deployments, incidents and measures (vsm_core.sample_records):
the same files every time, read by the real readers without a note, telling the demo's
story around its process change, and stored on request (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from vsm_core.delivery import DeliveryLog, read_delivery, window_summary
from vsm_core.sample_data import DEMO_TEAM, PROCESS_CHANGE_DATE, SPAN_END, SPAN_START
from vsm_core.sample_records import (
    DEPLOYMENTS_FILE,
    INCIDENTS_FILE,
    MEASURES_FILE,
    demo_record_files,
)
from vsm_core.series import parse_series
from vsm_core.store import delivery, series
from vsm_core.store.access import SYSTEM, AccessDenied, person
from vsm_core.store.bootstrap import seed_demo_records

BEFORE = (SPAN_START, date(2026, 5, 31))
AFTER = (PROCESS_CHANGE_DATE, SPAN_END)


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return dict(demo_record_files())


@pytest.fixture(scope="module")
def log(files) -> DeliveryLog:
    deployments = read_delivery(files[DEPLOYMENTS_FILE], DEPLOYMENTS_FILE)
    incidents = read_delivery(files[INCIDENTS_FILE], INCIDENTS_FILE)
    assert (deployments.kind, incidents.kind) == ("deployments", "incidents")
    assert deployments.notes == () and incidents.notes == ()  # nothing left out
    return DeliveryLog(deployments.log.deployments, incidents.log.incidents)


def test_the_files_are_the_same_every_time(files):
    assert dict(demo_record_files()) == files
    assert list(files) == [DEPLOYMENTS_FILE, INCIDENTS_FILE, MEASURES_FILE]


def test_the_records_cover_the_demo_and_name_real_deployments(log):
    deployed = log.deployments["deployed_at"]
    assert deployed.min().date() >= SPAN_START and deployed.max().date() <= SPAN_END
    assert set(log.deployments["service"]) == {"api", "web"}
    named = log.incidents["deployment_ref"].dropna()
    named = named[named != ""]
    assert len(named) > 0 and set(named) <= set(log.deployments["external_id"])
    assert log.incidents["resolved_at"].notna().all()


def test_delivery_improves_after_the_process_change(log):
    before = window_summary(log, start=BEFORE[0], end=BEFORE[1])
    after = window_summary(log, start=AFTER[0], end=AFTER[1])
    assert 2.0 < before["deployment_frequency"].value < 4.0
    assert after["deployment_frequency"].value > 1.5 * before["deployment_frequency"].value
    assert after["change_failure_rate"].value < before["change_failure_rate"].value
    assert after["change_lead_time_p50"].value < before["change_lead_time_p50"].value


def test_the_measures_are_weekly_and_satisfaction_rises(files):
    points = parse_series(files[MEASURES_FILE], MEASURES_FILE, team=DEMO_TEAM).points
    assert set(points["metric"]) == {"Customer satisfaction", "Support tickets"}
    satisfaction = points[points["metric"] == "Customer satisfaction"]
    assert satisfaction["value"].between(1, 5).all()
    assert (satisfaction["day"].dt.day_of_week == 0).all()  # Mondays
    after = satisfaction["day"].dt.date >= PROCESS_CHANGE_DATE
    assert satisfaction[after]["value"].mean() > satisfaction[~after]["value"].mean()


def test_seeding_stores_each_file_once(engine):
    with Session(engine) as session:
        said = seed_demo_records(session, actor=SYSTEM)
        assert said[0].startswith("Stored") and "demo-deployments.csv" in said[0]
        stored = delivery.load_log(session, actor=SYSTEM, team=DEMO_TEAM)
        assert len(stored.deployments) > 100 and len(stored.incidents) > 10
        points = series.load_points(
            session, actor=SYSTEM, team=DEMO_TEAM, metric="Customer satisfaction"
        )
        assert len(points) == 39
        again = seed_demo_records(session, actor=SYSTEM)
        assert all(sentence.endswith("was already stored.") for sentence in again)
        assert len(delivery.list_imports(session, actor=SYSTEM, team=DEMO_TEAM)) == 2


def test_a_viewer_cannot_seed_and_nothing_is_stored(engine):
    viewer = person(name="Vi", email="vi@example.org", claimed={DEMO_TEAM: "viewer"})
    with Session(engine) as session:
        with pytest.raises(AccessDenied):
            seed_demo_records(session, actor=viewer)
        assert delivery.load_log(session, actor=SYSTEM, team=DEMO_TEAM).empty
