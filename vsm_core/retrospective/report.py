"""The retrospective as one self-contained HTML page (opens offline, fetches nothing).

Sections in the page's order: what finished, what is aging, process-behaviour
signals (sentences and the three charts), experiments due for review, then the
retrospective's own record (when held, attendees, notes) and the experiments it
started with their hypothesis, action and learnings.

User text (dataset and team names, titles, stages, attendees, notes, …) is escaped
exactly once, with :func:`html.escape` (``quote=False``: it is element text, never
an attribute), at the place it enters the page; chart text goes through the charts'
own escaping (:func:`vsm_core.charts.common.plotly_text`). plotly.js is inlined once.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from vsm_core.charts.embed import figure_divs
from vsm_core.charts.xmr import xmr_chart
from vsm_core.retrospective.since import days_text
from vsm_core.retrospective.view import RetrospectiveView

_CSS = """
body { font-family: Inter, "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: #333;
       margin: 24px; max-width: 1200px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 24px 0 8px; }
.generated, .note { color: #666; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; margin-bottom: 12px; }
th, td { border-bottom: 1px solid #e6e8eb; padding: 5px 8px; text-align: left;
         vertical-align: top; }
th { background: #f5f6f8; font-weight: 600; }
.chart { border: 1px solid #e6e8eb; border-radius: 6px; padding: 4px; height: 340px;
         margin-bottom: 12px; }
.words { white-space: pre-wrap; }
"""


def _text(value: Any) -> str:
    """``value`` as element text, shown as typed (escaped once; None and NaN: empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def _days(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(number) else f"{number:.1f}"


def _table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table; the cells are HTML already (escaped by the caller)."""
    head = "".join(f"<th>{_text(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _finished(view: RetrospectiveView) -> str:
    finished = view.finished
    sentences = "".join(f"<p>{_text(s)}</p>" for s in finished.sentences())
    before = finished.previous_percentiles or {}
    rows = [["Items finished", str(finished.count), _text(finished.previous_count)]]
    rows += [
        [
            f"Cycle time, {q}th percentile (days)",
            _days(finished.percentiles.get(f"p{q}")),
            _days(before.get(f"p{q}")),
        ]
        for q in (50, 85, 95)
    ]
    p = finished.periods
    previous = f"{p.previous[0]} to {p.previous[1]}" if p.previous else "Period before"
    return (
        "<h2>What finished</h2>"
        + sentences
        + _table(["Measure", f"{p.since} to {p.end}", previous], rows)
    )


def _aging(view: RetrospectiveView) -> str:
    sle = f" The SLE is {days_text(view.sle_days)}." if view.sle_days is not None else ""
    if view.aging.empty:
        return (
            "<h2>What is aging</h2><p>No item in progress is past the SLE or its stage's "
            f"85th percentile.{sle}</p>"
        )
    rows = [
        [
            _text(r["item_id"]),
            _text(r["title"]),
            _text(r["stage"]),
            _days(r["age_days"]),
            _days(r["days_in_stage"]),
            _days(r["stage_p85_days"]),
            _why(r["past_sle"], r["past_stage_p85"]),
        ]
        for r in view.aging.to_dict("records")
    ]
    headings = [
        "Item",
        "Title",
        "Stage",
        "Age (days)",
        "Days in stage",
        "Usual in stage (days)",
        "Why listed",
    ]
    usual = " Usual in stage: 85 % of finished items spent at most this long in the stage."
    return f"<h2>What is aging</h2><p>Oldest first.{sle}{usual}</p>" + _table(headings, rows)


def _why(past_sle: bool, past_stage: bool) -> str:
    """Why an aging item is listed, as the page says it."""
    if past_sle and past_stage:
        return "both"
    return "past the SLE" if past_sle else "long in stage"


def _signals(view: RetrospectiveView, charts: bool) -> str:
    parts = ["<h2>Process behaviour since then</h2>"]
    parts += [f"<p>{_text(chart.sentence(view.since))}</p>" for chart in view.charts]
    if charts:
        parts += figure_divs(behaviour_figure(chart) for chart in view.charts)
    return "".join(parts)


def behaviour_figure(chart):
    """The chart of a :class:`~vsm_core.retrospective.signals.BehaviourChart` (page and report)."""
    return xmr_chart(
        chart.labels,
        chart.result,
        title=chart.title,
        y_title=chart.y_title,
        baseline_end=chart.baseline or None,
    )


def _due(due: pd.DataFrame) -> str:
    if due.empty:
        return "<h2>Experiments due for review</h2><p>None.</p>"
    rows = [
        [
            _text(f"#{r['id']}"),
            _text(r["title"]),
            _text(r["owner"]),
            _text(r["status"]),
            _text(r["review_date"]) + (" (overdue)" if r["overdue"] else ""),
            _text(r["verdict"] or "no evidence yet"),
            _text(r["metric"]),
        ]
        for r in due.to_dict("records")
    ]
    headings = ["#", "Experiment", "Owner", "Status", "Review date", "Verdict now", "Target metric"]
    return "<h2>Experiments due for review</h2>" + _table(headings, rows)


def _record(record: Mapping[str, Any] | None, experiments: Sequence[Mapping[str, Any]]) -> str:
    if record is None and not experiments:
        return ""
    parts = ["<h2>This retrospective</h2>"]
    if record is not None:
        parts.append(
            f"<p>Held on {_text(record.get('held_on'))}, looking back to "
            f"{_text(record.get('since'))}; saved by {_text(record.get('author'))}.</p>"
            f"<p><b>Attendees:</b> {_text(record.get('attendees'))}</p>"
            f'<p><b>Notes:</b></p><p class="words">{_text(record.get("notes"))}</p>'
        )
    if experiments:
        parts.append("<h2>Experiments started</h2>")
        for e in experiments:
            parts.append(
                f"<p><b>#{_text(e.get('id'))} {_text(e.get('title'))}</b> "
                f"(owner {_text(e.get('owner'))}, {_text(e.get('status'))})</p>"
                f'<p class="words"><b>Hypothesis:</b> {_text(e.get("hypothesis"))}</p>'
                f'<p class="words"><b>Action:</b> {_text(e.get("action"))}</p>'
                f'<p class="words"><b>Learnings:</b> {_text(e.get("learnings"))}</p>'
            )
    return "".join(parts)


def retrospective_html(
    view: RetrospectiveView,
    *,
    title: str,
    due: pd.DataFrame,
    generated_at: datetime | str,
    record: Mapping[str, Any] | None = None,
    experiments: Sequence[Mapping[str, Any]] = (),
    charts: bool = True,
) -> str:
    """The whole page (module docstring). ``record``: ``held_on``, ``since``, ``attendees``,
    ``notes``, ``author`` of a saved retrospective; ``experiments``: ``id``, ``title``,
    ``owner``, ``status``, ``hypothesis``, ``action``, ``learnings`` of those it started.
    ``charts`` False leaves plotly.js and the charts out (a small file)."""
    when = (
        generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
        if isinstance(generated_at, datetime)
        else str(generated_at)
    )
    safe_title = _text(title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{safe_title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{safe_title}</h1>\n"
        f'<p class="generated">Generated {_text(when)} by Flowlab · since '
        f"{_text(view.since)}</p>\n"
        f"{_finished(view)}\n{_aging(view)}\n{_signals(view, charts)}\n{_due(due)}\n"
        f"{_record(record, experiments)}\n</body>\n</html>\n"
    )


def record_dict(retrospective: Any) -> dict[str, Any]:
    """A stored retrospective as :func:`retrospective_html`'s ``record``."""
    return {
        name: getattr(retrospective, name)
        for name in ("held_on", "since", "attendees", "notes", "author")
    }


def experiment_dict(experiment: Any) -> dict[str, Any]:
    """A stored experiment as one of :func:`retrospective_html`'s ``experiments``."""
    return {
        name: getattr(experiment, name)
        for name in ("id", "title", "owner", "status", "hypothesis", "action", "learnings")
    }


__all__ = [
    "behaviour_figure",
    "experiment_dict",
    "record_dict",
    "retrospective_html",
]
