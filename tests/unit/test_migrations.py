"""Migrations: data written by an older app survives upgrades; head matches the models."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import bindparam, inspect, text
from sqlmodel import Session, SQLModel

import vsm_core.store.models  # noqa: F401  (registers every table on SQLModel.metadata)
from vsm_core.experiments.records import (
    ExperimentUpdate,
    experiment_history,
    get_experiment,
    latest_snapshot,
    list_experiments,
    save_snapshot,
    update_experiment,
)
from vsm_core.store import (
    crud,
    current_revision,
    head_revision,
    make_engine,
    migrate,
    reading,
    upgrade_to_head,
)
from vsm_core.store.access import SYSTEM
from vsm_core.store.migrate import alembic_config

CREATED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _insert(connection, sql: str, types: dict, **values) -> int:
    """Plain SQL, as an app at an older revision wrote its rows; returns the new id."""
    statement = text(sql + " RETURNING id").bindparams(
        *(bindparam(name, type_=type_) for name, type_ in types.items())
    )
    return connection.execute(statement, values).scalar_one()


def _write_as_revision_0002(engine) -> dict[str, list[int] | int]:
    """A dataset with a version, two experiments and their history, written at 0002."""
    when = sa.DateTime(timezone=True)
    with engine.begin() as connection:
        dataset_id = _insert(
            connection,
            "INSERT INTO dataset (name, team, created_at) VALUES (:name, :team, :at)",
            {"at": when},
            name="Legacy team",
            team="A",
            at=CREATED,
        )
        version_id = _insert(
            connection,
            "INSERT INTO dataset_version (dataset_id, version, format, timezone, item_count, "
            "event_count, workflow, imported_at) VALUES (:dataset_id, 1, 'csv', 'UTC', 0, 0, "
            ":workflow, :at)",
            {"workflow": sa.JSON(), "at": when},
            dataset_id=dataset_id,
            workflow={"stages": []},
            at=CREATED,
        )
        experiment_ids, edit_ids = [], []
        for n, (status, scope) in enumerate(
            [("running", {"work_types": ["Story"], "team": "A", "attributes": {}}), ("planned", {})]
        ):
            experiment_id = _insert(
                connection,
                "INSERT INTO experiment (title, hypothesis, action, owner, dataset_id, metric, "
                "direction, target, change_date, baseline_from, baseline_to, review_date, status, "
                "learnings, scope, author, created_at, updated_at) VALUES (:title, :hypothesis, "
                "'', 'Ana', :dataset_id, 'cycle_time_p85', 'decrease', :target, :change_date, "
                "NULL, NULL, :review_date, :status, '', :scope, 'ana', :at, :at)",
                {
                    "scope": sa.JSON(),
                    "at": when,
                    "change_date": sa.Date(),
                    "review_date": sa.Date(),
                },
                title=f"Legacy experiment {n}",
                hypothesis="We believe that pairing will cut rework as measured by cycle time",
                dataset_id=dataset_id,
                target=10.5 if n == 0 else None,
                change_date=date(2024, 3, 1 + n),
                review_date=date(2024, 5, 1),
                status=status,
                scope=scope,
                at=CREATED,
            )
            experiment_ids.append(experiment_id)
            for kind, changes in [
                ("created", {"title": [None, f"Legacy experiment {n}"]}),
                ("edited", {"status": ["planned", status]}),
            ]:
                edit_ids.append(
                    _insert(
                        connection,
                        "INSERT INTO experiment_edit (experiment_id, kind, at, author, changes) "
                        "VALUES (:experiment_id, :kind, :at, 'ana', :changes)",
                        {"at": when, "changes": sa.JSON()},
                        experiment_id=experiment_id,
                        kind=kind,
                        at=CREATED,
                        changes=changes,
                    )
                )
    return {
        "dataset_id": dataset_id,
        "version_id": version_id,
        "experiments": experiment_ids,
        "edits": edit_ids,
    }


def test_experiments_written_at_0002_survive_the_upgrade_to_head(fresh_engine):
    upgrade_to_head(fresh_engine, revision="0002")
    assert current_revision(fresh_engine) == "0002"
    tables = set(inspect(fresh_engine).get_table_names())
    assert {"experiment", "experiment_edit"} <= tables
    assert "experiment_snapshot" not in tables
    written = _write_as_revision_0002(fresh_engine)

    upgrade_to_head(fresh_engine)

    assert current_revision(fresh_engine) == head_revision()
    with fresh_engine.connect() as connection:
        experiments = connection.execute(text("SELECT id FROM experiment ORDER BY id")).all()
        edits = connection.execute(text("SELECT id FROM experiment_edit ORDER BY id")).all()
    assert [row.id for row in experiments] == written["experiments"]
    assert [row.id for row in edits] == written["edits"]
    first_id, second_id = written["experiments"]
    with Session(fresh_engine) as session:
        first = get_experiment(session, experiment_id=first_id, actor=SYSTEM)
        assert (first.title, first.status, first.target) == ("Legacy experiment 0", "running", 10.5)
        assert (first.change_date, first.review_date) == (date(2024, 3, 1), date(2024, 5, 1))
        assert first.scope == {"work_types": ["Story"], "team": "A", "attributes": {}}
        assert first.created_at == CREATED
        history = experiment_history(session, experiment_id=first_id, actor=SYSTEM)
        assert [(e.kind, e.changes, e.at) for e in history] == [
            ("created", {"title": [None, "Legacy experiment 0"]}, CREATED),
            ("edited", {"status": ["planned", "running"]}, CREATED),
        ]
        assert [e.id for e in list_experiments(session, team="A", actor=SYSTEM)] == [
            second_id,
            first_id,
        ]

        # the new revision works on the old rows: review one and keep its evidence
        update_experiment(
            session,
            experiment_id=first_id,
            changes=ExperimentUpdate(status="adopted"),
            author="bo",
            actor=SYSTEM,
        )
        snapshot = save_snapshot(
            session,
            experiment_id=first_id,
            version_id=written["version_id"],
            result={"verdict": "improved"},
            author="bo",
            actor=SYSTEM,
        )
        assert latest_snapshot(session, experiment_id=first_id, actor=SYSTEM).id == snapshot.id
        assert len(experiment_history(session, experiment_id=first_id, actor=SYSTEM)) == 3
        # an old experiment with the stored empty scope: an unchanged edit is still a no-op
        update_experiment(
            session,
            experiment_id=second_id,
            changes=ExperimentUpdate(status="planned"),
            author="c",
            actor=SYSTEM,
        )
        assert len(experiment_history(session, experiment_id=second_id, actor=SYSTEM)) == 2
        assert (
            crud.delete_version(session, version_id=written["version_id"], actor=SYSTEM)
            == "archived"
        )


def _write_as_revision_0003(engine) -> dict[str, list[int] | int]:
    """What 0002 wrote, plus a review snapshot of the first experiment (0003's table)."""
    written = _write_as_revision_0002(engine)
    with engine.begin() as connection:
        written["snapshot"] = _insert(
            connection,
            "INSERT INTO experiment_snapshot (experiment_id, version_id, status, taken_at, author, "
            "result) VALUES (:experiment_id, :version_id, 'adopted', :at, 'ana', :result)",
            {"at": sa.DateTime(timezone=True), "result": sa.JSON()},
            experiment_id=written["experiments"][0],
            version_id=written["version_id"],
            at=CREATED,
            result={"verdict": "improved", "assign": "start"},
        )
    return written


def test_experiments_written_at_0003_are_compared_by_start_after_the_upgrade(fresh_engine):
    """0004 adds the comparison method; every experiment stored before it reads "start" (the
    method its verdict was computed with), and the method is then edited like any field."""
    upgrade_to_head(fresh_engine, revision="0003")
    columns = {c["name"] for c in inspect(fresh_engine).get_columns("experiment")}
    assert "method" not in columns
    written = _write_as_revision_0003(fresh_engine)

    upgrade_to_head(fresh_engine)

    assert current_revision(fresh_engine) == head_revision()
    [method] = [c for c in inspect(fresh_engine).get_columns("experiment") if c["name"] == "method"]
    assert method["nullable"] is False
    with fresh_engine.connect() as connection:
        rows = connection.execute(text("SELECT id, method FROM experiment ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(i, "start") for i in written["experiments"]]
        # the Core read of `experiments show` sees it too
        assert reading.experiment(
            connection, experiment_id=written["experiments"][0], actor=SYSTEM
        ).method == ("start")
    first_id, second_id = written["experiments"]
    with Session(fresh_engine) as session:
        assert get_experiment(session, experiment_id=first_id, actor=SYSTEM).method == "start"
        snapshot = latest_snapshot(session, experiment_id=first_id, actor=SYSTEM)
        assert (snapshot.id, snapshot.result) == (
            written["snapshot"],
            {"verdict": "improved", "assign": "start"},
        )
        assert [
            e.id for e in experiment_history(session, experiment_id=first_id, actor=SYSTEM)
        ] == written["edits"][:2]
        update_experiment(
            session,
            experiment_id=second_id,
            changes=ExperimentUpdate(method="done"),
            author="bo",
            actor=SYSTEM,
        )
        history = experiment_history(session, experiment_id=second_id, actor=SYSTEM)
        assert (history[-1].author, history[-1].changes) == ("bo", {"method": ["start", "done"]})
        assert get_experiment(session, experiment_id=second_id, actor=SYSTEM).method == "done"


def test_a_row_written_without_a_method_gets_start(fresh_engine):
    """The column's server default: a writer that does not name the method stores "start"."""
    upgrade_to_head(fresh_engine)
    with fresh_engine.begin() as connection:
        dataset_id = _insert(
            connection,
            "INSERT INTO dataset (name, created_at) VALUES ('T', :at)",
            {"at": sa.DateTime(timezone=True)},
            at=CREATED,
        )
        experiment_id = _insert(
            connection,
            "INSERT INTO experiment (title, hypothesis, action, owner, dataset_id, metric, "
            "direction, change_date, status, learnings, scope, author, created_at, updated_at) "
            "VALUES ('T', 'H', '', 'Ana', :dataset_id, 'cycle_time_p50', 'decrease', "
            ":change_date, 'planned', '', :scope, 'ana', :at, :at)",
            {"at": sa.DateTime(timezone=True), "change_date": sa.Date(), "scope": sa.JSON()},
            dataset_id=dataset_id,
            change_date=date(2024, 3, 1),
            scope={},
            at=CREATED,
        )
    with Session(fresh_engine) as session:
        assert get_experiment(session, experiment_id=experiment_id, actor=SYSTEM).method == "start"


def test_the_schema_at_head_matches_the_models(fresh_engine):
    upgrade_to_head(fresh_engine)
    with fresh_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def _schema(engine) -> dict:
    inspector = inspect(engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted(index["name"] for index in inspector.get_indexes(table)),
            sorted(
                (tuple(key["constrained_columns"]), key["referred_table"])
                for key in inspector.get_foreign_keys(table)
            ),
        )
        for table in sorted(inspector.get_table_names())
    }


def test_upgrading_twice_is_a_no_op(fresh_engine):
    upgrade_to_head(fresh_engine, revision="0002")
    written = _write_as_revision_0002(fresh_engine)
    upgrade_to_head(fresh_engine)
    schema = _schema(fresh_engine)
    upgrade_to_head(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    assert _schema(fresh_engine) == schema
    with fresh_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM experiment")).scalar() == 2
        count = connection.execute(text("SELECT count(*) FROM experiment_edit")).scalar()
    assert count == len(written["edits"])


def test_a_downgrade_is_refused_and_changes_nothing(fresh_engine):
    upgrade_to_head(fresh_engine, revision="0002")
    written = _write_as_revision_0002(fresh_engine)
    upgrade_to_head(fresh_engine)
    config = alembic_config()
    with (
        pytest.raises(RuntimeError, match="only go forward"),
        fresh_engine.begin() as connection,
    ):
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert current_revision(fresh_engine) == head_revision()
    assert "experiment_snapshot" in inspect(fresh_engine).get_table_names()
    with fresh_engine.connect() as connection:
        ids = connection.execute(text("SELECT id FROM experiment ORDER BY id")).scalars().all()
    assert ids == written["experiments"]


# --------------------------------------------------------------------------- the start-up shortcut


def _count_alembic_upgrades(monkeypatch) -> list[str]:
    """Record every ``alembic upgrade`` that ``upgrade_to_head`` runs (and still run it)."""
    calls: list[str] = []
    real = command.upgrade

    def counting(config, revision, **kwargs):
        calls.append(revision)
        return real(config, revision, **kwargs)

    monkeypatch.setattr(command, "upgrade", counting)
    return calls


def test_the_head_constant_is_alembics_head():
    """A new migration must update HEAD_REVISION too (else starts would run Alembic)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head == migrate.HEAD_REVISION


def test_a_start_at_head_imports_no_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'at_head.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    probe = (
        "import sys\n"
        "from vsm_core.store import make_engine, upgrade_to_head\n"
        f"engine = make_engine({url!r})\n"
        "upgrade_to_head(engine)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_a_fresh_database_is_migrated_by_alembic(fresh_engine, monkeypatch):
    calls = _count_alembic_upgrades(monkeypatch)
    assert not migrate.at_head(fresh_engine)
    upgrade_to_head(fresh_engine)
    assert calls == ["head"]
    assert current_revision(fresh_engine) == head_revision()
    assert migrate.at_head(fresh_engine)
    assert {"dataset", "experiment", "experiment_snapshot"} <= set(
        inspect(fresh_engine).get_table_names()
    )


def test_a_database_at_head_skips_alembic(fresh_engine, monkeypatch):
    upgrade_to_head(fresh_engine)
    calls = _count_alembic_upgrades(monkeypatch)
    upgrade_to_head(fresh_engine)
    upgrade_to_head(fresh_engine)
    assert calls == []
    assert current_revision(fresh_engine) == head_revision()


def test_a_database_behind_is_upgraded_and_keeps_its_experiments(fresh_engine, monkeypatch):
    upgrade_to_head(fresh_engine, revision="0002")
    written = _write_as_revision_0002(fresh_engine)
    assert not migrate.at_head(fresh_engine)
    calls = _count_alembic_upgrades(monkeypatch)
    upgrade_to_head(fresh_engine)
    assert calls == ["head"]
    assert current_revision(fresh_engine) == head_revision()
    assert "experiment_snapshot" in inspect(fresh_engine).get_table_names()
    with fresh_engine.connect() as connection:
        ids = connection.execute(text("SELECT id FROM experiment ORDER BY id")).scalars().all()
    assert ids == written["experiments"]
    upgrade_to_head(fresh_engine)
    assert calls == ["head"]  # now at head: no second run


def test_a_database_from_a_newer_flowlab_is_refused_plainly(fresh_engine, monkeypatch):
    upgrade_to_head(fresh_engine)
    with fresh_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    calls = _count_alembic_upgrades(monkeypatch)
    with pytest.raises(migrate.SchemaTooNew, match=r"written by a newer Flowlab.*upgrade Flowlab"):
        upgrade_to_head(fresh_engine)
    assert calls == []
    with fresh_engine.connect() as connection:
        assert migrate.recorded_revisions(connection) == ["9999"]


def test_the_known_revisions_are_alembics():
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert tuple(revisions) == migrate.KNOWN_REVISIONS
    assert migrate.KNOWN_REVISIONS[-1] == migrate.HEAD_REVISION


def test_an_explicit_revision_always_goes_to_alembic(fresh_engine, monkeypatch):
    upgrade_to_head(fresh_engine)
    calls = _count_alembic_upgrades(monkeypatch)
    upgrade_to_head(fresh_engine, revision="0003")
    assert calls == ["0003"]


def test_a_stale_head_constant_only_costs_an_alembic_run(fresh_engine, monkeypatch):
    """Alembic, not the constant, decides what head is: a constant left behind by a new
    migration makes starts run Alembic (the test above catches it), never a wrong schema."""
    monkeypatch.setattr(migrate, "HEAD_REVISION", "0002")
    calls = _count_alembic_upgrades(monkeypatch)
    upgrade_to_head(fresh_engine)
    upgrade_to_head(fresh_engine)
    assert calls == ["head", "head"]
    assert current_revision(fresh_engine) == head_revision()


def test_a_database_at_0007_gets_future_designs_and_keeps_its_experiments(fresh_engine):
    """0008 adds ``future_design``; the rows written before stay, and a design saved after the
    upgrade links to an experiment written at an older revision."""
    from vsm_core.store import designs
    from vsm_core.store.access import SYSTEM

    upgrade_to_head(fresh_engine, revision="0002")
    written = _write_as_revision_0002(fresh_engine)
    upgrade_to_head(fresh_engine, revision="0007")
    assert "future_design" not in inspect(fresh_engine).get_table_names()
    upgrade_to_head(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    assert "future_design" in inspect(fresh_engine).get_table_names()
    with Session(fresh_engine) as session:
        assert [e.id for e in list_experiments(session, actor=SYSTEM)] == sorted(
            written["experiments"], reverse=True
        )
        design = designs.save_design(
            session,
            actor=SYSTEM,
            version_id=written["version_id"],
            name="Halve Review",
            changes=["scale:Review=0.5"],
            record={"prediction": {}},
        )
        linked = designs.link_experiment(
            session, actor=SYSTEM, design_id=design.id, experiment_id=written["experiments"][0]
        )
        assert linked.experiment_id == written["experiments"][0]


def test_a_database_at_0008_gets_delivery_series_and_summary_tables(fresh_engine):
    """0009–0011 add deployments/incidents, uploaded series and stored version summaries;
    the experiments written before stay readable."""
    upgrade_to_head(fresh_engine, revision="0002")
    written = _write_as_revision_0002(fresh_engine)
    upgrade_to_head(fresh_engine, revision="0008")
    new_tables = {
        "delivery_import",
        "deployment",
        "incident",
        "series_import",
        "series_point",
        "version_summary",
    }
    assert not new_tables & set(inspect(fresh_engine).get_table_names())
    upgrade_to_head(fresh_engine)
    assert current_revision(fresh_engine) == "0011" == head_revision()
    assert new_tables <= set(inspect(fresh_engine).get_table_names())
    with Session(fresh_engine) as session:
        assert [e.id for e in list_experiments(session, actor=SYSTEM)] == sorted(
            written["experiments"], reverse=True
        )
