"""The team check-in: every experiment of a team on one table, and a report to share.

:func:`checkin_rows` gives one row per experiment with where it stands (status,
verdict, target, review date, overlaps); :func:`checkin_figures` one small
before/after chart per row; :func:`checkin_html` one standalone HTML file (plotly.js
and CSS inline, nothing fetched: it opens offline) and :func:`checkin_csv` a
formula-safe CSV of the rows.

Which result a row shows: a reviewed experiment (adopted, adapted, abandoned) with a
stored snapshot shows what the team concluded, the snapshot; ``recomputed_verdict``
then holds today's verdict when it differs from the snapshot's, and
``snapshot_differs`` says whether today's re-computation tells a different story at
all (verdict, target met, before, after or interval). Every other experiment shows
today's re-computation on its dataset's latest version.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sqlmodel import Session, select

from vsm_core.charts.common import (
    INK,
    MUTED,
    add_hline,
    apply_layout,
    empty_figure,
    plotly_text,
)
from vsm_core.charts.embed import figure_divs
from vsm_core.experiments import records, service
from vsm_core.experiments.catalogue import parse_metric
from vsm_core.experiments.checkin_delivery import DeliverySummary, delivery_html
from vsm_core.experiments.checkin_flow import FlowSummary, flow_csv, flow_html, item_teams
from vsm_core.experiments.spec import REVIEWED_STATUSES
from vsm_core.export import to_csv_bytes
from vsm_core.store import reading
from vsm_core.store.access import Actor, readable
from vsm_core.store.crud import DATASET_TEAM, team_of
from vsm_core.store.models import Dataset

__all__ = [
    "COLUMNS",
    "before_after_figure",
    "checkin_csv",
    "checkin_figures",
    "checkin_html",
    "checkin_rows",
    "checkin_teams",
    "flow_csv",
    "flow_html",
    "metric_label",
    "verdict_label",
]

#: The columns of :func:`checkin_rows`, in order.
COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "dataset",
    "team",
    "owner",
    "hypothesis",
    "action",
    "learnings",
    "metric",
    "direction",
    "status",
    "verdict",
    "recomputed_verdict",
    "snapshot_differs",
    "before",
    "after",
    "unit",
    "change",
    "ci95_low",
    "ci95_high",
    "target",
    "target_met",
    "change_date",
    "review_date",
    "review_overdue",
    "overlaps",
)

_VERDICT_COLOURS = {
    "improved": "#2e9e4f",
    "worsened": "#d62728",
    "no clear change": "#e3a81b",
    "not enough data": "#9e9e9e",
}


def metric_label(name: Any) -> str | None:
    """A metric's name in words (``cycle_time_p85`` → "85th percentile cycle time")."""
    if not isinstance(name, str) or not name:
        return None
    try:
        label = parse_metric(name).label
    except (KeyError, ValueError):
        return name
    return label[:1].upper() + label[1:]


def verdict_label(verdict: str | None) -> str:
    """The verdict in words (``"improved"``); ``"no evidence"`` when there is none.

    No symbol or emoji: the page colours the cell and the report draws a coloured
    dot, so the cue needs no emoji font.
    """
    return verdict if isinstance(verdict, str) and verdict else "no evidence"


# --------------------------------------------------------------------------- rows


def checkin_teams(session: Session, *, actor: Actor) -> list[str]:
    """The teams a check-in can be for: of the datasets the actor may read, of their items
    (the latest version's own team field) and of their experiments' scopes."""
    datasets = session.exec(
        select(Dataset).where(Dataset.archived_at.is_(None), readable(DATASET_TEAM, actor))
    ).all()
    teams = {team_of(dataset) for dataset in datasets}
    for dataset in datasets:
        version = reading.latest_version(session, dataset_id=dataset.id, actor=actor)
        if version is not None:
            teams |= set(item_teams(session, version.id, actor=actor))
    teams |= {
        (experiment.scope or {}).get("team")
        for experiment in records.list_experiments(session, actor=actor)
        if (experiment.scope or {}).get("team")
    }
    return sorted(teams, key=str.casefold)


