"""Restoring an archived dataset or version: the team admin's, logged, listed again
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from vsm_core.store import crud, teams
from vsm_core.store.access import SYSTEM, AccessDenied, NotFound, person

WHEN = datetime(2026, 12, 1, tzinfo=UTC)
ADMIN = person(name="Ada", email="ada@example.org", claimed={"A": "admin"})
EDITOR = person(name="Ed", email="ed@example.org", claimed={"A": "editor"})
OUTSIDER = person(name="Ou", email="ou@example.org", claimed={"B": "admin"})


@pytest.fixture(scope="module")
def small_dataset():
    from vsm_core.sample_data import generate_demo_dataset

    return generate_demo_dataset(n_items=20)


def test_only_the_team_admin_restores_and_it_is_logged(engine, small_dataset):
    with Session(engine) as session:
        version = crud.save_dataset_version(
            session, dataset=small_dataset, name="Team A", team="A", format="demo", actor=SYSTEM
        )
        crud.archive_dataset(session, dataset_id=version.dataset_id, when=WHEN, actor=ADMIN)
        crud.archive_version(session, version_id=version.id, when=WHEN, actor=ADMIN)
        assert crud.list_datasets(session, actor=ADMIN) == []
        with pytest.raises(AccessDenied, match="needs the admin role"):
            crud.restore_dataset(session, dataset_id=version.dataset_id, actor=EDITOR)
        with pytest.raises(NotFound):
            crud.restore_version(session, version_id=version.id, actor=OUTSIDER)
        crud.restore_dataset(session, dataset_id=version.dataset_id, actor=ADMIN)
        crud.restore_version(session, version_id=version.id, actor=ADMIN)
        [listed] = crud.list_datasets(session, actor=ADMIN)
        assert (listed.name, listed.archived, listed.latest_version) == ("Team A", False, 1)
        log = teams.list_activity(session, actor=ADMIN, team="A")
        assert [(e.action, e.subject) for e in log[:2]] == [
            ("restore", "Team A version 1"),
            ("restore", "Team A"),
        ]
