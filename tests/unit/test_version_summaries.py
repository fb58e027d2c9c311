"""Stored version summaries (vsm_core.store.summaries) and the Organisation rows kept in them.

On SQLite and (when reachable) PostgreSQL: a payload reads back exactly (NaN included),
the first payload of a key stays and concurrent writers of one key all succeed, the
team rule holds (another team's version is not found), an import stores the default
period's row and a failure to summarise never fails it, and a stored row equals the row
computed from the loaded version for several datasets and periods.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.unit.builders import dataset_from_events
from vsm_core.cli import main
from vsm_core.model import Category, Stage, Workflow
from vsm_core.organisation import stored
from vsm_core.organisation.overview import overview_row, team_overview
from vsm_core.organisation.summary import team_datasets
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.store import crud, make_engine, summaries
from vsm_core.store.access import SYSTEM, NotFound, person
from vsm_core.store.models import DatasetVersion, VersionSummary

VIEWER_A = person(name="Ann", email="ann@example.org", claimed={"Team A": "viewer"})
MEMBER_B = person(name="Bo", email="bo@example.org", claimed={"Team B": "admin"})


def _save(session, dataset, name, team, actor=SYSTEM):
    return crud.save_dataset_version(
        session, dataset=dataset, name=name, team=team, format="demo", actor=actor
    )


@pytest.fixture
def version_id(engine) -> int:
    with Session(engine) as session:
        return _save(session, generate_demo_dataset(n_items=60, seed=1), "Alpha", "Team A").id


# --------------------------------------------------------------------------- the store


def test_a_payload_reads_back_exactly_with_non_finite_numbers(engine, version_id):
    payload = {"a": 1 / 3, "nan": math.nan, "inf": -math.inf, "list": [1, None, "x"], "n": None}
    with Session(engine) as session:
        assert summaries.store_summary(
            session, actor=SYSTEM, version_id=version_id, key="test/v1", payload=payload
        )
        back = summaries.stored_summary(session, actor=SYSTEM, version_id=version_id, key="test/v1")
    assert back["a"] == 1 / 3 and back["list"] == [1, None, "x"] and back["n"] is None
    assert math.isnan(back["nan"]) and back["inf"] == -math.inf


def test_the_first_payload_of_a_key_stays_and_another_key_is_separate(engine, version_id):
    with Session(engine) as session:
        first = summaries.store_summary(
            session, actor=SYSTEM, version_id=version_id, key="k/v1", payload={"x": 1}
        )
        second = summaries.store_summary(
            session, actor=SYSTEM, version_id=version_id, key="k/v1", payload={"x": 2}
        )
        summaries.store_summary(
            session, actor=SYSTEM, version_id=version_id, key="k/v2", payload={"x": 3}
        )
        assert (first, second) == (True, False)
        read = summaries.stored_summaries(
            session, actor=SYSTEM, version_ids=[version_id], key="k/v1"
        )
        assert read == {version_id: {"x": 1}}
        assert summaries.stored_summary(
            session, actor=SYSTEM, version_id=version_id, key="k/v2"
        ) == {"x": 3}
        assert (
            summaries.stored_summary(session, actor=SYSTEM, version_id=version_id, key="k/v3")
            is None
        )


def test_several_versions_are_stored_together_or_not_at_all(engine, version_id):
    with Session(engine) as session:
        other = _save(session, generate_demo_dataset(n_items=30, seed=3), "Bravo", "Team B").id
        with pytest.raises(NotFound):  # one version the viewer may not read: nothing stored
            summaries.store_summaries(
                session, actor=VIEWER_A, key="many/v1", payloads={version_id: {}, other: {}}
            )
        assert (
            summaries.stored_summaries(
                session, actor=SYSTEM, version_ids=[version_id, other], key="many/v1"
            )
            == {}
        )
        payloads = {version_id: {"n": 1}, other: {"n": 2}}
        assert (
            summaries.store_summaries(session, actor=SYSTEM, key="many/v1", payloads=payloads) == 2
        )
        assert (
            summaries.store_summaries(session, actor=SYSTEM, key="many/v1", payloads=payloads) == 0
        )
        assert (
            summaries.stored_summaries(
                session, actor=SYSTEM, version_ids=[version_id, other], key="many/v1"
            )
            == payloads
        )


def test_concurrent_writers_of_one_key_all_succeed(engine, version_id):
    results: list[object] = []
    start = threading.Barrier(6)

    def write(n: int) -> None:
        with Session(engine) as session:
            start.wait()
            try:
                results.append(
                    summaries.store_summary(
                        session,
                        actor=SYSTEM,
                        version_id=version_id,
                        key="race/v1",
                        payload={"n": n},
                    )
                )
            except Exception as error:  # the failure the test is about
                results.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [False] * 5 + [True]
    with Session(engine) as session:
        rows = session.exec(select(VersionSummary).where(VersionSummary.key == "race/v1")).all()
    assert len(rows) == 1


def test_get_or_compute_computes_once(engine, version_id):
    calls = []

    def compute():
        calls.append(1)
        return {"value": 42.5}

    with Session(engine) as session:
        for _ in range(3):
            got = summaries.summary_or_compute(
                session, actor=SYSTEM, version_id=version_id, key="once/v1", compute=compute
            )
            assert got == {"value": 42.5}
    assert len(calls) == 1


def test_another_teams_version_is_not_found_and_a_viewer_may_read_and_store(engine, version_id):
    with Session(engine) as session:
        with pytest.raises(NotFound):
            summaries.stored_summary(session, actor=MEMBER_B, version_id=version_id, key="k")
        with pytest.raises(NotFound):
            summaries.store_summary(
                session, actor=MEMBER_B, version_id=version_id, key="k", payload={}
            )
        with pytest.raises(NotFound):
            summaries.store_summary(session, actor=SYSTEM, version_id=999_999, key="k", payload={})
        assert summaries.store_summary(
            session, actor=VIEWER_A, version_id=version_id, key="k", payload={"v": 1}
        )
        assert (
            summaries.stored_summaries(session, actor=MEMBER_B, version_ids=[version_id], key="k")
            == {}
        )
        assert summaries.stored_summary(session, actor=VIEWER_A, version_id=version_id, key="k")


def test_a_version_with_summaries_is_deleted_not_archived_and_its_summaries_go(engine, version_id):
    with Session(engine) as session:
        assert summaries.stored_summary(
            session, actor=SYSTEM, version_id=version_id, key=stored.row_key(28)
        )
        assert crud.delete_version(session, version_id=version_id, actor=SYSTEM) == "deleted"
        assert session.exec(select(VersionSummary)).all() == []


# --------------------------------------------------------------------------- import hook


def test_an_import_stores_the_default_periods_row(engine, version_id):
    with Session(engine) as session:
        payload = summaries.stored_summary(
            session, actor=SYSTEM, version_id=version_id, key=stored.row_key(28)
        )
    first, last = (date.fromisoformat(day) for day in payload["flow"]["period"])
    assert (last - first).days == 27  # the default four weeks
    assert set(payload) == {"flow", "sle_days", "sle_hit_rate"}
    assert len(payload["flow"]["measures"]) == 4


def test_a_failure_to_summarise_never_fails_the_import(engine, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("summary broke")

    monkeypatch.setattr(stored, "overview_row", broken)
    with Session(engine) as session:
        version = _save(session, generate_demo_dataset(n_items=40, seed=2), "Beta", "Team B")
        assert version.id is not None and version.item_count == 40
        assert session.exec(select(VersionSummary)).all() == []
    assert "could not summarise dataset version" in caplog.text
    monkeypatch.undo()
    with Session(engine) as session:  # the first read computes and stores it
        rows = team_overview(session, actor=SYSTEM, load=_loader(session))
        assert rows[0].flow is not None
        assert len(session.exec(select(VersionSummary)).all()) == 1


# --------------------------------------------------------------------------- equal numbers

WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", category=Category.BACKLOG),
        Stage(name="Doing", category=Category.ACTIVE),
        Stage(name="Done", category=Category.DONE),
    ),
    start="Doing",
)
SMALL = [
    ("A", "Doing", "2024-02-01T12:00:00+00:00"),
    ("A", "Done", "2024-02-09T12:00:00+00:00"),
    ("B", "Doing", "2024-03-02T12:00:00+00:00"),
    ("B", "Done", "2024-03-05T12:00:00+00:00"),
]


def _loader(session):
    return lambda version_id: crud.load_dataset(session, version_id=version_id, actor=SYSTEM)


def _datasets():
    return {
        "Team A": generate_demo_dataset(n_items=300, seed=7),
        "Team B": generate_demo_dataset(n_items=80, seed=8),
        "Team C": dataset_from_events(SMALL, WORKFLOW),  # no previous period, one SLE item
        "Team D": dataset_from_events([], WORKFLOW),  # no events: a row without numbers
    }


@pytest.mark.parametrize("days", [7, 28, 91])
def test_stored_rows_equal_rows_computed_from_the_loaded_version(engine, days):
    with Session(engine) as session:
        for team, dataset in _datasets().items():
            _save(session, dataset, f"{team} board", team)
        counts = {"Team A": Counter(running=1, improved=2)}
        chosen = team_datasets(session, actor=SYSTEM)
        computed = [
            overview_row(
                c,
                crud.load_dataset(session, version_id=c.version_id, actor=SYSTEM),
                counts.get(c.team),
                days=days,
            )
            for c in chosen
        ]
        first = stored.overview_rows(
            session, actor=SYSTEM, chosen=chosen, load=_loader(session), counts=counts, days=days
        )

        def no_load(version_id):
            raise AssertionError("a stored row was computed again")

        again = stored.overview_rows(
            session, actor=SYSTEM, chosen=chosen, load=no_load, counts=counts, days=days
        )
    assert [row.record() for row in first] == [row.record() for row in computed]
    assert again == computed  # every field, the flow summary's measures included
    assert computed[0].flow is not None and computed[0].sle_hit_rate is not None
    assert computed[3].flow is None


def test_the_row_stored_at_import_equals_the_computed_one_and_counts_stay_live(engine):
    with Session(engine) as session:
        for team, dataset in _datasets().items():
            _save(session, dataset, f"{team} board", team)
        chosen = team_datasets(session, actor=SYSTEM)
        loaded = {
            c.version_id: crud.load_dataset(session, version_id=c.version_id, actor=SYSTEM)
            for c in chosen
        }

        def no_load(version_id):
            raise AssertionError("the import's row was not used")

        for counts in ({}, {"Team B": Counter(worsened=3)}):
            rows = stored.overview_rows(
                session, actor=SYSTEM, chosen=chosen, load=no_load, counts=counts
            )
            assert rows == [
                overview_row(c, loaded[c.version_id], counts.get(c.team)) for c in chosen
            ]


def test_dropped_summaries_are_computed_again_the_same(engine):
    with Session(engine) as session:
        _save(session, generate_demo_dataset(n_items=120, seed=9), "Gamma", "Team A")
        before = team_overview(session, actor=SYSTEM, load=_loader(session))
        assert summaries.drop_summaries(session, actor=SYSTEM, prefix="overview-row/") == 1
        assert summaries.drop_summaries(session, actor=SYSTEM) == 0
        after = team_overview(session, actor=SYSTEM, load=_loader(session))
        assert len(session.exec(select(VersionSummary)).all()) == 1
    assert before == after


def test_the_viewer_sees_only_their_teams_rows(engine):
    with Session(engine) as session:
        for team, dataset in list(_datasets().items())[:2]:
            _save(session, dataset, f"{team} board", team)
        rows = team_overview(session, actor=VIEWER_A, load=_loader(session))
        assert [row.chosen.team for row in rows] == ["Team A"]
        assert team_overview(session, actor=MEMBER_B, load=_loader(session))[0].chosen.team == (
            "Team B"
        )
        versions = session.exec(select(DatasetVersion)).all()
        assert len(versions) == 2


def test_the_import_command_stores_the_row_the_page_reads(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    events = Path(__file__).resolve().parents[1] / "data" / "formats" / "events.csv"
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert main(["--db", url, "import", str(events), "--team", "Web"]) == 0
    capsys.readouterr()
    engine = make_engine(url)
    with Session(engine) as session:
        [chosen] = team_datasets(session, actor=SYSTEM)
        payload = summaries.stored_summary(
            session, actor=SYSTEM, version_id=chosen.version_id, key=stored.row_key(28)
        )
        loaded = crud.load_dataset(session, version_id=chosen.version_id, actor=SYSTEM)
    engine.dispose()
    assert payload is not None
    assert stored.row_from_payload(chosen, payload) == overview_row(chosen, loaded)
