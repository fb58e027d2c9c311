"""Forecast charts: how many, when, the forecasts' track record, and per-item completion dates.

Every builder takes arrays or tables (the Monte Carlo trials, the backtest
points, the item forecasts) and returns a :class:`plotly.graph_objects.Figure`;
none runs a simulation. Percentiles follow the practitioners' reading
(docs/forecasting.md):

* **how many**: ``{85: 23}`` means an 85 % chance of *at least* 23 items, so
  the probability line is the chance of at least *x* items (it falls as *x*
  grows);
* **when**: ``{85: date}`` means an 85 % chance of being done *by* that date,
  so the probability line is the chance of being done by each date (it rises).

Shapes and annotations carry names (``"percentile:85"``, ``"as_of"``,
``"never"``) so tests and callers can find them. User text (item ids,
titles, stages) enters a figure only through
:func:`~vsm_core.charts.common.plotly_texts` / ``customdata``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    MUTED,
    SLE_COLOUR,
    add_corner_note,
    add_vline,
    apply_layout,
    as_float_array,
    empty_figure,
    finite,
    is_empty,
    item_customdata,
    percentile_items,
    set_layout,
    x_value,
)

#: Bars (share of trials) and the probability line.
BAR_COLOUR = "#2f6fdf"
LINE_COLOUR = "#d95f02"
HIT_COLOUR = "#2e9e4f"
MISS_COLOUR = "#d62728"
BAND_COLOUR = "rgba(47, 111, 223, 0.18)"
#: At most this many bars: wider outcomes are grouped into bins of equal width.
MAX_BARS = 80
#: The per-item chart shows at most this many items (the latest 85 % dates first).
MAX_ITEMS = 60

_DAY = np.timedelta64(1, "D")


# --------------------------------------------------------------------------- how many


def how_many_chart(
    outcomes: Any,
    percentiles: Mapping | None = None,
    *,
    title: str = "How many items could be done",
    x_title: str = "Items completed",
) -> go.Figure:
    """Share of trials (bars, %) that completed each number of items, and the chance of at
    least that many (line, right axis, %).

    ``outcomes``: items completed in each simulated trial (integers ≥ 0; NaN
    dropped). Counts are grouped into bins of equal width when they span more
    than :data:`MAX_BARS` values (a bin from 20 to 24 holds 20 ≤ x < 25; the
    line is still read at every bin's lower edge). ``percentiles``:
    ``{85: 23}`` (an 85 % chance of at least 23 items): dotted vertical lines
    named ``percentile:85`` labelled ``"85 %: 23 or more"``.
    """
    values = as_float_array(outcomes)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return empty_figure(title, "No trials to show")
    counts = np.maximum(values, 0).astype(np.int64)
    edges, share = _int_bins(counts)
    # Chance of at least edges[i] items: 1 - share of trials below it.
    at_least = 100.0 - np.concatenate(([0.0], np.cumsum(share)[:-1]))
    width = edges[1] - edges[0]
    labels = np.array(
        [f"{a}" if width == 1 else f"{a}–{a + width - 1}" for a in edges[:-1]], dtype=object
    )
    fig = go.Figure(
        [
            go.Bar(
                x=edges[:-1] + (width - 1) / 2,
                y=share,
                width=width * 0.92,
                name="Share of trials",
                marker=dict(color=BAR_COLOUR),
                customdata=labels,
                hovertemplate="%{customdata} items in %{y:.1f} % of trials<extra></extra>",
            ),
            go.Scatter(
                # From each bar's left edge: the step over a bar is the chance of at least
                # its (lowest) count.
                x=edges[:-1] - 0.5,
                y=at_least,
                yaxis="y2",
                mode="lines",
                line=dict(color=LINE_COLOUR, width=2, shape="hv"),
                name="Chance of at least this many",
                customdata=edges[:-1],
                hovertemplate="%{y:.0f} % chance of at least %{customdata} items<extra></extra>",
            ),
        ]
    )
    _probability_layout(fig, title, x_title)
    for i, (q, value) in enumerate(percentile_items(percentiles)):
        add_vline(
            fig,
            value,
            f"{q:g} %: {value:g} or more",
            name=f"percentile:{q}",
            label_y=1.0 - 0.08 * i,
        )
    return fig


def _int_bins(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges (integers, equal width) and the share of ``counts`` (%) in each bin."""
    lo, hi = int(counts.min()), int(counts.max())
    width = max(1, -(-(hi - lo + 1) // MAX_BARS))
    n_bins = (hi - lo) // width + 1
    which = (counts - lo) // width
    share = np.bincount(which, minlength=n_bins) * (100.0 / counts.size)
    return lo + width * np.arange(n_bins + 1), share


# --------------------------------------------------------------------------- when


def when_chart(
    finish_dates: Any,
    percentiles: Mapping | None = None,
    *,
    title: str = "When the items could be done",
) -> go.Figure:
    """Share of trials (bars, %) finishing on each date (or week), and the chance of being
    done by that date (line, right axis, %).

    ``finish_dates``: the completion date of each trial (dates, ``datetime64``
    or ISO text; missing = the trial never finished within the simulated
    horizon: counted in the total, so the line stays below 100 %, and named in
    a corner note ``never``). Dates spanning more than :data:`MAX_BARS` days
    are grouped by 7 days (a bar starting on 5 Jan holds 5–11 Jan).
    ``percentiles``: ``{85: date}`` (an 85 % chance of being done by that
    date; missing values are not drawn): dotted vertical lines named
    ``percentile:85`` labelled ``"85 %: by 14 Jan"``.
    """
    days = pd.to_datetime(pd.Series(finish_dates), errors="coerce").to_numpy("datetime64[D]")
    total = days.size
    done = days[~np.isnat(days)]
    if total == 0:
        return empty_figure(title, "No trials to show")
    if done.size == 0:
        return empty_figure(title, "No trial finished: at this pace the items are never done")
    first = done.min()
    offsets = (done - first) // _DAY
    width = 1 if int(offsets.max()) < MAX_BARS else 7
    counts = np.bincount(offsets // width)
    starts = first + np.arange(counts.size) * width * _DAY
    share = counts * (100.0 / total)
    done_by = np.cumsum(share)
    ends = starts + (width - 1) * _DAY
    first_days, last_days = pd.DatetimeIndex(starts), pd.DatetimeIndex(ends)
    labels = (
        first_days.strftime("%d %b %Y")
        if width == 1
        else first_days.strftime("%d %b") + "–" + last_days.strftime("%d %b %Y")
    ).to_numpy(dtype=object)
    bar_x = starts.astype("datetime64[s]") + np.timedelta64(width * 43_200, "s")
    fig = go.Figure(
        [
            go.Bar(
                x=pd.DatetimeIndex(bar_x),
                y=share,
                width=width * 86_400_000 * 0.92,
                name="Share of trials",
                marker=dict(color=BAR_COLOUR),
                customdata=labels,
                hovertemplate="Done %{customdata} in %{y:.1f} % of trials<extra></extra>",
            ),
            go.Scatter(
                x=pd.DatetimeIndex((ends + _DAY).astype("datetime64[s]")),
                y=done_by,
                yaxis="y2",
                mode="lines+markers" if counts.size < 3 else "lines",
                line=dict(color=LINE_COLOUR, width=2, shape="hv"),
                marker=dict(size=6),
                name="Chance of being done by this date",
                customdata=labels,
                hovertemplate="%{y:.0f} % chance of being done by the end of "
                "%{customdata}<extra></extra>",
            ),
        ]
    )
    _probability_layout(fig, title, "Completion date")
    for i, (q, value) in enumerate(_date_items(percentiles)):
        add_vline(
            fig,
            x_value(value + pd.Timedelta(hours=12)),
            f"{q:g} %: by {value:%d %b}",
            name=f"percentile:{q}",
            label_y=1.0 - 0.08 * i,
        )
    never = total - done.size
    if never:
        add_corner_note(
            fig,
            "never",
            f"{100 * never / total:.1f} % of trials never finished",
            color=MUTED,
        )
    return fig


def _date_items(percentiles: Mapping | None) -> list[tuple[float, pd.Timestamp]]:
    """``[(85, Timestamp), ...]`` sorted by percentile; missing or unreadable dates dropped."""
    out = []
    for key, value in (percentiles or {}).items():
        try:
            q = float(str(key).strip().lower().removeprefix("p"))
        except ValueError:
            continue
        stamp = pd.to_datetime(value, errors="coerce") if value is not None else pd.NaT
        if not pd.isna(stamp) and 0 < q <= 100:
            q = int(q) if q.is_integer() else q
            out.append((q, pd.Timestamp(stamp).tz_localize(None).normalize()))
    return sorted(out, key=lambda item: item[0])


def _probability_layout(fig: go.Figure, title: str, x_title: str) -> None:
    """Share of trials on the left axis, the probability line (0–100 %) on the right."""
    apply_layout(fig, title, x_title, "Share of trials (%)", right_margin=70)
    set_layout(
        fig,
        bargap=0,
        hovermode="closest",
        yaxis=dict(rangemode="tozero"),
        yaxis2=dict(
            title=dict(text="Probability (%)", font=dict(color=LINE_COLOUR)),
            overlaying="y",
            side="right",
            range=[0, 102],
            tickvals=[0, 25, 50, 70, 85, 100],
            showgrid=False,
            tickfont=dict(color=LINE_COLOUR),
        ),
    )


# --------------------------------------------------------------------------- track record

_BACKTEST_COLUMNS = ("date", "p50", "p85", "actual")


def backtest_chart(
    points: pd.DataFrame,
    *,
    horizon_days: int,
    title: str | None = None,
) -> go.Figure:
    """Past forecasts against what happened: one forecast per date, walking forward.

    ``points``: ``date`` (the forecast's start), ``p50`` and ``p85`` (the
    how-many values: 50 % and 85 % chance of at least that many), optional
    ``p95`` and ``p70``, and ``actual`` (items completed in the ``horizon_days``
    that followed). Drawn: the band from the 85 % value up to the 50 % value
    (from the 95 % value when given, lighter), the 50 % line, and the actual
    count as a dot, green when it reached the 85 % value (a hit: the 85 %
    forecast came true), red when it fell short.
    """
    title = title or f"Track record: forecast of the next {horizon_days} days vs what happened"
    if is_empty(points, *_BACKTEST_COLUMNS):
        return empty_figure(title, "Not enough history for a single past forecast")
    table = points.sort_values("date", kind="stable").reset_index(drop=True)
    x = pd.to_datetime(table["date"], errors="coerce")
    if getattr(x.dt, "tz", None) is not None:
        x = x.dt.tz_localize(None)
    p50, p85, actual = (as_float_array(table[c]) for c in ("p50", "p85", "actual"))
    fig = go.Figure()
    if "p95" in table.columns:
        _band(fig, x, as_float_array(table["p95"]), p85, "95 %–85 % forecast", 0.5)
    _band(fig, x, p85, p50, "85 %–50 % forecast", 1.0)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=p50,
            mode="lines",
            name="50 % forecast",
            line=dict(color=BAR_COLOUR, width=1.5, dash="dot"),
            hovertemplate="50 %: %{y:.0f} or more<extra></extra>",
        )
    )
    hit = actual >= p85
    for mine, name, colour, symbol in (
        (hit, f"Actual: 85 % forecast came true ({int(hit.sum())})", HIT_COLOUR, "circle"),
        (~hit, f"Actual: fell short of it ({int((~hit).sum())})", MISS_COLOUR, "x"),
    ):
        if not mine.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=x[mine],
                y=actual[mine],
                mode="markers",
                name=name,
                marker=dict(color=colour, size=8, symbol=symbol),
                customdata=np.column_stack([p85[mine], p50[mine]]),
                hovertemplate="%{x|%d %b %Y}: %{y:.0f} done<br>forecast: 85 % ≥ "
                "%{customdata[0]:.0f}, 50 % ≥ %{customdata[1]:.0f}<extra></extra>",
            )
        )
    apply_layout(fig, title, "Forecast made on", f"Items completed in {horizon_days} days")
    # Filled traces would reverse the legend; keep it in drawing order.
    set_layout(
        fig, hovermode="closest", yaxis=dict(rangemode="tozero"), legend=dict(traceorder="normal")
    )
    return fig


