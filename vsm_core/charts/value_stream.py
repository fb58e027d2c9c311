"""The current-state value stream map, drawn as a picture with plotly shapes and annotations.

Layout (data units ≈ pixels at a 1100 px wide figure; axes hidden and fixed):

* a row of process steps in workflow order: an **active** stage is a box
  (stage name, median active days, share of items that visited it); any
  other stage (waiting) is the lean inventory **triangle** with the stage
  name above and the median wait inside; arrows join the steps. When the dict
  has a ``backlog_median_days``, a grey triangle for the time before the
  commitment point comes first, followed by a dotted "commitment" line; when
  ``pre_commitment`` lists two or more stages before the commitment point,
  each is its own grey queue (its median days, "before start") instead;
* the **lead-time ladder** beneath: a step line, high under waiting steps
  (labelled with the stage's median wait above it), low under active steps
  (labelled with the median work below it); at its right end the work and
  the wait of an average item between start and done (``work_days_mean``,
  ``wait_days_mean``), whose ratio is the flow efficiency;
* a **summary box** at the right end: median lead time, median cycle time,
  flow efficiency, mean value-added time and process cycle efficiency, with
  their definitions written under the map. A stage whose "adds value" flag
  differs from its category's default says so: an active box that adds no
  value reads "no value added", a waiting queue that adds value "adds value".

One definition of flow efficiency for the ladder and the box (docs/metrics.md,
*Flow efficiency*): time in active stages between start and done ÷ cycle
time, summed over the completed items (ratio of sums). The ladder's totals
are the per-item means of those two sums' parts, so work ÷ (work + wait) is
the box's number; the time before the commitment point is not part of it.
Process cycle efficiency (docs/metrics.md, *Value-added time and process
cycle efficiency*): time in the stages that add value between start and
done ÷ lead time (created to done), summed over the completed items with a
start; value-added time is its numerator's mean per item.

Shapes are named ``stage-box:<stage>``, ``queue:<stage>``, ``queue:backlog`` (or
``queue:before:<stage>`` per stage before the commitment point),
``ladder``, ``commitment`` and ``summary``; the summary annotation is named
``summary``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from vsm_core.charts.common import (
    CATEGORY_COLOURS,
    FONT,
    INK,
    MUTED,
    apply_layout,
    empty_figure,
    finite,
    fmt_days,
    plotly_text,
    set_layout,
)

WIDTH, HEIGHT = 1060, 350  # drawing area in data units (figure 1100 × 420 px with margins)
FLOW_RIGHT = 840  # the steps and the ladder end here; the summary box sits to the right
SUMMARY_LEFT = 872
BOX_BOTTOM, BOX_TOP = 195, 290
ARROW_Y = (BOX_BOTTOM + BOX_TOP) / 2
LADDER_HIGH, LADDER_LOW = 124, 78
MAX_UNIT = 160  # widest box (data units); fewer stages are centred, not stretched
BOX_FILL, BOX_LINE = "#e8f0fc", CATEGORY_COLOURS["active"]
QUEUE_FILL, QUEUE_LINE = "#fdecc8", "#d98a0b"
BACKLOG_FILL, BACKLOG_LINE = "#eeeeee", "#9e9e9e"


@dataclass(frozen=True)
class _Step:
    name: str
    kind: str  # "active", "waiting" or "backlog"
    median: float | None
    mean: float | None
    visited: float | None
    weight: float
    own_stage: bool = False  # a distinct stage before the commitment point (its own queue)
    adds_value: bool | None = None  # the stage's flag; None: not given (the default)


def _steps(vsm: dict) -> list[_Step]:
    steps = []
    before = vsm.get("pre_commitment") or []
    backlog = finite(vsm.get("backlog_median_days"))
    if len(before) >= 2:  # distinct stages before the commitment point: a queue each
        for stage in before:
            name = str(stage.get("stage", "?"))
            median = finite(stage.get("median_days"))
            steps.append(_Step(name, "backlog", median, None, None, 0.8, own_stage=True))
    elif backlog is not None:
        steps.append(_Step("Backlog", "backlog", backlog, None, None, 0.8))
    for stage in vsm.get("stages") or []:
        active = str(stage.get("category", "")).lower() == "active"
        flag = stage.get("adds_value")
        steps.append(
            _Step(
                name=str(stage.get("stage", "?")),
                kind="active" if active else "waiting",
                median=finite(stage.get("median_days")),
                mean=finite(stage.get("mean_days")),
                visited=finite(stage.get("visited_share")),
                weight=1.0 if active else 0.8,
                adds_value=None if flag is None else bool(flag),
            )
        )
    return steps


def _wrap(text: str, width: int) -> str:
    """Break ``text`` at spaces into lines of about ``width`` characters (``<br>``)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(plotly_text(line) for line in lines) or plotly_text(text)


