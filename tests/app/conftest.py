"""AppTest fixtures: the whole app from its entry point, on a database of its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(monkeypatch, tmp_path) -> AppTest:
    """The app from its entry point, on a fresh SQLite database of its own (not run yet)."""
    monkeypatch.setenv("VSM_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


@pytest.fixture
def open_page(app):
    """Run the app, switch to ``path`` and check it drew without an exception."""

    def opener(path: str) -> AppTest:
        app.run()
        app.switch_page(path).run()
        assert not app.exception
        return app

    return opener


@pytest.fixture
def update_wip_limit():
    """Edit the demo's "WIP limit on Ready and Review" experiment in the app's database, as
    someone else would between two runs of a page (run the app first: it seeds the demo).

    ``update_wip_limit(learnings="…")`` stores the given fields (those of
    :class:`~vsm_core.experiments.records.ExperimentUpdate`) as the system and returns the
    experiment's id.
    """
    from sqlmodel import Session

    from vsm_core.experiments import records
    from vsm_core.store import make_engine
    from vsm_core.store.access import SYSTEM

    def update(**changes) -> int:
        engine = make_engine(os.environ["VSM_DATABASE_URL"])
        try:
            with Session(engine) as session:
                [wip] = [
                    e
                    for e in records.list_experiments(session, actor=SYSTEM)
                    if e.title == "WIP limit on Ready and Review"
                ]
                records.update_experiment(
                    session,
                    experiment_id=wip.id,
                    changes=records.ExperimentUpdate(**changes),
                    author="t",
                    actor=SYSTEM,
                )
                return wip.id
        finally:
            engine.dispose()

    return update
