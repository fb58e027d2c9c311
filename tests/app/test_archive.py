"""Archiving on the Import page's "Stored datasets", through AppTest.

A team admin (the single user of a Flowlab without sign-in, or a signed-in admin)
archives a whole dataset or one version after a confirmation; the store records it in
the team's activity; archived ones are hidden until "Show archived" is on. Editors and
viewers see no Archive control at all.
"""

from __future__ import annotations

import os

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from tests.app.test_auth_gate import ALICE, AUTH
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.store import crud, make_engine, teams
from vsm_core.store.access import SYSTEM


def _engine():
    return make_engine(os.environ["VSM_DATABASE_URL"])


def _add_version(name: str = "Demo team", seed: int = 5) -> None:
    """One more version of dataset ``name`` (the demo's team)."""
    engine = _engine()
    with Session(engine) as session:
        crud.save_dataset_version(
            session,
            dataset=generate_demo_dataset(n_items=40, seed=seed),
            name=name,
            format="demo",
            actor=SYSTEM,
        )
    engine.dispose()


def _stored(include_archived: bool = False):
    engine = _engine()
    with Session(engine) as session:
        found = crud.list_datasets(session, include_archived=include_archived, actor=SYSTEM)
        versions = {
            d.name: [
                (v.version, v.archived_at is not None)
                for v in crud.list_versions(
                    session, dataset_id=d.id, include_archived=True, actor=SYSTEM
                )
            ]
            for d in found
        }
        log = teams.list_activity(session, actor=SYSTEM)
    engine.dispose()
    return found, versions, log


def _by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def _labels(widgets) -> list[str]:
    return [w.label for w in widgets]


def _expanders(app: AppTest) -> list[str]:
    return [e.label for e in app.expander if "version(s)" in e.label]


def _open_import(app: AppTest) -> AppTest:
    app.switch_page("pages/import_data.py").run()
    assert not app.exception
    return app


@pytest.fixture
def page(app) -> AppTest:
    app.run()  # migrates and seeds the demo
    _add_version()
    return _open_import(app)


def test_the_admin_archives_a_version_after_confirming(page):
    assert "Archive" in _labels(page.button)
    page.selectbox(key=f"arch_pick_{_stored()[0][0].id}").set_value("Version 1").run()
    archive = _by_label(page.button, "Archive")
    assert archive.disabled  # nothing happens without the confirmation
    _by_label(
        page.checkbox, "Yes, archive version 1 of “Demo team”: hide it, delete nothing"
    ).check().run()
    _by_label(page.button, "Archive").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Archived version 1 of “Demo team”")
    _, versions, log = _stored()
    assert versions["Demo team"] == [(1, True), (2, False)]
    assert (log[0].action, log[0].subject, log[0].actor) == (
        "archive",
        "Demo team version 1",
        "local user",
    )
    [expander] = _expanders(page)
    assert "1 version(s)" in expander  # the archived one is hidden


def test_the_admin_archives_a_dataset_and_show_archived_lists_it(page):
    _by_label(page.checkbox, "Yes, archive “Demo team”: hide it, delete nothing").check().run()
    _by_label(page.button, "Archive").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Archived “Demo team”")
    assert _stored()[0] == []
    assert "None yet." in [c.value for c in page.caption]
    [entry] = [e for e in _stored()[2] if e.action == "archive"]
    assert entry.subject == "Demo team"
    page.toggle(key="stored_show_archived").set_value(True).run()
    assert not page.exception
    [expander] = _expanders(page)
    assert expander.endswith("· archived")
    assert "Archive" not in _labels(page.button)  # nothing more to archive there
    assert "Delete version" not in _labels(page.button)


def test_show_archived_marks_archived_versions(page):
    engine = _engine()
    with Session(engine) as session:
        [demo] = crud.list_datasets(session, actor=SYSTEM)
        [first, _] = crud.list_versions(session, dataset_id=demo.id, actor=SYSTEM)
        crud.archive_version(session, version_id=first.id, when=first.imported_at, actor=SYSTEM)
    engine.dispose()
    page.run()
    [table] = [d.value for d in page.dataframe if "version" in d.value.columns]
    assert list(table["version"]) == [2] and "archived" not in table.columns
    page.toggle(key="stored_show_archived").set_value(True).run()
    [table] = [d.value for d in page.dataframe if "version" in d.value.columns]
    assert list(table["version"]) == [1, 2]
    assert list(table["archived"].fillna("")) == ["archived", ""]


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_viewers_and_editors_see_no_archive_control(app, role):
    app.run()
    _add_version()
    app.secrets["auth"] = AUTH
    app.secrets["teams"] = {"team-a": {"team": "Demo team", "role": role}}
    app.user = ALICE
    _open_import(app)
    assert _expanders(app)  # the team's datasets are listed ...
    assert "Archive" not in _labels(app.button)  # ... without archiving
    assert "Delete version" not in _labels(app.button)
    assert not [s for s in app.selectbox if (s.key or "").startswith("arch_")]
    assert not [c for c in app.checkbox if "archive" in c.label]


def test_a_signed_in_admin_archives_and_the_log_names_them(app):
    app.run()
    app.secrets["auth"] = AUTH
    app.secrets["teams"] = {"team-a": {"team": "Demo team", "role": "admin"}}
    app.user = ALICE
    _open_import(app)
    _by_label(app.checkbox, "Yes, archive “Demo team”: hide it, delete nothing").check().run()
    _by_label(app.button, "Archive").click().run()
    assert not app.exception
    [entry] = [e for e in _stored()[2] if e.action == "archive"]
    assert (entry.actor, entry.actor_email) == ("Alice Example", "alice@example.com")


def test_the_admin_restores_an_archived_version_and_dataset(page):
    engine = _engine()
    with Session(engine) as session:
        [demo] = crud.list_datasets(session, actor=SYSTEM)
        [first, _] = crud.list_versions(session, dataset_id=demo.id, actor=SYSTEM)
        crud.archive_version(session, version_id=first.id, when=first.imported_at, actor=SYSTEM)
        crud.archive_dataset(session, dataset_id=demo.id, when=first.imported_at, actor=SYSTEM)
    engine.dispose()
    page.run()
    assert "Restore" not in _labels(page.button)  # archived ones are not even listed
    page.toggle(key="stored_show_archived").set_value(True).run()
    pick = page.selectbox(key=f"rest_pick_{demo.id}")
    assert pick.options == ["The whole dataset", "Version 1"]
    _by_label(page.button, "Restore").click().run()
    assert not page.exception
    assert page.success[0].value == "Restored “Demo team”: listed on every page again."
    found, versions, log = _stored()
    assert [d.name for d in found] == ["Demo team"]
    assert versions["Demo team"] == [(1, True), (2, False)]
    assert (log[0].action, log[0].subject) == ("restore", "Demo team")
    page.selectbox(key=f"rest_pick_{demo.id}").set_value("Version 1").run()
    _by_label(page.button, "Restore").click().run()
    assert _stored()[1]["Demo team"] == [(1, False), (2, False)]
    assert _stored()[2][0].subject == "Demo team version 1"
