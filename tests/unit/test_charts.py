"""Chart builders: structure, not pixels (trace types and counts, hover ids, reference lines).

Inputs are hand-made tables in the shape of the metric contract, so these
tests do not depend on the metric modules; one test at the end feeds the
real metric functions of the demo dataset through every builder.
"""

from __future__ import annotations

import itertools
import json
from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from vsm_core.charts import common, markers
from vsm_core.charts.aging import age_run_chart, aging_wip_chart, pace
from vsm_core.charts.bottlenecks import rework_chart, stage_week_heatmap_chart
from vsm_core.charts.cfd import cfd_chart, cfd_stack_order
from vsm_core.charts.common import (
    CONFIG,
    empty_figure,
    percentile_items,
    plotly_config,
    spread,
    stage_colours,
    type_colours,
)
from vsm_core.charts.cycle_time import cycle_time_scatter, days_histogram
from vsm_core.charts.distribution import distribution_chart
from vsm_core.charts.efficiency import efficiency_histogram
from vsm_core.charts.markers import add_change_markers
from vsm_core.charts.throughput import (
    throughput_histogram,
    throughput_run_chart,
    weekly_throughput_chart,
)
from vsm_core.charts.value_stream import value_stream_map
from vsm_core.charts.wip import net_flow_chart, wip_run_chart
from vsm_core.charts.xmr import xmr_chart

CHANGE = [(date(2026, 3, 9), "WIP limit")]
#: For charts of 2–4 March 2026: the 9 March marker is outside their dates, so only 3 March shows.
CHANGE_EARLY = [*CHANGE, (date(2026, 3, 3), "Pairing")]
PCT = {50: 4.0, 70: 6.0, 85: 9.5, 95: 14.0}
UTC = "datetime64[us, UTC]"


# --------------------------------------------------------------------------- helpers


def shapes(fig: go.Figure, name: str) -> list:
    return [s for s in fig.layout.shapes if s.name == name]


def notes(fig: go.Figure, name: str) -> list:
    return [a for a in fig.layout.annotations if a.name == name]


def is_empty_figure(fig: go.Figure) -> bool:
    return len(fig.data) == 0 and len(notes(fig, "empty")) == 1


def check_json(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())


def ids_in(trace) -> set[str]:
    return {str(row[0]) for row in trace.customdata}


def completed_table() -> pd.DataFrame:
    done = pd.to_datetime(
        [
            "2026-03-02 10:00",
            "2026-03-04 09:00",
            "2026-03-05 17:00",
            "2026-03-10 12:00",
            "2026-03-11 08:00",
            "2026-03-12 15:00",
            "2026-03-13 11:00",
        ],
        utc=True,
    ).astype(UTC)
    return pd.DataFrame(
        {
            "item_id": pd.Series([f"A-{i}" for i in range(1, 8)], dtype="str"),
            "title": pd.Series(
                ["Login <b>page</b>", "Fix crash", "Report", "Export", "Tidy", "Search", "X"],
                dtype="str",
            ),
            "type": pd.Series(
                ["Feature", "Defect", "Feature", "Defect", "Feature", None, "Feature"],
                dtype="str",
            ),
            "done": done,
            "cycle_time_days": [3.0, 1.5, 8.0, 2.0, np.nan, 12.0, 5.0],
        }
    )


def weekly_series() -> tuple[pd.DataFrame, pd.DataFrame]:
    weeks = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    series = pd.DataFrame({"period_start": weeks, "count": [3, 0, 5]})
    by_type = pd.DataFrame(
        {
            "period_start": np.repeat(weeks, 2),
            "type": ["Defect", "Feature"] * 3,
            "count": [1, 2, 0, 0, 4, 1],
        }
    )
    return series, by_type


# --------------------------------------------------------------------------- common


def test_config_keeps_png_download_and_names_the_file_after_the_title():
    assert CONFIG["toImageButtonOptions"]["format"] == "png"
    assert CONFIG["toImageButtonOptions"]["scale"] == 2
    assert "toImage" not in CONFIG.get("modeBarButtonsToRemove", [])
    config = plotly_config(empty_figure("Cycle time / done items"))
    assert config["toImageButtonOptions"]["filename"] == "flowlab-cycle-time-done-items"
    assert CONFIG["toImageButtonOptions"]["filename"] == "flowlab-chart"  # not mutated


def test_percentile_items_accepts_int_keys_and_summarize_days_output():
    assert percentile_items({85: 9.5, 50: 4.0}) == [(50, 4.0), (85, 9.5)]
    summary = {"p50": 4.0, "p85": float("nan"), "mean": 5.0, "n": 3}
    assert percentile_items(summary) == [(50, 4.0)]
    assert percentile_items(None) == []


def test_empty_figure_shows_the_message_and_serialises():
    fig = empty_figure("Throughput", "No data")
    assert is_empty_figure(fig)
    assert notes(fig, "empty")[0].text == "No data"
    assert fig.layout.title.text == "Throughput"
    check_json(fig)


def test_change_markers_accept_dates_and_tz_aware_timestamps():
    fig = go.Figure(go.Scatter(x=[date(2026, 3, 1), date(2026, 4, 1)], y=[1, 2]))
    add_change_markers(
        fig,
        [
            (date(2026, 3, 9), "WIP limit"),
            (pd.Timestamp("2026-03-20 23:30", tz="UTC"), "Pairing <on>"),
        ],
        timezone="Europe/Berlin",
    )
    lines = shapes(fig, "change")
    assert [s.x0 for s in lines] == ["2026-03-09", "2026-03-21T00:30:00"]
    assert [a.text for a in notes(fig, "change")] == ["WIP limit", "Pairing &lt;on&gt;"]
    check_json(fig)


