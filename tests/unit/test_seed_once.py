"""Processes starting together on an empty database migrate and seed it exactly once.

Two real ``db upgrade --seed-demo`` processes (what ``make run`` does on start) on one
empty database, SQLite and PostgreSQL: one demo team with its two experiments, one
``alembic_version`` row at head, both processes exit 0.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from vsm_core.store.migrate import HEAD_REVISION

ROOT = Path(__file__).resolve().parents[2]


def test_two_processes_on_an_empty_database_seed_the_demo_once(database_url):
    command = [sys.executable, "-m", "vsm_core", "--db", database_url, "db", "upgrade"]
    processes = [
        subprocess.Popen(
            [*command, "--seed-demo"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            datasets = connection.execute(text("SELECT name FROM dataset")).scalars().all()
            versions = connection.execute(text("SELECT count(*) FROM dataset_version")).scalar()
            experiments = connection.execute(text("SELECT count(*) FROM experiment")).scalar()
            revisions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert datasets == ["Demo team"]
    assert (versions, experiments) == (1, 2)
    assert [row[0] for row in revisions] == [HEAD_REVISION]
    said = "".join(out for out, _err in outputs)
    assert said.count("demo dataset stored") == 1
