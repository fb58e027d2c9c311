"""AppTest fixtures: the whole app from its entry point, on a database of its own."""

from __future__ import annotations

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