def test_change_markers_outside_the_charts_dates_are_not_drawn():
    fig = go.Figure(go.Scatter(x=[date(2026, 3, d) for d in range(1, 32)], y=[1] * 31))
    add_change_markers(
        fig,
        [
            (date(2025, 12, 1), "long ago"),
            (date(2026, 3, 15), "inside"),
            (date(2026, 9, 1), "later"),
        ],
    )
    assert [s.x0 for s in shapes(fig, "change")] == ["2026-03-15"]
    assert [a.text for a in notes(fig, "change")] == ["inside"]
    # an explicit window wins over the traces' dates
    windowed = add_change_markers(
        go.Figure(go.Scatter(x=[date(2026, 3, 1)], y=[1])),
        [(date(2026, 3, 15), "inside"), (date(2026, 4, 2), "after")],
        window=(date(2026, 3, 1), date(2026, 3, 31)),
    )
    assert [s.x0 for s in shapes(windowed, "change")] == ["2026-03-15"]


def test_change_markers_on_weekly_bars_keep_the_last_weeks_days():
    weeks = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    fig = go.Figure(go.Bar(x=weeks, y=[1, 2, 3]))
    add_change_markers(fig, [(date(2026, 3, 20), "Friday of the last week")])
    assert len(shapes(fig, "change")) == 1


def test_change_marker_labels_never_overlap():
    days = [date(2026, 3, 1) + pd.Timedelta(days=d) for d in range(60)]
    fig = go.Figure(go.Scatter(x=days, y=[1] * 60))
    close = [
        (date(2026, 3, 10) + pd.Timedelta(days=d), f"#{d} A long experiment title")
        for d in range(7)
    ]
    add_change_markers(fig, close)
    labels = notes(fig, "change")
    rows = [round((1 - a.y) / markers.CHANGE_ROW_STEP) for a in labels]
    # same-row labels: each starts after the previous one's estimated end
    span_s = (pd.Timestamp("2026-04-30") - pd.Timestamp("2026-02-28")).total_seconds()
    for row in set(rows):
        xs = sorted(pd.Timestamp(a.x) for a, r in zip(labels, rows, strict=True) if r == row)
        for left, right in itertools.pairwise(xs):
            width_px = len("#0 A long experiment title") * markers.CHANGE_CHAR_PX
            assert (right - left).total_seconds() > width_px * span_s / markers.CHANGE_PLOT_PX * 0.9
    assert len(set(rows)) <= markers.CHANGE_LABEL_ROWS
    # every line is drawn; the labels that found no row are listed in the "+N more" hover
    assert len(shapes(fig, "change")) == 7
    [more] = notes(fig, "change:more") or [None]
    assert more is not None and more.text == f"+{7 - len(labels)} more changes"
    shown = {a.text for a in labels}
    hidden = [d for d in range(7) if f"#{d} A long experiment title" not in shown]
    assert hidden and all(f"#{d} A long" in more.hovertext for d in hidden)
    check_json(fig)


def test_colour_maps_are_stable_and_follow_categories():
    assert type_colours(["Feature", "Zeta"]) == type_colours(["Zeta", "Feature", "Zeta"])
    assert type_colours(["Bug"])["Bug"] == type_colours(["Defect"])["Defect"]
    colours = stage_colours({"Backlog": "backlog", "Doing": "active", "Done": "done"})
    assert colours["Done"] == common.CATEGORY_COLOURS["done"]
    assert colours["Doing"] == common.CATEGORY_COLOURS["active"]


def test_spread_keeps_close_labels_apart():
    shifts = spread([10.0, 10.1, 30.0], 0, 100, 200, gap_px=15)
    y = [v * 2 + s for v, s in zip([10.0, 10.1, 30.0], shifts, strict=True)]
    assert y[1] - y[0] >= 15 - 1 and shifts[2] == 0


def test_percentile_lines_are_labelled_in_the_margin_nudged_apart_with_the_sle_inside():
    fig = go.Figure()
    common.add_percentile_lines(
        fig, {"p50": 10.0, "p70": np.nan, "p85": 10.1}, 12.0, y_range=(0, 100), plot_px=200
    )
    assert [s.name for s in fig.layout.shapes] == ["percentile:50", "percentile:85", "sle"]
    p50, p85 = notes(fig, "percentile:50")[0], notes(fig, "percentile:85")[0]
    assert (p50.text, p85.text) == ("50% ≤ 10.0 d", "85% ≤ 10.1 d")
    assert p50.xanchor == p85.xanchor == "left" and p50.x == p85.x == 1  # the right margin
    assert p85.yshift - p50.yshift >= 14  # 0.1 d apart = 0.2 px: nudged to ~15 px
    (sle,) = notes(fig, "sle")
    assert (sle.text, sle.x, sle.xanchor) == ("SLE 12.0 d", 0, "left")
    bare = go.Figure()
    common.add_percentile_lines(bare, None, float("nan"), y_range=(0, 1), plot_px=100)
    assert not bare.layout.shapes and not bare.layout.annotations


def test_the_scatter_and_the_aging_chart_draw_the_same_percentile_lines():
    scatter = cycle_time_scatter(completed_table(), percentiles=PCT, sle_days=10.0)
    aging = aging_wip_chart(aging_table(), stages=["Ready"], percentiles=PCT, sle_days=10.0)
    for name in [f"percentile:{q}" for q in PCT] + ["sle"]:
        (a,), (b,) = notes(scatter, name), notes(aging, name)
        assert (a.text, a.x, a.xanchor, a.y) == (b.text, b.x, b.xanchor, b.y)


# --------------------------------------------------------------------------- cycle time


def test_cycle_time_scatter_structure():
    fig = cycle_time_scatter(completed_table(), percentiles=PCT, sle_days=10.0, change_dates=CHANGE)
    points = [t for t in fig.data if t.mode == "markers"]
    assert sorted(t.name for t in points) == ["(none)", "Defect", "Feature"]
    ids = set().union(*(ids_in(t) for t in points))
    assert ids == {"A-1", "A-2", "A-3", "A-4", "A-6", "A-7"}  # A-5 has no cycle time
    hover = " ".join(str(row[1]) for t in points for row in t.customdata)
    assert "Login &lt;b&gt;page&lt;/b&gt;" in hover  # titles are escaped
    assert all("customdata[1]" in t.hovertemplate for t in points)
    # rolling median trend: 6 points >= TREND_MIN_POINTS
    trend = [t for t in fig.data if t.mode == "lines"]
    assert len(trend) == 1 and np.isfinite(np.asarray(trend[0].y, dtype=float)[-1])
    for q, value in PCT.items():
        (line,) = shapes(fig, f"percentile:{q}")
        assert line.y0 == line.y1 == value and line.line.dash == "dot"
        assert notes(fig, f"percentile:{q}")[0].text == f"{q}% ≤ {value:.1f} d"
    (sle,) = shapes(fig, "sle")
    assert sle.y0 == 10.0 and sle.line.dash == "solid"
    assert [s.x0 for s in shapes(fig, "change")] == ["2026-03-09"]
    assert fig.layout.yaxis.title.text == "Cycle time (days)"
    assert fig.layout.xaxis.title.text == "Done date"
    assert fig.layout.yaxis.range[1] >= 14.0  # every reference line is in view
    check_json(fig)


