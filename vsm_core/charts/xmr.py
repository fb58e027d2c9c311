"""XmR (individuals) process behaviour chart."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    SLE_COLOUR,
    add_vline,
    apply_layout,
    as_float_array,
    empty_figure,
    finite,
    plotly_texts,
    set_layout,
    x_value,
)

RULE_TEXT = {"beyond_limits": "beyond the limits", "run_of_8": "run of 8 on one side"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _field(result: Any, name: str, default: Any = None) -> Any:
    """``result.name`` or ``result[name]`` (an XmR dataclass or its ``to_dict()``)."""
    if isinstance(result, dict):
        return result.get(name, default)
    return getattr(result, name, default)


def _is_date_axis(x: list) -> bool:
    return bool(x) and all(
        isinstance(v, (date, pd.Timestamp, np.datetime64))
        or (isinstance(v, str) and _ISO_DATE.match(v) is not None)
        for v in x
    )


def xmr_chart(
    x: Any,
    result: Any,
    *,
    title: str = "Process behaviour chart",
    y_title: str = "Value",
    x_title: str | None = None,
    baseline_end: int | None = None,
    hover_text: Any = None,
) -> go.Figure:
    """The X chart of an XmR result: values, average, natural process limits, signals.

    ``x``: one label per value. Dates (``date``, timestamps or ISO text) give a
    date axis; anything else (e.g. item ids) is drawn **by position** (0, 1,
    2, ... in the given order, so repeated labels stay apart) with the labels
    as tick text (about 20 of them) and in the hover. ``result``: an
    :class:`~vsm_core.metrics.xmr.XmR` (or its ``to_dict()``) with ``values``,
    ``centre``, ``unpl``, ``lnpl`` and ``signals`` (``[{index, rule}]``).
    The average and the limits are straight lines from the first to the last
    point (two points each; NaN limits are not drawn); signal points get a red
    marker whose hover names the rule(s). ``baseline_end``: the number of
    baseline points; a vertical separator after the last one reads "limits
    frozen on the baseline". ``hover_text``: extra text per point (e.g. the
    item's title), escaped with :func:`~vsm_core.charts.common.plotly_texts`.
    """
    values = as_float_array(_field(result, "values", []) or [])
    labels = list(x) if x is not None else []
    n = values.size
    if n == 0:
        return empty_figure(title, "No data")
    if len(labels) != n:
        labels = [str(i + 1) for i in range(n)]
    dates = _is_date_axis(labels)
    if dates:
        shown = np.array([x_value(v) for v in labels], dtype=object)
        xs: np.ndarray = shown
    else:
        shown = plotly_texts(labels).to_numpy(dtype=object)
        xs = np.arange(n)
    notes = _notes(n, hover_text, _signal_rules(result, n))
    customdata = np.column_stack([shown, notes])
    template = "<b>%{customdata[0]}</b>: %{y:.2f}%{customdata[1]}<extra></extra>"
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=values,
            mode="lines+markers",
            name="Values",
            line=dict(color="#2f6fdf", width=1.5),
            marker=dict(size=6),
            customdata=customdata,
            hovertemplate=template,
        )
    )
    ends = [xs[0], xs[-1]]
    for name, value, dash, colour in (
        ("Average", _field(result, "centre"), "solid", "#222"),
        ("UNPL", _field(result, "unpl"), "dash", SLE_COLOUR),
        ("LNPL", _field(result, "lnpl"), "dash", SLE_COLOUR),
    ):
        number = finite(value)
        if number is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=ends,
                y=[number, number],
                mode="lines",
                name=f"{name} {number:.2f}",
                line=dict(color=colour, dash=dash, width=1.3),
                hoverinfo="skip",
            )
        )
    flagged = np.flatnonzero(notes_have_signal(notes))
    if flagged.size:
        fig.add_trace(
            go.Scatter(
                x=xs[flagged],
                y=values[flagged],
                mode="markers",
                name="Signal",
                marker=dict(color="#d62728", size=11, line=dict(color="white", width=1)),
                customdata=customdata[flagged],
                hovertemplate=template,
            )
        )
    apply_layout(fig, title, x_title, y_title)
    if not dates:
        step = 1 if n <= 40 else int(np.ceil(n / 20))
        ticks = np.arange(0, n, step)
        set_layout(
            fig,
            xaxis=dict(
                tickmode="array",
                tickvals=ticks,
                ticktext=shown[ticks],
                tickangle=-45 if n > 12 else 0,
                range=[-0.5, n - 0.5],
                showgrid=False,
            ),
        )
    if baseline_end is not None and 0 < baseline_end < n:
        if dates:
            left, right = pd.Timestamp(xs[baseline_end - 1]), pd.Timestamp(xs[baseline_end])
            where = x_value(left + (right - left) / 2)
        else:
            where = baseline_end - 0.5  # between two positions
        add_vline(
            fig,
            where,
            "limits frozen on the baseline",
            name="baseline",
            colour="#555",
            dash="dashdot",
            width=1.5,
        )
    return fig


_SIGNAL_MARK = "<br><b>Signal:</b> "


def notes_have_signal(notes: np.ndarray) -> np.ndarray:
    """True for each hover note that names a signal (see :func:`_notes`)."""
    return pd.Series(notes, dtype="str").str.contains(_SIGNAL_MARK, regex=False).to_numpy()


def _signal_rules(result: Any, n: int) -> dict[int, list[str]]:
    """Point index -> the rules it breaks, in words."""
    rules: dict[int, list[str]] = {}
    for signal in _field(result, "signals", []) or []:
        index = int(signal["index"])
        if 0 <= index < n:
            rules.setdefault(index, []).append(RULE_TEXT.get(signal["rule"], signal["rule"]))
    return rules


def _notes(n: int, hover_text: Any, rules: dict[int, list[str]]) -> np.ndarray:
    """Per point: ``<br>`` + its extra text, escaped (if any), then the signal's rules (if any)."""
    extra = [] if hover_text is None else list(hover_text)[:n]
    text = plotly_texts(extra + [""] * (n - len(extra)))
    notes = text.where(text == "", "<br>" + text)
    if rules:
        index = np.fromiter(rules, dtype=int, count=len(rules))
        said = pd.Series([_SIGNAL_MARK + ", ".join(r) for r in rules.values()], index=index)
        notes = notes.add(said.reindex(notes.index, fill_value=""))
    return notes.to_numpy(dtype=object)