class _Drawing:
    """Shapes and annotations collected as dicts, given to the figure in one update.

    ``fig.add_annotation`` re-validates every annotation already there, so
    drawing 40 of them one by one costs a fifth of a second; collecting them
    and setting ``layout.shapes`` / ``layout.annotations`` once does not.
    """

    def __init__(self) -> None:
        self.shapes: list[dict] = []
        self.annotations: list[dict] = []

    def add_shape(self, **shape: Any) -> None:
        self.shapes.append(shape)

    def add_annotation(self, **annotation: Any) -> None:
        self.annotations.append(annotation)


def _note(fig: _Drawing, x: float, y: float, text: str, *, size: int, **kwargs: Any) -> None:
    kwargs.setdefault("xanchor", "center")
    kwargs.setdefault("yanchor", "middle")
    kwargs.setdefault("color", INK)
    colour = kwargs.pop("color")
    fig.add_annotation(
        x=x,
        y=y,
        xref="x",
        yref="y",
        text=text,
        showarrow=False,
        font=dict(size=size, color=colour),
        **kwargs,
    )


REWORK_COLOUR = "#c2410c"
REWORK_BASE = BOX_TOP + 16  # arcs start above the boxes and the queue names
REWORK_RISE = (30.0, 46.0)  # control-point rise of the first and second arc level
MAX_REWORK_ARCS = 4


def value_stream_map(
    vsm: dict | None,
    *,
    rework: Any = None,
    title: str = "Current-state value stream",
) -> go.Figure:
    """Draw ``vsm`` (the dict of :func:`vsm_core.metrics.value_stream.value_stream`).

    Reads ``stages`` (``stage``, ``category``, ``median_days``, ``mean_days``,
    ``visited_share``; active/waiting stages in workflow order, any number),
    ``lead_time_median_days``, ``cycle_time_median_days``, ``flow_efficiency``
    (a ratio 0..1) and ``backlog_median_days``; missing values show as "–".
    All times are days. See the module docstring for the picture.

    ``rework``: backward moves (a table with ``from_stage``, ``to_stage``,
    ``moves``, as :func:`vsm_core.metrics.stages.rework`) or None. The most
    frequent pairs (at most ``MAX_REWORK_ARCS``) between two drawn stages are
    drawn as arcs over the steps, from the later stage back to the earlier
    one, labelled with their count (shapes and annotations named
    ``rework:<from>→<to>``).
    """
    steps = _steps(vsm or {})
    if not any(step.kind != "backlog" for step in steps):
        return empty_figure(title, "No committed stages to draw")
    fig = go.Figure()
    drawing = _Drawing()
    n = len(steps)
    gap = 26 if n <= 7 else 18
    weights = sum(step.weight for step in steps)
    unit = min((FLOW_RIGHT - 10 - gap * (n - 1)) / weights, MAX_UNIT)
    size = 13 if unit >= 95 else 11 if unit >= 70 else 10
    chars = max(6, int(unit / (size * 0.6)))

    left = 10.0 + (FLOW_RIGHT - 10 - gap * (n - 1) - unit * weights) / 2
    spans: list[tuple[float, float]] = []
    for step in steps:
        right = left + unit * step.weight
        spans.append((left, right))
        left = right + gap

    for i, (step, (x0, x1)) in enumerate(zip(steps, spans, strict=True)):
        centre = (x0 + x1) / 2
        if step.kind == "active":
            _draw_box(drawing, step, x0, x1, size, chars)
        else:
            _draw_queue(drawing, step, centre, min(x1 - x0, 90), size, chars)
        if i + 1 < n:
            nxt = spans[i + 1][0]
            start = x1 if step.kind == "active" else centre + min(x1 - x0, 90) / 2 * 0.55
            nxt_step = steps[i + 1]
            nxt_w = min(spans[i + 1][1] - nxt, 90)
            end = nxt if nxt_step.kind == "active" else (nxt + spans[i + 1][1]) / 2 - nxt_w * 0.28
            drawing.add_annotation(
                x=end,
                y=ARROW_Y,
                ax=start,
                ay=ARROW_Y,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=2,
                arrowsize=1.1,
                arrowwidth=1.6,
                arrowcolor="#777",
                text="",
            )
        if step.kind == "backlog" and i + 1 < n and steps[i + 1].kind != "backlog":
            _draw_commitment(drawing, (x1 + spans[i + 1][0]) / 2)

    _draw_ladder(drawing, steps, spans, gap, size, vsm or {})
    _draw_rework(drawing, steps, spans, rework)
    _draw_summary(drawing, vsm or {})
    _add_hover(fig, steps, spans)
    _note(
        drawing,
        10,
        18,
        "Stage times: medians over the completed items that visited each stage (elapsed "
        "days).<br>Flow efficiency = active time ÷ cycle time, summed over the completed items; "
        "the ladder's ends show both per item (work ÷ (work + wait) = flow efficiency).<br>"
        "Process cycle efficiency = time in stages that add value ÷ lead time (created to "
        "done), summed over the same items; value-added time: its mean per item.",
        size=10,
        color=MUTED,
        xanchor="left",
        align="left",
    )

    apply_layout(fig, title, show_legend=False, height=420)
    set_layout(
        fig,
        shapes=drawing.shapes,
        annotations=drawing.annotations,
        margin=dict(l=20, r=20, t=50, b=10),
        plot_bgcolor="white",
        dragmode=False,
        hovermode="closest",
    )
    set_layout(
        fig,
        xaxis=dict(visible=False, range=[0, WIDTH], fixedrange=True),
        yaxis=dict(visible=False, range=[0, HEIGHT], fixedrange=True),
    )
    return fig