def checkin_rows(
    session: Session,
    *,
    team: str | None = None,
    dataset_id: int | None = None,
    statuses: Sequence[str] | None = None,
    today: date,
    actor: Actor,
) -> pd.DataFrame:
    """One row per experiment of ``team`` (None: every team), newest change date first.

    ``dataset_id`` and ``statuses`` (e.g. ``("running", "reviewing")``) narrow the
    experiments further. An experiment's team is its scope's team, else its
    dataset's team. Columns:
    :data:`COLUMNS` (see the module docstring for which result a row shows).
    ``review_overdue``: the review date is before ``today`` and the experiment is not
    reviewed yet. ``overlaps``: the ids of the other experiments whose windows and
    scopes overlap this one's (a list).
    """
    datasets = {d.id: d for d in session.exec(select(Dataset)).all()}
    rows = []
    experiments = records.list_experiments(
        session, dataset_id=dataset_id, statuses=statuses, team=team, actor=actor
    )
    for experiment in experiments:
        # The row shows the verdict of the experiment's own method; the sensitivity
        # check (the other method) would double the work for nothing shown here.
        judgement = service.judge(
            session, experiment_id=experiment.id, sensitivity=False, actor=actor
        )
        now = judgement.evidence.to_dict() if judgement.evidence is not None else None
        reviewed = experiment.status in REVIEWED_STATUSES
        from_snapshot = reviewed and judgement.snapshot is not None
        shown = (judgement.snapshot if from_snapshot else now) or {}
        recomputed = now.get("verdict") if now is not None else None
        dataset = datasets.get(experiment.dataset_id)
        low, high = [*(shown.get("ci95") or []), None, None][:2]
        rows.append(
            {
                "id": experiment.id,
                "title": experiment.title,
                "dataset": dataset.name if dataset is not None else None,
                "team": (experiment.scope or {}).get("team")
                or (dataset.team if dataset is not None else None),
                "owner": experiment.owner,
                "hypothesis": experiment.hypothesis or None,
                "action": experiment.action or None,
                "learnings": experiment.learnings or None,
                "metric": experiment.metric,
                "direction": experiment.direction,
                "status": experiment.status,
                "verdict": shown.get("verdict"),
                "recomputed_verdict": (
                    recomputed if from_snapshot and recomputed != shown.get("verdict") else None
                ),
                "snapshot_differs": bool(judgement.differs) if from_snapshot else False,
                "before": _number((shown.get("before") or {}).get("value")),
                "after": _number((shown.get("after") or {}).get("value")),
                "unit": shown.get("unit") or None,
                "change": _number(shown.get("change_abs")),
                "ci95_low": _number(low),
                "ci95_high": _number(high),
                "target": _number(experiment.target),
                "target_met": shown.get("target_met"),
                "change_date": experiment.change_date,
                "review_date": experiment.review_date,
                "review_overdue": bool(
                    experiment.review_date is not None
                    and experiment.review_date < today
                    and not reviewed
                ),
                "overlaps": sorted(other.id for other in judgement.overlaps),
            }
        )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for name in ("before", "after", "change", "ci95_low", "ci95_high", "target"):
        frame[name] = pd.to_numeric(frame[name]).astype("float64")
    for name in (
        "dataset",
        "team",
        "hypothesis",
        "action",
        "learnings",
        "verdict",
        "recomputed_verdict",
        "unit",
        "target_met",
    ):
        frame[name] = frame[name].astype(object)
    return frame


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# --------------------------------------------------------------------------- figures


def _fmt(value: float | None) -> str:
    number = _number(value)
    if number is None:
        return "–"
    text = f"{number:.2f}" if abs(number) < 10 else f"{number:.1f}"
    return text.replace("-", "−")


