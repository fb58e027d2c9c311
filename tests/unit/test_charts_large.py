"""Chart builders at scale: vectorised hover text, sampling, WebGL, pre-binned histograms.

The page draws tens of thousands of items at 100,000 items; these tests pin
what the builders then put in the figure (which points, which text), with
inputs small enough to check by hand where possible.
"""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import pytest

from vsm_core.charts.aging import aging_wip_chart
from vsm_core.charts.common import ITEM_HOVER, item_customdata, plotly_texts, shorten
from vsm_core.charts.cycle_time import (
    MAX_POINTS,
    TREND_WINDOW,
    WEBGL_FROM,
    cycle_time_scatter,
    day_bins,
    days_histogram,
    sample_rows,
    trend_window,
)
from vsm_core.charts.efficiency import efficiency_histogram

UTC = "datetime64[us, UTC]"


def completed(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    done = pd.Timestamp("2025-01-06", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 365, n)), unit="D"
    )
    return pd.DataFrame(
        {
            "item_id": pd.Series([f"BEN-{i}" for i in range(n)], dtype="str"),
            "title": pd.Series([f"Item <{i}> & co" for i in range(n)], dtype="str"),
            "type": pd.Series(rng.choice(["Feature", "Defect"], n), dtype="str"),
            "done": pd.Series(done).astype(UTC),
            "cycle_time_days": rng.lognormal(2.0, 0.6, n),
        }
    )


# --------------------------------------------------------------------------- hover text


@pytest.mark.parametrize(
    "text",
    ["plain", "a < b > c", 'Tom & Jerry\'s "show"', "&amp; already", "", "<script>x</script>"],
)
def test_plotly_texts_escape_what_plotly_reads_and_keep_quotes(text):
    # plotly decodes &lt; &gt; &amp; but not &quot;: quotes must stay as typed
    assert plotly_texts([text]).tolist() == [html.escape(text, quote=False)]


def test_plotly_texts_of_missing_values_are_empty():
    assert plotly_texts([None, float("nan"), pd.NA, "x"]).tolist() == ["", "", "", "x"]


def test_item_customdata_escapes_shortens_and_keeps_order():
    rows = item_customdata(
        pd.Series(["A<1", "B-2", "C-3"], index=[7, 3, 9]),
        ["Login <b>page</b>", None, "x" * 80],
        ["Feature in Dev", "Bug in QA", "Risk in Ready"],
    )
    assert rows.shape == (3, 3)
    assert list(rows[0]) == ["A&lt;1", "Login &lt;b&gt;page&lt;/b&gt;", "Feature in Dev"]
    assert rows[1][1] == ""  # no title
    assert rows[2][1] == "x" * 69 + "…" and len(rows[2][1]) == 70
    assert ITEM_HOVER == "<b>%{customdata[0]}</b> %{customdata[1]}"


def test_item_customdata_refuses_columns_of_different_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        item_customdata(["a", "b"], ["one"])


def test_shorten_drops_the_trailing_space_before_the_ellipsis():
    assert shorten(pd.Series(["abcd efgh", "short"]), limit=6).tolist() == ["abcd…", "short"]


# --------------------------------------------------------------------------- scatter


def test_scatter_below_the_cap_draws_every_item_with_svg():
    table = completed(300)
    fig = cycle_time_scatter(table, percentiles={85: 12.0}, sle_days=15.0)
    points = [t for t in fig.data if t.mode == "markers"]
    assert {t.type for t in points} == {"scatter"}
    assert sum(len(t.x) for t in points) == 300
    assert not [a for a in fig.layout.annotations if a.name == "sample"]
    trend = [t for t in fig.data if t.mode == "lines"]
    assert trend[0].name == f"Rolling median ({TREND_WINDOW} items)"
    assert len(trend[0].x) == 300


