"""The team check-in: rows of the demo team, overdue reviews, review snapshots, and the
HTML report and CSV it exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlmodel import Session

from vsm_core.experiments import checkin, checkin_flow, records, service
from vsm_core.experiments.records import ExperimentCreate, ExperimentUpdate
from vsm_core.sample_data import DEMO_TEAM, demo_experiments, generate_demo_dataset
from vsm_core.store import crud, make_engine
from vsm_core.store.access import SYSTEM
from vsm_core.store.bootstrap import prepare_database
from vsm_core.store.models import ExperimentSnapshot

WIP_LIMIT = "WIP limit on Ready and Review"
STAND_UP = "Stand-up walks the board right to left"
BEFORE_REVIEWS = date(2026, 5, 1)  # before both demo review dates


def _engine(path):
    engine = make_engine(f"sqlite:///{path / 'checkin.db'}")
    assert prepare_database(engine)  # seeds the demo team and its two experiments
    return engine


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A demo database only read by the tests that use it."""
    return _engine(tmp_path_factory.mktemp("seeded"))


@pytest.fixture
def engine(tmp_path):
    """A demo database of the test's own (to write to)."""
    return _engine(tmp_path)


@pytest.fixture(scope="module")
def rows(seeded) -> pd.DataFrame:
    with Session(seeded) as session:
        return checkin.checkin_rows(session, team=DEMO_TEAM, today=BEFORE_REVIEWS, actor=SYSTEM)


