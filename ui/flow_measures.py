"""The flow measures drawn the same way on Home and Check-in: value, change and words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from vsm_core.experiments.checkin_flow import FlowSummary, Measure


def flow_measures(summary: FlowSummary) -> None:
    """The flow summary's measures in one row (:func:`measure_row`)."""
    measure_row(summary.measures, MEASURE_HELP)


def measure_row(measures: Sequence[Measure], help_texts: Mapping[str, str]) -> None:
    """One metric per measure: its value, the change as an arrow and a number (green when
    better), and the change in words under it ("0.2 days longer than the 4 weeks before
    (worse)"), wrapped in its column so it is never cut. ``help_texts``: tooltip per key."""
    for cell, measure in zip(_cells(len(measures)), measures, strict=True):
        delta = _delta(measure.change, measure.unit)
        same = delta is not None and float(delta.split(" ")[0]) == 0  # no change as shown
        cell.metric(
            measure.label,
            _value(measure.value, measure.unit),
            delta=delta,
            delta_color="off" if same else "normal" if measure.better == "up" else "inverse",
            delta_arrow="off" if same else "auto",
            help=help_texts[measure.key],
        )
        cell.caption(measure.words()[:1].upper() + measure.words()[1:] + ".")


#: What each measure is (its tooltip; the change in words is under it).
MEASURE_HELP = {
    "throughput_per_week": "Items finished per week (Monday to Sunday), averaged over the "
    "period's weeks, weeks without any included.",
    "cycle_time_p85": "85 % of the items finished in the period took at most this many "
    "days from start to done.",
    "wip_mean": "Items started and not yet finished, counted at the end of each day and "
    "averaged over the period's days.",
    "flow_efficiency": "Of the time finished items spent between start and done, the share "
    "in active stages (the rest is waiting).",
}


#: What each DORA key is (definitions: docs/metrics.md, *Delivery: the DORA keys*).
DELIVERY_HELP = {
    "deployment_frequency": "Deployments per week in the period (successful or not).",
    "change_lead_time_p50": "Median time from a change's first commit to its deployment.",
    "change_failure_rate": "Share of the deployments that failed: a failed status, named "
    "by an incident as its cause, or undone by a rollback.",
    "recovery_time_p50": "Median time from an incident's start, or a failed deployment, "
    "to recovery.",
    "deployment_rework_rate": "Share of the deployments that were unplanned: rollbacks and "
    "hotfixes.",
}


#: How a unit reads after a number on the page (short, so a metric fits its column).
_SHORT_UNITS = {
    "items per week": "/ week",
    "deployments per week": "/ week",
    "items, daily mean": "items",
    "%": "%",
}


def _value(value: float | None, unit: str) -> str | None:
    """``"12.3 days"``, ``"11.8 / week"``, ``"46 %"``; None (a dash) when there is nothing."""
    if value is None:
        return None
    number = f"{value:.0f}" if unit == "%" else f"{value:.1f}"
    return f"{number} {_SHORT_UNITS.get(unit, unit)}"


#: Most metrics side by side: five at 1280 px cut labels such as "Deployment frequency".
PER_ROW = 4


def _cells(n: int) -> list:
    """``n`` columns in as few rows as :data:`PER_ROW` allows, the rows as even as they can
    be (five: three and two)."""
    rows = max(1, -(-n // PER_ROW))
    width = -(-n // rows)
    return [cell for _row in range(rows) for cell in st.columns(width)][:n]


def _delta(change: float | None, unit: str) -> str | None:
    """``"+0.2 days"``, ``"-6 points"``: a plain ``-``, which Streamlit reads as a fall; a
    change that rounds to zero has no sign ("0.0 days", never "-0.0 days")."""
    if change is None:
        return None
    digits = 0 if unit == "%" else 1
    shown = 0.0 if round(change, digits) == 0 else change
    number = f"{shown:.{digits}f}" if shown == 0 else f"{shown:+.{digits}f}"
    return f"{number} points" if unit == "%" else f"{number} {_SHORT_UNITS.get(unit, unit)}"