def _draw_box(fig: _Drawing, step: _Step, x0: float, x1: float, size: int, chars: int) -> None:
    fig.add_shape(
        name=f"stage-box:{step.name}",
        type="rect",
        xref="x",
        yref="y",
        x0=x0,
        x1=x1,
        y0=BOX_BOTTOM,
        y1=BOX_TOP,
        fillcolor=BOX_FILL,
        line=dict(color=BOX_LINE, width=2),
    )
    fig.add_shape(
        name=f"stage-header:{step.name}",
        type="rect",
        xref="x",
        yref="y",
        x0=x0,
        x1=x1,
        y0=BOX_TOP - 34,
        y1=BOX_TOP,
        fillcolor=BOX_LINE,
        line=dict(color=BOX_LINE, width=2),
    )
    centre = (x0 + x1) / 2
    _note(fig, centre, BOX_TOP - 17, f"<b>{_wrap(step.name, chars)}</b>", size=size, color="white")
    _note(fig, centre, BOX_BOTTOM + 36, f"<b>{fmt_days(step.median)}</b>", size=size + 2)
    lines = ["work (median)"]
    if step.visited is not None:
        lines.append(f"{step.visited:.0%} of items")
    if step.adds_value is False:  # active, but the team says it adds no value
        lines[0] = "work (median) · no value added"
    _note(fig, centre, BOX_BOTTOM + 14, "<br>".join(lines), size=max(9, size - 3), color=MUTED)