def _signed(value: float | None) -> str:
    text = _fmt(value)
    return text if text == "–" or text.startswith("−") else f"+{text}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def before_after_figure(row: Mapping[str, Any]) -> go.Figure:
    """A small chart of one row: the before and after values, the target, the change.

    The caption under the bars states the change and its 95% interval (after − before)
    and the verdict. Built from the row alone, so it shows what the row shows.
    """
    title = plotly_text(f"#{row['id']} {_short(str(row['title']))}")
    before, after = row.get("before"), row.get("after")
    before = before if _present(before) else None
    after = after if _present(after) else None
    if before is None and after is None:
        return empty_figure(title, "No evidence yet")
    unit = str(row.get("unit") or "")
    verdict = row.get("verdict") if _present(row.get("verdict")) else None
    colour = _VERDICT_COLOURS.get(verdict or "", "#9e9e9e")
    values = [before, after]
    fig = go.Figure(
        go.Bar(
            x=["Before", "After"],
            y=[v if v is not None else 0 for v in values],
            marker_color=["#9eb6d8", colour],
            text=[_fmt(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:.2f}<extra></extra>",
            width=0.5,
        )
    )
    apply_layout(fig, title, None, plotly_text(unit), height=250, show_legend=False)
    fig.update_layout(margin=dict(l=55, r=70, t=40, b=62), title=dict(font=dict(size=13)))
    top = max(v for v in [*values, row.get("target")] if _present(v))
    fig.update_yaxes(range=[0, top * 1.25 if top > 0 else 1], rangemode="tozero")
    target = row.get("target")
    if _present(target):
        add_hline(
            fig,
            target,
            f"target<br>{_fmt(target)}",
            name="target",
            colour=INK,
            dash="dash",
            side="outside",
        )
    low, high = row.get("ci95_low"), row.get("ci95_high")
    interval = (
        f"95% interval {_signed(low)} to {_signed(high)}"
        if _present(low) and _present(high)
        else "no 95% interval"
    )
    fig.add_annotation(
        name="change",
        text=f"Change {_signed(row.get('change'))} "
        f"{plotly_text(unit)} ({interval})<br><b>{plotly_text(verdict or 'no verdict')}</b>",
        xref="paper",
        yref="paper",
        x=0.5,
        y=-0.12,
        yanchor="top",
        showarrow=False,
        font=dict(size=11, color=MUTED),
    )
    return fig


def checkin_figures(rows: pd.DataFrame) -> list[go.Figure]:
    """One :func:`before_after_figure` per row, in row order."""
    return [before_after_figure(row) for row in rows.to_dict("records")]


# --------------------------------------------------------------------------- exports

#: The report table's headings.
_REPORT_HEADINGS: tuple[str, ...] = (
    "#",
    "Experiment",
    "Owner",
    "Status",
    "Verdict",
    "Metric",
    "Before",
    "After",
    "Target",
    "Target met",
    "Change date",
    "Review date",
    "Overlaps",
)

_CSS = """
body { font-family: Inter, "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: #333;
       margin: 24px; max-width: 1200px; }
h1 { font-size: 24px; margin: 0 0 4px; }
.generated { color: #666; margin: 0 0 20px; font-size: 13px; }
table.checkin { border-collapse: collapse; width: 100%; font-size: 13px; margin-bottom: 24px; }
table.checkin th, table.checkin td { border-bottom: 1px solid #e6e8eb; padding: 6px 8px;
       text-align: left; vertical-align: top; }
table.checkin th { background: #f5f6f8; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr));
          gap: 16px; }
.chart { border: 1px solid #e6e8eb; border-radius: 6px; padding: 4px; height: 250px; }
.note { color: #666; font-size: 12px; }
h2 { font-size: 18px; margin: 20px 0 8px; }
tr.detail td { border-bottom: 1px solid #c9ced6; color: #444; }
tr.detail p { margin: 2px 0; }
table.flow { width: auto; }
.warn { color: #b26a00; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
       margin-right: 6px; vertical-align: baseline; }
"""


def _text(value: Any) -> str:
    """``value`` as the text of an HTML element, shown as typed (``"`` and ``'`` need no escape
    there; attribute values, none of which hold user text, would need ``quote=True``)."""
    return html.escape(str(value), quote=False)


def _cell(value: Any) -> str:
    """A table cell's text, escaped; a missing value is an empty cell."""
    return _text(value) if _present(value) and str(value) != "" else ""


def _value_cell(value: Any) -> str:
    """A number of the table as :func:`_fmt` writes it; a missing one is an empty cell."""
    return _fmt(value) if _number(value) is not None else ""


def _report_table(rows: pd.DataFrame) -> str:
    """The rows as an HTML table; every cell's text is HTML-escaped."""
    head = "".join(f"<th>{_text(h)}</th>" for h in _REPORT_HEADINGS)
    body = []
    for row in rows.to_dict("records"):
        verdict = row.get("verdict") if _present(row.get("verdict")) else None
        colour = _VERDICT_COLOURS.get(verdict or "", "#9e9e9e")
        verdict_cell = (
            f'<span class="dot" style="background:{colour}"></span>'
            f"{_cell(verdict or 'no evidence')}"
        )
        if _present(row.get("recomputed_verdict")):
            verdict_cell += f'<br><span class="note">now: {_cell(row["recomputed_verdict"])}</span>'
        target_met = row.get("target_met")
        late = bool(row.get("review_overdue"))
        review = _cell(row.get("review_date"))
        if late:
            review = f'<span class="warn">{review} (overdue)</span>'
        overlaps = _overlap_text(row.get("overlaps"), warn=True)
        cells = [
            _cell(row.get("id")),
            _cell(row.get("title")),
            _cell(row.get("owner")),
            _cell(row.get("status")),
            verdict_cell,
            _cell(metric_label(row.get("metric"))),
            _value_cell(row.get("before")),
            _value_cell(row.get("after")),
            _value_cell(row.get("target")),
            _yes_no(target_met),
            _cell(row.get("change_date")),
            review,
            f'<span class="warn">{_text(overlaps)}</span>' if overlaps else "",
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        body.append(_detail_row(row, len(cells)))
    return (
        f'<table class="checkin"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


#: The team's own words on an experiment, in the report's detail row.
_WORDS = (("hypothesis", "Hypothesis"), ("action", "Action"), ("learnings", "Learnings"))


def _detail_row(row: Mapping[str, Any], width: int) -> str:
    """The hypothesis, action and learnings of a row under it (escaped; empty: none)."""
    parts = [
        f"<p><b>{label}:</b> {_text(row[key])}</p>"
        for key, label in _WORDS
        if _present(row.get(key)) and str(row.get(key)).strip()
    ]
    if not parts:
        return ""
    return f'<tr class="detail"><td></td><td colspan="{width - 1}">{"".join(parts)}</td></tr>'


def _overlap_text(value: Any, *, warn: bool = False) -> str:
    """``"overlaps #2, #5"`` (``"#2, #5"`` without ``warn``); empty when there are none."""
    if not isinstance(value, list | tuple) or not value:
        return ""
    return ("overlaps " if warn else "") + ", ".join(f"#{i}" for i in value)


def checkin_html(
    rows: pd.DataFrame,
    *,
    title: str,
    figures: list[go.Figure],
    generated_at: datetime | str,
    flow: Sequence[FlowSummary] = (),
    delivery: DeliverySummary | None = None,
) -> str:
    """One standalone HTML report: title, generation time, the flow, the table, the charts.

    ``flow``: the team's :class:`FlowSummary` per dataset, shown first; ``delivery``: its
    DORA keys in the same period, after the flow. Under
    each experiment's row its hypothesis, action and learnings.

    plotly.js is inlined once (with the first figure), CSS is inline and every
    table cell is HTML-escaped; the file fetches nothing, so it opens offline.
    """
    when = (
        generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
        if isinstance(generated_at, datetime)
        else str(generated_at)
    )
    table = _report_table(rows)
    charts = figure_divs(figures)
    body = (
        f'<div class="charts">{"".join(charts)}</div>'
        if charts
        else '<p class="note">No experiments to chart.</p>'
    )
    safe_title = _text(title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{safe_title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{safe_title}</h1>\n"
        f'<p class="generated">Generated {_text(when)} by Flowlab · '
        f"{len(rows)} experiment{'s' if len(rows) != 1 else ''}</p>\n"
        f"{flow_html(flow)}\n{delivery_html(delivery)}\n"
        f"<h2>Experiments</h2>\n{table}\n"
        '<p class="note">Reviewed experiments show the result the team reviewed '
        '("now:" gives today\'s verdict when it differs). The change is after − before; '
        "its 95% interval decides the verdict. Orange marks an overdue review and experiments "
        "whose windows and scopes overlap (their effects can mix). An empty cell has no "
        "value.</p>\n"
        f"{body}\n</body>\n</html>\n"
    )


#: The number columns of the rows, rounded in the CSV by the row's unit.
_VALUE_COLUMNS = ("before", "after", "change", "ci95_low", "ci95_high", "target")
#: The yes/no columns of the rows.
_FLAG_COLUMNS = ("target_met", "snapshot_differs", "review_overdue")


def checkin_csv(rows: pd.DataFrame) -> bytes:
    """The rows as formula-safe CSV (:func:`vsm_core.export.to_csv_bytes`), ready to read.

    Numbers are rounded to what they mean: days and item counts to 0.1; a ratio
    (flow efficiency, a share of a type) becomes a whole percentage and its unit
    ``%``. ``target_met``, ``snapshot_differs`` and ``review_overdue`` read
    ``yes``/``no``; ``overlaps`` is ``"3; 5"``; a missing value is an empty cell.
    """
    frame = rows.copy().astype(object)
    ratio = frame["unit"].map(lambda u: u == "ratio")
    for name in _VALUE_COLUMNS:
        frame[name] = [
            _rounded(value, is_ratio) for value, is_ratio in zip(frame[name], ratio, strict=True)
        ]
    frame["unit"] = frame["unit"].where(~ratio.astype(bool), "%")
    for name in _FLAG_COLUMNS:
        frame[name] = frame[name].map(_yes_no)
    frame["overlaps"] = [
        "; ".join(str(i) for i in v) if isinstance(v, list | tuple) else v
        for v in frame["overlaps"]
    ]
    for name in frame.columns:
        frame[name] = frame[name].map(lambda v: "" if not _present(v) else v)
    return to_csv_bytes(frame)


def _rounded(value: Any, is_ratio: bool) -> float | int | None:
    """A ratio as a whole percentage; anything else (days, items) to 0.1."""
    number = _number(value)
    if number is None:
        return None
    return round(100 * number) if is_ratio else round(number, 1)


def _yes_no(value: Any) -> str:
    """``yes``/``no`` for a boolean, empty otherwise."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return ""