def _band(fig: go.Figure, x: pd.Series, low: np.ndarray, high: np.ndarray, name: str, alpha):
    """A filled band between ``low`` and ``high`` (two traces: the lower edge, then the fill)."""
    fill = BAND_COLOUR if alpha >= 1 else "rgba(47, 111, 223, 0.09)"
    fig.add_trace(
        go.Scatter(x=x, y=low, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=high,
            mode="lines",
            line=dict(width=0),
            fill="tonexty",
            fillcolor=fill,
            name=name,
            hoverinfo="skip",
        )
    )


# --------------------------------------------------------------------------- items

_ITEM_COLUMNS = ("item_id", "p50_done", "p85_done")


def item_forecast_chart(
    items: pd.DataFrame,
    *,
    as_of: Any,
    title: str = "When each item in progress could be done",
) -> go.Figure:
    """Each item in progress as a row: a thin line from as-of to its 50 % date, a thick one
    from its 50 % to its 85 % date.

    ``items``: ``item_id``, ``p50_done``, ``p85_done`` (dates; missing when
    the history cannot tell: such an item is drawn to the chart's right edge
    in grey and its hover says so), optional ``title``, ``stage``,
    ``age_days`` and ``past_sle`` (bool: the 85 % date is past the SLE; drawn
    red). ``as_of``: the forecast's as-of date (a dotted line named
    ``as_of``). Rows are sorted by 85 % date, latest at the top; at most
    :data:`MAX_ITEMS` rows (the latest), a corner note says how many are left out.
    """
    if is_empty(items, *_ITEM_COLUMNS):
        return empty_figure(title, "No work in progress")
    table = _item_rows(items)
    start = pd.Timestamp(as_of).tz_localize(None).normalize() if as_of is not None else None
    known = table["p85"].notna()
    right = table["p85"].max() if known.any() else (start or table["p50"].max())
    right = (right if not pd.isna(right) else pd.Timestamp.today().normalize()) + pd.Timedelta(
        days=3
    )
    p85 = table["p85"].fillna(right)
    p50 = table["p50"].fillna(right)
    origin = start if start is not None else p50.min()
    rows = np.arange(len(table))
    hover = item_customdata(
        table["item_id"], table["title"], table["stage"], table["text50"], table["text85"]
    )
    fig = go.Figure()
    fig.add_trace(_segments(rows, np.full(len(table), origin), p50, "#b8c7e0", 2, "To 50 %"))
    for mine, name, colour in (
        (~table["past_sle"] & known, "50 %–85 %", BAR_COLOUR),
        (table["past_sle"] & known, "50 %–85 %, past the SLE", SLE_COLOUR),
        (~known, "85 % date unknown", MUTED),
    ):
        if mine.any():
            m = mine.to_numpy()
            fig.add_trace(_segments(rows[m], p50[m], p85[m], colour, 7, name))
    fig.add_trace(
        go.Scatter(
            x=p85,
            y=rows,
            mode="markers",
            marker=dict(color="rgba(0,0,0,0)", size=14),
            customdata=hover,
            hovertemplate="<b>%{customdata[0]}</b> %{customdata[1]}<br>%{customdata[2]}"
            "<br>50 %: %{customdata[3]}<br>85 %: %{customdata[4]}<extra></extra>",
            showlegend=False,
        )
    )
    height = max(260, 120 + 18 * len(table))
    apply_layout(fig, title, "Expected completion date", None, height=height)
    set_layout(
        fig,
        hovermode="closest",
        yaxis=dict(
            tickmode="array",
            tickvals=rows.tolist(),
            ticktext=hover[:, 0].tolist(),
            range=[-0.7, len(table) - 0.3],
            showgrid=False,
        ),
    )
    if start is not None:
        add_vline(fig, x_value(start.date()), "as of", name="as_of", colour=MUTED, dash="dot")
    if len(items) > len(table):
        add_corner_note(
            fig, "more", f"{len(table)} of {len(items)} items: the latest 85 % dates", color=MUTED
        )
    return fig