def test_scatter_hover_rows_pair_each_id_with_its_own_title_and_cycle_time():
    table = completed(50)
    fig = cycle_time_scatter(table)
    by_id = table.set_index("item_id")
    for trace in (t for t in fig.data if t.mode == "markers"):
        assert trace.hovertemplate.startswith(ITEM_HOVER)
        for (item_id, title), y in zip(trace.customdata, trace.y, strict=True):
            assert html.unescape(title) == by_id.loc[item_id, "title"]
            assert y == pytest.approx(by_id.loc[item_id, "cycle_time_days"])


def test_scatter_above_the_cap_draws_a_seeded_sample_and_says_so():
    n = 2_500
    table = completed(n)
    fig = cycle_time_scatter(table, percentiles={50: 7.0, 85: 12.0}, max_points=1_000)
    points = [t for t in fig.data if t.mode == "markers"]
    drawn = [row[0] for t in points for row in t.customdata]
    assert len(drawn) == 1_000 and len(set(drawn)) == 1_000
    assert set(drawn) <= set(table["item_id"])
    (note,) = [a for a in fig.layout.annotations if a.name == "sample"]
    assert note.text == "1,000 of 2,500 items drawn (random sample); lines use every item"
    # the same input draws the same sample
    again = cycle_time_scatter(table, percentiles={50: 7.0, 85: 12.0}, max_points=1_000)
    assert fig.to_json() == again.to_json()
    # lines use every item: the percentile lines as given, the y axis covers the largest value
    assert [s.y0 for s in fig.layout.shapes if s.name.startswith("percentile")] == [7.0, 12.0]
    assert fig.layout.yaxis.range[1] >= table["cycle_time_days"].max()


def test_scatter_trend_is_the_rolling_median_over_every_item_shown_at_the_drawn_ones():
    n = 6_000
    table = completed(n)
    fig = cycle_time_scatter(table, max_points=500)
    (trend,) = [t for t in fig.data if t.mode == "lines"]
    window = trend_window(n)
    assert window == 30 and trend.name == "Rolling median (30 items)"
    ordered = table.sort_values("done", kind="stable")["cycle_time_days"].reset_index(drop=True)
    full = ordered.rolling(window, min_periods=5).median().to_numpy()
    drawn = sample_rows(n, 500)
    np.testing.assert_allclose(np.asarray(trend.y, dtype=float), full[drawn])


def test_scatter_uses_webgl_from_the_threshold():
    table = completed(WEBGL_FROM)
    fig = cycle_time_scatter(table)
    assert {t.type for t in fig.data} == {"scattergl"}
    json.loads(fig.to_json())


def test_sample_rows_and_trend_window():
    assert list(sample_rows(5, 10)) == [0, 1, 2, 3, 4]
    rows = sample_rows(100_000, MAX_POINTS)
    assert len(rows) == MAX_POINTS == len(set(rows.tolist()))
    assert (np.diff(rows) > 0).all() and rows.max() < 100_000
    assert list(rows) == list(sample_rows(100_000, MAX_POINTS))  # seeded
    assert trend_window(100) == TREND_WINDOW
    assert trend_window(77_027) == 386


# --------------------------------------------------------------------------- histograms


def test_day_bins_start_at_zero_or_below_and_hold_the_maximum():
    edges, counts = day_bins(np.array([-1.5, 0.0, 0.2, 3.0, 3.99]))
    assert list(edges[:3]) == [-2.0, -1.0, 0.0]
    # [-2,-1) [-1,0) [0,1) [1,2) [2,3) [3,4) [4,5): the last bin is the one ceil(max) falls in
    assert list(counts) == [1, 0, 2, 0, 0, 2, 0]
    assert list(day_bins(np.array([4.0]))[1]) == [0, 0, 0, 0, 1]
    edges, counts = day_bins(np.array([0.5, 130.0, 250.0]))
    assert edges[1] - edges[0] == 5.0  # 250 days over about 60 bins: 5-day bins
    assert counts.sum() == 3 and counts[-1] == 1 and edges[-2] <= 250.0 < edges[-1]


