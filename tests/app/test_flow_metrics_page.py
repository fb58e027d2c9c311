"""The Flow metrics page through AppTest: numbers, every tab, controls, filters."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from vsm_core.cli import main


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/flow_metrics.py")


def _metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_headline_matches_the_cli_on_the_same_database(page, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    assert main(["--db", db, "metrics", "--dataset", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    shown = _metrics(page)
    assert shown["Completed"] == str(doc["counts"]["completed"])
    assert shown["In progress"] == str(doc["counts"]["in_progress"])
    assert shown["Cycle time p85"] == f"{doc['cycle_time_days']['p85']:.1f} d"
    assert shown["Done / week"] == f"{doc['throughput']['per_week_mean']:.1f}"


def test_every_tab_draws_its_charts_with_definitions(page):
    assert [t.label for t in page.tabs] == [
        "Cycle time",
        "Throughput",
        "WIP & cumulative flow",
        "Aging",
        "Efficiency & mix",
        "Process behaviour",
    ]
    assert len(page.get("plotly_chart")) == 15
    assert len(page.get("download_button")) == 15  # every chart's data exports as CSV
    captions = " ".join(c.value for c in page.caption)
    assert "Start = first entry into **Ready**" in captions
    assert "natural process limits = mean ± 2.66 × mean moving range" in captions


def test_inclusive_mode_and_the_sle_change_the_numbers(page):
    elapsed = _metrics(page)["Cycle time p50"]
    page.radio[0].set_value("Calendar days, inclusive").run()
    assert not page.exception
    assert _metrics(page)["Cycle time p50"] != elapsed
    page.number_input[0].set_value(5.0).run()
    assert not page.exception
    [risk] = [d.value for d in page.dataframe if "status" in d.value.columns]
    assert set(risk["status"]) <= {"breached", "at_risk"}
    assert len(risk) > 3  # a tight SLE puts many items at risk


def test_work_type_filter_and_period(page):
    page.sidebar.multiselect[0].select("Defect").run()
    assert int(_metrics(page)["Completed"]) < 485
    page.selectbox(key="freq_1").set_value("Month").run()
    assert not page.exception


def test_an_as_of_date_in_the_past(page):
    page.radio[1].set_value("A date").run()
    page.date_input(key="asof_date_1").set_value(__import__("datetime").date(2026, 5, 1)).run()
    assert not page.exception
    assert int(_metrics(page)["Completed"]) < 485


def test_experiment_change_dates_are_drawn_on_the_time_charts(page):
    import json as _json

    charts = page.get("plotly_chart")
    scatter = _json.loads(charts[0].proto.spec)
    texts = " ".join(str(a.get("text", "")) for a in scatter["layout"].get("annotations", []))
    assert "#1 WIP limit on Ready and Review" in texts
