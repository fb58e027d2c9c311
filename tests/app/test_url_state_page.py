"""The address and the sidebar through AppTest: a link selects, a widget change is written back."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from ui.shell import PAGES

#: The demo's first day with an event (the From field's default).
FIRST_DAY = "2026-01-05"


def _metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def _notes(app: AppTest) -> str:
    """The sidebar's notes about the address (other captions, e.g. sign-in, left out)."""
    return " ".join(c.value for c in app.sidebar.caption if "link" in c.value or "From" in c.value)


def _open(app: AppTest, page: str, **params) -> AppTest:
    """Open ``page`` the way a pasted address does: the query string, then the page's run."""
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception
    return app


@pytest.fixture
def fresh(app) -> AppTest:
    """The app after its first run (the demo seeded), with an empty address again."""
    app.run()
    app.query_params.clear()
    return app


def test_a_widget_change_is_written_to_the_address(fresh):
    app = fresh
    app.switch_page("pages/flow_metrics.py").run()
    assert app.query_params == {"dataset": "1"}  # defaults are left out
    app.sidebar.multiselect(key="types_1").select("Defect").run()
    app.sidebar.text_input(key="from_1").input("2026-05-01").run()
    assert not app.exception
    assert app.query_params == {"dataset": "1", "from": "2026-05-01", "type": "Defect"}
    app.sidebar.multiselect(key="types_1").select("Feature").run()
    assert app.query_params["type"] == ["Defect", "Feature"]


def test_a_link_selects_its_window_filters_and_view(fresh):
    app = _open(
        fresh,
        "pages/flow_metrics.py",
        dataset="1",
        **{"from": "2026-05-01", "to": "2026-07-31"},
        type=["Defect", "Feature"],
        view="Throughput",
    )
    assert app.sidebar.text_input(key="from_1").value == "2026-05-01"
    assert app.sidebar.text_input(key="to_1").value == "2026-07-31"
    assert app.sidebar.multiselect(key="types_1").value == ["Defect", "Feature"]
    assert next(c.key for c in app.get("plotly_chart")) == "throughput_run"
    assert _notes(app) == ""
    linked = _metrics(app)
    # the same numbers as choosing those values by hand in a session of its own
    app.query_params.clear()
    app.session_state["flowlab.url"] = {}
    app.switch_page("pages/home.py").run()
    assert "flowlab.from_1" in app.session_state  # still remembered from the link
    for key in ("flowlab.from_1", "flowlab.to_1", "flowlab.types_1"):
        del app.session_state[key]
    app.switch_page("pages/flow_metrics.py").run()
    assert _metrics(app)["Completed"] != linked["Completed"]  # the whole window, all types
    app.sidebar.text_input(key="from_1").input("2026-05-01").run()
    app.sidebar.text_input(key="to_1").input("2026-07-31").run()
    app.sidebar.multiselect(key="types_1").select("Defect").select("Feature").run()
    assert _metrics(app) == linked


def test_a_widget_change_after_a_link_is_not_undone_by_the_link(fresh):
    app = _open(fresh, "pages/flow_metrics.py", dataset="1", type="Defect")
    app.sidebar.multiselect(key="types_1").unselect("Defect").run()
    assert app.sidebar.multiselect(key="types_1").value == []
    assert "type" not in app.query_params
    app.run()  # a rerun keeps the user's choice
    assert app.sidebar.multiselect(key="types_1").value == []


def test_the_selection_survives_a_page_switch_that_drops_the_address(fresh):
    app = _open(fresh, "pages/home.py", dataset="1", type="Defect")
    app.query_params.clear()  # what a link without query parameters does
    app.switch_page("pages/bottlenecks.py").run()
    assert app.sidebar.multiselect(key="types_1").value == ["Defect"]
    assert app.query_params == {"dataset": "1", "type": "Defect"}  # written back


def test_the_navigation_links_carry_the_selection(fresh):
    app = _open(fresh, "pages/home.py", dataset="1", team="", type="Risk")
    assert app.session_state["flowlab.url"] == {"dataset": ["1"], "type": ["Risk"]}
    queries = [link.proto.query_string for link in app.sidebar.get("page_link")]
    assert len(queries) == len(PAGES)
    assert set(queries) == {"dataset=1&type=Risk"}


