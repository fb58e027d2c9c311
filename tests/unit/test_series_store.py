"""Uploaded measures in the store: team scoping, replacing, identical re-uploads and the
activity log, on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlmodel import Session, select

from vsm_core.series import parse_series
from vsm_core.store import series, teams
from vsm_core.store.access import SYSTEM, AccessDenied, NotFound, person
from vsm_core.store.models import SeriesImport, SeriesPoint

DATA = Path(__file__).resolve().parents[1] / "data" / "series"
ANA = person(name="Ana", email="ana@example.org", claimed={"A": "editor"})
VIC = person(name="Vic", email="vic@example.org", claimed={"A": "viewer"})
BO = person(name="Bo", email="bo@example.org", claimed={"B": "editor", "A": "editor"})


def _points(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["team", "metric", "day", "value"]).assign(
        day=lambda f: pd.to_datetime(f["day"])
    )


CSAT = _points(
    [
        (None, "CSAT", "2026-01-05", 4.0),
        (None, "CSAT", "2026-01-12", 3.5),
        (None, "Cost", "2026-01-05", 1200.0),
    ]
)


def _count(session, model) -> int:
    return len(session.exec(select(model)).all())


def test_an_upload_is_stored_for_its_team_and_read_back(engine):
    with Session(engine) as session:
        saved = series.save_series(
            session, actor=ANA, team="A", points=CSAT, source_filename="csat.csv"
        )
        assert (saved.added, saved.replaced, saved.unchanged, saved.teams) == (3, 0, 0, ["A"])
        points = series.load_points(session, actor=ANA, team="A")
        assert points.columns.tolist() == ["team", "metric", "day", "value"]
        assert points["metric"].tolist() == ["CSAT", "CSAT", "Cost"]
        assert [d.date() for d in points["day"]] == [
            date(2026, 1, 5),
            date(2026, 1, 12),
            date(2026, 1, 5),
        ]
        assert points["value"].tolist() == [4.0, 3.5, 1200.0]
        only = series.load_points(session, actor=VIC, team="A", metric="Cost")
        assert only["value"].tolist() == [1200.0]
        metrics = series.list_metrics(session, actor=VIC, team="A")
        assert [(m.metric, m.points, m.first, m.last) for m in metrics] == [
            ("CSAT", 2, date(2026, 1, 5), date(2026, 1, 12)),
            ("Cost", 1, date(2026, 1, 5), date(2026, 1, 5)),
        ]
        uploads = series.list_uploads(session, actor=VIC, team="A")
        assert [(u.team, u.source_filename, u.row_count, u.author) for u in uploads] == [
            ("A", "csat.csv", 3, "Ana")
        ]
        log = teams.list_activity(session, actor=VIC, team="A")
        assert [(e.action, e.actor) for e in log] == [("series_import", "Ana")]
        assert log[0].detail["added"] == 3


def test_an_identical_upload_stores_nothing_and_a_newer_value_replaces(engine):
    with Session(engine) as session:
        series.save_series(session, actor=ANA, team="A", points=CSAT)
        again = series.save_series(session, actor=ANA, team="A", points=CSAT)
        assert not again.stored and again.unchanged == 3
        assert _count(session, SeriesImport) == 1
        assert len(teams.list_activity(session, actor=SYSTEM, team="A")) == 1
        newer = CSAT.copy()
        newer.loc[1, "value"] = 4.5
        newer.loc[3] = [None, "CSAT", pd.Timestamp("2026-01-19"), 4.0]
        saved = series.save_series(session, actor=ANA, team="A", points=newer)
        assert (saved.added, saved.replaced, saved.unchanged) == (1, 1, 2)
        points = series.load_points(session, actor=ANA, team="A", metric="CSAT")
        assert points["value"].tolist() == [4.0, 4.5, 4.0]
        assert _count(session, SeriesPoint) == 4
        owner = session.exec(select(SeriesPoint.import_id).where(SeriesPoint.value == 4.5)).one()
        assert owner == saved.import_id


def test_a_viewer_cannot_upload_and_another_team_does_not_exist(engine):
    with Session(engine) as session:
        with pytest.raises(AccessDenied, match="editor role"):
            series.save_series(session, actor=VIC, team="A", points=CSAT)
        with pytest.raises(NotFound):
            series.save_series(session, actor=ANA, team="B", points=CSAT)
        assert _count(session, SeriesPoint) == 0
        series.save_series(session, actor=BO, team="B", points=CSAT)
        with pytest.raises(NotFound):
            series.load_points(session, actor=ANA, team="B")
        with pytest.raises(NotFound):
            series.list_metrics(session, actor=VIC, team="B")
        assert series.list_uploads(session, actor=ANA) == []
        assert series.series_teams(session, actor=ANA) == []
        assert series.series_teams(session, actor=SYSTEM) == ["B"]


def test_rows_naming_a_team_need_its_editor_role_and_nothing_is_stored_otherwise(engine):
    mixed = CSAT.assign(team=[None, "B", None])
    with Session(engine) as session:
        with pytest.raises(NotFound):
            series.save_series(session, actor=ANA, team="A", points=mixed)
        assert _count(session, SeriesPoint) == 0
        saved = series.save_series(session, actor=BO, team="A", points=mixed)
        assert saved.teams == ["A", "B"]
        assert series.load_points(session, actor=BO, team="B")["value"].tolist() == [3.5]
        assert [e.action for e in teams.list_activity(session, actor=SYSTEM, team="B")] == [
            "series_import"
        ]


def test_points_that_break_the_contract_are_refused(engine):
    with Session(engine) as session:
        with pytest.raises(ValueError, match="same team, metric and day"):
            series.save_series(session, actor=ANA, team="A", points=pd.concat([CSAT, CSAT]))
        with pytest.raises(ValueError, match="finite"):
            series.save_series(session, actor=ANA, team="A", points=CSAT.assign(value=float("nan")))
        with pytest.raises(ValueError, match="needs a team"):
            series.save_series(session, actor=ANA, team=" ", points=CSAT)
        with pytest.raises(ValueError, match="needs a team"):
            series.save_series(session, actor=SYSTEM, team="A" * 201, points=CSAT)
        with pytest.raises(ValueError, match="at most 200"):
            series.save_series(session, actor=ANA, team="A", points=CSAT.assign(metric="m" * 201))


def test_a_parsed_sample_round_trips_through_the_store(engine):
    parsed = parse_series((DATA / "cost.csv").read_bytes(), "cost.csv", team="A")
    with Session(engine) as session:
        series.save_series(session, actor=SYSTEM, team="A", points=parsed.points)
        points = series.load_points(session, actor=SYSTEM, team="A")
    assert points["value"].tolist() == pytest.approx(parsed.points["value"].tolist())
    assert points["day"].tolist() == parsed.points["day"].tolist()


def test_an_empty_team_reads_as_an_empty_table(engine):
    with Session(engine) as session:
        points = series.load_points(session, actor=ANA, team="A")
        assert points.empty and points.columns.tolist() == ["team", "metric", "day", "value"]
        assert series.list_metrics(session, actor=ANA, team="A") == []


def test_the_points_stamp_changes_with_every_added_or_replaced_value_only(engine):
    with Session(engine) as session:
        assert series.points_stamp(session, actor=VIC, team="A") == (None, 0)
        series.save_series(session, actor=ANA, team="A", points=CSAT)
        first = series.points_stamp(session, actor=VIC, team="A")
        assert first[1] == 3
        series.save_series(session, actor=ANA, team="A", points=CSAT)  # nothing new
        assert series.points_stamp(session, actor=VIC, team="A") == first
        replaced = CSAT.copy()
        replaced.loc[0, "value"] = 1.5  # same count, one value replaced
        series.save_series(session, actor=ANA, team="A", points=replaced)
        stamp = series.points_stamp(session, actor=VIC, team="A")
        assert stamp[1] == 3 and stamp != first