def _by_title(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("title")


def test_rows_hold_both_demo_experiments_with_their_verdicts(rows):
    assert list(rows.columns) == list(checkin.COLUMNS)
    table = _by_title(rows)
    assert set(table.index) == {WIP_LIMIT, STAND_UP}
    assert table.loc[WIP_LIMIT, "verdict"] == "improved"
    assert table.loc[STAND_UP, "verdict"] == "no clear change"
    assert table.loc[WIP_LIMIT, "target_met"] is True
    assert table.loc[STAND_UP, "target_met"] is False
    assert table.loc[WIP_LIMIT, "owner"] == "Priya (team lead)"
    assert table.loc[WIP_LIMIT, "status"] == "reviewing"
    assert table.loc[WIP_LIMIT, "dataset"] == "Demo team"
    assert table.loc[WIP_LIMIT, "team"] == DEMO_TEAM
    assert table.loc[WIP_LIMIT, "target"] == 16.0
    assert table.loc[WIP_LIMIT, "after"] < 16.0 < table.loc[WIP_LIMIT, "before"]
    assert table.loc[WIP_LIMIT, "ci95_high"] < 0  # the interval excludes 0: improved
    assert table.loc[STAND_UP, "ci95_low"] < 0 < table.loc[STAND_UP, "ci95_high"]
    assert rows["recomputed_verdict"].isna().all()  # nothing reviewed yet
    assert not rows["snapshot_differs"].any()
    assert rows["change_date"].tolist() == sorted(rows["change_date"], reverse=True)


def test_the_demo_windows_overlap(rows):
    table = _by_title(rows)
    ids = table["id"].to_dict()
    assert table.loc[WIP_LIMIT, "overlaps"] == [ids[STAND_UP]]
    assert table.loc[STAND_UP, "overlaps"] == [ids[WIP_LIMIT]]


def test_matches_the_verdict_of_judge(seeded, rows):
    with Session(seeded) as session:
        for row in rows.itertuples():
            judgement = service.judge(session, experiment_id=row.id, actor=SYSTEM)
            assert row.verdict == judgement.evidence.verdict


def test_review_overdue_once_the_review_date_has_passed(seeded, rows):
    assert not rows["review_overdue"].any()
    with Session(seeded) as session:
        on_the_day = checkin.checkin_rows(
            session, team=DEMO_TEAM, today=date(2026, 5, 11), actor=SYSTEM
        )
        later = checkin.checkin_rows(session, team=DEMO_TEAM, today=date(2026, 5, 12), actor=SYSTEM)
        much_later = checkin.checkin_rows(
            session, team=DEMO_TEAM, today=date(2026, 9, 8), actor=SYSTEM
        )
    assert not on_the_day["review_overdue"].any()  # due today is not overdue yet
    assert _by_title(later)["review_overdue"].to_dict() == {WIP_LIMIT: False, STAND_UP: True}
    assert much_later["review_overdue"].all()


def test_a_reviewed_experiment_shows_its_snapshot_and_is_never_overdue(engine):
    with Session(engine) as session:
        [wip] = [e for e in records.list_experiments(session, actor=SYSTEM) if e.title == WIP_LIMIT]
        service.review(
            session,
            experiment_id=wip.id,
            status="adopted",
            learnings="Keep it.",
            author="t",
            actor=SYSTEM,
        )
        reviewed = _by_title(checkin.checkin_rows(session, today=date(2027, 1, 1), actor=SYSTEM))
        assert reviewed.loc[WIP_LIMIT, "status"] == "adopted"
        assert reviewed.loc[WIP_LIMIT, "verdict"] == "improved"
        assert not reviewed.loc[WIP_LIMIT, "review_overdue"]  # reviewed: nothing is due
        assert reviewed.loc[STAND_UP, "review_overdue"]
        assert pd.isna(reviewed.loc[WIP_LIMIT, "recomputed_verdict"])

        # The team concluded something else back then (say, on older data): the row keeps
        # the team's conclusion and adds today's verdict beside it.
        snapshot = records.latest_snapshot(session, experiment_id=wip.id, actor=SYSTEM)
        stored = session.get(ExperimentSnapshot, snapshot.id)
        stored.result = {
            **stored.result,
            "verdict": "no clear change",
            "after": {**stored.result["after"], "value": 17.5},
            "target_met": False,
        }
        session.add(stored)
        session.commit()
        rows = _by_title(
            checkin.checkin_rows(session, team=DEMO_TEAM, today=date(2027, 1, 1), actor=SYSTEM)
        )
    assert rows.loc[WIP_LIMIT, "verdict"] == "no clear change"
    assert rows.loc[WIP_LIMIT, "recomputed_verdict"] == "improved"
    assert rows.loc[WIP_LIMIT, "snapshot_differs"]
    assert rows.loc[WIP_LIMIT, "after"] == 17.5  # the reviewed numbers, not today's
    assert rows.loc[WIP_LIMIT, "target_met"] is False
    assert pd.isna(rows.loc[STAND_UP, "recomputed_verdict"])  # not reviewed


def test_rows_are_per_team(engine):
    with Session(engine) as session:
        other = crud.save_dataset_version(
            session,
            dataset=generate_demo_dataset(n_items=40),
            name="Other",
            team="Team B",
            format="demo",
            actor=SYSTEM,
        )
        [first, _] = demo_experiments(dataset_id=other.dataset_id)
        records.create_experiment(
            session,
            data=ExperimentCreate(**{**first, "title": "B's experiment"}),
            author="t",
            actor=SYSTEM,
        )
        scoped = {**first, "dataset_id": 1, "title": "Scoped to C", "scope": {"team": "C"}}
        records.create_experiment(
            session, data=ExperimentCreate(**scoped), author="t", actor=SYSTEM
        )
        assert checkin.checkin_teams(session, actor=SYSTEM) == ["C", "Demo team", "Team B"]
        demo = checkin.checkin_rows(session, team=DEMO_TEAM, today=BEFORE_REVIEWS, actor=SYSTEM)
        team_b = checkin.checkin_rows(session, team="Team B", today=BEFORE_REVIEWS, actor=SYSTEM)
        team_c = checkin.checkin_rows(session, team="C", today=BEFORE_REVIEWS, actor=SYSTEM)
        everyone = checkin.checkin_rows(session, today=BEFORE_REVIEWS, actor=SYSTEM)
        only_b_data = checkin.checkin_rows(
            session, dataset_id=other.dataset_id, today=BEFORE_REVIEWS, actor=SYSTEM
        )
    assert set(demo["title"]) == {WIP_LIMIT, STAND_UP}
    assert team_b["title"].tolist() == ["B's experiment"]
    assert team_b["dataset"].tolist() == ["Other"]
    assert team_c["title"].tolist() == ["Scoped to C"]
    assert team_c["dataset"].tolist() == ["Demo team"]
    assert len(everyone) == 4
    assert only_b_data["title"].tolist() == ["B's experiment"]


def test_no_experiments_give_an_empty_table_and_report(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    prepare_database(engine, seed_demo=False)
    with Session(engine) as session:
        rows = checkin.checkin_rows(session, today=BEFORE_REVIEWS, actor=SYSTEM)
        assert checkin.checkin_teams(session, actor=SYSTEM) == []
    assert rows.empty and list(rows.columns) == list(checkin.COLUMNS)
    page = checkin.checkin_html(rows, title="Empty", figures=[], generated_at="now")
    assert "<html" in page and "plotly.js v" not in page
    assert checkin.checkin_csv(rows).decode("utf-8-sig").startswith("id,title,")


# --------------------------------------------------------------------------- exports

PLOTLY_BUNDLE = re.compile(r"\* plotly\.js v\d+\.\d+\.\d+")


def test_the_html_report_is_standalone(rows):
    figures = checkin.checkin_figures(rows)
    assert len(figures) == 2
    page = checkin.checkin_html(
        rows,
        title="Demo team check-in",
        figures=figures,
        generated_at=datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
    )
    assert page.startswith("<!DOCTYPE html>") and "<html" in page
    assert len(PLOTLY_BUNDLE.findall(page)) == 1  # plotly.js inlined exactly once
    assert page.count("Plotly.newPlot(") == 2  # ... and used by both charts
    assert not re.search(r"<script[^>]+src=", page)  # no script is fetched
    assert not re.search(r"<link[^>]+href=", page)  # no stylesheet either
    assert "<style>" in page
    assert "Generated 2026-05-01 09:30 UTC" in page
    assert "<title>Demo team check-in</title>" in page
    assert WIP_LIMIT in page and STAND_UP in page
    assert "improved" in page and "no clear change" in page
    assert "95% interval" in page


def test_the_html_report_escapes_titles(engine):
    evil = "<script>alert(1)</script>"
    with Session(engine) as session:
        [wip] = [e for e in records.list_experiments(session, actor=SYSTEM) if e.title == WIP_LIMIT]
        records.update_experiment(
            session,
            experiment_id=wip.id,
            changes=ExperimentUpdate(title=evil),
            author="t",
            actor=SYSTEM,
        )
        rows = checkin.checkin_rows(session, today=BEFORE_REVIEWS, actor=SYSTEM)
    page = checkin.checkin_html(
        rows, title=f"{evil} check-in", figures=checkin.checkin_figures(rows), generated_at="now"
    )
    assert evil not in page
    assert "alert(1)</script>" not in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; check-in</title>" in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page
    # The chart title is escaped too (plotly would render some tags of it as markup).
    figures = dict(zip(rows["id"], checkin.checkin_figures(rows), strict=True))
    figure = figures[wip.id]
    assert figure.layout.title.text == f"#{wip.id} &lt;script&gt;alert(1)&lt;/script&gt;"


def test_the_csv_is_formula_safe(engine):
    with Session(engine) as session:
        [wip] = [e for e in records.list_experiments(session, actor=SYSTEM) if e.title == WIP_LIMIT]
        records.update_experiment(
            session,
            experiment_id=wip.id,
            changes=ExperimentUpdate(title='=HYPERLINK("http://x","y")', owner="@me"),
            author="t",
            actor=SYSTEM,
        )
        rows = checkin.checkin_rows(session, today=BEFORE_REVIEWS, actor=SYSTEM)
    data = checkin.checkin_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads accents right
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    by_id = {int(r["id"]): r for r in table}
    assert by_id[wip.id]["title"] == '\'=HYPERLINK("http://x","y")'
    assert by_id[wip.id]["owner"] == "'@me"
    assert float(by_id[wip.id]["change"]) < 0  # numbers stay numbers
    assert by_id[wip.id]["verdict"] == "improved"
    assert by_id[wip.id]["overlaps"] == str(next(i for i in by_id if i != wip.id))


def test_a_figure_without_evidence_says_so():
    figure = checkin.before_after_figure({"id": 7, "title": "New", "before": None, "after": None})
    assert [a.text for a in figure.layout.annotations] == ["No evidence yet"]


def test_verdict_labels_are_words_without_emoji():
    assert checkin.verdict_label("improved") == "improved"
    assert checkin.verdict_label("worsened") == "worsened"
    assert checkin.verdict_label(None) == "no evidence"
    assert not hasattr(checkin, "VERDICT_CUES")


def test_the_report_has_no_emoji_or_warning_signs_and_empty_cells_are_empty(engine):
    with Session(engine) as session:
        [stand_up] = [
            e for e in records.list_experiments(session, actor=SYSTEM) if e.title == STAND_UP
        ]
        records.update_experiment(
            session,
            experiment_id=stand_up.id,
            changes=ExperimentUpdate(target=None),
            author="t",
            actor=SYSTEM,
        )
        rows = checkin.checkin_rows(session, team=DEMO_TEAM, today=date(2026, 12, 1), actor=SYSTEM)
    page = checkin.checkin_html(rows, title="Demo", figures=[], generated_at="now")
    assert not re.search("[\u2600-\u27bf\U0001f300-\U0001faff]", page)  # no symbol or emoji
    assert "(overdue)" in page and "overlaps #" in page
    assert "None" not in page and "nan" not in page and "<td>–</td>" not in page
    [row] = [r for r in page.split("<tr>") if STAND_UP in r]
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[8] == ""  # no target: an empty cell


def test_rows_can_be_limited_to_running_experiments(seeded):
    with Session(seeded) as session:
        running = checkin.checkin_rows(
            session, dataset_id=1, statuses=("running",), today=BEFORE_REVIEWS, actor=SYSTEM
        )
        every = checkin.checkin_rows(session, dataset_id=1, today=BEFORE_REVIEWS, actor=SYSTEM)
    assert set(running["status"]) == {"running"}
    assert set(running["title"]) < set(every["title"])


# --------------------------------------------------------------------------- flow summary


@pytest.fixture(scope="module")
def demo():
    return generate_demo_dataset()


def _metrics(dataset, window):
    from vsm_core.metrics.report import calculate_metrics
    from vsm_core.metrics.scope import MetricOptions

    return calculate_metrics(dataset, MetricOptions(window=window)).document


def test_the_flow_summary_is_calculate_metrics_on_the_period_and_the_one_before(demo):
    summary = checkin_flow.flow_summary(demo, since=date(2026, 9, 5))
    last = demo.last_event_at.tz_convert(demo.timezone).date()
    assert summary.period == (date(2026, 9, 5), last)
    length = (last - date(2026, 9, 5)).days + 1
    start, end = summary.previous_period
    assert end == date(2026, 9, 4) and (end - start).days + 1 == length
    now, before = _metrics(demo, summary.period), _metrics(demo, summary.previous_period)
    measures = {m.key: m for m in summary.measures}
    assert [m.key for m in summary.measures] == [
        "throughput_per_week",
        "cycle_time_p85",
        "wip_mean",
        "flow_efficiency",
    ]
    assert measures["throughput_per_week"].value == now["throughput"]["per_week_mean"]
    assert measures["throughput_per_week"].previous == before["throughput"]["per_week_mean"]
    assert measures["cycle_time_p85"].value == now["cycle_time_days"]["p85"]
    assert measures["cycle_time_p85"].previous == before["cycle_time_days"]["p85"]
    assert measures["wip_mean"].value == now["wip"]["mean"]
    ratio = now["flow_efficiency"]["ratio_of_sums"]
    assert measures["flow_efficiency"].value == pytest.approx(100 * ratio)
    change = measures["wip_mean"].change
    assert change == pytest.approx(now["wip"]["mean"] - before["wip"]["mean"])
    assert summary.completed == now["counts"]["completed"]
    assert summary.bottleneck == now["bottleneck"]
    share = round(100 * now["bottleneck"]["share"])
    assert summary.bottleneck_text.startswith(
        f"Bottleneck: {now['bottleneck']['stage']} holds {share} % of the time"
    )


def test_the_default_period_is_the_last_four_weeks(demo):
    summary = checkin_flow.flow_summary(demo)
    start, end = summary.period
    assert (end - start).days + 1 == checkin_flow.DEFAULT_DAYS


def test_a_change_in_words_says_which_way_is_better():
    shorter = checkin_flow.Measure("cycle_time_p85", "Cycle time", "days", "down", 10.0, 13.04)
    assert shorter.words() == "3 days shorter than the period before (better)"
    less = checkin_flow.Measure("throughput_per_week", "T", "items per week", "up", 4.0, 6.5)
    assert less.words() == "2.5 items per week less than the period before (worse)"
    assert checkin_flow.Measure("wip_mean", "W", "items", "down", 4.0, None).change is None
    points = checkin_flow.Measure("flow_efficiency", "F", "%", "up", 40.2, 30.0)
    assert points.words() == "10 points more than the period before (better)"
    fortnight = checkin_flow.Measure("cycle_time_p85", "C", "days", "down", 9.0, 12.0, 14)
    assert fortnight.words() == "3 days shorter than the 2 weeks before (better)"
    assert fortnight.comparison() == "shorter than the 2 weeks before (better)"
    ten = checkin_flow.Measure("wip_mean", "W", "items, daily mean", "down", 5.04, 5.0, 10)
    assert ten.words() == "the same as the 10 days before"  # 0.04 rounds to 0.0


def test_team_flow_is_one_summary_per_dataset_of_the_team(seeded):
    with Session(seeded) as session:
        [summary] = checkin_flow.team_flow(session, DEMO_TEAM, actor=SYSTEM)
        assert checkin_flow.team_flow(session, "Nobody", actor=SYSTEM) == []
    assert summary.dataset == "Demo team"


# --------------------------------------------------------------------------- exports


def _with_words(engine) -> pd.DataFrame:
    with Session(engine) as session:
        [wip] = [e for e in records.list_experiments(session, actor=SYSTEM) if e.title == WIP_LIMIT]
        records.update_experiment(
            session,
            experiment_id=wip.id,
            changes=ExperimentUpdate(learnings='Smaller batches & "fewer" <waits>'),
            author="t",
            actor=SYSTEM,
        )
        return checkin.checkin_rows(session, team=DEMO_TEAM, today=BEFORE_REVIEWS, actor=SYSTEM)


def test_the_csv_rounds_numbers_and_says_yes_or_no(engine):
    rows = _with_words(engine)
    table = list(csv.DictReader(io.StringIO(checkin.checkin_csv(rows).decode("utf-8-sig"))))
    by_title = {r["title"]: r for r in table}
    wip = by_title[WIP_LIMIT]
    assert wip["learnings"] == 'Smaller batches & "fewer" <waits>'
    assert wip["hypothesis"] and wip["action"]
    assert wip["target_met"] == "yes" and by_title[STAND_UP]["target_met"] == "no"
    assert {r["review_overdue"] for r in table} == {"no"}
    assert by_title[STAND_UP]["learnings"] == ""  # empty, not None or nan
    assert by_title[STAND_UP]["recomputed_verdict"] == ""
    for row in table:
        for name in ("before", "after", "change", "ci95_low", "ci95_high", "target"):
            if row[name]:
                assert re.fullmatch(r"-?\d+(\.\d)?", row[name]), (name, row[name])
    text = checkin.checkin_csv(rows).decode("utf-8-sig")
    assert "None" not in text and "nan" not in text and "True" not in text


def test_a_ratio_is_a_whole_percentage_in_the_csv():
    frame = pd.DataFrame(
        [{c: None for c in checkin.COLUMNS} | {"unit": "ratio", "before": 0.4567, "overlaps": []}]
    )
    [row] = csv.DictReader(io.StringIO(checkin.checkin_csv(frame).decode("utf-8-sig")))
    assert row["before"] == "46" and row["unit"] == "%"


def test_the_html_report_has_the_flow_and_the_words_escaped_once(engine, demo):
    rows = _with_words(engine)
    flow = [checkin_flow.flow_summary(demo)]
    page = checkin.checkin_html(rows, title="Demo", figures=[], generated_at="now", flow=flow)
    assert 'Smaller batches &amp; "fewer" &lt;waits&gt;' in page
    assert "&amp;amp;" not in page and "&quot;" not in page
    assert "<b>Hypothesis:</b>" in page and "<b>Action:</b>" in page
    assert "Cycle time, 85th percentile (days)" in page
    assert flow[0].bottleneck_text in page
    assert "than the 4 weeks before" in page


# --------------------------------------------------------------------------- CLI


def _cli(tmp_path, *args: str) -> int:
    from vsm_core.cli import main

    _engine(tmp_path)
    return main(["--db", f"sqlite:///{tmp_path / 'checkin.db'}", "checkin", "export", *args])


def test_checkin_export_writes_the_report_and_the_csv(tmp_path, capsys):
    report, table = tmp_path / "team.html", tmp_path / "team.csv"
    code = _cli(
        tmp_path, "--team", DEMO_TEAM, "--html", str(report), "--csv", str(table),
        "--since", "2026-09-01",
    )  # fmt: skip
    assert code == 0
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and f"<h1>{DEMO_TEAM} check-in</h1>" in page
    assert "<h2>Flow: Demo team</h2>" in page and "2026-09-01 to " in page
    assert WIP_LIMIT in page and "<b>Hypothesis:</b>" in page
    assert "<td>85th percentile cycle time</td>" in page and "cycle_time_p85" not in page
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == list(checkin.COLUMNS)
    assert {r["title"] for r in rows} == {WIP_LIMIT, STAND_UP}
    assert {r["target_met"] for r in rows} == {"yes", "no"}
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"wrote {report} (2 experiments)" in captured.err


def test_checkin_export_without_csv_writes_only_the_report(tmp_path):
    report = tmp_path / "only.html"
    assert _cli(tmp_path, "--team", DEMO_TEAM, "--html", str(report)) == 0
    assert report.exists() and not list(tmp_path.glob("*.csv"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "Nobody"], "no team 'Nobody' (teams: 'Demo team')"),
        (["--team", DEMO_TEAM, "--since", "yesterday"], "--since expects a date"),
        (["--html", "x.html"], "the following arguments are required: --team"),
    ],
)
def test_checkin_export_refuses_bad_input_with_exit_2(tmp_path, capsys, args, message):
    report = tmp_path / "r.html"
    full = [*args, "--html", str(report)] if "--html" not in args else args
    assert _cli(tmp_path, *full) == 2
    error = capsys.readouterr().err
    assert error.startswith("flowlab: error: ") and message in error
    assert not report.exists()


