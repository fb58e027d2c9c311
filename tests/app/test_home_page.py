"""The Home page through AppTest: the story of the demo team (issue #11, item 2).

The window at a glance, the last four weeks against the four before (each change with
its arrow, value and words), the items at risk of the SLE with a link to the aging
view, the experiments under way with their verdict so far and review date, and the
process changes on the throughput chart, only inside the window.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from vsm_core.experiments.checkin_flow import MEASURES
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.summary import home_summary

LATELY = [label for _key, label, _unit, _better in MEASURES]
WIP_LIMIT = "WIP limit on Ready and Review"
STAND_UP = "Stand-up walks the board right to left"


@pytest.fixture
def home(app) -> AppTest:
    app.run()
    assert not app.exception
    return app


@pytest.fixture(scope="module")
def demo():
    return generate_demo_dataset()


def _metric(app: AppTest, label: str):
    [metric] = [m for m in app.metric if m.label == label]
    return metric


def _lately(app: AppTest):
    """The four metrics of the comparison: the ones after the window's six."""
    return app.metric[6:10]


def _chart(app: AppTest) -> dict:
    [chart] = [c for c in app.get("plotly_chart") if c.key == "home_throughput"]
    return json.loads(chart.proto.spec)


def _change_labels(spec: dict) -> list[str]:
    return [a["text"] for a in spec["layout"].get("annotations", []) if a.get("name") == "change"]


def test_the_last_four_weeks_are_compared_with_the_four_before(home, demo):
    metrics = _lately(home)
    assert [m.label for m in metrics] == LATELY
    expected = home_summary(demo).lately
    assert expected.previous_period[1] < expected.period[0]
    captions = [c.value for c in home.caption]
    for metric, measure in zip(metrics, expected.measures, strict=True):
        # the arrow's value: the change, rounded as shown, with its unit
        digits = 0 if measure.unit == "%" else 1
        assert metric.proto.delta.startswith(f"{measure.change:+.{digits}f}")
        # the words: how much, which way against the 4 weeks before, and whether that is better
        words = measure.words()
        assert f"{words[:1].upper()}{words[1:]}." in captions
        assert re.fullmatch(
            r"[\d.]+ \w[\w ]* (more|less|longer|shorter) than the 4 weeks before "
            r"\((better|worse)\)|the same as the 4 weeks before",
            words,
        )
        if measure.comparison().startswith("the same as"):
            continue  # no arrow, no colour
        # the arrow points the way the value went; green when that is better
        went_up = measure.change > 0
        assert metric.proto.direction == (Metric.MetricDirection.UP if went_up else 0)
        better = measure.comparison().endswith("(better)")
        assert metric.proto.color == (Metric.MetricColor.GREEN if better else 0)
    texts = [m.value.replace("\\", "") for m in home.markdown]
    assert any(t.startswith("**The last 4 weeks of the window**") for t in texts)


def test_a_window_too_early_to_compare_shows_no_change(home):
    first, _last = home.sidebar.date_input[0].value
    home.sidebar.date_input[0].set_value((first, first.replace(day=first.day + 13))).run()
    assert not home.exception
    metrics = _lately(home)
    assert [m.label for m in metrics] == LATELY
    assert not any(m.proto.delta for m in metrics)
    assert any("The last 2 weeks of the window" in m.value for m in home.markdown)


def test_the_count_of_items_at_risk_links_to_the_aging_view(home, demo):
    expected = home_summary(demo)
    assert expected.at_risk > 0
    assert _metric(home, "Items at risk of the SLE").value == str(expected.at_risk)
    [link] = [p for p in home.get("page_link") if "Aging" in p.proto.label]
    assert link.proto.page.endswith("flow_metrics") or "flow_metrics" in link.proto.page
    assert "view=Aging" in link.proto.query_string
    assert "dataset=1" in link.proto.query_string  # the same selection opens there
    words = [c.value for c in home.caption]
    assert any(f"the SLE of {expected.sle_days:.1f} days" in w for w in words)


def test_running_experiments_show_their_verdict_so_far_and_review_date(home):
    assert _metric(home, "Experiments under way").value == "2"
    [table] = [d.value for d in home.dataframe if "Verdict so far" in d.value.columns]
    assert list(table.columns) == ["#", "Experiment", "Status", "Verdict so far", "Review date"]
    table = table.set_index("Experiment")
    assert table.loc[WIP_LIMIT, "Status"] == "reviewing"
    assert table.loc[WIP_LIMIT, "Verdict so far"] == "improved"
    assert table.loc[STAND_UP, "Verdict so far"] == "no clear change"
    # both review dates (7 Sep and 11 May 2026) have passed by the tests' today
    assert table.loc[STAND_UP, "Review date"].startswith("11 May 2026")


def test_the_throughput_chart_marks_the_process_changes_inside_the_window(home):
    labels = _change_labels(_chart(home))
    assert any(WIP_LIMIT in label for label in labels)
    assert any(STAND_UP in label for label in labels)
    # A window from July on holds neither change date (16 Mar, 1 Jun 2026): no marker,
    # and the axis is not stretched back to them.
    _first, last = home.sidebar.date_input[0].value
    home.sidebar.date_input[0].set_value((date(2026, 7, 6), last)).run()
    assert not home.exception
    spec = _chart(home)
    assert _change_labels(spec) == []
    shapes = [s for s in spec["layout"].get("shapes", []) if s.get("name") == "change"]
    assert shapes == []


def test_a_change_title_is_shown_as_typed_on_the_chart(home, update_wip_limit):
    update_wip_limit(title='Limit "Ready" <3> & more')
    home.run()
    labels = _change_labels(_chart(home))
    assert any("Limit" in label for label in labels)
    [label] = [label for label in labels if "Limit" in label]
    assert "&quot;" not in label and "<3>" not in label  # plotly shows entities once
    [table] = [d.value for d in home.dataframe if "Verdict so far" in d.value.columns]
    assert 'Limit "Ready" <3> & more' in set(table["Experiment"])
