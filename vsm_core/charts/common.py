"""Shared chart helpers: layout defaults, colours, the empty figure, lines, config.

Change markers (dated, labelled lines of process changes) are in :mod:`.markers`.

Every builder in :mod:`vsm_core.charts` takes tables (and small scalars) and
returns a :class:`plotly.graph_objects.Figure`; none does I/O or imports
Streamlit. Conventions used throughout:

* durations are in days (``d``), shares in percent;
* dates on time axes are local calendar dates (``datetime.date``) or naive
  wall-clock times; tz-aware timestamps are converted to the chart's
  ``timezone`` (UTC by default) and shown at that wall-clock time;
* helper shapes and annotations carry a ``name`` (``"percentile:85"``,
  ``"sle"``, ``"change"``, ``"mean"``...) so tests and callers can find them;
* every text plotly draws is read as markup (``<b>``, ``<a href>``, entities),
  so user text (names, titles, stages, work types, item ids) goes through
  :func:`plotly_text` / :func:`plotly_texts` once, where it enters a figure,
  and into hover labels through ``customdata`` or the trace name, never into
  the hover template itself. Builders' own texts (titles, notes) may use markup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.basedatatypes import BasePlotlyType

HEIGHT = 380
#: Every chart's plotly template. Made plotly's default when this module is imported:
#: plotly applies its default template to a new figure without copying it, while naming a
#: template on a figure deep-copies it (about 8 ms a figure).
TEMPLATE = "plotly_white"
pio.templates.default = TEMPLATE
FONT = "Inter, Segoe UI, Helvetica Neue, Arial, sans-serif"
GRID = "#e6e8eb"
INK = "#333"
MUTED = "#666"

#: Colour of each workflow category (the first shade of each family below).
CATEGORY_COLOURS: dict[str, str] = {
    "done": "#3a9d5d",
    "active": "#2f6fdf",
    "waiting": "#f0a020",
    "backlog": "#9e9e9e",
    "cancelled": "#d6d6d6",
}

#: Shades per category, used in workflow order when a category has several stages.
CATEGORY_SHADES: dict[str, tuple[str, ...]] = {
    "done": ("#3a9d5d", "#68b982", "#93d0a6"),
    "active": ("#2f6fdf", "#5b93ea", "#86b2f1", "#1d4fa8", "#aecbf6"),
    "waiting": ("#f0a020", "#e8772e", "#f5c15a", "#d9601c", "#f8d68e"),
    "backlog": ("#9e9e9e", "#b8b8b8", "#858585"),
    "cancelled": ("#d6d6d6", "#e6e6e6"),
}

#: Work types with a fixed colour; other types take :data:`TYPE_PALETTE` in name order.
KNOWN_TYPE_COLOURS: dict[str, str] = {
    "feature": "#4c78a8",
    "story": "#4c78a8",
    "user story": "#4c78a8",
    "defect": "#e45756",
    "bug": "#e45756",
    "debt": "#72b7b2",
    "tech debt": "#72b7b2",
    "risk": "#f58518",
    "task": "#54a24b",
    "(none)": "#bab0ac",
}
TYPE_PALETTE: tuple[str, ...] = (
    "#b279a2",
    "#eeca3b",
    "#9d755d",
    "#54a24b",
    "#ff9da6",
    "#79706e",
    "#4c78a8",
    "#e45756",
    "#72b7b2",
    "#f58518",
)

#: Pace colours (aging chart) and the ± colours of net flow.
PACE_COLOURS: dict[str, str] = {
    "green": "#2e9e4f",
    "yellow": "#e3c21b",
    "orange": "#f28c28",
    "red": "#d62728",
    "grey": "#9e9e9e",
}
SLE_COLOUR = "#b2182b"
PERCENTILE_COLOUR = "#555"
CHANGE_COLOUR = "#7b3fa0"

#: ``st.plotly_chart(fig, config=CONFIG)``: keeps the toolbar's "Download plot as PNG"
#: (PNG at twice the size). :func:`plotly_config` gives a copy whose file name is the title.
CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "flowlab-chart"},
}


def plotly_config(figure_or_title: go.Figure | str | None = None) -> dict[str, Any]:
    """:data:`CONFIG` with the PNG file name made from the figure's title (or the given text)."""
    title = figure_or_title
    if isinstance(figure_or_title, go.Figure):
        title = figure_or_title.layout.title.text
    config = {**CONFIG, "toImageButtonOptions": dict(CONFIG["toImageButtonOptions"])}
    slug = re.sub(r"[^a-z0-9]+", "-", str(title or "").lower()).strip("-")
    if slug:
        config["toImageButtonOptions"]["filename"] = f"flowlab-{slug}"[:80]
    return config


