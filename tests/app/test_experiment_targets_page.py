"""The Experiments page offers the team's DORA keys and uploaded series as targets, and
judges an experiment on them (AppTest, on the seeded demo team)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from tests.delivery_records import store_deployments
from vsm_core.store import crud, make_engine
from vsm_core.store.access import SYSTEM

CHANGE = date(2026, 6, 1)


def _store_records(team: str, before=(0, 2), after=(0, 1, 2, 3)) -> None:
    """Deployments of "api" on the week days ``before`` the change (default two a week) and
    ``after`` it (default four a week), over 12 weeks each; a new import replaces the last."""
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    mondays = [CHANGE + timedelta(weeks=k) for k in range(-12, 12)]
    times = [
        datetime.combine(monday, datetime.min.time(), UTC) + timedelta(days=day, hours=11)
        for monday in mondays
        for day in (before if monday < CHANGE else after)
    ]
    with Session(engine) as session:
        store_deployments(session, team, times)
    engine.dispose()


def _team(app) -> str:
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:
        [dataset] = crud.list_datasets(session, actor=SYSTEM)
    engine.dispose()
    return dataset.team or dataset.name


def test_a_deployment_frequency_experiment_is_offered_recorded_and_judged(open_page):
    page = open_page("pages/experiments.py")
    _store_records(_team(page))
    page.session_state["experiments.new_open"] = True
    page.run()
    options = page.selectbox(key="new_metric").options
    assert "Deployment frequency" in options
    assert "Change failure rate of api" in options
    page.text_input(key="new_title").set_value("Deploy on every merge")
    page.text_area(key="new_hypothesis").set_value("Smaller changes will ship more often")
    page.text_input(key="new_owner").set_value("Kim")
    page.selectbox(key="new_metric").set_value("deployment_frequency")
    page.selectbox(key="new_direction").set_value("increase")
    page.date_input(key="new_change").set_value(CHANGE)
    page.text_input(key="new_author").set_value("Kim Lee")
    page.button[0].click().run()
    assert not page.exception
    assert page.subheader[-1].value.endswith("Deploy on every merge")
    verdict = next(m.value for m in page.markdown if m.value.startswith("### "))
    assert "improved" in verdict.lower()
    # A new deployments file (one a week after the change): the verdict follows the records
    # at once, not a cached answer from before the upload.
    _store_records(_team(page), before=(0, 1, 2, 3), after=(0,))
    page.run()
    verdict = next(m.value for m in page.markdown if m.value.startswith("### "))
    assert "worsened" in verdict.lower()
