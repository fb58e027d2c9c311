"""Everything one page draws, from one call: the Flow metrics and Bottlenecks pages.

Pages call :func:`flow_view` or :func:`bottleneck_view` once (cached by
the UI on dataset version and options) and only turn the tables into
charts. All tables are plain DataFrames/dicts, so they pickle for caching.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vsm_core.metrics import (
    aging,
    cfd,
    distribution,
    heatmap,
    net_flow,
    stages,
    throughput,
    value_stream,
    wip,
    xmr,
)
from vsm_core.metrics.percentiles import summarize_days
from vsm_core.metrics.report import core_tables, definitions, metrics_document, started
from vsm_core.metrics.scope import Scope
from vsm_core.model import Category

#: What the SLE defaults to: this percentile of the completed items' cycle time.
DEFAULT_SLE_PERCENTILE = 85


@dataclass(frozen=True)
class FlowView:
    """The tables of the Flow metrics page (see each metric module for definitions)."""

    document: dict[str, Any]
    definitions: dict[str, Any]
    completed: pd.DataFrame
    lead: pd.DataFrame
    cycle_percentiles: dict[str, float]
    lead_percentiles: dict[str, float]
    sle_days: float | None
    throughput: pd.DataFrame
    throughput_by_type: pd.DataFrame
    wip_daily: pd.DataFrame
    flow_load: pd.DataFrame
    cfd: pd.DataFrame
    stage_categories: dict[str, str]
    net_flow: pd.DataFrame
    aging: pd.DataFrame
    aging_stages: list[str]
    at_risk: pd.DataFrame
    age_run: pd.DataFrame
    efficiency_items: pd.DataFrame
    efficiency_summary: dict[str, Any]
    distribution_over_time: pd.DataFrame
    xmr_cycle: xmr.XmR
    xmr_throughput: xmr.XmR
    xmr_wip: xmr.XmR
    timezone: str = "UTC"
    freq: str = "week"


def done_per_period(view: FlowView) -> tuple[str, float | None]:
    """The headline throughput in the view's period: ``("Done / month", mean)``.

    The mean over the view's periods (``view.throughput``: every day, week or
    month of the window, zero-filled) of the items completed in each; None
    without periods. The label names the period, so it follows the page's
    Period choice.
    """
    counts = pd.to_numeric(view.throughput.get("count", pd.Series(dtype="float64")))
    mean = float(counts.mean()) if len(counts) else None
    return f"Done / {view.freq}", mean


def default_sle(scope: Scope) -> float | None:
    """The 85th percentile of completed items' cycle time (days), or None without any."""
    values = started(scope.completed)["cycle_time_days"]
    value = summarize_days(values, (DEFAULT_SLE_PERCENTILE,))[f"p{DEFAULT_SLE_PERCENTILE}"]
    return None if math.isnan(value) else round(float(value), 1)


def flow_view(scope: Scope, *, sle_days: float | None = None, freq: str = "week") -> FlowView:
    """Every table of the Flow metrics page; ``sle_days`` None = the default SLE."""
    completed = scope.completed
    with_start = started(completed)
    sle = sle_days if sle_days is not None else default_sle(scope)
    tables = core_tables(scope)
    aging_table = tables.aging
    workflow = scope.flow.workflow
    committed = [
        s.name
        for i, s in enumerate(workflow.stages)
        if i >= workflow.commitment_index and s.category in (Category.ACTIVE, Category.WAITING)
    ]
    return FlowView(
        document=metrics_document(scope, tables),
        definitions=definitions(scope),
        completed=with_start[["item_id", "title", "type", "done", "cycle_time_days"]].reset_index(
            drop=True
        ),
        lead=completed[["item_id", "title", "type", "done", "lead_time_days"]].reset_index(
            drop=True
        ),
        cycle_percentiles=summarize_days(with_start["cycle_time_days"], scope.options.percentiles),
        lead_percentiles=summarize_days(completed["lead_time_days"], scope.options.percentiles),
        sle_days=sle,
        throughput=tables.weekly if freq == "week" else throughput.throughput_series(scope, freq),
        throughput_by_type=throughput.throughput_by_type(scope, freq),
        wip_daily=tables.daily_wip,
        flow_load=wip.daily_flow_load(scope),
        cfd=cfd.daily_cfd(scope),
        stage_categories={s.name: s.category.value for s in workflow.stages},
        net_flow=net_flow.net_flow(scope, freq),
        aging=aging_table,
        aging_stages=committed,
        at_risk=(aging.items_at_risk(aging_table, sle) if sle is not None else aging_table.head(0)),
        age_run=aging.age_run_chart(scope),
        efficiency_items=tables.efficiency_items,
        efficiency_summary=tables.efficiency_summary,
        distribution_over_time=distribution.distribution_over_time(scope, freq),
        xmr_cycle=xmr.cycle_time_xmr(scope),
        xmr_throughput=xmr.weekly_throughput_xmr(scope),
        xmr_wip=xmr.weekly_wip_xmr(scope),
        timezone=scope.timezone,
        freq=freq,
    )


@dataclass(frozen=True)
class BottleneckView:
    """The tables of the Bottlenecks page."""

    heatmap: pd.DataFrame
    bottleneck: dict[str, Any] | None
    rework: pd.DataFrame
    value_stream: dict[str, Any]
    time_in_stage: dict[str, Any]
    definitions: dict[str, Any]
    completed: int


def bottleneck_view(scope: Scope) -> BottleneckView:
    """Every table of the Bottlenecks page."""
    return BottleneckView(
        heatmap=heatmap.stage_week_heatmap(scope),
        bottleneck=stages.bottleneck(scope),
        rework=stages.rework(scope),
        value_stream=value_stream.value_stream(scope),
        time_in_stage=stages.time_in_stage_summary(scope),
        definitions=definitions(scope),
        completed=len(scope.completed),
    )


def xmr_table(result: xmr.XmR) -> pd.DataFrame:
    """An XmR chart's points with its limits and signals, for export."""
    rules: dict[int, list[str]] = {}
    for signal in result.signals:
        rules.setdefault(signal["index"], []).append(signal["rule"])
    return pd.DataFrame(
        {
            "point": result.labels or list(range(len(result.values))),
            "value": result.values,
            "centre": result.centre,
            "lower_limit": result.lnpl,
            "upper_limit": result.unpl,
            "signal": [";".join(rules.get(i, [])) for i in range(len(result.values))],
        }
    )