# --------------------------------------------------------------------------- layout


def apply_layout(
    fig: go.Figure,
    title: str,
    x_title: str | None = None,
    y_title: str | None = None,
    *,
    height: int = HEIGHT,
    right_margin: int = 30,
    show_legend: bool = True,
) -> go.Figure:
    """The shared look: white template, left-aligned title, horizontal legend above the plot."""
    if pio.templates.default != TEMPLATE:  # someone changed the default: set ours explicitly
        set_layout(fig, template=TEMPLATE)
    return set_layout(
        fig,
        title=dict(
            text=title,
            x=0.01,
            xanchor="left",
            y=0.98,
            yanchor="top",
            yref="container",
            font=dict(size=16, color=INK),
        ),
        font=dict(family=FONT, size=12, color=INK),
        height=height,
        margin=dict(l=60, r=right_margin, t=78, b=50),
        showlegend=show_legend,
        legend=dict(
            orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom", font=dict(size=11)
        ),
        hoverlabel=dict(font=dict(family=FONT, size=12), align="left"),
        xaxis=dict(title=dict(text=x_title), gridcolor=GRID, zeroline=False),
        yaxis=dict(title=dict(text=y_title), gridcolor=GRID, zeroline=False),
    )


def set_layout(fig: go.Figure, **props: Any) -> go.Figure:
    """``fig.update_layout(**props)`` without plotly's batch-update machinery.

    Nested dicts merge into what is already set (``legend=dict(traceorder=...)``
    keeps the legend's other settings), as with ``update_layout``; other
    values replace. Every value is still validated. ``update_layout`` and
    ``update_xaxes`` cost about 10 ms a call (they record and replay a
    relayout); assigning the properties costs a tenth of that, which adds up
    over the handful of calls each builder makes on every first draw.
    """
    _assign(fig.layout, props)
    return fig


def _assign(target: BasePlotlyType, props: Mapping[str, Any]) -> None:
    for key, value in props.items():
        if isinstance(value, Mapping) and key in target:  # a new subplot axis is not in yet
            child = target[key]
            if isinstance(child, BasePlotlyType):
                _assign(child, value)
                continue
        target[key] = value


def empty_figure(title: str, message: str = "No data") -> go.Figure:
    """A titled figure with hidden axes and ``message`` in the middle (``name="empty"``)."""
    fig = go.Figure()
    apply_layout(fig, title, show_legend=False)
    set_layout(fig, xaxis=dict(visible=False), yaxis=dict(visible=False))
    fig.add_annotation(
        name="empty",
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=15, color=MUTED),
    )
    return fig


def add_corner_note(fig: go.Figure, name: str, text: str, color: str | None = None) -> None:
    """A small note just above the plot's top-right corner (``name`` identifies it)."""
    fig.add_annotation(
        name=name,
        text=text,
        xref="paper",
        yref="paper",
        x=1,
        y=1.0,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=11) if color is None else dict(size=11, color=color),
    )


def is_empty(table: Any, *columns: str) -> bool:
    """True when ``table`` is None, has no rows, or lacks one of ``columns``."""
    if table is None:
        return True
    if isinstance(table, pd.DataFrame):
        return len(table) == 0 or any(c not in table.columns for c in columns)
    try:
        return len(table) == 0
    except TypeError:
        return True


# --------------------------------------------------------------------------- values


