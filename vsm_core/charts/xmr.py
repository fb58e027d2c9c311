"""XmR (individuals) process behaviour chart."""

from __future__ import annotations

import html
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
    baseline_end: int | None = None,
    hover_text: list[str] | None = None,
) -> go.Figure:
    """The X chart of an XmR result: values, average, natural process limits, signals.

    ``x``: one label per value (dates -> a date axis; anything else, e.g. item
    ids, -> a category axis in the given order). ``result``: an
    :class:`~vsm_core.metrics.xmr.XmR` (or its ``to_dict()``) with ``values``,
    ``centre``, ``unpl``, ``lnpl`` and ``signals`` (``[{index, rule}]``).
    Limits are drawn across every point (NaN limits are not drawn); signal
    points get a red marker whose hover names the rule(s). ``baseline_end``:
    the number of baseline points; a vertical separator after the last one
    reads "limits frozen on the baseline". ``hover_text``: extra text per point
    (e.g. the item's title), HTML-escaped.
    """
    values = as_float_array(_field(result, "values", []) or [])
    labels = list(x) if x is not None else []
    if values.size == 0:
        return empty_figure(title, "No data")
    if len(labels) != values.size:
        labels = list(range(1, values.size + 1))
    dates = _is_date_axis(labels)
    xs = [x_value(v) for v in labels] if dates else [str(v) for v in labels]
    if not dates and len(set(xs)) != len(xs):  # a category axis would merge repeated labels
        xs = [f"{i + 1}: {v}" for i, v in enumerate(xs)]
    extra = [html.escape(str(t)) for t in (hover_text or [])]
    extra = extra + [""] * (values.size - len(extra))
    rules: dict[int, list[str]] = {}
    for signal in _field(result, "signals", []) or []:
        index = int(signal["index"])
        if 0 <= index < values.size:
            rules.setdefault(index, []).append(RULE_TEXT.get(signal["rule"], signal["rule"]))
    notes = [
        ("<br>" + e if e else "")
        + ("<br><b>Signal:</b> " + ", ".join(rules[i]) if i in rules else "")
        for i, e in enumerate(extra)
    ]
    label_text = [html.escape(v) for v in xs]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=values,
            mode="lines+markers",
            name="Values",
            line=dict(color="#2f6fdf", width=1.5),
            marker=dict(size=6),
            customdata=np.column_stack([label_text, notes]),
            hovertemplate="<b>%{customdata[0]}</b>: %{y:.2f}%{customdata[1]}<extra></extra>",
        )
    )
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
                x=[xs[0], xs[-1]] if dates else xs,
                y=[number] * (2 if dates else len(xs)),
                mode="lines",
                name=f"{name} {number:.2f}",
                line=dict(color=colour, dash=dash, width=1.3),
                hoverinfo="skip",
            )
        )
    if rules:
        index = sorted(rules)
        fig.add_trace(
            go.Scatter(
                x=[xs[i] for i in index],
                y=values[index],
                mode="markers",
                name="Signal",
                marker=dict(color="#d62728", size=11, line=dict(color="white", width=1)),
                customdata=np.column_stack(
                    [[label_text[i] for i in index], [notes[i] for i in index]]
                ),
                hovertemplate="<b>%{customdata[0]}</b>: %{y:.2f}%{customdata[1]}<extra></extra>",
            )
        )
    apply_layout(fig, title, None, y_title)
    if not dates:
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=xs)
        if len(xs) > 40:
            step = int(np.ceil(len(xs) / 20))
            fig.update_xaxes(tickmode="array", tickvals=xs[::step], tickangle=-45)
    if baseline_end is not None and 0 < baseline_end < values.size:
        if dates:
            left, right = pd.Timestamp(xs[baseline_end - 1]), pd.Timestamp(xs[baseline_end])
            where = x_value(left + (right - left) / 2)
        else:
            where = baseline_end - 0.5  # category axes take positions
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