def _item_rows(items: pd.DataFrame) -> pd.DataFrame:
    """Items sorted by 85 % date (unknown last = top), capped at :data:`MAX_ITEMS` rows."""
    n = len(items)

    def column(name: str, default: Any) -> pd.Series:
        if name in items.columns:
            return items[name].reset_index(drop=True)
        return pd.Series([default] * n)

    table = pd.DataFrame(
        {
            "item_id": column("item_id", ""),
            "title": column("title", ""),
            "stage": column("stage", "").astype("str").fillna(""),
            "p50": _naive_days(column("p50_done", None)),
            "p85": _naive_days(column("p85_done", None)),
            "past_sle": column("past_sle", False).fillna(False).astype(bool),
        }
    )
    table["text50"] = _date_texts(table["p50"])
    table["text85"] = _date_texts(table["p85"])
    order = table["p85"].fillna(pd.Timestamp.max.normalize()).argsort(kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    return table.tail(MAX_ITEMS).reset_index(drop=True)


def _naive_days(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, errors="coerce")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps.dt.normalize()


def _date_texts(days: pd.Series) -> pd.Series:
    """``"by 14 Jan 2027"`` per date; a missing date reads as the history's limit."""
    codes, uniques = pd.factorize(days)
    text = np.array(
        [f"by {d:%d %b %Y}" for d in uniques] + ["later than the history can tell"], dtype=object
    )
    return pd.Series(text[np.where(codes < 0, len(uniques), codes)])


def _segments(rows, x0, x1, colour: str, width: float, name: str) -> go.Scatter:
    """Horizontal segments (x0 → x1 at each row) as one trace, separated by gaps."""
    n = len(rows)
    xs = np.empty(3 * n, dtype="datetime64[ns]")
    xs[0::3] = pd.DatetimeIndex(x0).to_numpy("datetime64[ns]")
    xs[1::3] = pd.DatetimeIndex(x1).to_numpy("datetime64[ns]")
    xs[2::3] = np.datetime64("NaT")
    ys = np.empty(3 * n, dtype="float64")
    ys[0::3] = rows
    ys[1::3] = rows
    ys[2::3] = np.nan
    return go.Scatter(
        x=pd.DatetimeIndex(xs),
        y=ys,
        mode="lines",
        line=dict(color=colour, width=width),
        name=name,
        hoverinfo="skip",
        connectgaps=False,
    )


def sle_dates(age_days: Any, *, as_of: Any, sle_days: float | None) -> pd.Series:
    """The date each item reaches the SLE (``as_of + (sle_days - age_days)`` days, floored
    to the day), or all missing without an SLE. ``as_of``: a date or timestamp."""
    ages = as_float_array(age_days)
    if finite(sle_days) is None:
        return pd.Series(pd.NaT, index=range(ages.size), dtype="datetime64[ns]")
    base = pd.Timestamp(as_of)
    base = base.tz_localize(None) if base.tzinfo is not None else base
    reach = base + pd.to_timedelta(np.asarray(float(sle_days) - ages), unit="D")
    return pd.Series(reach).dt.normalize()