def test_cycle_time_scatter_trend_off_and_no_percentiles():
    fig = cycle_time_scatter(completed_table(), percentiles=None, sle_days=None, trend=False)
    assert all(t.mode == "markers" for t in fig.data)
    assert not [s for s in fig.layout.shapes if s.name.startswith(("percentile", "sle"))]


@pytest.mark.parametrize(
    "table",
    [
        None,
        pd.DataFrame(),
        completed_table().iloc[0:0],
        completed_table().assign(cycle_time_days=np.nan),
    ],
)
def test_cycle_time_scatter_empty(table):
    fig = cycle_time_scatter(table, percentiles=PCT, sle_days=10, change_dates=CHANGE)
    assert is_empty_figure(fig)
    check_json(fig)


def test_days_histogram_with_percentile_lines():
    values = pd.Series([1.0, 2.5, 2.5, 7.0, np.nan, 30.0])
    fig = days_histogram(values, title="Lead time", percentiles={"p50": 2.5, "p85": 20.0})
    (bars,) = fig.data  # counted into 1-day bins here: one bar per bin, not every value
    assert bars.type == "bar" and sum(bars.y) == 5
    assert list(bars.y[:4]) == [0, 1, 2, 0]  # [0, 1): none; [1, 2): 1.0; [2, 3): 2.5 twice
    assert bars.y[7] == 1 and bars.y[-1] == 1  # 7.0, and 30.0 in the last bin [30, 31)
    assert bars.x[1] == 1.5 and bars.customdata[1] == "1–2 d"
    assert "%{customdata}: %{y} items" in bars.hovertemplate
    assert [s.x0 for s in shapes(fig, "percentile:50")] == [2.5]
    assert notes(fig, "percentile:85")[0].text == "85% ≤ 20.0 d"
    assert fig.layout.title.text == "Lead time"
    check_json(fig)
    assert is_empty_figure(days_histogram(pd.Series([], dtype=float), title="Lead time"))


# --------------------------------------------------------------------------- throughput


def test_throughput_run_chart_stacked_by_type_with_total_and_mean():
    series, by_type = weekly_series()
    fig = throughput_run_chart(series, by_type, freq_label="week", change_dates=CHANGE)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["Defect", "Feature"]
    assert fig.layout.barmode == "stack"
    (total,) = [t for t in fig.data if t.type == "scatter"]
    assert list(total.y) == [3, 0, 5]
    assert bars[0].xperiod == 7 * 86_400_000  # bars span their week
    (mean,) = shapes(fig, "mean")
    assert mean.y0 == pytest.approx(8 / 3)
    assert len(shapes(fig, "change")) == 1
    assert "week" in fig.layout.yaxis.title.text
    check_json(fig)


def test_throughput_run_chart_plain_bars_and_empty():
    series, _ = weekly_series()
    fig = throughput_run_chart(series, None, freq_label="month")
    assert [t.type for t in fig.data] == ["bar"] and fig.data[0].xperiod == "M1"
    assert is_empty_figure(throughput_run_chart(series.iloc[0:0], None, freq_label="week"))
    assert is_empty_figure(throughput_run_chart(None, None, freq_label="week"))


def test_throughput_histogram_counts_periods_per_value():
    series = pd.DataFrame({"period_start": range(6), "count": [0, 2, 2, 3, 0, 2]})
    fig = throughput_histogram(series)
    (bar,) = fig.data
    assert list(bar.x) == [0, 1, 2, 3] and list(bar.y) == [2, 0, 3, 1]
    check_json(fig)
    assert is_empty_figure(throughput_histogram(series.iloc[0:0]))


def test_weekly_throughput_chart_kept():
    weekly = pd.DataFrame({"week_start": [date(2026, 3, 2), date(2026, 3, 9)], "count": [2, 4]})
    fig = weekly_throughput_chart(weekly)
    assert fig.data[0].type == "bar" and fig.layout.title.text == "Weekly throughput"
    check_json(fig)


# --------------------------------------------------------------------------- wip and net flow


def test_wip_run_chart_with_flow_load():
    days = [date(2026, 3, d) for d in (2, 3, 4)]
    daily = pd.DataFrame({"date": days, "count": [2, 3, 1]})
    load = pd.DataFrame(
        {"date": np.repeat(days, 2), "type": ["Bug", "Story"] * 3, "count": [1, 1, 1, 2, 0, 1]}
    )
    fig = wip_run_chart(daily, load, CHANGE_EARLY)
    stacked = [t for t in fig.data if t.stackgroup]
    assert [t.name for t in stacked] == ["Bug", "Story"]
    assert fig.data[-1].name == "Total WIP" and list(fig.data[-1].y) == [2, 3, 1]
    assert shapes(fig, "mean")[0].y0 == pytest.approx(2.0)
    assert [s.x0 for s in shapes(fig, "change")] == ["2026-03-03"]
    check_json(fig)
    plain = wip_run_chart(daily)
    assert len(plain.data) == 1
    assert is_empty_figure(wip_run_chart(daily.iloc[0:0], None))


