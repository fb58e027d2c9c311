"""Charts of one experiment's evidence: before/after distributions and its behaviour chart."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from vsm_core.charts.common import apply_layout, empty_figure, plotly_text, set_layout
from vsm_core.charts.xmr import xmr_chart

WINDOW_COLOURS = {"before": "#8c8c8c", "after": "#2f6fdf"}
#: Most points a chart of one experiment draws per window (box) or in all (behaviour chart).
#: At 100,000 items a per-item metric has about 22,000 items a window: drawing them all cost
#: the browser about 15 CPU seconds (docs/benchmarks.md, *Speed as a person feels it*).
MAX_DRAWN = 2_000


def before_after_chart(evidence: dict[str, Any], *, title: str | None = None) -> go.Figure:
    """Box plots of the before and after windows side by side, all points shown.

    Per-item metrics: one point per item (unfinished items, censored at their
    duration so far, say so in their hover); calendar metrics: one per week.
    """
    distribution = evidence.get("distribution") or {}
    if not any(distribution.get(w) for w in ("before", "after")):
        return empty_figure(title or "Before and after", "Not enough data")
    fig = go.Figure()
    for window in ("before", "after"):
        rows = distribution.get(window) or []
        fig.add_trace(
            go.Box(
                y=[r["value"] for r in rows],
                name=f"{window} (n={len(rows)})",
                text=[
                    plotly_text(r["label"]) + (" (unfinished)" if r.get("censored") else "")
                    for r in rows
                ],
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker=dict(color=WINDOW_COLOURS[window], size=6),
                line=dict(color=WINDOW_COLOURS[window]),
                hovertemplate="%{text}<br>%{y:.2f}<extra></extra>",
            )
        )
    unit = evidence.get("unit") or ""
    apply_layout(fig, title or "Before and after the change", "", unit)
    set_layout(fig, showlegend=False, height=360)
    return fig


def experiment_behaviour_chart(evidence: dict[str, Any]) -> go.Figure:
    """The process behaviour chart with limits frozen on the baseline points."""
    points = evidence.get("points") or []
    limits = evidence.get("limits") or {}
    if not points or limits.get("centre") is None:
        return empty_figure("Process behaviour", "Not enough data")
    labels = [p["label"] for p in points]
    signal_at = {s["label"]: s["rule"] for s in evidence.get("signals") or []}
    result = {
        "values": [p["value"] for p in points],
        "centre": limits["centre"],
        "unpl": limits["unpl"],
        "lnpl": limits["lnpl"],
        "signals": [
            {"index": i, "rule": signal_at[label]}
            for i, label in enumerate(labels)
            if label in signal_at
        ],
    }
    baseline_end = sum(1 for p in points if p["window"] == "before")
    return xmr_chart(
        labels,
        result,
        title="Process behaviour, limits frozen on the baseline",
        y_title=evidence.get("unit") or "value",
        baseline_end=baseline_end,
    )


def drawn_evidence(evidence: dict, most: int = MAX_DRAWN) -> tuple[dict, str]:
    """The evidence as the charts draw it, and a sentence saying what was left out ("" if
    nothing was).

    ``distribution``: a window with more than ``most`` values keeps ``most`` of them
    evenly spaced by value (every k-th in sorted order, the smallest and largest
    included), so the box, its quartiles and its whiskers stay as they were to the eye.
    ``points`` (the behaviour chart, in time order): more than ``most`` keep every k-th
    point plus every signal, so the limits, the shape and every red point stay. The
    verdict, the numbers and the CSV use every value.
    """
    distribution = evidence.get("distribution") or {}
    points = evidence.get("points") or []
    thinned = {w: _evenly_by_value(rows, most) for w, rows in distribution.items()}
    signals = {s["label"] for s in evidence.get("signals") or []}
    kept_points = _evenly_in_time(points, signals, most)
    notes = []
    if any(len(thinned[w]) < len(rows) for w, rows in distribution.items()):
        notes.append(f"the box plot draws {most:,} values a window, evenly spaced by value")
    if len(kept_points) < len(points):
        notes.append(f"the behaviour chart {len(kept_points):,} of {len(points):,} points")
    note = ("Drawn: " + "; ".join(notes) + ". Every value counts.") if notes else ""
    return {**evidence, "distribution": thinned, "points": kept_points}, note


def _evenly_by_value(rows: list[dict], most: int) -> list[dict]:
    if len(rows) <= most:
        return rows
    values = np.fromiter((r["value"] for r in rows), dtype="float64", count=len(rows))
    order = np.argsort(values, kind="stable")
    picks = order[np.unique(np.linspace(0, len(rows) - 1, most).round().astype(np.int64))]
    return [rows[i] for i in picks.tolist()]


def _evenly_in_time(points: list[dict], signals: set, most: int) -> list[dict]:
    if len(points) <= most:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[np.linspace(0, len(points) - 1, most).round().astype(np.int64)] = True
    keep |= np.fromiter((p["label"] in signals for p in points), dtype=bool, count=len(points))
    return [points[i] for i in np.flatnonzero(keep).tolist()]
