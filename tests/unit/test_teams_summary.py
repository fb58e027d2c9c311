"""``teams summary``: one row per team whose numbers are exactly ``metrics --dataset ID --json``'s.

The contract (issue #13): keys and types of each element, equality with the metrics
command with and without a window, the latest dataset per team, experiment verdict
counts, team scoping by the acting identity, and exit codes.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from vsm_core.cli import main
from vsm_core.experiments import service
from vsm_core.organisation.summary import teams_summary
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.store import crud, make_engine
from vsm_core.store.access import SYSTEM, person

KEYS = [
    "team",
    "dataset_id",
    "version",
    "throughput_per_week",
    "cycle_time_p85",
    "wip_mean",
    "flow_efficiency",
    "bottleneck",
    "experiments",
]


@pytest.fixture
def db(tmp_path, capsys) -> list[str]:
    """The demo team (with its experiments) plus two small teams; Team B has two datasets."""
    url = f"sqlite:///{tmp_path / 'teams.db'}"
    assert main(["--db", url, "db", "upgrade", "--seed-demo"]) == 0
    engine = make_engine(url)
    with Session(engine) as session:
        for name, team, items, seed in (
            ("Alpha board", "Team A", 60, 3),
            ("Beta old", "Team B", 40, 4),
            ("Beta board", "Team B", 50, 5),
        ):
            crud.save_dataset_version(
                session,
                dataset=generate_demo_dataset(n_items=items, seed=seed),
                name=name,
                team=team,
                format="demo",
                actor=SYSTEM,
            )
    engine.dispose()
    capsys.readouterr()
    return ["--db", url]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_each_row_has_exactly_the_documented_keys_and_the_latest_dataset(db, capsys):
    rows = _json(capsys, [*db, "teams", "summary", "--json"])
    assert [row["team"] for row in rows] == ["Demo team", "Team A", "Team B"]
    for row in rows:
        assert list(row) == KEYS
        assert list(row["experiments"]) == ["running", "improved", "no_clear_change", "worsened"]
    datasets = {d["name"]: d["id"] for d in _json(capsys, [*db, "datasets", "list", "--json"])}
    assert rows[2]["dataset_id"] == datasets["Beta board"]  # imported last of Team B's
    assert rows[0]["experiments"]["running"] == 2  # the demo's two experiments, not reviewed


@pytest.mark.parametrize("window", [[], ["--from", "2026-06-01", "--to", "2026-08-31"]])
def test_numbers_are_exactly_those_of_the_metrics_command(db, capsys, window):
    rows = _json(capsys, [*db, "teams", "summary", "--json", *window])
    for row in rows:
        metrics = _json(
            capsys, [*db, "metrics", "--dataset", str(row["dataset_id"]), "--json", *window]
        )
        assert row["throughput_per_week"] == metrics["throughput"]["per_week_mean"]
        assert row["cycle_time_p85"] == metrics["cycle_time_days"]["p85"]
        assert row["wip_mean"] == metrics["wip"]["mean"]
        assert row["flow_efficiency"] == metrics["flow_efficiency"]["ratio_of_sums"]
        assert row["bottleneck"] == (metrics["bottleneck"] or {}).get("stage")


def test_a_reviewed_experiment_counts_by_its_stored_verdict(db, capsys):
    engine = make_engine(db[1])
    with Session(engine) as session:
        judgement = service.review(
            session,
            experiment_id=1,
            status="adopted",
            learnings="WIP limit helped",
            author="t",
            actor=SYSTEM,
        )
        verdict = judgement.evidence.to_dict()["verdict"].replace(" ", "_")
    engine.dispose()
    [demo] = _json(capsys, [*db, "teams", "summary", "--json", "--team", "Demo team"])
    assert demo["experiments"]["running"] == 1
    assert demo["experiments"][verdict] == 1


def test_a_person_sees_only_the_teams_they_belong_to(db):
    engine = make_engine(db[1])
    viewer = person(name="Vi", email="vi@example.org", claimed={"Team A": "viewer"})
    with Session(engine) as session:
        assert [row.team for row in teams_summary(session, actor=viewer)] == ["Team A"]
        assert teams_summary(session, actor=viewer, teams=["Team B"]) == []
        assert len(teams_summary(session, actor=SYSTEM)) == 3
        nobody = person(name="No", email="no@example.org")
        assert teams_summary(session, actor=nobody) == []
    engine.dispose()


def test_unknown_team_and_bad_dates_exit_2(db, capsys):
    assert main([*db, "teams", "summary", "--team", "Nobody"]) == 2
    assert "no dataset of team 'Nobody'" in capsys.readouterr().err
    assert main([*db, "teams", "summary", "--from", "June"]) == 2
    assert main([*db, "teams", "summary", "--from", "2026-06-02", "--to", "2026-06-01"]) == 2


def test_no_team_yet_prints_an_empty_array(tmp_path, capsys):
    db = ["--db", f"sqlite:///{tmp_path / 'empty.db'}"]
    assert main([*db, "db", "upgrade"]) == 0
    capsys.readouterr()
    assert _json(capsys, [*db, "teams", "summary", "--json"]) == []