def test_net_flow_chart_colours_by_sign():
    net = pd.DataFrame(
        {
            "period_start": [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)],
            "starts": [5, 2, 3],
            "dones": [3, 4, 3],
            "net": [2, -2, 0],
        }
    )
    fig = net_flow_chart(net, CHANGE)
    (bar,) = fig.data
    from vsm_core.charts.wip import NET_DOWN, NET_UP

    assert list(bar.marker.color) == [NET_UP, NET_DOWN, NET_DOWN]
    assert [list(r) for r in bar.customdata] == [[5, 3], [2, 4], [3, 3]]
    assert len(shapes(fig, "change")) == 1
    check_json(fig)
    assert is_empty_figure(net_flow_chart(net.iloc[0:0]))


# --------------------------------------------------------------------------- cfd


STAGE_CATEGORIES = {
    "Backlog": "backlog",
    "Ready": "waiting",
    "Doing": "active",
    "Review": "waiting",
    "Done": "done",
    "Cancelled": "cancelled",
}


def test_cfd_chart_stacks_done_at_the_bottom_and_backlog_on_top():
    stages = list(STAGE_CATEGORIES)
    cfd = pd.DataFrame({"date": [date(2026, 3, 2), date(2026, 3, 3)]})
    for i, stage in enumerate(stages):
        cfd[stage] = [i, i + 1]
    fig = cfd_chart(cfd, stage_categories=STAGE_CATEGORIES, change_dates=CHANGE_EARLY)
    names = [t.name for t in fig.data]
    assert names == ["Cancelled", "Done", "Review", "Doing", "Ready", "Backlog"]
    assert all(t.stackgroup == "cfd" for t in fig.data)
    colours = {t.name: t.fillcolor for t in fig.data}
    assert colours["Done"] == common.CATEGORY_COLOURS["done"]
    assert colours["Doing"] == common.CATEGORY_COLOURS["active"]
    assert colours["Backlog"] == common.CATEGORY_COLOURS["backlog"]
    assert colours["Ready"] != colours["Review"]  # two waiting stages, two shades
    assert fig.layout.legend.traceorder == "reversed"
    assert [s.x0 for s in shapes(fig, "change")] == ["2026-03-03"]
    check_json(fig)


def test_cfd_chart_can_hide_the_done_and_backlog_bands():
    cfd = pd.DataFrame({"date": [date(2026, 3, 2), date(2026, 3, 3)]})
    for i, stage in enumerate(STAGE_CATEGORIES):
        cfd[stage] = [10 * i, 10 * i + 1]
    fig = cfd_chart(cfd, stage_categories=STAGE_CATEGORIES, in_progress_only=True)
    # only the active and waiting stages, stacked from zero (reverse workflow order)
    assert [t.name for t in fig.data] == ["Review", "Doing", "Ready"]
    assert [list(t.y) for t in fig.data] == [[30, 31], [20, 21], [10, 11]]
    assert fig.layout.title.text == "Cumulative flow, work in progress only"
    full = cfd_chart(cfd, stage_categories=STAGE_CATEGORIES)
    assert len(full.data) == 6 and full.layout.title.text == "Cumulative flow"
    # nothing left to show: the empty figure, not an error
    only_ends = cfd[["date", "Backlog", "Done"]]
    assert is_empty_figure(
        cfd_chart(only_ends, stage_categories=STAGE_CATEGORIES, in_progress_only=True)
    )


def test_cfd_stack_order_without_categories_is_reverse_workflow_order():
    assert cfd_stack_order(["A", "B", "C"], {}) == ["C", "B", "A"]


def test_cfd_chart_empty():
    assert is_empty_figure(cfd_chart(pd.DataFrame({"date": []}), stage_categories={}))
    assert is_empty_figure(cfd_chart(pd.DataFrame(), stage_categories=STAGE_CATEGORIES))


# --------------------------------------------------------------------------- aging


def aging_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": pd.Series(["B-1", "B-2", "B-3", "B-4", "B-5"], dtype="str"),
            "title": pd.Series(["one", "two", "three", "four", "five"], dtype="str"),
            "type": pd.Series(["Bug", "Story", "Story", "Bug", "Story"], dtype="str"),
            "stage": pd.Series(["Ready", "Doing", "Doing", "Review", "QA"], dtype="str"),
            "stage_index": [1, 2, 2, 3, 4],
            "start": pd.to_datetime(["2026-03-01"] * 5, utc=True).astype(UTC),
            "age_days": [1.0, 5.0, 7.0, 20.0, 9.5],
        }
    )


def test_pace_buckets():
    ages = np.array([1.0, 4.0, 5.9, 6.0, 9.49, 9.5, np.nan])
    assert list(pace(ages, PCT)) == ["green", "yellow", "yellow", "orange", "orange", "red", "grey"]
    assert list(pace(ages[:2], {})) == ["grey", "grey"]


def test_aging_wip_chart_structure():
    fig = aging_wip_chart(
        aging_table(), stages=["Ready", "Doing", "Review"], percentiles=PCT, sle_days=15.0
    )
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {
        "Below the median",
        "Median to 70th percentile",
        "70th to 85th percentile",
        "85th percentile or older",
    }
    assert ids_in(by_name["85th percentile or older"]) == {"B-4", "B-5"}
    assert set().union(*(ids_in(t) for t in fig.data)) == {"B-1", "B-2", "B-3", "B-4", "B-5"}
    # columns: listed stages in order, then the unlisted "QA"; points jittered in their column
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2, 3]
    assert [t.split("<br>")[0] for t in fig.layout.xaxis.ticktext] == [
        "Ready",
        "Doing",
        "Review",
        "QA",
    ]
    assert fig.layout.xaxis.ticktext[1] == "Doing<br>(2)"
    for trace in fig.data:
        for x, row in zip(trace.x, trace.customdata, strict=True):
            stage = row[2].split(" in ")[1]  # "type in stage"
            column = ["Ready", "Doing", "Review", "QA"].index(stage)
            assert abs(x - column) <= 0.3
    bands = [s for s in fig.layout.shapes if s.name.startswith("band:")]
    assert [s.name for s in bands] == ["band:green", "band:yellow", "band:orange", "band:red"]
    assert [(s.y0, s.y1) for s in bands[:3]] == [(0.0, 4.0), (4.0, 6.0), (6.0, 9.5)]
    assert bands[0].type == "rect" and bands[0].x0 == -0.5 and bands[0].x1 == 3.5
    assert shapes(fig, "percentile:85")[0].y0 == 9.5
    assert shapes(fig, "sle")[0].y0 == 15.0
    # hover: bold id and title from customdata, type in stage, age, start date
    template = fig.data[0].hovertemplate
    assert template.startswith("<b>%{customdata[0]}</b> %{customdata[1]}")
    assert "Age %{y:.1f} d" in template and "Started %{customdata[3]}" in template
    rows = {row[0]: list(row[1:]) for t in fig.data for row in t.customdata}
    assert rows["B-1"][2] == "01 Mar 2026"
    stages = (" in Ready", " in Doing", " in Review", " in QA")
    assert all(row[1].endswith(stages) for row in rows.values())
    assert fig.layout.yaxis.title.text == "Age (days since start)"
    check_json(fig)


