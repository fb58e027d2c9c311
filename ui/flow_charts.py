"""The Flow metrics page's views and the charts of each, without Streamlit.

:mod:`ui.flow_page` draws the open view's :class:`Panel` list;
``benchmarks/engine.py`` times the same functions, so the benchmark builds
exactly what a rerun of the page builds. Nothing here imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.aging import OLDEST_KEPT, age_run_chart, aging_wip_chart, drawn_items
from vsm_core.charts.cfd import cfd_chart
from vsm_core.charts.cycle_time import cycle_time_scatter, days_histogram
from vsm_core.charts.distribution import distribution_chart
from vsm_core.charts.efficiency import efficiency_histogram
from vsm_core.charts.throughput import throughput_histogram, throughput_run_chart
from vsm_core.charts.wip import net_flow_chart, wip_run_chart
from vsm_core.charts.xmr import xmr_chart
from vsm_core.metrics.views import FlowView, xmr_table
from vsm_core.metrics.xmr import XmR, xmr

#: The page's views, in tab order; the first is the default.
VIEWS: tuple[str, ...] = (
    "Cycle time",
    "Throughput",
    "WIP & cumulative flow",
    "Aging",
    "Efficiency & mix",
    "Process behaviour",
)

#: Most dots the cycle-time scatter draws (a seeded random sample beyond; the lines use every
#: item). At 100,000 items, 10,000 dots cost the browser about 1 CPU second more per draw
#: than 2,000 (docs/benchmarks.md, *Speed as a person feels it*).
SCATTER_POINTS = 2_000

#: How many of the most recent completed items the per-item XmR chart can show.
XMR_POINTS: tuple[int, ...] = (50, 100, 200, 500)
XMR_DEFAULT_POINTS = 100

XMR_RULE = (
    "Process behaviour (XmR) charts: natural process limits = mean ± 2.66 × mean moving "
    "range (lower limit ≥ 0). Red points are signals: beyond a limit, or 8 in a row on one "
    "side of the centre line."
)

ChangeDates = tuple[tuple[Any, str], ...]


@dataclass(frozen=True)
class Panel:
    """One chart of a view: its figure builder, definition and CSV table.

    ``key``: the chart's widget key (and CSV file name); ``depends``: what the
    figure depends on besides the view's tables (SLE, change dates, points
    shown). The page caches a built figure under the view's cache key plus
    ``key`` and ``depends``, so ``depends`` must name every other input of
    ``build``.
    """

    key: str
    build: Callable[[], go.Figure]
    definition: str
    data: pd.DataFrame | None
    depends: tuple = ()


def view_panels(
    name: str,
    view: FlowView,
    *,
    sle: float | None,
    changes: ChangeDates = (),
    xmr_points: int = XMR_DEFAULT_POINTS,
    cfd_in_progress_only: bool = False,
    forecasts: pd.DataFrame | None = None,
) -> list[Panel]:
    """The charts of view ``name`` (one of :data:`VIEWS`), in drawing order.

    ``cfd_in_progress_only``: the CFD without its done, cancelled and backlog bands.
    ``forecasts``: the item forecasts' table for the aging chart (each item's 50 % and
    85 % completion dates; :func:`vsm_core.charts.aging.aging_wip_chart`).
    """
    if name == "Cycle time":
        return cycle_time_panels(view, sle, changes)
    if name == "Throughput":
        return throughput_panels(view, changes)
    if name == "WIP & cumulative flow":
        return wip_panels(view, changes, in_progress_only=cfd_in_progress_only)
    if name == "Aging":
        return aging_panels(view, sle, changes, forecasts)
    if name == "Efficiency & mix":
        return efficiency_panels(view, changes)
    if name == "Process behaviour":
        return behaviour_panels(view, xmr_points)
    raise ValueError(f"unknown view {name!r}; use one of {', '.join(VIEWS)}")


def _fmt(value: Any, unit: str = "") -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if number != number else f"{number:.1f}{unit}"


# --------------------------------------------------------------------------- views


def cycle_time_panels(view: FlowView, sle: float | None, changes: ChangeDates) -> list[Panel]:
    completed = view.completed
    definition = (
        "Each dot is a completed item at its done date; lines show the cycle-time "
        "percentiles and the SLE; the trend is the rolling median of the last 20 items "
        "(more when there are over 4,000)."
    )
    if len(completed) > SCATTER_POINTS:
        definition += (
            f" {len(completed):,} items: a random sample of {SCATTER_POINTS:,} is drawn (the same "
            "one on every visit); the lines and the trend use every item. Narrow the date "
            "window to see each item."
        )
    return [
        Panel(
            "cycle_scatter",
            lambda: cycle_time_scatter(
                completed,
                percentiles=view.cycle_percentiles,
                sle_days=sle,
                timezone=view.timezone,
                change_dates=changes,
                max_points=SCATTER_POINTS,
            ),
            definition,
            completed,
            depends=(sle, changes),
        ),
        Panel(
            "cycle_hist",
            lambda: days_histogram(
                completed["cycle_time_days"],
                title="Cycle time distribution",
                percentiles=view.cycle_percentiles,
            ),
            "Completed items by cycle time (done − start).",
            completed,
        ),
        Panel(
            "lead_hist",
            lambda: days_histogram(
                view.lead["lead_time_days"],
                title="Lead time distribution",
                percentiles=view.lead_percentiles,
            ),
            "Completed items by lead time (done − created).",
            view.lead,
        ),
    ]


def throughput_panels(view: FlowView, changes: ChangeDates) -> list[Panel]:
    label = view.freq
    return [
        Panel(
            "throughput_run",
            lambda: throughput_run_chart(
                view.throughput, view.throughput_by_type, freq_label=label, change_dates=changes
            ),
            f"Completed items per {label} (weeks start Monday), by work type, zero-filled.",
            view.throughput_by_type,
            depends=(changes,),
        ),
        Panel(
            "throughput_hist",
            lambda: throughput_histogram(view.throughput, freq_label=label),
            f"How many {label}s finished 0, 1, 2, … items.",
            view.throughput,
        ),
    ]


def wip_panels(
    view: FlowView, changes: ChangeDates, *, in_progress_only: bool = False
) -> list[Panel]:
    return [
        Panel(
            "wip_run",
            lambda: wip_run_chart(view.wip_daily, view.flow_load, change_dates=changes),
            "Items at or after the commitment point in an active or waiting stage, at the end "
            "of each day; stacked by work type (flow load).",
            view.flow_load,
            depends=(changes,),
        ),
        Panel(
            "cfd",
            lambda: cfd_chart(
                view.cfd,
                stage_categories=view.stage_categories,
                change_dates=changes,
                in_progress_only=in_progress_only,
            ),
            (
                "Items in each active or waiting stage at the end of each day (done, cancelled "
                "and backlog bands hidden); the top line is the work in progress. Bands "
                "widening = work piling up."
                if in_progress_only
                else "Items in each stage at the end of each day; the top line is all arrivals, "
                "the top of the done band all departures. Bands widening = work piling up."
            ),
            view.cfd,
            depends=(changes, in_progress_only),
        ),
        Panel(
            "net_flow",
            lambda: net_flow_chart(view.net_flow, freq_label=view.freq, change_dates=changes),
            f"Items started minus items finished per {view.freq}: above zero, WIP grows.",
            view.net_flow,
            depends=(changes,),
        ),
    ]


def aging_panels(
    view: FlowView,
    sle: float | None,
    changes: ChangeDates,
    forecasts: pd.DataFrame | None = None,
) -> list[Panel]:
    """The aging chart and the age run chart (the page lists the items at risk between them).

    ``forecasts``: the item forecasts' table (``ItemForecasts.table``), or None to draw the
    chart without completion dates.
    """
    forecast_note = (
        " Grey segment: the age the item will likely have when done, from its 50 % to its "
        "85 % forecast (Forecast page); red ring: its 85 % date is past the SLE. Point at an "
        "item for its dates."
        if forecasts is not None
        else ""
    )
    return [
        Panel(
            "aging",
            lambda: aging_wip_chart(
                view.aging,
                stages=view.aging_stages,
                percentiles=view.cycle_percentiles,
                sle_days=sle,
                timezone=view.timezone,
                forecasts=forecasts,
            ),
            "Items in progress by stage and age (as-of − start). Colour = pace against "
            "past cycle times: green younger than the median, yellow than the 70th "
            "percentile, orange than the 85th, red at or past the 85th percentile."
            + forecast_note
            + aging_sample_note(view.aging, sle),
            view.aging,
            depends=(sle, forecasts is not None),
        ),
        Panel(
            "age_run",
            lambda: age_run_chart(view.age_run, change_dates=changes),
            "Mean and oldest age of the items in progress at the end of each day.",
            view.age_run,
            depends=(changes,),
        ),
    ]


def aging_sample_note(aging: pd.DataFrame, sle: float | None) -> str:
    """What the aging chart leaves out, in words ("" when it draws every item).

    The count comes from :func:`vsm_core.charts.aging.drawn_items`, the chart's own choice.
    """
    total = len(aging)
    if total == 0 or "age_days" not in aging.columns:
        return ""
    ages = pd.to_numeric(aging["age_days"], errors="coerce").to_numpy(dtype="float64")
    shown = int(drawn_items(ages, aging["stage"].astype("str").to_numpy(), sle_days=sle).sum())
    if shown == total:
        return ""
    return (
        f" Drawn: {shown:,} of the {total:,} items in progress: every item at risk of the SLE, "
        f"the {OLDEST_KEPT} oldest, every item past the SLE when they fit, and an even spread "
        "by age of the others in each stage. The stage counts under the columns, the tables "
        "and the CSV hold every item."
    )


def efficiency_panels(view: FlowView, changes: ChangeDates) -> list[Panel]:
    summary = view.efficiency_summary
    return [
        Panel(
            "efficiency",
            lambda: efficiency_histogram(
                view.efficiency_items,
                ratio_of_sums=summary["ratio_of_sums"],
                mean_of_ratios=summary["mean_of_ratios"],
            ),
            "Time in active stages between start and done ÷ cycle time, per completed item "
            "(blocked days count as waiting). Ratio of sums weighs long items more.",
            view.efficiency_items,
        ),
        Panel(
            "distribution",
            lambda: distribution_chart(
                view.distribution_over_time, freq_label=view.freq, change_dates=changes
            ),
            "Share of completed items by work type per period (flow distribution).",
            view.distribution_over_time,
            depends=(changes,),
        ),
    ]


def behaviour_panels(view: FlowView, points: int = XMR_DEFAULT_POINTS) -> list[Panel]:
    """The XmR charts: the last ``points`` completed items, weekly throughput, weekly mean WIP.

    Cycle time per item is charted for the most recent ``points`` completed
    items only (done order, within the date window and filters), and its
    centre and limits are computed from those points (:func:`recent_xmr`):
    a chart of every item is unreadable at tens of thousands of points, and
    limits over a long history blur the changes they should reveal.
    """
    recent = recent_xmr(view.xmr_cycle, points)
    titles = titles_of(view.completed, recent.labels)
    total, shown = len(view.xmr_cycle.values), len(recent.values)
    cycle_table = xmr_table(recent)
    cycle_table.insert(1, "title", titles)
    panels = [
        Panel(
            "xmr_cycle",
            lambda: xmr_chart(
                recent.labels,
                recent,
                title=f"Cycle time of the last {shown} completed items",
                y_title="Days",
                x_title="Completed items in done order (item id)",
                hover_text=titles,
            ),
            f"The {shown} most recent of {total:,} completed items (done order), one point "
            f"each; centre and limits computed from these {shown} points: centre "
            f"{_fmt(recent.centre)}, limits {_fmt(recent.lnpl)}–{_fmt(recent.unpl)}; "
            f"{_signalled(recent)} point(s) signal.",
            cycle_table,
            depends=(points,),
        )
    ]
    for key, result, title, y_title, what in (
        (
            "xmr_throughput",
            view.xmr_throughput,
            "Weekly throughput",
            "Items per week",
            "One point per week: items completed that week. ",
        ),
        (
            "xmr_wip",
            view.xmr_wip,
            "Weekly WIP (mean of the daily samples)",
            "Items in progress, weekly mean",
            "One point per week: the mean of its end-of-day WIP samples (daily WIP is not "
            "charted: each day's WIP is mostly the day before's, so daily points flag nearly "
            "every day). ",
        ),
    ):
        panels.append(
            Panel(
                key,
                lambda result=result, title=title, y_title=y_title: xmr_chart(
                    result.labels, result, title=title, y_title=y_title
                ),
                f"{what}{len(result.values)} points; centre {_fmt(result.centre)}, limits "
                f"{_fmt(result.lnpl)}–{_fmt(result.unpl)}; {_signalled(result)} point(s) "
                "signal.",
                xmr_table(result),
            )
        )
    return panels


def recent_xmr(result: XmR, points: int) -> XmR:
    """The XmR of ``result``'s last ``points`` values, limits and signals recomputed from them.

    Fewer values: all of them (the same numbers as ``result``).
    """
    if points <= 0:
        raise ValueError("points must be positive")
    return xmr(result.values[-points:], labels=result.labels[-points:])


def titles_of(completed: pd.DataFrame, item_ids: list[str]) -> list[str]:
    """The title of each of ``item_ids`` (``""`` when unknown), in their order."""
    wanted = completed.loc[completed["item_id"].isin(item_ids), ["item_id", "title"]]
    lookup = wanted.drop_duplicates("item_id").set_index("item_id")["title"]
    return [str(t) if isinstance(t, str) else "" for t in lookup.reindex(item_ids).tolist()]


def _signalled(result: XmR) -> int:
    """How many points carry at least one signal."""
    return len({signal["index"] for signal in result.signals})
