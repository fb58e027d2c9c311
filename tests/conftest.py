"""Fixtures shared by every test tier: databases on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "VSM_TEST_POSTGRES_URL"


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not os.environ.get(POSTGRES_ENV),
                    reason=f"{POSTGRES_ENV} is not set (no PostgreSQL to test against)",
                ),
            ],
        )
    )
    return params


@pytest.fixture(params=_backends())
def database_url(request, tmp_path) -> Iterator[str]:
    """A URL of an empty database of its own: a temp SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'flowlab-test.db'}"
        return
    yield from _postgres_database(os.environ[POSTGRES_ENV])


def _postgres_database(server_url: str) -> Iterator[str]:
    name = f"flowlab_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url):
    """An engine on an empty, migrated database; disposed after the test."""
    from vsm_core.store import make_engine, upgrade_to_head

    engine = make_engine(database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_dataset():
    from vsm_core.sample_data import generate_demo_dataset

    return generate_demo_dataset()