def test_aging_wip_chart_is_deterministic_and_handles_empty():
    a = aging_wip_chart(aging_table(), stages=["Ready"], percentiles=PCT, sle_days=None)
    b = aging_wip_chart(aging_table(), stages=["Ready"], percentiles=PCT, sle_days=None)
    assert a.to_json() == b.to_json()
    columns_only = aging_wip_chart(aging_table().iloc[0:0], stages=["Ready", "Doing"])
    assert len(columns_only.data) == 0 and len(notes(columns_only, "empty")) == 1
    assert len(columns_only.layout.xaxis.tickvals) == 2
    check_json(columns_only)
    assert is_empty_figure(aging_wip_chart(None, stages=[], percentiles={}, sle_days=None))


def test_age_run_chart():
    table = pd.DataFrame(
        {
            "date": [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)],
            "count": [0, 2, 3],
            "mean_age_days": [np.nan, 1.5, 2.0],
            "max_age_days": [np.nan, 2.0, 3.5],
        }
    )
    fig = age_run_chart(table, CHANGE_EARLY)
    assert [t.type for t in fig.data] == ["bar", "scatter", "scatter"]
    assert [t.yaxis for t in fig.data] == [None, "y2", "y2"]
    assert fig.layout.yaxis2.title.text == "Age (days)"
    assert [s.x0 for s in shapes(fig, "change")] == ["2026-03-03"]
    check_json(fig)
    assert is_empty_figure(age_run_chart(table.iloc[0:0]))


# --------------------------------------------------------------------------- efficiency


def test_efficiency_histogram_with_both_summary_lines():
    per_item = pd.DataFrame(
        {"item_id": ["C-1", "C-2", "C-3", "C-4"], "efficiency": [0.12, 0.14, 0.5, 1.0]}
    )
    fig = efficiency_histogram(per_item, ratio_of_sums=0.3, mean_of_ratios=0.44)
    bar, *lines = fig.data
    assert bar.type == "bar" and sum(bar.y) == 4
    assert bar.y[2] == 2 and "C-1, C-2" in bar.customdata[2][2]
    assert bar.y[-1] == 1  # 100 % falls in the last bin
    assert [t.name for t in lines] == ["Ratio of sums: 30%", "Mean of ratios: 44%"]
    assert [t.x[0] for t in lines] == [30.0, 44.0]
    assert fig.layout.showlegend
    check_json(fig)
    no_lines = efficiency_histogram(per_item, ratio_of_sums=None, mean_of_ratios=float("nan"))
    assert len(no_lines.data) == 1
    assert is_empty_figure(efficiency_histogram(per_item.iloc[0:0]))


# --------------------------------------------------------------------------- distribution


def test_distribution_chart_is_a_100_percent_stack():
    weeks = [date(2026, 3, 2), date(2026, 3, 9)]
    over_time = pd.DataFrame(
        {
            "period_start": np.repeat(weeks, 2),
            "type": ["Bug", "Story"] * 2,
            "count": [1, 3, 0, 0],
            "share": [0.25, 0.75, 0.0, 0.0],
        }
    )
    fig = distribution_chart(over_time, CHANGE)
    assert [t.name for t in fig.data] == ["Bug", "Story"]
    assert list(fig.data[1].y) == [75.0, 0.0]
    assert [list(r) for r in fig.data[0].customdata] == [[1, 4], [0, 0]]
    assert fig.layout.barmode == "stack" and list(fig.layout.yaxis.range) == [0, 100]
    assert len(shapes(fig, "change")) == 1
    check_json(fig)
    assert is_empty_figure(distribution_chart(over_time.iloc[0:0]))


# --------------------------------------------------------------------------- xmr


def xmr_result(values, signals):
    return SimpleNamespace(
        values=values, centre=5.0, unpl=9.0, lnpl=1.0, mr_bar=1.5, signals=signals
    )


def test_xmr_chart_with_item_labels_signals_and_baseline():
    values = [4.0, 5.0, 12.0, 5.5, 4.5, 6.0]
    signals = [{"index": 2, "rule": "beyond_limits"}, {"index": 2, "rule": "run_of_8"}]
    labels = [f"D-{i}" for i in range(6)]
    fig = xmr_chart(
        labels,
        xmr_result(values, signals),
        title="Cycle time XmR",
        y_title="Days",
        x_title="Items in done order",
        baseline_end=4,
        hover_text=["t0", "t1", "big <one>", "t3", "t4", "t5"],
    )
    names = [t.name for t in fig.data]
    assert names == ["Values", "Average 5.00", "UNPL 9.00", "LNPL 1.00", "Signal"]
    # points by position, the item ids as tick text and in the hover
    assert list(fig.data[0].x) == [0, 1, 2, 3, 4, 5]
    assert list(fig.data[0].y) == values
    assert ids_in(fig.data[0]) == set(labels)
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2, 3, 4, 5]
    assert list(fig.layout.xaxis.ticktext) == labels
    assert fig.layout.xaxis.title.text == "Items in done order"
    # the average and the limits are two-point lines across the chart
    for trace, level in zip(fig.data[1:4], (5.0, 9.0, 1.0), strict=True):
        assert list(trace.x) == [0, 5] and list(trace.y) == [level, level]
    assert [fig.data[2].line.dash, fig.data[3].line.dash] == ["dash", "dash"]
    signal = fig.data[-1]
    assert list(signal.x) == [2] and list(signal.y) == [12.0]
    assert signal.marker.color == "#d62728"
    assert signal.customdata[0][0] == "D-2"
    assert "beyond the limits, run of 8 on one side" in signal.customdata[0][1]
    assert "big &lt;one&gt;" in signal.customdata[0][1]
    assert fig.data[0].customdata[0][1] == "<br>t0"  # a point without a signal: its text only
    assert "customdata[0]" in fig.data[0].hovertemplate
    (separator,) = shapes(fig, "baseline")
    assert separator.x0 == 3.5
    assert notes(fig, "baseline")[0].text == "limits frozen on the baseline"
    check_json(fig)