def test_checkin_export_cannot_write_is_exit_2(tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "dir.html"
    assert _cli(tmp_path, "--team", DEMO_TEAM, "--html", str(missing)) == 2
    assert "cannot write" in capsys.readouterr().err


def test_metric_names_read_as_words_in_the_report():
    assert checkin.metric_label("cycle_time_p85") == "85th percentile cycle time"
    assert checkin.metric_label("time_in_stage_p85:Review") == "85th percentile time in Review"
    assert checkin.metric_label("not_a_metric") == "not_a_metric"
    assert checkin.metric_label(None) is None


def test_no_comparison_with_a_period_before_the_data(demo):
    first = demo.first_event_at.tz_convert(demo.timezone).date()
    summary = checkin_flow.flow_summary(demo, since=first + pd.Timedelta(days=10))
    assert summary.previous_period[0] < first
    assert all(m.previous is None and m.change is None for m in summary.measures)
    assert all(m.value is not None for m in summary.measures)
    assert summary.measures[0].words() == "no previous period to compare with"


def test_the_flow_section_shows_dataset_and_stage_names_as_typed():
    name, stage = '<b>"Ops" & co</b>', "<i>Review</i>"
    summary = checkin_flow.FlowSummary(
        dataset=name,
        period=(date(2026, 9, 1), date(2026, 9, 28)),
        previous_period=(date(2026, 8, 4), date(2026, 8, 31)),
        completed=3,
        measures=(checkin_flow.Measure("wip_mean", "Work in progress", "items", "down", 2, 3),),
        bottleneck={"stage": stage, "share": 0.5, "category": "waiting"},
    )
    page = checkin.flow_html([summary])
    assert '<h2>Flow: &lt;b&gt;"Ops" &amp; co&lt;/b&gt;</h2>' in page
    assert "Bottleneck: &lt;i&gt;Review&lt;/i&gt; holds 50 % of the time" in page
    assert "<b>" not in page and "<i>" not in page and "&amp;amp;" not in page


# --------------------------------------------------------------------------- per team, flow CSV


def test_team_slices_follow_the_items_own_team_and_the_dataset_team():
    slices = checkin_flow.team_slices
    assert slices(["Alpha", "Beta"], "Platform", None) == ["Alpha", "Beta"]
    assert slices(["Alpha", "Beta"], "Platform", "Beta") == ["Beta"]
    assert slices(["Alpha", "Beta"], "Platform", "Platform") == [None]
    assert slices(["Alpha", "Beta"], "Platform", "Gamma") == []
    assert slices(["Alpha"], "Platform", "Alpha") == [None]
    assert slices([], "Platform", "Platform") == [None]
    assert slices([], "Platform", None) == [None]
    assert slices([], None, "Platform") == []


def _two_team_dataset():
    """The demo's first 80 items, the even ones of team Alpha and the odd ones of Beta."""
    demo = generate_demo_dataset(n_items=80)
    items = demo.items.copy()
    items["team"] = ["Alpha" if i % 2 == 0 else "Beta" for i in range(len(items))]
    from vsm_core.model import make_dataset

    return make_dataset(items, demo.events, demo.workflow, timezone=demo.timezone)


def test_a_dataset_of_several_teams_gives_a_flow_summary_per_team(engine):
    from vsm_core.filters import ItemFilter

    data = _two_team_dataset()
    with Session(engine) as session:
        crud.save_dataset_version(
            session,
            dataset=data,
            name="Platform board",
            team="Platform",
            format="demo",
            actor=SYSTEM,
        )
        assert {"Alpha", "Beta", "Platform"} <= set(checkin.checkin_teams(session, actor=SYSTEM))
        [alpha] = checkin_flow.team_flow(session, "Alpha", actor=SYSTEM)
        [whole] = checkin_flow.team_flow(session, "Platform", actor=SYSTEM)
        everyone = checkin_flow.team_flow(session, None, actor=SYSTEM)
    assert (alpha.dataset, alpha.team, alpha.title) == (
        "Platform board",
        "Alpha",
        "Platform board, team Alpha",
    )
    expected = checkin_flow.flow_summary(data, item_filter=ItemFilter(teams=("Alpha",)))
    assert alpha.measures == expected.measures
    assert (whole.team, whole.title) == (None, "Platform board")
    assert whole.measures == checkin_flow.flow_summary(data).measures
    assert [s.title for s in everyone] == [
        "Demo team",
        "Platform board, team Alpha",
        "Platform board, team Beta",
    ]
    assert "<h2>Flow: Platform board, team Alpha</h2>" in checkin.flow_html([alpha])


def test_the_flow_csv_has_one_row_per_measure_rounded(demo):
    summary = checkin_flow.flow_summary(demo, since=date(2026, 9, 5))
    text = checkin.flow_csv([summary]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(checkin_flow.FLOW_COLUMNS)
    assert [r["measure"] for r in rows] == [
        "Throughput",
        "Cycle time, 85th percentile",
        "Work in progress",
        "Flow efficiency",
        "Bottleneck",
    ]
    assert {r["period_from"] for r in rows} == {"2026-09-05"}
    assert {r["team"] for r in rows} == {""}
    by_measure = {r["measure"]: r for r in rows}
    for name in ("Throughput", "Cycle time, 85th percentile", "Work in progress"):
        for column in ("value", "previous", "change"):
            assert re.fullmatch(r"-?\d+\.\d", by_measure[name][column]), (name, column)
    for column in ("value", "previous", "change"):
        assert re.fullmatch(r"-?\d+", by_measure["Flow efficiency"][column])
    measures = {m.label: m for m in summary.measures}
    cycle = measures["Cycle time, 85th percentile"]
    assert float(by_measure[cycle.label]["value"]) == round(cycle.value, 1)
    assert by_measure[cycle.label]["change_in_words"] == cycle.words()
    bottleneck = by_measure["Bottleneck"]
    assert bottleneck["value"] == str(round(100 * summary.bottleneck["share"]))
    assert bottleneck["change_in_words"] == summary.bottleneck_text
    assert "None" not in text and "nan" not in text


def test_the_flow_csv_of_no_comparison_has_empty_cells(demo):
    first = demo.first_event_at.tz_convert(demo.timezone).date()
    summary = checkin_flow.flow_summary(demo, since=first + pd.Timedelta(days=10))
    rows = list(csv.DictReader(io.StringIO(checkin.flow_csv([summary]).decode("utf-8-sig"))))
    assert {r["previous"] for r in rows} == {""} and {r["change"] for r in rows} == {""}
    assert rows[0]["change_in_words"] == "no previous period to compare with"
    header = checkin.flow_csv([]).decode("utf-8-sig").strip()
    assert header == ",".join(checkin_flow.FLOW_COLUMNS)


def test_checkin_export_writes_the_flow_csv(tmp_path, capsys):
    report, flow = tmp_path / "team.html", tmp_path / "flow.csv"
    code = _cli(
        tmp_path, "--team", DEMO_TEAM, "--html", str(report), "--flow-csv", str(flow),
        "--since", "2026-09-01",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(flow.read_text(encoding="utf-8-sig"))))
    assert [r["measure"] for r in rows][-1] == "Bottleneck" and len(rows) == 5
    assert {(r["dataset"], r["period_from"]) for r in rows} == {("Demo team", "2026-09-01")}
    assert f"wrote {flow} (1 flow summary)" in capsys.readouterr().err


def test_item_teams_are_read_from_the_store_on_each_backend(database_url):
    """SQLite always; PostgreSQL too when VSM_TEST_POSTGRES_URL is set (a fresh database)."""
    engine = make_engine(database_url)
    try:
        prepare_database(engine, seed_demo=False)
        with Session(engine) as session:
            saved = crud.save_dataset_version(
                session,
                dataset=_two_team_dataset(),
                name="Platform board",
                team="Platform",
                format="demo",
                actor=SYSTEM,
            )
            assert checkin_flow.item_teams(session, saved.id, actor=SYSTEM) == ["Alpha", "Beta"]
            assert checkin.checkin_teams(session, actor=SYSTEM) == ["Alpha", "Beta", "Platform"]
            titles = [s.title for s in checkin_flow.team_flow(session, None, actor=SYSTEM)]
            [beta] = checkin_flow.team_flow(session, "Beta", actor=SYSTEM)
        assert titles == ["Platform board, team Alpha", "Platform board, team Beta"]
        assert beta.team == "Beta" and beta.completed > 0
    finally:
        engine.dispose()