@pytest.mark.parametrize(
    "params, note",
    [
        ({"dataset": "99"}, "The link's dataset “99” was not found"),
        ({"dataset": "abc"}, "The link's dataset could not be read"),
        ({"from": "2020-01-01"}, "The link's start date “2020\\-01\\-01” is not in this data"),
        ({"to": "2026-02-30"}, "The link's end date could not be read"),
        ({"type": "Nonsense"}, "The link's work type “Nonsense” is not in this data"),
        ({"version": "7"}, "The link's version “7” is not in this data"),
        ({"attr": "Nope", "value": "x"}, "The link's attribute “Nope” is not in this data"),
        (
            {"from": "2026-07-01", "to": "2026-06-01"},
            "The link's start date is after its end date",
        ),
    ],
)
def test_an_unusable_value_falls_back_to_its_default_with_a_note(fresh, params, note):
    app = _open(fresh, "pages/flow_metrics.py", **params)
    assert note in _notes(app)
    assert app.sidebar.selectbox(key="dataset_id").value == 1
    assert app.sidebar.text_input(key="from_1").value == FIRST_DAY
    assert app.sidebar.multiselect(key="types_1").value == []
    assert app.query_params == {"dataset": "1"}  # the address now says what is shown
    app.run()
    assert _notes(app) == ""  # said once


# --------------------------------------------------------------------------- typed dates


def _completed(app: AppTest) -> int:
    return int(_metrics(app)["Completed"])


def test_a_typed_date_applies_and_is_written_the_standard_way(fresh):
    app = fresh
    app.switch_page("pages/flow_metrics.py").run()
    everything = _completed(app)
    app.sidebar.text_input(key="from_1").input("2026/6/1").run()  # what Enter or Tab sends
    assert not app.exception
    assert app.sidebar.text_input(key="from_1").value == "2026-06-01"
    assert 0 < _completed(app) < everything
    assert app.query_params["from"] == "2026-06-01"
    assert app.sidebar.date_input(key="calendar_1").value == (date(2026, 6, 1), date(2026, 10, 2))


def test_a_typed_day_outside_the_data_is_kept_to_its_days(fresh):
    app = fresh
    app.switch_page("pages/flow_metrics.py").run()
    app.sidebar.text_input(key="to_1").input("2030-01-01").run()
    assert app.sidebar.text_input(key="to_1").value == "2026-10-02"  # the last day
    assert "to" not in app.query_params  # which is the default


@pytest.mark.parametrize("typed", ["1 May 2026", "2026-02-30", "05/01/2026"])
def test_what_is_not_a_date_says_so_and_counts_the_whole_window(fresh, typed):
    app = fresh
    app.switch_page("pages/flow_metrics.py").run()
    everything = _completed(app)
    app.sidebar.text_input(key="from_1").input(typed).run()
    assert not app.exception
    assert "is not a date written year-month-day, so From is 2026-01-05" in _notes(app)
    assert _completed(app) == everything
    assert "from" not in app.query_params


def test_from_after_to_is_read_the_other_way_round(fresh):
    app = fresh
    app.switch_page("pages/flow_metrics.py").run()
    app.sidebar.text_input(key="from_1").input("2026-07-31").run()
    app.sidebar.text_input(key="to_1").input("2026-05-01").run()
    assert "From is after To" in _notes(app)
    forward = _completed(app)
    app.sidebar.text_input(key="from_1").input("2026-05-01").run()
    app.sidebar.text_input(key="to_1").input("2026-07-31").run()
    assert _completed(app) == forward
    assert _notes(app) == ""


def test_the_calendar_fills_from_and_to(fresh):
    app = fresh
    app.switch_page("pages/flow_metrics.py").run()
    app.sidebar.date_input(key="calendar_1").set_value((date(2026, 3, 2), date(2026, 4, 30)))
    app.run()
    assert app.sidebar.text_input(key="from_1").value == "2026-03-02"
    assert app.sidebar.text_input(key="to_1").value == "2026-04-30"
    assert app.query_params["from"] == "2026-03-02" and app.query_params["to"] == "2026-04-30"


def test_a_link_selects_a_team_and_an_attribute_with_its_values(fresh):
    app = _open(
        fresh,
        "pages/bottlenecks.py",
        dataset="1",
        team="Demo team",
        attr="Priority",
        value=["High", "Nope"],
    )
    assert app.sidebar.multiselect(key="teams_1").value == ["Demo team"]
    assert app.sidebar.selectbox(key="attr_1").value == "Priority"
    assert app.sidebar.multiselect(key="attr_values_1").value == ["High"]
    assert "The link's attribute value “Nope” is not in this data" in _notes(app)
    assert app.query_params == {
        "dataset": "1",
        "team": "Demo team",
        "attr": "Priority",
        "value": "High",
    }
    # and the filter is applied: fewer items than the whole demo on Home
    app.switch_page("pages/home.py").run()
    assert int(_metrics(app)["Items"]) < 600
    app.sidebar.selectbox(key="attr_1").set_value(None).run()  # "No attribute filter"
    assert "attr" not in app.query_params and "value" not in app.query_params
    assert _metrics(app)["Items"] == "600"