def test_xmr_chart_shows_about_twenty_tick_labels_for_many_points():
    n = 500
    result = {"values": list(range(n)), "centre": 1.0, "unpl": 2.0, "lnpl": 0.0, "signals": []}
    fig = xmr_chart([f"I-{i}" for i in range(n)], result, title="t", y_title="y")
    ticks = list(fig.layout.xaxis.tickvals)
    assert ticks[:3] == [0, 25, 50] and len(ticks) == 20
    assert fig.layout.xaxis.ticktext[1] == "I-25"
    assert len(fig.data[1].x) == 2  # the average line: two points, not one per item
    assert list(fig.layout.xaxis.range) == [-0.5, n - 0.5]


def test_xmr_chart_on_dates_accepts_the_dict_form():
    weeks = ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"]
    result = {"values": [3, 4, 2, 9], "centre": 3.0, "unpl": 5.0, "lnpl": 0.0, "signals": []}
    fig = xmr_chart(weeks, result, title="Throughput XmR", y_title="Items", baseline_end=2)
    assert [t.name for t in fig.data] == ["Values", "Average 3.00", "UNPL 5.00", "LNPL 0.00"]
    assert list(fig.data[0].x) == weeks  # a date axis: the dates themselves
    assert list(fig.data[1].x) == ["2026-03-02", "2026-03-23"]
    assert shapes(fig, "baseline")[0].x0.startswith("2026-03-12")
    check_json(fig)


def test_xmr_chart_nan_limits_and_empty():
    nan = float("nan")
    result = {"values": [3.0], "centre": nan, "unpl": nan, "lnpl": nan, "signals": []}
    fig = xmr_chart(["a"], result, title="t", y_title="y")
    assert [t.name for t in fig.data] == ["Values"]
    empty = {"values": [], "centre": nan, "unpl": nan, "lnpl": nan, "signals": []}
    assert is_empty_figure(xmr_chart([], empty, title="t", y_title="y"))


def test_xmr_chart_keeps_repeated_labels_apart():
    result = {"values": [1, 2, 3], "centre": 2.0, "unpl": 4.0, "lnpl": 0.0, "signals": []}
    fig = xmr_chart(["x", "x", "y"], result, title="t", y_title="y")
    assert list(fig.data[0].x) == [0, 1, 2]
    assert [row[0] for row in fig.data[0].customdata] == ["x", "x", "y"]


def test_xmr_chart_escapes_labels():
    result = {"values": [1, 2], "centre": 1.5, "unpl": 4.0, "lnpl": 0.0, "signals": []}
    fig = xmr_chart(["<i>A</i>", "B&C"], result, title="t", y_title="y")
    assert list(fig.layout.xaxis.ticktext) == ["&lt;i&gt;A&lt;/i&gt;", "B&amp;C"]


def test_xmr_chart_with_the_metric_module():
    xmr_module = pytest.importorskip("vsm_core.metrics.xmr")
    result = xmr_module.xmr([1, 2, 1, 2, 1, 2, 1, 30], baseline=6)
    fig = xmr_chart(list("abcdefgh"), result, title="t", y_title="y", baseline_end=6)
    assert list(fig.data[-1].x) == [7] and fig.data[-1].customdata[0][0] == "h"
    check_json(fig)


# --------------------------------------------------------------------------- bottlenecks


def heat_table() -> pd.DataFrame:
    weeks = [date(2026, 3, 2), date(2026, 3, 9)]
    return pd.DataFrame(
        {
            "stage": ["Review", "Review", "Doing", "Doing"],
            "stage_index": [3, 3, 2, 2],
            "week_start": weeks * 2,
            "median_days": [1.0, np.nan, 2.5, 3.0],
            "avg_wip": [0.5, 0.0, 4.0, 3.5],
        }
    )


def test_stage_week_heatmap_chart():
    fig = stage_week_heatmap_chart(heat_table(), measure="median_days", change_dates=CHANGE)
    (heat,) = fig.data
    assert heat.type == "heatmap"
    assert list(heat.y) == ["Doing", "Review"]  # workflow order
    z = np.asarray(heat.z, dtype=float)
    assert z[0].tolist() == [2.5, 3.0] and z[1][0] == 1.0 and np.isnan(z[1][1])
    assert fig.layout.yaxis.autorange == "reversed"
    assert "d median" in heat.hovertemplate
    assert len(shapes(fig, "change")) == 1
    check_json(fig)
    wip = stage_week_heatmap_chart(heat_table(), measure="avg_wip")
    assert np.asarray(wip.data[0].z, dtype=float)[0].tolist() == [4.0, 3.5]
    with pytest.raises(ValueError, match="measure"):
        stage_week_heatmap_chart(heat_table(), measure="p85")
    assert is_empty_figure(stage_week_heatmap_chart(heat_table().iloc[0:0]))