def _draw_queue(
    fig: _Drawing, step: _Step, centre: float, width: float, size: int, chars: int
) -> None:
    backlog = step.kind == "backlog"
    fill, line = (BACKLOG_FILL, BACKLOG_LINE) if backlog else (QUEUE_FILL, QUEUE_LINE)
    half = width / 2 * 0.9
    bottom, top = BOX_BOTTOM + 8, BOX_TOP - 12
    fig.add_shape(
        name=(
            f"queue:before:{step.name}"
            if step.own_stage
            else "queue:backlog"
            if backlog
            else f"queue:{step.name}"
        ),
        type="path",
        xref="x",
        yref="y",
        path=f"M {centre - half},{bottom} L {centre + half},{bottom} L {centre},{top} Z",
        fillcolor=fill,
        line=dict(color=line, width=2, dash="dot" if backlog else "solid"),
    )
    _note(
        fig, centre, top + 6, f"<b>{_wrap(step.name, chars)}</b>", size=size - 1, yanchor="bottom"
    )
    _note(fig, centre, bottom + 16, f"<b>{fmt_days(step.median)}</b>", size=size - 1)
    below = "before start" if backlog else "wait (median)"
    if step.adds_value:  # a waiting stage the team says adds value
        below += "<br>adds value"
    _note(
        fig,
        centre,
        bottom - 4,
        below,
        size=max(9, size - 3),
        color=MUTED,
        yanchor="top",
    )


def _draw_commitment(fig: _Drawing, x: float) -> None:
    fig.add_shape(
        name="commitment",
        type="line",
        xref="x",
        yref="y",
        x0=x,
        x1=x,
        y0=LADDER_LOW - 22,
        y1=BOX_TOP + 42,
        line=dict(color="#7b3fa0", width=1.2, dash="dot"),
    )
    _note(fig, x, BOX_TOP + 44, "commitment", size=10, color="#7b3fa0", yanchor="bottom")


def _draw_ladder(
    fig: _Drawing,
    steps: list[_Step],
    spans: list[tuple[float, float]],
    gap: float,
    size: int,
    vsm: dict,
) -> None:
    points: list[tuple[float, float]] = []
    for i, (step, (x0, x1)) in enumerate(zip(steps, spans, strict=True)):
        lo = x0 - (gap / 2 if i else 0)
        hi = x1 + (gap / 2 if i + 1 < len(steps) else 0)
        y = LADDER_LOW if step.kind == "active" else LADDER_HIGH
        points += [(lo, y), (hi, y)]
        label = f"<b>{fmt_days(step.median)}</b>"
        if y == LADDER_HIGH:
            _note(
                fig, (x0 + x1) / 2, y + 5, label, size=size - 1, color=QUEUE_LINE, yanchor="bottom"
            )
        else:
            _note(fig, (x0 + x1) / 2, y - 5, label, size=size - 1, color=BOX_LINE, yanchor="top")
    path = "M " + " L ".join(f"{x},{y}" for x, y in points)
    fig.add_shape(
        name="ladder",
        type="path",
        xref="x",
        yref="y",
        path=path,
        line=dict(color="#444", width=2.5),
    )
    end = points[-1][0] + 14
    wait, work = finite(vsm.get("wait_days_mean")), finite(vsm.get("work_days_mean"))
    for y, text, colour in (
        (LADDER_HIGH, f"wait {fmt_days(wait)}", QUEUE_LINE),
        (LADDER_LOW, f"work {fmt_days(work)}", BOX_LINE),
    ):
        _note(fig, end, y, text, size=11, color=colour, xanchor="left", name="ladder-total")
    _note(
        fig,
        end,
        (LADDER_HIGH + LADDER_LOW) / 2,
        "mean per item, start to done",
        size=9,
        color=MUTED,
        xanchor="left",
        name="ladder-total",
    )


