"""Deployment and incident imports in the store (vsm_core.store.delivery), SQLite and PostgreSQL.

Ana is an editor of A, Vic a viewer of A, Bo an editor of B. A team's imports belong to it:
another team's do not exist for a person, saving needs the editor role, a new import of a
kind supersedes the previous one, the same file again stores nothing, and every save is in
the team's activity log.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlmodel import Session, select

from vsm_core.delivery import read_delivery, window_summary
from vsm_core.store import delivery, teams
from vsm_core.store.access import SYSTEM, AccessDenied, NotFound, person
from vsm_core.store.models import Deployment

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery"
NOW = pd.Timestamp("2026-06-01T00:00:00Z")
ANA = person(name="Ana", email="ana@example.org", claimed={"A": "editor"})
VIC = person(name="Vic", email="vic@example.org", claimed={"A": "viewer"})
BO = person(name="Bo", email="bo@example.org", claimed={"B": "editor"})


def read(name: str):
    return read_delivery((DATA / name).read_bytes(), name, now=NOW)


def save(session, actor, team, name):
    result = read(name)
    table = result.table
    return delivery.save_import(
        session,
        actor=actor,
        team=team,
        kind=result.kind,
        rows=table,
        format=result.format,
        source_filename=name,
        source_sha256=result.sha256,
    )


def test_a_saved_log_loads_back_and_gives_the_same_keys(engine):
    with Session(engine) as session:
        first = save(session, ANA, "A", "deployments.csv")
        save(session, ANA, "A", "incidents.csv")
        log = delivery.load_log(session, actor=VIC, team="A")
    assert first.created and first.rows == 8
    expected = read("deployments.csv").log.deployments
    assert list(log.deployments["external_id"]) == list(expected["external_id"])
    assert log.deployments["deployed_at"].equals(expected["deployed_at"])
    assert list(log.deployments["kind"]) == list(expected["kind"])
    assert log.deployments["change_ids"].iloc[0] == ("PAY-1", "PAY-2")
    assert list(log.incidents["deployment_ref"]) == ["d4", None, None]
    assert pd.isna(log.incidents["resolved_at"].iloc[2])
    assert window_summary(log)["change_failure_rate"].value == pytest.approx(3 / 8)


def test_the_same_file_again_stores_nothing_and_a_new_one_supersedes(engine):
    with Session(engine) as session:
        first = save(session, ANA, "A", "deployments.csv")
        again = save(session, ANA, "A", "deployments.csv")
        assert (again.created, again.import_id) == (False, first.import_id)
        assert len(session.exec(select(Deployment)).all()) == 8
        newer = save(session, ANA, "A", "github_deployments.json")
        assert newer.created and newer.superseded == first.import_id
        log = delivery.load_log(session, actor=ANA, team="A")
        assert list(log.deployments["external_id"]) == ["1001", "1002", "1003"]
        imports = delivery.list_imports(session, actor=ANA, team="A")
        assert [i.id for i in imports][:2] == [newer.import_id, first.import_id]
        assert imports[1].superseded_at is not None and imports[0].superseded_at is None
        actions = [a.action for a in teams.list_activity(session, actor=ANA, team="A")]
        assert actions.count("delivery_import") == 2  # the repeat stored nothing


def test_another_teams_imports_do_not_exist_for_a_person(engine):
    with Session(engine) as session:
        save(session, ANA, "A", "deployments.csv")
        save(session, BO, "B", "incidents.csv")
        assert [i.team for i in delivery.list_imports(session, actor=BO)] == ["B"]
        assert delivery.list_imports(session, actor=BO, team="A") == []
        with pytest.raises(NotFound):
            delivery.load_log(session, actor=BO, team="A")
        with pytest.raises(NotFound):
            delivery.services(session, actor=BO, team="A")
        b_viewer = person(name="Bea", email="bea@example.org", claimed={"B": "viewer"})
        assert delivery.load_log(session, actor=b_viewer, team="B").deployments.empty
        assert delivery.services(session, actor=VIC, team="A") == ["api", "web"]
        assert {i.team for i in delivery.list_imports(session, actor=SYSTEM)} == {"A", "B"}


def test_saving_needs_the_editor_role_and_stores_nothing_otherwise(engine):
    with Session(engine) as session:
        with pytest.raises(AccessDenied, match="editor"):
            save(session, VIC, "A", "deployments.csv")
        with pytest.raises(NotFound):
            save(session, BO, "A", "deployments.csv")
        assert session.exec(select(Deployment)).all() == []
        assert delivery.list_imports(session, actor=SYSTEM) == []
        with pytest.raises(ValueError, match="kind"):
            delivery.save_import(
                session, actor=ANA, team="A", kind="builds", rows=pd.DataFrame(), format="x"
            )


def test_a_team_without_imports_has_an_empty_log(engine):
    with Session(engine) as session:
        log = delivery.load_log(session, actor=ANA, team="A")
    assert log.empty and log.services() == []


def test_text_longer_than_its_column_is_refused_and_nothing_stored(engine):
    rows = pd.DataFrame(
        {
            "deployed_at": [pd.Timestamp("2026-03-02T10:00Z")],
            "status": ["success"],
            "service": ["s" * 201],
        }
    )
    with Session(engine) as session:
        with pytest.raises(ValueError, match="service is longer than 200"):
            delivery.save_import(
                session, actor=ANA, team="A", kind="deployments", rows=rows, format="x"
            )
        assert delivery.list_imports(session, actor=SYSTEM) == []


def test_services_are_those_of_the_loaded_log(engine):
    """The DISTINCT queries name what ``load_log(...).services()`` names: a deployment's
    environment when it has no service, incidents' services, no blanks."""
    deployments = pd.DataFrame(
        {
            "deployed_at": pd.to_datetime(["2026-05-04T10:00Z", "2026-05-05T10:00Z"] * 2),
            "service": ["api", None, "api", "web"],
            "environment": [None, "staging", "prod", None],
            "status": "success",
        }
    )
    incidents = pd.DataFrame(
        {
            "started_at": pd.to_datetime(["2026-05-06T10:00Z", "2026-05-07T10:00Z"]),
            "service": ["Billing", None],
        }
    )
    with Session(engine) as session:
        for kind, rows in (("deployments", deployments), ("incidents", incidents)):
            delivery.save_import(
                session, actor=SYSTEM, team="A", kind=kind, rows=rows, format="csv"
            )
        named = delivery.services(session, actor=VIC, team="A")
        assert named == delivery.load_log(session, actor=VIC, team="A").services()
        assert named == ["api", "Billing", "staging", "web"]
        with pytest.raises(NotFound):
            delivery.services(session, actor=BO, team="A")