def test_stage_week_heatmap_colour_per_row_on_demand():
    weeks = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    table = pd.DataFrame(
        {
            "stage": ["Backlog"] * 3 + ["Doing"] * 3 + ["Review"] * 3,
            "stage_index": [0] * 3 + [1] * 3 + [2] * 3,
            "week_start": weeks * 3,
            "median_days": [100.0, 200.0, 300.0, 1.0, 3.0, 2.0, 0.5, 0.5, np.nan],
            "avg_wip": [0.0] * 9,
        }
    )
    shared = stage_week_heatmap_chart(table, measure="median_days")
    assert np.asarray(shared.data[0].z, dtype=float)[1].tolist() == [1.0, 3.0, 2.0]
    fig = stage_week_heatmap_chart(table, measure="median_days", per_row=True)
    (heat,) = fig.data
    z = np.asarray(heat.z, dtype=float)
    # each row from its own lowest (0) to highest (1) week; a flat row sits in the middle
    assert z[0].tolist() == [0.0, 0.5, 1.0]
    assert z[1].tolist() == [0.0, 1.0, 0.5]
    assert z[2][:2].tolist() == [0.5, 0.5] and np.isnan(z[2][2])
    assert (heat.zmin, heat.zmax) == (0.0, 1.0)
    # the hover shows the days themselves, not the scaled colour
    assert np.asarray(heat.customdata, dtype=float)[1].tolist() == [1.0, 3.0, 2.0]
    assert "%{customdata:.1f} d median" in heat.hovertemplate and "%{z" not in heat.hovertemplate
    assert list(heat.colorbar.ticktext) == ["lowest week", "highest week"]
    assert fig.layout.title.text.endswith("(colour scaled per stage)")
    check_json(fig)


def test_rework_chart():
    rework = pd.DataFrame(
        {"from_stage": ["Review", "QA"], "to_stage": ["Doing", "Doing"], "moves": [3, 7]}
    )
    fig = rework_chart(rework)
    (bar,) = fig.data
    assert bar.orientation == "h"
    assert list(bar.y) == ["QA → Doing", "Review → Doing"] and list(bar.x) == [7, 3]
    check_json(fig)
    assert is_empty_figure(rework_chart(rework.iloc[0:0]))


# --------------------------------------------------------------------------- value stream


def vsm_dict(n_active: int = 2) -> dict:
    stages = [{"stage": "Ready", "category": "waiting", "median_days": 2.0}]
    for i in range(n_active):
        stages.append(
            {
                "stage": f"Work {i}",
                "category": "active",
                "median_days": 1.0 + i,
                "mean_days": 2.0 + i,
                "visited_share": 0.9,
            }
        )
        stages.append({"stage": f"Wait {i}", "category": "waiting", "median_days": None})
    return {
        "stages": stages[:-1],
        "lead_time_median_days": 19.8,
        "cycle_time_median_days": 9.0,
        "flow_efficiency": 0.56,
        "backlog_median_days": 7.5,
    }


@pytest.mark.parametrize("n_active", [1, 2, 5])
def test_value_stream_map_draws_one_box_per_active_stage(n_active):
    vsm = vsm_dict(n_active)
    fig = value_stream_map(vsm)
    boxes = [s for s in fig.layout.shapes if s.name.startswith("stage-box:")]
    assert [s.name for s in boxes] == [f"stage-box:Work {i}" for i in range(n_active)]
    assert all(s.type == "rect" for s in boxes)
    queues = [s.name for s in fig.layout.shapes if s.name.startswith("queue:")]
    waits = [s["stage"] for s in vsm["stages"] if s["category"] == "waiting"]
    assert queues == ["queue:backlog"] + [f"queue:{w}" for w in waits]
    assert len(shapes(fig, "ladder")) == 1 and len(shapes(fig, "commitment")) == 1
    summary = " ".join(a.text for a in notes(fig, "summary"))
    assert "Lead time (median)" in summary and "19.8 d" in summary
    assert "9.0 d" in summary and "56%" in summary
    assert not fig.layout.xaxis.visible and not fig.layout.yaxis.visible
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "–" in texts or n_active == 1  # a missing median shows as a dash
    # boxes are left to right and inside the drawing, before the summary box
    xs = [s.x0 for s in boxes]
    assert xs == sorted(xs) and all(0 <= s.x0 < s.x1 <= shapes(fig, "summary")[0].x0 for s in boxes)
    check_json(fig)


def test_value_stream_map_ladder_is_high_under_waits_and_low_under_work():
    from vsm_core.charts.value_stream import LADDER_HIGH, LADDER_LOW

    fig = value_stream_map({**vsm_dict(1), "backlog_median_days": None})
    path = shapes(fig, "ladder")[0].path
    ys = [float(point.split(",")[1]) for point in path[2:].split(" L ")]
    assert ys == [LADDER_HIGH, LADDER_HIGH, LADDER_LOW, LADDER_LOW]
    assert not shapes(fig, "commitment") and not shapes(fig, "queue:backlog")


def test_value_stream_map_ladder_and_box_use_one_flow_efficiency():
    # 4.5 d of work and 3.5 d of wait per item: work ÷ (work + wait) = 56 %, the box's figure
    fig = value_stream_map({**vsm_dict(2), "work_days_mean": 4.5, "wait_days_mean": 3.5})
    totals = [a.text for a in notes(fig, "ladder-total")]
    assert "work 4.5 d" in totals and "wait 3.5 d" in totals
    assert not any("Σ" in (a.text or "") for a in fig.layout.annotations)  # no sums of medians
    summary = " ".join(a.text for a in notes(fig, "summary"))
    assert f"{4.5 / (4.5 + 3.5):.0%}" == "56%" and "56%" in summary
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "Flow efficiency = active time ÷ cycle time, summed over the completed items" in texts
    # without the per-item means (an older dict) the ends show a dash, never a made-up sum
    bare = value_stream_map(vsm_dict(2))
    assert [a.text for a in notes(bare, "ladder-total")][:2] == ["wait –", "work –"]