def _draw_rework(
    fig: _Drawing, steps: list[_Step], spans: list[tuple[float, float]], rework: Any
) -> None:
    """Arcs from a later step back to an earlier one, labelled with the backward moves."""
    if rework is None or len(rework) == 0:
        return
    where = {
        step.name: (x0 + x1) / 2
        for step, (x0, x1) in zip(steps, spans, strict=True)
        if step.kind != "backlog"
    }
    frame = rework[rework["from_stage"].astype(str).isin(where.keys())]
    frame = frame[frame["to_stage"].astype(str).isin(where.keys())]
    frame = frame.sort_values("moves", ascending=False, kind="stable").head(MAX_REWORK_ARCS)
    drawn: list[tuple[float, float]] = []
    for source, target, moves in frame[["from_stage", "to_stage", "moves"]].itertuples(index=False):
        x_from, x_to = where[str(source)], where[str(target)]
        if x_from <= x_to:
            continue  # only moves back along the stream
        lo, hi = x_to, x_from
        level = 1 if any(a < hi and lo < b for a, b in drawn) else 0
        drawn.append((lo, hi))
        rise = REWORK_RISE[level]
        name = f"rework:{source}→{target}"
        fig.add_shape(
            name=name,
            type="path",
            xref="x",
            yref="y",
            path=(
                f"M {x_from},{REWORK_BASE} C {x_from},{REWORK_BASE + rise} "
                f"{x_to},{REWORK_BASE + rise} {x_to},{REWORK_BASE + 4}"
            ),
            line=dict(color=REWORK_COLOUR, width=1.6, dash="dot"),
        )
        fig.add_annotation(
            name=name,
            x=x_to,
            y=REWORK_BASE,
            ax=x_to,
            ay=REWORK_BASE + 8,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1.1,
            arrowwidth=1.6,
            arrowcolor=REWORK_COLOUR,
            text="",
        )
        _note(
            fig,
            (x_from + x_to) / 2,
            REWORK_BASE + rise * 0.75,
            f"{int(moves)} sent back",
            size=10,
            color=REWORK_COLOUR,
            bgcolor="rgba(255,255,255,0.85)",
            name=name,
            hovertext=f"{int(moves)} backward moves from {plotly_text(source)} to "
            f"{plotly_text(target)}",
        )


def _draw_summary(fig: _Drawing, vsm: dict) -> None:
    """The right-hand box: one small label and one large value per line (all named ``summary``).

    Separate annotations per line: one annotation mixing font sizes would
    space its lines by the base size and overlap the large values.
    """
    efficiency = finite(vsm.get("flow_efficiency"))
    pce = finite(vsm.get("process_cycle_efficiency"))
    rows = (
        ("Lead time (median)", fmt_days(vsm.get("lead_time_median_days")), 18),
        ("Cycle time (median)", fmt_days(vsm.get("cycle_time_median_days")), 15),
        ("Flow efficiency", "–" if efficiency is None else f"{efficiency:.0%}", 15),
        ("Value-added time (mean)", fmt_days(vsm.get("value_added_days_mean")), 15),
        ("Process cycle efficiency", "–" if pce is None else f"{pce:.0%}", 15),
    )

    # Above the ladder's right-hand totals (which end at LADDER_HIGH), up to the top.
    top, bottom = HEIGHT - 6, BOX_BOTTOM - 58
    fig.add_shape(
        name="summary",
        type="rect",
        xref="x",
        yref="y",
        x0=SUMMARY_LEFT,
        x1=WIDTH - 4,
        y0=bottom,
        y1=top,
        fillcolor="#f5f6f8",
        line=dict(color="#555", width=1.5),
    )
    centre = (SUMMARY_LEFT + WIDTH - 4) / 2
    step = (top - bottom) / len(rows)
    for i, (label, value, size) in enumerate(rows):
        y = top - step * i - 6
        for text, font, shift in ((label, 11, 0), (f"<b>{value}</b>", size, -15)):
            fig.add_annotation(
                name="summary",
                x=centre,
                y=y,
                yshift=shift,
                xref="x",
                yref="y",
                text=text,
                showarrow=False,
                yanchor="top",
                font=dict(family=FONT, size=font, color=MUTED if font == 11 else INK),
            )


def _add_hover(fig: go.Figure, steps: list[_Step], spans: list[tuple[float, float]]) -> None:
    """Invisible points over each step carrying the details (mean, visited share)."""
    texts = []
    for step in steps:
        lines = [f"<b>{plotly_text(step.name)}</b> ({step.kind})"]
        if step.adds_value is not None:
            lines.append("adds value" if step.adds_value else "does not add value")
        lines.append(f"median {fmt_days(step.median)}")
        if step.mean is not None:
            lines.append(f"mean {fmt_days(step.mean)}")
        if step.visited is not None:
            lines.append(f"visited by {step.visited:.0%} of completed items")
        texts.append("<br>".join(lines))
    fig.add_trace(
        go.Scatter(
            x=[(x0 + x1) / 2 for x0, x1 in spans],
            y=[ARROW_Y] * len(steps),
            mode="markers",
            marker=dict(size=40, color="rgba(0,0,0,0)"),
            hovertext=texts,
            hoverinfo="text",
            showlegend=False,
            name="steps",
        )
    )
