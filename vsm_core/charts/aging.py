"""Aging work-in-progress chart and the age run chart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    ITEM_HOVER,
    PACE_COLOURS,
    SLE_COLOUR,
    add_percentile_lines,
    apply_layout,
    as_float_array,
    empty_figure,
    finite,
    is_empty,
    item_customdata,
    percentile_items,
    plotly_text,
    plotly_texts,
    set_layout,
    to_wall,
)
from vsm_core.charts.cycle_time import scatter_class
from vsm_core.charts.markers import add_change_markers
from vsm_core.metrics.aging import DEFAULT_WARN_FRACTION

_AGING_COLUMNS = ("item_id", "title", "type", "stage", "age_days")
_PLOT_PX = 380 - 78 - 70
JITTER = 0.28
_HOVER = (
    ITEM_HOVER + "<br>%{customdata[2]}<br>Age %{y:.1f} d<br>Started %{customdata[3]}<extra></extra>"
)
#: The hover with an item forecast: the 50 % and 85 % completion dates (``customdata[4]``).
_HOVER_FORECAST = _HOVER.replace("<extra>", "<br>%{customdata[4]}<extra>")
#: Colour of the expected-age segments and of the ring around items whose 85 % date is past
#: the SLE.
FORECAST_COLOUR = "#4a5a78"

#: At most this many items are drawn (plus every item at risk of the SLE): at 100,000 items
#: about 16,000 are in progress, and drawing each cost the browser about 3 CPU seconds a visit
#: (docs/benchmarks.md, *Speed as a person feels it*).
MAX_AGING_POINTS = 2_000
#: Of the drawn items, at least this many are the oldest in progress.
OLDEST_KEPT = 200

#: The pace buckets: (name, colour, lower percentile, upper percentile).
PACE_BUCKETS: tuple[tuple[str, str, int | None, int | None], ...] = (
    ("green", PACE_COLOURS["green"], None, 50),
    ("yellow", PACE_COLOURS["yellow"], 50, 70),
    ("orange", PACE_COLOURS["orange"], 70, 85),
    ("red", PACE_COLOURS["red"], 85, None),
)


def pace(age_days: np.ndarray, percentiles: Mapping | None) -> np.ndarray:
    """Pace colour name per age: ``green`` below p50, ``yellow`` below p70, ``orange`` below
    p85, ``red`` at or above p85 (cycle-time percentiles of completed items).

    A missing percentile merges its bucket into the next one up; with none at
    all (or a NaN age) the pace is ``grey``.
    """
    ages = np.asarray(age_days, dtype="float64")
    levels = dict(percentile_items(percentiles))
    out = np.full(ages.shape, "grey", dtype=object)
    if not levels:
        return out
    known = ~np.isnan(ages)
    out[known] = "red"
    for name, upper in (("orange", 85), ("yellow", 70), ("green", 50)):
        if upper in levels:
            out[known & (ages < levels[upper])] = name
    return out


def drawn_items(
    age_days: np.ndarray,
    stages: np.ndarray,
    *,
    sle_days: float | None,
    limit: int = MAX_AGING_POINTS,
    oldest: int = OLDEST_KEPT,
) -> np.ndarray:
    """Which items in progress the aging chart draws: a boolean mask over the rows.

    Inputs: each item's age (days, NaN unknown) and current stage, the SLE
    (days, or None), the cap ``limit`` and ``oldest``. With ``limit`` items or
    fewer, every one. Otherwise, in this order:

    1. every item **at risk** (age from 70 % of the SLE up to the SLE: the items
       that can still make it), even past ``limit``, and the ``oldest`` oldest items;
    2. every item **past the SLE** when they all fit in what is left;
    3. the rest of ``limit`` spread evenly by age within each stage, each stage
       in proportion to its undrawn items (every k-th in age order, each stage's
       oldest included), so each column keeps its shape.

    The same input draws the same items (no randomness).
    """
    ages = np.asarray(age_days, dtype="float64")
    n = ages.size
    if n <= limit:
        return np.ones(n, dtype=bool)
    sle = finite(sle_days)
    keep = np.zeros(n, dtype=bool)
    past = np.zeros(n, dtype=bool)
    if sle is not None:
        past = ages > sle
        keep |= ~past & (ages >= DEFAULT_WARN_FRACTION * sle)
    by_age = np.argsort(np.where(np.isnan(ages), -np.inf, ages), kind="stable")
    keep[by_age[n - min(oldest, n) :]] = True
    if (past & ~keep).sum() <= limit - keep.sum():
        keep |= past
    left = limit - int(keep.sum())
    if left > 0:
        keep |= _spread_by_stage(ages, np.asarray(stages, dtype=object), ~keep, left)
    return keep


def _spread_by_stage(ages: np.ndarray, stages: np.ndarray, free: np.ndarray, budget: int):
    """``budget`` of the ``free`` rows, evenly by age within each stage (a boolean mask)."""
    rows = np.flatnonzero(free)
    if rows.size <= budget:
        return free.copy()
    codes, _ = pd.factorize(pd.Series(stages[rows]))
    order = np.lexsort((np.nan_to_num(ages[rows], nan=-1.0), codes))
    rows, codes = rows[order], codes[order]
    sizes = np.bincount(codes)
    # Each stage's quota in proportion to its free rows (largest remainders get the rest).
    exact = sizes * budget / rows.size
    quota = np.floor(exact).astype(np.int64)
    quota[np.argsort(quota - exact, kind="stable")[: budget - int(quota.sum())]] += 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(rows.size) - starts[codes]  # position within the stage, youngest first
    size, share = sizes[codes], quota[codes]
    # Row r of a stage of n rows is picked when floor(r * q / n) steps up: exactly q picks,
    # evenly spaced; the oldest of the stage always steps when q >= 1.
    picked = (rank + 1) * share // size > rank * share // size
    mask = np.zeros(free.size, dtype=bool)
    mask[rows[picked]] = True
    return mask


def aging_wip_chart(
    aging: pd.DataFrame,
    *,
    stages: list[str] | None = None,
    percentiles: Mapping | None = None,
    sle_days: float | None = None,
    timezone: str = "UTC",
    title: str = "Aging work in progress",
    forecasts: pd.DataFrame | None = None,
    max_points: int = MAX_AGING_POINTS,
) -> go.Figure:
    """Age (days, y) of each item in progress in its current stage (x, one column per stage).

    ``aging``: ``item_id, title, type, stage, age_days`` (``start`` optional,
    shown in the hover in ``timezone``). ``stages``: the columns in workflow
    order from the commitment stage (stages of ``aging`` not listed are
    appended in ``stage_index`` order). Points are jittered within their
    column (seeded: the same input draws the same picture) and coloured by
    :func:`pace` against ``percentiles`` (the completed items' cycle-time
    percentiles, ``{85: 12.3}`` or a ``summarize_days`` dict); each percentile
    band is a shaded rectangle across the columns, labelled ``"85% ≤ 12.3 d"``
    in the right margin. ``sle_days`` adds a solid red line. Hover (``customdata``,
    one text per item): item id, title, type, stage, age and start date. From
    :data:`~vsm_core.charts.cycle_time.WEBGL_FROM` items on the dots use WebGL.

    ``forecasts`` (optional; the item forecasts of docs/forecasting.md):
    ``item_id``, ``p50_done``, ``p85_done`` (dates, missing when the history
    cannot tell) and optionally ``p50_cycle_days``, ``p85_cycle_days`` (the
    item's whole cycle time at that percentile, days). Each item's hover then
    gains its 50 % and 85 % completion dates; a thin vertical segment (trace
    ``"Expected age when done (50–85 %)"``) runs from the age it will likely
    have when done (50 %) to the 85 % one; with ``sle_days``, items whose 85 %
    cycle time is past the SLE (or, when unknown, whose age already is) get a
    red ring (trace ``"85 % date past the SLE"``). Items not in ``forecasts``
    have no forecast.

    ``max_points``: with more items in progress, only those :func:`drawn_items`
    picks are drawn (every item at risk, the oldest, an even spread of the rest);
    the column counts and the y axis still cover every item.
    """
    stages = [str(s) for s in (stages or [])]
    if is_empty(aging, *_AGING_COLUMNS) and not stages:
        return empty_figure(title, "No work in progress")
    frame, hover = _aging_frame(aging, timezone)
    extra = frame.loc[~frame["stage"].isin(stages)].sort_values("stage_index", kind="stable")
    columns = stages + list(dict.fromkeys(extra["stage"]))
    position = {stage: i for i, stage in enumerate(columns)}
    frame["x"] = frame["stage"].map(position).astype("float64")
    rng = np.random.default_rng(0)
    frame["x"] += rng.uniform(-JITTER, JITTER, len(frame))
    frame["pace"] = pace(frame["age"].to_numpy(), percentiles)
    expected = _forecast_frame(aging, forecasts, len(frame))
    template = _HOVER
    if expected is not None:
        hover = np.column_stack([hover, expected["text"].to_numpy(dtype=object)])
        template = _HOVER_FORECAST

    levels = percentile_items(percentiles)
    sle = finite(sle_days)
    ages = as_float_array(frame["age"])
    if expected is not None:
        ages = np.concatenate([ages, expected["p85"].to_numpy(dtype="float64")])
    oldest = float(np.nanmax(ages)) if np.isfinite(ages).any() else 0.0
    top = max([1.0, oldest, *(v for _, v in levels), sle or 0.0]) * 1.1
    counts = frame["stage"].value_counts()
    drawn = drawn_items(
        frame["age"].to_numpy(), frame["stage"].to_numpy(), sle_days=sle, limit=max_points
    )
    if not drawn.all():
        frame, hover = frame.loc[drawn].reset_index(drop=True), hover[drawn]
        if expected is not None:
            expected = expected.loc[drawn].reset_index(drop=True)
    fig = go.Figure()
    names = {
        "green": "Below the median",
        "yellow": "Median to 70th percentile",
        "orange": "70th to 85th percentile",
        "red": "85th percentile or older",
        "grey": "Age",
    }
    scatter = scatter_class(len(frame))
    for bucket in ("green", "yellow", "orange", "red", "grey"):
        mine = (frame["pace"] == bucket).to_numpy()
        if not mine.any():
            continue
        fig.add_trace(
            scatter(
                x=frame["x"].to_numpy()[mine],
                y=frame["age"].to_numpy()[mine],
                mode="markers",
                name=names[bucket],
                marker=dict(
                    color=PACE_COLOURS[bucket], size=9, line=dict(color="white", width=0.8)
                ),
                customdata=hover[mine],
                hovertemplate=template,
            )
        )
    if expected is not None:
        _add_forecasts(fig, frame, expected, sle)
    apply_layout(fig, title, "Current stage", "Age (days since start)", right_margin=100)
    set_layout(
        fig,
        xaxis=dict(
            tickmode="array",
            tickvals=list(range(len(columns))),
            ticktext=[f"{plotly_text(s)}<br>({int(counts.get(s, 0))})" for s in columns],
            range=[-0.5, max(len(columns), 1) - 0.5],
            showgrid=False,
        ),
        yaxis=dict(range=[0, top]),
    )
    _add_bands(fig, levels, top, len(columns))
    add_percentile_lines(fig, percentiles, sle, y_range=(0, top), plot_px=_PLOT_PX)
    if frame.empty:
        fig.add_annotation(
            name="empty",
            text="No work in progress",
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
        )
    return fig


def _forecast_frame(
    aging: pd.DataFrame | None, forecasts: pd.DataFrame | None, n: int
) -> pd.DataFrame | None:
    """Per aging row (same order): ``p50``, ``p85`` (expected cycle time, days; NaN unknown),
    the hover ``text`` of its completion dates and ``known`` (the item has a forecast row).
    None without forecasts or items."""
    if forecasts is None or n == 0 or "item_id" not in forecasts.columns:
        return None
    wanted = ["p50_done", "p85_done", "p50_cycle_days", "p85_cycle_days"]
    present = forecasts.drop_duplicates("item_id").set_index("item_id").reindex(columns=wanted)
    ids = aging["item_id"].astype("str").to_numpy(dtype=object)
    rows = present.reindex(ids)
    known = present.index.get_indexer(ids) >= 0  # a hash lookup (isin on text loops in Python)
    text50 = _forecast_dates(rows["p50_done"], known)
    text85 = _forecast_dates(rows["p85_done"], known)
    text = np.where(known, "Done by: 50 % " + text50 + ", 85 % " + text85, "No forecast")
    return pd.DataFrame(
        {
            "p50": as_float_array(rows["p50_cycle_days"].to_numpy()),
            "p85": as_float_array(rows["p85_cycle_days"].to_numpy()),
            "text": text,
            "known": known,
        }
    )


def _forecast_dates(values: pd.Series, known: np.ndarray) -> np.ndarray:
    """``"14 Jan 2027"`` per row, ``"unknown"`` where the forecast cannot tell."""
    days = pd.to_datetime(pd.Series(values.to_numpy(dtype=object)), errors="coerce")
    codes, uniques = pd.factorize(days)
    text = np.array([f"{d:%d %b %Y}" for d in uniques] + ["unknown"], dtype=object)
    return text[np.where(codes < 0, len(uniques), codes)].astype(str)


def _add_forecasts(
    fig: go.Figure, frame: pd.DataFrame, expected: pd.DataFrame, sle: float | None
) -> None:
    """The 50–85 % expected-age segment of each item and the SLE ring (see the builder)."""
    x = frame["x"].to_numpy(dtype="float64")
    p50, p85 = expected["p50"].to_numpy(), expected["p85"].to_numpy()
    scatter = scatter_class(len(frame))  # WebGL for many items, like the dots
    drawn = np.isfinite(p50) & np.isfinite(p85)
    if drawn.any():
        n = int(drawn.sum())
        xs, ys = np.full(3 * n, np.nan), np.full(3 * n, np.nan)
        xs[0::3] = xs[1::3] = x[drawn]
        ys[0::3], ys[1::3] = p50[drawn], p85[drawn]
        fig.add_trace(
            scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="Expected age when done (50–85 %)",
                line=dict(color=FORECAST_COLOUR, width=2),
                opacity=0.5,
                hoverinfo="skip",
                connectgaps=False,
            )
        )
    if sle is None:
        return
    ages = frame["age"].to_numpy(dtype="float64")
    past = np.where(np.isnan(p85), ages > sle, p85 > sle) & expected["known"].to_numpy()
    if past.any():
        fig.add_trace(
            scatter(
                x=x[past],
                y=ages[past],
                mode="markers",
                name="85 % date past the SLE",
                marker=dict(symbol="circle-open", size=16, color=SLE_COLOUR, line=dict(width=2)),
                hoverinfo="skip",
            )
        )


def _aging_frame(aging: pd.DataFrame | None, timezone: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The columns the chart needs (``stage, stage_index, age``) and each item's hover rows.

    Hover rows (``customdata``): escaped id, escaped title, ``"type in stage"``
    (escaped) and the start date (``"–"`` without one), for :data:`_HOVER`.
    Both are empty when ``aging`` is.
    """
    if is_empty(aging, *_AGING_COLUMNS):
        return pd.DataFrame(columns=["stage", "stage_index", "age"]), np.empty((0, 4), object)
    n = len(aging)
    stage = aging["stage"].astype("str").reset_index(drop=True)
    work_type = aging["type"].astype("str").fillna("(none)").reset_index(drop=True)
    where = plotly_texts(work_type) + " in " + plotly_texts(stage)
    started = (
        _start_dates(aging["start"], timezone)
        if "start" in aging.columns
        else pd.Series(["–"] * n, dtype="str")
    )
    hover = item_customdata(aging["item_id"], aging["title"], where, started)
    frame = pd.DataFrame(
        {
            "stage": stage.to_numpy(dtype=object),
            "stage_index": (
                as_float_array(aging["stage_index"])
                if "stage_index" in aging.columns
                else np.arange(n, dtype="float64")
            ),
            "age": as_float_array(aging["age_days"]),
        }
    )
    return frame, hover


def _start_dates(start: pd.Series, timezone: str) -> pd.Series:
    """``"01 Mar 2026"`` per item (``"–"`` without a start), the local date in ``timezone``.

    Items share few start days, so each distinct day is formatted once.
    """
    days = to_wall(start, timezone).dt.normalize()
    codes, uniques = pd.factorize(days)
    text = np.array([f"{d:%d %b %Y}" for d in uniques] + ["–"], dtype=object)
    return pd.Series(text[np.where(codes < 0, len(uniques), codes)])


def _add_bands(fig: go.Figure, levels: list, top: float, n_columns: int) -> None:
    """Shaded pace bands (``band:<colour>``) up to each percentile level, the last to ``top``."""
    bounds = dict(levels)
    lower = 0.0
    x1 = max(n_columns, 1) - 0.5
    for name, colour, _lo, hi in PACE_BUCKETS:
        upper = top if hi is None else bounds.get(hi)
        if upper is None:
            continue
        if upper > lower:
            fig.add_shape(
                name=f"band:{name}",
                type="rect",
                xref="x",
                x0=-0.5,
                x1=x1,
                yref="y",
                y0=lower,
                y1=upper,
                fillcolor=colour,
                opacity=0.09,
                line=dict(width=0),
                layer="below",
            )
        lower = max(lower, upper)


def age_run_chart(
    table: pd.DataFrame,
    change_dates: Iterable[tuple[Any, str]] = (),
    *,
    title: str = "Age of work in progress over time",
) -> go.Figure:
    """Mean and oldest age of the items in progress per day, with their count behind.

    ``table``: ``date``, ``count`` (items in progress), ``mean_age_days`` and
    ``max_age_days`` (elapsed days; NaN when nothing is in progress). Ages on
    the left axis (lines, ``yaxis2``), the count on the right axis (light bars,
    ``yaxis``).
    """
    if is_empty(table, "date", "count", "mean_age_days", "max_age_days"):
        return empty_figure(title, "No days to show")
    table = table.sort_values("date", kind="stable")
    x = to_wall(table["date"])
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=table["count"],
                name="Items in progress",
                marker=dict(color="#c9d6ea"),
                hovertemplate="%{y} in progress<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=table["mean_age_days"],
                name="Mean age",
                mode="lines",
                yaxis="y2",
                line=dict(color="#2f6fdf", width=2),
                hovertemplate="Mean age %{y:.1f} d<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=table["max_age_days"],
                name="Oldest item",
                mode="lines",
                yaxis="y2",
                line=dict(color="#d62728", width=1.5, dash="dot"),
                hovertemplate="Oldest %{y:.1f} d<extra></extra>",
            ),
        ]
    )
    # The count bars sit on the (right) primary axis so the age lines, on the
    # overlaying axis, are drawn above them.
    apply_layout(fig, title, "Date", "Items in progress", right_margin=60)
    set_layout(
        fig,
        hovermode="x unified",
        bargap=0,
        yaxis=dict(side="right", rangemode="tozero", showgrid=False),
        yaxis2=dict(
            title=dict(text="Age (days)"),
            overlaying="y",
            side="left",
            rangemode="tozero",
            tickmode="auto",  # an overlaying axis defaults to "sync": odd tick values
            gridcolor="#e6e8eb",
        ),
    )
    add_change_markers(fig, change_dates)
    return fig