def test_value_stream_map_draws_rework_as_arcs_with_their_counts():
    vsm = vsm_dict(2)  # Ready, Work 0, Wait 0, Work 1
    rework = pd.DataFrame(
        {
            "from_stage": ["Work 1", "Wait 0", "Work 0", "Gone <x>"],
            "to_stage": ["Work 0", "Ready", "Work 1", "Ready"],
            "moves": [7, 2, 5, 9],
        }
    )
    fig = value_stream_map(vsm, rework=rework)
    arcs = [s for s in fig.layout.shapes if (s.name or "").startswith("rework:")]
    # only backward moves between drawn stages, the most frequent first
    assert [s.name for s in arcs] == ["rework:Work 1→Work 0", "rework:Wait 0→Ready"]
    labels = [
        a.text for a in fig.layout.annotations if (a.name or "").startswith("rework:") and a.text
    ]
    assert labels == ["7 sent back", "2 sent back"]
    # each arc starts over its source and ends, with an arrowhead, over its target
    boxes = {
        s.name: (s.x0 + s.x1) / 2 for s in fig.layout.shapes if s.name.startswith("stage-box:")
    }
    first = arcs[0].path.split()
    assert float(first[1].split(",")[0]) == pytest.approx(boxes["stage-box:Work 1"])
    heads = [a for a in fig.layout.annotations if a.name == "rework:Work 1→Work 0" and a.showarrow]
    assert len(heads) == 1 and heads[0].x == pytest.approx(boxes["stage-box:Work 0"])
    assert not [s for s in value_stream_map(vsm).layout.shapes if "rework" in (s.name or "")]
    check_json(fig)


def test_value_stream_map_draws_distinct_pre_commitment_stages_as_their_own_queues():
    before = [
        {"stage": "Backlog", "category": "backlog", "median_days": 6.0},
        {"stage": "Triage <x>", "category": "active", "median_days": 1.5},
    ]
    fig = value_stream_map({**vsm_dict(1), "pre_commitment": before})
    queues = [s.name for s in fig.layout.shapes if s.name.startswith("queue:")]
    assert queues[:2] == ["queue:before:Backlog", "queue:before:Triage <x>"]
    assert "queue:backlog" not in queues
    texts = [a.text for a in fig.layout.annotations]
    assert "<b>Triage &lt;x&gt;</b>" in texts and "<b>6.0 d</b>" in texts
    # one commitment line, after the last stage before the commitment point
    [line] = shapes(fig, "commitment")
    boxes = {s.name: s for s in fig.layout.shapes}
    assert line.x0 < boxes["stage-box:Work 0"].x0
    # a single stage before the commitment point: the one backlog triangle, as before
    single = value_stream_map({**vsm_dict(1), "pre_commitment": before[:1]})
    assert next(s.name for s in single.layout.shapes if s.name.startswith("queue:")) == (
        "queue:backlog"
    )
    check_json(fig)


@pytest.mark.parametrize("vsm", [None, {}, {"stages": []}, {"backlog_median_days": 3.0}])
def test_value_stream_map_empty(vsm):
    assert is_empty_figure(value_stream_map(vsm))


# --------------------------------------------------------------------------- demo data


def test_every_builder_on_the_demo_dataset():
    """The real metric tables go through every builder (skipped while a module is missing)."""
    modules = {}
    for name in (
        "scope",
        "percentiles",
        "throughput",
        "wip",
        "cfd",
        "net_flow",
        "distribution",
        "aging",
        "efficiency",
        "stages",
        "heatmap",
        "xmr",
        "value_stream",
    ):
        modules[name] = pytest.importorskip(f"vsm_core.metrics.{name}")
    from vsm_core.sample_data import PROCESS_CHANGE_DATE, generate_demo_dataset

    m = SimpleNamespace(**modules)
    scope = m.scope.build_scope(generate_demo_dataset(n_items=150))
    change = [(PROCESS_CHANGE_DATE, "WIP limit")]
    pct = m.percentiles.summarize_days(scope.completed["cycle_time_days"])
    workflow = scope.flow.workflow
    per_item, summary = m.efficiency.flow_efficiency(scope)
    heat = m.heatmap.stage_week_heatmap(scope)
    result = m.xmr.weekly_throughput_xmr(scope, baseline=10)
    figures = [
        cycle_time_scatter(scope.completed, percentiles=pct, sle_days=15, change_dates=change),
        days_histogram(scope.completed["lead_time_days"], title="Lead time", percentiles=pct),
        throughput_run_chart(
            m.throughput.throughput_series(scope, "week"),
            m.throughput.throughput_by_type(scope, "week"),
            freq_label="week",
            change_dates=change,
        ),
        throughput_histogram(m.throughput.throughput_series(scope, "week")),
        wip_run_chart(m.wip.daily_wip(scope), m.wip.daily_flow_load(scope), change),
        net_flow_chart(m.net_flow.net_flow(scope, "week"), change),
        cfd_chart(
            m.cfd.daily_cfd(scope),
            stage_categories={s.name: s.category for s in workflow.stages},
            change_dates=change,
        ),
        aging_wip_chart(
            m.aging.aging_wip(scope),
            stages=list(workflow.stage_names[workflow.commitment_index :]),
            percentiles=pct,
            sle_days=15,
        ),
        age_run_chart(m.aging.age_run_chart(scope), change),
        efficiency_histogram(
            per_item,
            ratio_of_sums=summary["ratio_of_sums"],
            mean_of_ratios=summary["mean_of_ratios"],
        ),
        distribution_chart(m.distribution.distribution_over_time(scope, "week"), change),
        xmr_chart(result.labels, result, title="XmR", y_title="Items", baseline_end=10),
        stage_week_heatmap_chart(heat, measure="median_days", change_dates=change),
        stage_week_heatmap_chart(heat, measure="avg_wip"),
        rework_chart(m.stages.rework(scope)),
        value_stream_map(m.value_stream.value_stream(scope)),
    ]
    for fig in figures:
        assert isinstance(fig, go.Figure) and fig.data, fig.layout.title.text
        assert fig.layout.title.text
        check_json(fig)
    boxes = [s for s in figures[-1].layout.shapes if s.name.startswith("stage-box:")]
    assert [s.name for s in boxes] == ["stage-box:In Progress", "stage-box:Testing"]


# --------------------------------------------------------------------------- png


def test_render_png_with_kaleido():
    pytest.importorskip("kaleido", reason="kaleido is not installed: PNG rendering not checked")
    for fig in (
        cycle_time_scatter(completed_table(), percentiles=PCT, sle_days=10.0),
        value_stream_map(vsm_dict(2)),
        aging_wip_chart(aging_table(), stages=["Ready", "Doing"], percentiles=PCT),
    ):
        png = fig.to_image(format="png", width=1100)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