def finite(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when missing, NaN or not a number."""
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt_days(value: float | None) -> str:
    """``12.3 d`` (``–`` for a missing value)."""
    number = finite(value)
    return "–" if number is None else f"{number:.1f} d"


def percentile_items(percentiles: Mapping | None) -> list[tuple[int | float, float]]:
    """``[(85, 12.3), ...]`` sorted by percentile, missing or NaN values dropped.

    Accepts ``{85: 12.3}`` or the output of ``summarize_days`` (``{"p85": 12.3,
    "mean": ..., "n": ...}``: keys that are not ``pNN`` are ignored).
    """
    out = []
    for key, value in (percentiles or {}).items():
        text = str(key).strip().lower().removeprefix("p")
        try:
            q = float(text)
        except ValueError:
            continue
        number = finite(value)
        if number is not None and 0 < q <= 100:
            out.append((int(q) if q.is_integer() else q, number))
    return sorted(out)


def to_wall(times: Any, timezone: str | None = "UTC") -> pd.Series:
    """Times or dates as naive ``datetime64`` wall times (tz-aware ones shown in ``timezone``)."""
    series = pd.Series(times)
    if series.dtype == object:
        series = pd.to_datetime(series, errors="coerce", utc=_any_aware(series))
    else:
        series = pd.to_datetime(series, errors="coerce")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert(timezone or "UTC").dt.tz_localize(None)
    return series.reset_index(drop=True)


def _any_aware(values: pd.Series) -> bool:
    return any(isinstance(v, datetime) and v.tzinfo is not None for v in values)


def x_value(when: Any, timezone: str | None = None) -> str:
    """A date, datetime or timestamp as the ISO wall-clock text plotly puts on a date axis.

    Plain dates give ``YYYY-MM-DD``; tz-aware times are converted to ``timezone``
    when given, else shown at their own wall-clock time.
    """
    if isinstance(when, date) and not isinstance(when, datetime):
        return when.isoformat()
    stamp = pd.Timestamp(when)
    if stamp.tzinfo is not None:
        stamp = (stamp.tz_convert(timezone) if timezone else stamp).tz_localize(None)
    if stamp == stamp.normalize():
        return stamp.date().isoformat()
    return stamp.isoformat()


#: What plotly reads as markup in any text it draws (titles, axis and tick labels, legend
#: names, annotations, hover labels, ``customdata`` put into a hover template): tags such as
#: ``<b>``, ``<br>`` and ``<a href>``, and entities. It decodes only ``&lt;`` ``&gt;``
#: ``&amp;`` and numeric entities (``&quot;`` would show as typed), so exactly these three
#: characters are replaced, ``&`` first.
_PLOTLY_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def plotly_text(value: Any) -> str:
    """``value`` as text plotly draws literally: ``&``, ``<``, ``>`` as entities, nothing else.

    For every piece of user text (names, titles, stages, work types, item ids)
    that goes into a figure: a title, an axis title or tick label, a legend
    (trace) name, an annotation, or a hover label (through ``customdata``:
    plotly substitutes ``%{customdata}`` into the hover template unescaped).
    A ``"`` or ``'`` stays as typed. Escape once, where the text enters the
    figure; never put user text into a hover template itself (a ``%{…}`` in it
    would be substituted): pass it in ``customdata`` or as the trace name
    (``%{fullData.name}``).
    """
    text = "" if value is None else str(value)
    for raw, escaped in _PLOTLY_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def plotly_texts(values: Iterable) -> pd.Series:
    """:func:`plotly_text` of each value, missing values (None, NaN, NA) as ``""``.

    Vectorised (``Series.str``): 100,000 labels take tens of milliseconds, not a loop's half second.
    """
    text = _as_text(values)
    for raw, escaped in _PLOTLY_ESCAPES:
        if text.str.contains(raw, regex=False).any():
            text = text.str.replace(raw, escaped, regex=False)
    return text


def _as_text(values: Iterable) -> pd.Series:
    """Values as a ``str`` Series with missing values (None, NaN, NA) as ``""``."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    series = series.reset_index(drop=True)
    missing = series.isna()
    if missing.any():
        series = series.astype(object).where(~missing, "")
    return series.astype("str")


#: The start of a per-item hover template over :func:`item_customdata`: bold id, then title.
#: The markup lives in the template, once, not in every point's text (plotly's JSON writes
#: each ``<`` as ``\\u003c``).
ITEM_HOVER = "<b>%{customdata[0]}</b> %{customdata[1]}"


def item_customdata(item_ids: Iterable, titles: Iterable, *more: Iterable, limit: int = 70):
    """Per-item ``customdata`` rows: id and title as :func:`plotly_texts`, then ``more`` as given.

    Titles longer than ``limit`` characters are cut to ``limit - 1`` and end
    with ``…``; missing titles are ``""``. Returns an object array (one row per
    item; one column per input). Raises :class:`ValueError` when the inputs
    differ in length. Use with :data:`ITEM_HOVER`.
    """
    ids = _as_text(item_ids)
    text = _as_text(titles)
    columns = [plotly_texts(ids), plotly_texts(shorten(text, limit))]
    columns += [_as_text(column) for column in more]
    if len({len(c) for c in columns}) > 1:
        raise ValueError(f"columns of different lengths: {[len(c) for c in columns]}")
    return np.column_stack([c.to_numpy(dtype=object) for c in columns])


def shorten(text: pd.Series, limit: int = 70) -> pd.Series:
    """Texts over ``limit`` characters cut to ``limit - 1``, trailing space dropped, then ``…``."""
    long = text.str.len() > limit
    if not long.any():
        return text
    return text.where(~long, text.str.slice(0, limit - 1).str.rstrip() + "…")


def type_colours(types: Iterable) -> dict[str, str]:
    """A colour per work type: fixed for well-known names, else the palette in name order."""
    names = sorted({str(t) for t in types})
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        colour = KNOWN_TYPE_COLOURS.get(name.lower())
        if colour:
            out[name] = colour
            used.add(colour)
    free = [c for c in TYPE_PALETTE if c not in used] or list(TYPE_PALETTE)
    for i, name in enumerate(n for n in names if n not in out):
        out[name] = free[i % len(free)]
    return out


def stage_colours(stage_categories: Mapping[str, Any]) -> dict[str, str]:
    """A colour per stage from its category, shades in the mapping's (workflow) order."""
    seen: dict[str, int] = {}
    out = {}
    for stage, category in stage_categories.items():
        key = str(category).lower()
        shades = CATEGORY_SHADES.get(key, CATEGORY_SHADES["backlog"])
        out[str(stage)] = shades[seen.get(key, 0) % len(shades)]
        seen[key] = seen.get(key, 0) + 1
    return out


def spread(values: list[float], lo: float, hi: float, px: float, gap_px: float = 15) -> list[int]:
    """Pixel ``yshift`` per label so labels at ``values`` (axis ``lo``..``hi``, ``px`` tall) keep
    ``gap_px`` apart; the labels keep their order and move up only."""
    if not values or hi <= lo:
        return [0] * len(values)
    scale = px / (hi - lo)
    order = sorted(range(len(values)), key=lambda i: values[i])
    shifts = [0] * len(values)
    last = -math.inf
    for i in order:
        y = (values[i] - lo) * scale
        placed = max(y, last + gap_px)
        shifts[i] = round(placed - y)
        last = placed
    return shifts


# --------------------------------------------------------------------------- lines


def add_hline(
    fig: go.Figure,
    y: float,
    text: str,
    *,
    name: str,
    colour: str = PERCENTILE_COLOUR,
    dash: str = "dot",
    width: float = 1.2,
    side: str = "right",
    yshift: int = 0,
) -> None:
    """A horizontal line across the plot at ``y`` with ``text`` at its ``side`` end.

    ``side``: ``"right"`` / ``"left"`` (inside the plot, above the line) or
    ``"outside"`` (in the right margin, level with the line: leave ~100 px).
    """
    fig.add_shape(
        name=name,
        type="line",
        xref="paper",
        x0=0,
        x1=1,
        yref="y",
        y0=y,
        y1=y,
        line=dict(color=colour, dash=dash, width=width),
        layer="above",
    )
    fig.add_annotation(
        name=name,
        text=text,
        xref="paper",
        x=0 if side == "left" else 1,
        xanchor={"left": "left", "right": "right"}.get(side, "left"),
        yref="y",
        y=y,
        yanchor="middle" if side == "outside" else "bottom",
        yshift=yshift,
        showarrow=False,
        font=dict(size=11, color=colour),
        bgcolor="rgba(255,255,255,0.75)",
    )


def add_vertical_rule(
    fig: go.Figure, x: Any, *, name: str, colour: str, dash: str, width: float
) -> None:
    """A vertical line over the whole plot height at ``x``, drawn above the traces."""
    fig.add_shape(
        name=name,
        type="line",
        xref="x",
        x0=x,
        x1=x,
        yref="paper",
        y0=0,
        y1=1,
        line=dict(color=colour, dash=dash, width=width),
        layer="above",
    )


def add_vline(
    fig: go.Figure,
    x: Any,
    text: str,
    *,
    name: str,
    colour: str = PERCENTILE_COLOUR,
    dash: str = "dot",
    width: float = 1.2,
    label_y: float = 1.0,
) -> None:
    """A vertical line over the whole plot height at ``x`` with ``text`` at ``label_y`` (paper)."""
    add_vertical_rule(fig, x, name=name, colour=colour, dash=dash, width=width)
    fig.add_annotation(
        name=name,
        text=text,
        xref="x",
        x=x,
        xanchor="left",
        yref="paper",
        y=label_y,
        yanchor="top",
        showarrow=False,
        font=dict(size=11, color=colour),
        bgcolor="rgba(255,255,255,0.8)",
    )


def mean_line(fig: go.Figure, values: pd.Series, text: str) -> float | None:
    """A dotted mean line with ``text.format(mean)``; returns the mean (None when no values)."""
    data = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    if data.empty:
        return None
    mean = float(data.mean())
    add_hline(fig, mean, text.format(mean), name="mean", colour=MUTED, dash="dot", side="left")
    return mean


def period_options(freq_label: str, first: Any) -> dict[str, Any]:
    """``xperiod`` settings that make bars span their whole day/week/month (else ``{}``).

    ``first`` is a period start (a Monday for weeks); ``freq_label`` is
    ``"day"``, ``"week"`` or ``"month"`` (other labels: no period alignment).
    """
    periods = {"day": 86_400_000, "week": 7 * 86_400_000, "month": "M1"}
    period = periods.get(str(freq_label).lower())
    if period is None or first is None:
        return {}
    return dict(xperiod=period, xperiod0=x_value(first), xperiodalignment="middle")


def as_float_array(values: Any) -> np.ndarray:
    """Numbers as a float64 array (missing or non-numeric -> NaN)."""
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )


def add_percentile_lines(
    fig: go.Figure,
    percentiles: Mapping | None,
    sle_days: float | None,
    *,
    y_range: tuple[float, float],
    plot_px: float,
) -> None:
    """Dotted ``"85% ≤ 12.3 d"`` lines (named ``percentile:85``) and the SLE line (``sle``).

    For charts with days on the y axis (the cycle-time scatter, the aging
    chart). ``percentiles``: ``{85: 12.3}`` or a ``summarize_days`` dict
    (missing and NaN values are not drawn); ``sle_days``: the SLE in days or
    None; ``y_range``: the y axis range (days); ``plot_px``: the plot's
    height in pixels. Percentile labels sit in the right margin (leave
    ~100 px), nudged apart so close values stay readable; the SLE label sits
    inside, at the left end.
    """
    items = percentile_items(percentiles)
    shifts = spread([v for _, v in items], y_range[0], y_range[1], plot_px)
    for (q, value), shift in zip(items, shifts, strict=True):
        add_hline(
            fig,
            value,
            f"{q}% ≤ {value:.1f} d",
            name=f"percentile:{q}",
            side="outside",
            yshift=shift,
        )
    add_sle_line(fig, finite(sle_days))


def add_sle_line(fig: go.Figure, sle_days: float | None) -> None:
    """The service level expectation as a solid red line labelled on the left."""
    if sle_days is None:
        return
    add_hline(
        fig,
        sle_days,
        f"SLE {sle_days:.1f} d",
        name="sle",
        colour=SLE_COLOUR,
        dash="solid",
        width=1.8,
        side="left",
    )
