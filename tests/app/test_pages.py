"""AppTest tests: every page renders with the shared frame and no exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from vsm_core.store.access import SYSTEM

PAGES = {
    "pages/home.py": "Flowlab",
    "pages/retrospective.py": "Retrospective",
    "pages/import_data.py": "Import",
    "pages/flow_metrics.py": "Flow metrics",
    "pages/delivery.py": "Delivery",
    "pages/measures.py": "Measures",
    "pages/bottlenecks.py": "Bottlenecks",
    "pages/forecast.py": "Forecast",
    "pages/future_state.py": "Future state",
    "pages/experiments.py": "Experiments",
    "pages/check_in.py": "Check-in",
    "pages/organisation.py": "Organisation",
    "pages/activity.py": "Activity",
    "pages/admin.py": "Admin",
}


def _metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_entry_point_lands_on_home_with_the_demo_headline(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Flowlab"
    metrics = _metrics(app)
    assert metrics["Items"] == "600"
    assert metrics["Completed"] == "485"
    assert metrics["In progress"] == "19"
    assert metrics["Cycle time, median"].endswith(" d")
    assert app.sidebar.selectbox[0].label == "Dataset"
    assert "Demo team" in app.sidebar.selectbox[0].format_func(app.sidebar.selectbox[0].value)


def test_work_type_filter_changes_the_headline_and_survives_a_page_switch(app):
    app.run()
    app.sidebar.multiselect[0].select("Defect").run()
    assert not app.exception
    defects = _metrics(app)
    assert 100 < int(defects["Items"]) < 600
    app.switch_page("pages/flow_metrics.py").run()
    assert app.sidebar.multiselect[0].value == ["Defect"]
    app.switch_page("pages/home.py").run()
    assert _metrics(app) == defects


def test_date_window_limits_completed_items(app):
    app.run()
    last = app.sidebar.text_input(key="to_1").value  # YYYY-MM-DD
    app.sidebar.text_input(key="from_1").input(last[:8] + "01").run()
    assert not app.exception
    assert 0 < int(_metrics(app)["Completed"]) < 485


@pytest.mark.parametrize("page, heading", PAGES.items())
def test_every_page_renders_its_heading_and_the_shared_sidebar(app, page, heading):
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    assert app.title[0].value == heading
    assert app.sidebar.selectbox[0].label == "Dataset"


def test_an_older_version_stays_readable_from_the_sidebar(app, monkeypatch):
    import os

    from sqlmodel import Session

    from vsm_core.model import make_dataset
    from vsm_core.sample_data import generate_demo_dataset
    from vsm_core.store import crud, make_engine

    app.run()  # seeds the demo as version 1
    demo = generate_demo_dataset()
    ten = make_dataset(
        demo.items.head(10),
        demo.events[demo.events["item_id"].isin(demo.items["item_id"].head(10))],
        demo.workflow,
    )
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:
        crud.save_dataset_version(
            session, dataset=ten, name="Demo team", format="demo", actor=SYSTEM
        )
    engine.dispose()
    app.run()
    version = next(s for s in app.sidebar.selectbox if s.label == "Version")
    assert version.value == 2
    assert _metrics(app)["Items"] == "10"
    version.set_value(1).run()
    assert not app.exception
    assert _metrics(app)["Items"] == "600"
    assert app.subheader[0].value == "Demo team · version 1"


def test_team_and_attribute_filters_in_more_filters(app):
    app.run()
    assert _metrics(app)["Items"] == "600"
    attribute = next(s for s in app.sidebar.selectbox if s.label == "Attribute")
    attribute.set_value("Priority").run()
    values = next(m for m in app.sidebar.multiselect if m.label == "Priority is")
    values.select("High").run()
    assert not app.exception
    high = int(_metrics(app)["Items"])
    assert 0 < high < 600
    app.switch_page("pages/flow_metrics.py").run()
    assert next(m for m in app.sidebar.multiselect if m.label == "Priority is").value == ["High"]
    assert int({m.label: m.value for m in app.metric}["Completed"]) < 485