def test_days_histogram_of_many_values_carries_one_number_per_bin():
    values = pd.Series(np.random.default_rng(0).lognormal(2.0, 0.7, 50_000))
    fig = days_histogram(values, percentiles={"p85": 12.0})
    (bars,) = fig.data
    assert bars.type == "bar" and sum(bars.y) == 50_000
    assert len(bars.x) <= 61
    assert len(fig.to_json()) < 20_000


# --------------------------------------------------------------------------- aging


def test_aging_of_many_items_uses_webgl_and_formats_each_start_day_once():
    n = WEBGL_FROM + 10
    start = pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(np.arange(n) % 3, unit="D")
    aging = pd.DataFrame(
        {
            "item_id": pd.Series([f"W-{i}" for i in range(n)], dtype="str"),
            "title": pd.Series(["t"] * n, dtype="str"),
            "type": pd.Series(["Story"] * n, dtype="str"),
            "stage": pd.Series(["Doing"] * n, dtype="str"),
            "stage_index": [2] * n,
            "start": pd.Series(start).astype(UTC),
            "age_days": np.linspace(0.5, 30, n),
        }
    )
    aging.loc[5, "start"] = pd.NaT
    fig = aging_wip_chart(aging, stages=["Doing"], percentiles={50: 5, 70: 8, 85: 12}, max_points=n)
    assert {t.type for t in fig.data} == {"scattergl"}
    rows = {row[0]: row for t in fig.data for row in t.customdata}
    assert len(rows) == n
    assert rows["W-0"][3] == "01 Mar 2026" and rows["W-2"][3] == "03 Mar 2026"
    assert rows["W-5"][3] == "–"  # no start
    assert rows["W-1"][2] == "Story in Doing"


# --------------------------------------------------------------------------- efficiency


def test_efficiency_hover_lists_the_first_ids_of_a_bin_and_counts_the_rest():
    per_item = pd.DataFrame(
        {"item_id": [f"E-{i}" for i in range(10)], "efficiency": [0.42] * 9 + [0.9]}
    )
    fig = efficiency_histogram(per_item)
    bar = fig.data[0]
    assert bar.y[8] == 9 and bar.y[18] == 1
    assert bar.customdata[8][2] == "E-0, E-1, E-2, E-3, E-4, E-5 … (+3)"
    assert bar.customdata[18][2] == "E-9"
    assert bar.customdata[0][2] == ""


# --------------------------------------------------------------------------- layout


def test_set_layout_merges_nested_settings_like_update_layout():
    import plotly.graph_objects as go

    from vsm_core.charts.common import apply_layout, set_layout

    fig = apply_layout(go.Figure(), "Title", "x", "y")
    set_layout(fig, legend=dict(traceorder="reversed"), yaxis2=dict(overlaying="y"), bargap=0.2)
    assert fig.layout.legend.traceorder == "reversed"
    assert fig.layout.legend.orientation == "h"  # kept from apply_layout
    assert fig.layout.yaxis2.overlaying == "y"  # a new axis is created
    assert fig.layout.bargap == 0.2
    same = apply_layout(go.Figure(), "Title", "x", "y")
    same.update_layout(legend=dict(traceorder="reversed"), yaxis2=dict(overlaying="y"), bargap=0.2)
    assert fig.to_json() == same.to_json()
    with pytest.raises(ValueError):
        set_layout(fig, xaxis=dict(nonsense=1))  # values are still validated


def test_every_chart_gets_the_white_template_even_if_the_default_changes():
    import plotly.graph_objects as go
    import plotly.io as pio

    from vsm_core.charts.common import TEMPLATE, apply_layout

    white = pio.templates[TEMPLATE].layout.plot_bgcolor
    assert apply_layout(go.Figure(), "t").layout.template.layout.plot_bgcolor == white
    previous = pio.templates.default
    try:
        pio.templates.default = "plotly"
        fig = apply_layout(go.Figure(), "t")
        assert fig.layout.template.layout.plot_bgcolor == white
    finally:
        pio.templates.default = previous
