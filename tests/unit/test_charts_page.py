"""The Flow metrics page's views without Streamlit (``ui/flow_charts.py``).

What each view draws, what its cached figures depend on, and the rule of the
per-item XmR chart: the last N completed items, limits from those points.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from ui.flow_charts import (
    SCATTER_POINTS,
    VIEWS,
    XMR_DEFAULT_POINTS,
    XMR_POINTS,
    recent_xmr,
    titles_of,
    view_panels,
)
from vsm_core.metrics.xmr import xmr

KEYS = {
    "Cycle time": ["cycle_scatter", "cycle_hist", "lead_hist"],
    "Throughput": ["throughput_run", "throughput_hist"],
    "WIP & cumulative flow": ["wip_run", "cfd", "net_flow"],
    "Aging": ["aging", "age_run"],
    "Efficiency & mix": ["efficiency", "distribution"],
    "Process behaviour": ["xmr_cycle", "xmr_throughput", "xmr_wip"],
}


@pytest.fixture(scope="module")
def demo_view():
    from vsm_core.metrics.scope import build_scope
    from vsm_core.metrics.views import flow_view
    from vsm_core.sample_data import generate_demo_dataset

    return flow_view(build_scope(generate_demo_dataset()))


# --------------------------------------------------------------------------- the XmR rule


def test_recent_xmr_computes_the_limits_from_the_points_shown():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(20, 2, 300), rng.normal(8, 1, 100)])  # a shift
    full = xmr(values, labels=[f"I-{i}" for i in range(400)])
    recent = recent_xmr(full, 100)
    assert recent.labels == full.labels[-100:]
    assert recent.values == full.values[-100:]
    expected = xmr(values[-100:])
    assert recent.centre == pytest.approx(expected.centre)
    assert recent.unpl == pytest.approx(expected.centre + 2.66 * expected.mr_bar)
    assert recent.lnpl == pytest.approx(max(expected.centre - 2.66 * expected.mr_bar, 0))
    # limits over the whole history would call the recent, faster process a signal
    assert full.centre > 12 and recent.centre < 9
    assert len(full.signals) > len(recent.signals)


def test_recent_xmr_of_a_short_series_is_the_series():
    full = xmr([3.0, 5.0, 4.0, 6.0], labels=["a", "b", "c", "d"])
    recent = recent_xmr(full, 100)
    assert recent.values == full.values and recent.centre == full.centre
    with pytest.raises(ValueError):
        recent_xmr(full, 0)


def test_titles_of_keeps_the_order_and_leaves_unknown_ids_empty():
    completed = pd.DataFrame({"item_id": ["A", "B", "C"], "title": ["one", None, "three"]})
    assert titles_of(completed, ["C", "X", "A", "B"]) == ["three", "", "one", ""]


# --------------------------------------------------------------------------- the views


def test_every_view_builds_its_charts_on_the_demo_data(demo_view):
    for name in VIEWS:
        panels = view_panels(name, demo_view, sle=12.0, changes=())
        assert [p.key for p in panels] == KEYS[name]
        for panel in panels:
            figure = panel.build()
            assert isinstance(figure, go.Figure) and figure.data, panel.key
            assert panel.definition
            assert panel.data is not None and len(panel.data), panel.key


def test_figure_cache_inputs_name_everything_a_builder_reads_besides_the_view(demo_view):
    changes = (("2026-03-09", "#1 WIP limit"),)
    depends = {
        p.key: p.depends
        for name in VIEWS
        for p in view_panels(name, demo_view, sle=9.5, changes=changes, xmr_points=50)
    }
    assert depends["cycle_scatter"] == (9.5, changes)
    assert depends["aging"] == (9.5, False)  # the SLE, and whether forecasts are drawn
    assert depends["xmr_cycle"] == (50,)
    assert depends["cfd"] == (changes, False)
    for key in ("throughput_run", "wip_run", "net_flow", "age_run", "distribution"):
        assert depends[key] == (changes,), key
    for key in ("cycle_hist", "lead_hist", "throughput_hist", "efficiency"):
        assert depends[key] == (), key
    with pytest.raises(ValueError, match="unknown view"):
        view_panels("Nope", demo_view, sle=None)


def test_the_per_item_xmr_panel_shows_the_last_items_with_their_titles(demo_view):
    assert XMR_DEFAULT_POINTS in XMR_POINTS
    xmr_cycle, *_ = view_panels("Process behaviour", demo_view, sle=None, xmr_points=50)
    figure = xmr_cycle.build()
    values = figure.data[0]
    assert len(values.y) == 50
    last_ids = demo_view.xmr_cycle.labels[-50:]
    assert [row[0] for row in values.customdata] == last_ids
    titles = demo_view.completed.set_index("item_id")["title"]
    assert values.customdata[-1][1].startswith("<br>" + titles[last_ids[-1]][:20])
    table = xmr_cycle.data
    assert list(table.columns[:3]) == ["point", "title", "value"]
    assert len(table) == 50 and table["point"].tolist() == last_ids
    centre = float(np.mean(demo_view.xmr_cycle.values[-50:]))
    assert table["centre"].iloc[0] == pytest.approx(centre)
    assert f"The 50 most recent of {len(demo_view.xmr_cycle.values):,}" in xmr_cycle.definition
    assert "computed from these 50 points" in xmr_cycle.definition


def test_the_scatter_definition_says_when_a_sample_is_drawn():
    n = SCATTER_POINTS + 1
    completed = pd.DataFrame(
        {
            "item_id": [f"I-{i}" for i in range(n)],
            "title": ["t"] * n,
            "type": ["Story"] * n,
            "done": pd.date_range("2025-01-01", periods=n, freq="h", tz="UTC"),
            "cycle_time_days": np.linspace(1, 30, n),
        }
    )
    view = SimpleNamespace(
        completed=completed,
        lead=completed.rename(columns={"cycle_time_days": "lead_time_days"}),
        cycle_percentiles={"p85": 25.0},
        lead_percentiles={"p85": 25.0},
        timezone="UTC",
    )
    scatter, *_ = view_panels("Cycle time", view, sle=None)
    assert f"{n:,} items: a random sample of {SCATTER_POINTS:,} is drawn" in scatter.definition
    dots = [t for t in scatter.build().data if t.mode == "markers"]
    assert sum(len(t.y) for t in dots) == SCATTER_POINTS  # what the definition says
    small = SimpleNamespace(**{**vars(view), "completed": completed.head(100)})
    scatter, *_ = view_panels("Cycle time", small, sle=None)
    assert "sample" not in scatter.definition


def test_the_done_headline_follows_the_period():
    from vsm_core.metrics.scope import build_scope
    from vsm_core.metrics.views import done_per_period, flow_view
    from vsm_core.sample_data import generate_demo_dataset

    scope = build_scope(generate_demo_dataset())
    weekly, monthly = flow_view(scope, freq="week"), flow_view(scope, freq="month")
    label, per_week = done_per_period(weekly)
    assert label == "Done / week"
    assert per_week == pytest.approx(weekly.document["throughput"]["per_week_mean"])
    label, per_month = done_per_period(monthly)
    assert label == "Done / month"
    # the mean over the months of the window: completed items / number of months
    assert per_month == pytest.approx(monthly.throughput["count"].sum() / len(monthly.throughput))
    assert per_month > 3 * per_week


def test_the_cfd_panel_can_show_work_in_progress_only(demo_view):
    name = "WIP & cumulative flow"
    [cfd] = [p for p in view_panels(name, demo_view, sle=None) if p.key == "cfd"]
    [only] = [
        p
        for p in view_panels(name, demo_view, sle=None, cfd_in_progress_only=True)
        if p.key == "cfd"
    ]
    assert only.depends == ((), True) and cfd.depends == ((), False)
    shown = {t.name for t in only.build().data}
    hidden = {
        s
        for s, c in demo_view.stage_categories.items()
        if str(getattr(c, "value", c)).lower() in ("done", "cancelled", "backlog")
    }
    assert hidden and shown and not shown & hidden
    assert "hidden" in only.definition and len(cfd.build().data) > len(shown)
