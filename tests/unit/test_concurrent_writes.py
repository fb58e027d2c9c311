"""Several processes writing at once: nobody fails, nothing is lost, versions are 1..n.

Real processes (``python -m vsm_core``), started together, on SQLite and on
PostgreSQL where one answers: four imports into one dataset name, and four
processes starting on one empty database (each migrates it first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from vsm_core.store import crud, make_engine
from vsm_core.store.access import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 4
ROUNDS = 3


def _events_file(folder: Path, n: int) -> Path:
    path = folder / f"events-{n}.csv"
    rows = "".join(  # every file differs (its titles), so none is an identical re-import
        f"K-{i},To Do,2024-01-0{1 + i % 5}T09:00:00Z,export {n}\n"
        f"K-{i},Doing,2024-01-10T09:00:00Z,export {n}\n"
        f"K-{i},Done,2024-01-1{2 + n % 5}T09:00:00Z,export {n}\n"
        for i in range(30)
    )
    path.write_text("Key,Status,Changed,Title\n" + rows)
    return path


def _start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "vsm_core", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(processes: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    return [(p.wait(timeout=120), *p.communicate()) for p in processes]


def test_four_imports_into_one_name_at_once_all_store_a_version(database_url, tmp_path):
    # Migrate first, so that this test is about the imports (the next one is about start-up).
    engine = make_engine(database_url)
    from vsm_core.store import upgrade_to_head

    upgrade_to_head(engine)
    files = [_events_file(tmp_path, n) for n in range(WRITERS * ROUNDS)]
    outcomes = []
    for round_ in range(ROUNDS):
        batch = files[round_ * WRITERS : (round_ + 1) * WRITERS]
        processes = [
            _start(["--db", database_url, "import", str(f), "--dataset", "Shared", "--json"])
            for f in batch
        ]
        outcomes += _finish(processes)
    failures = [(code, err) for code, _out, err in outcomes if code != 0]
    assert failures == []
    assert all(json.loads(out)["stored"] for _code, out, _err in outcomes)
    numbers = sorted(json.loads(out)["version"] for _code, out, _err in outcomes)
    assert numbers == list(range(1, WRITERS * ROUNDS + 1))
    with Session(engine) as session:
        [dataset] = crud.list_datasets(session, actor=SYSTEM)
        versions = crud.list_versions(session, dataset_id=dataset.id, actor=SYSTEM)
        assert [v.version for v in versions] == list(range(1, WRITERS * ROUNDS + 1))
        for version in versions:  # nothing lost: every version loads whole
            loaded = crud.load_dataset(session, version_id=version.id, actor=SYSTEM)
            assert (len(loaded.items), len(loaded.events)) == (30, 90)
    engine.dispose()


def test_four_processes_starting_on_an_empty_database_migrate_it_once(database_url):
    processes = [_start(["--db", database_url, "datasets", "list", "--json"]) for _ in range(4)]
    outcomes = _finish(processes)
    assert [(code, err) for code, _out, err in outcomes if code != 0] == []
    assert all(json.loads(out) == [] for _code, out, _err in outcomes)
    engine = make_engine(database_url)
    from vsm_core.store import current_revision, head_revision

    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_clash_that_keeps_happening_is_one_plain_sentence(engine, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from vsm_core.store import writing

    monkeypatch.setattr(writing, "RETRY_PAUSE_S", 0)
    calls = []

    def clashing():
        calls.append(1)
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: dataset.name"))

    with Session(engine) as session, pytest.raises(writing.StoreConflict) as refused:
        writing.with_retries(session, clashing, what="storing a new version of 'X'")
    assert len(calls) == writing.WRITE_ATTEMPTS
    assert str(refused.value).startswith("storing a new version of 'X' clashed 5 times")
    assert "UNIQUE" not in str(refused.value)
