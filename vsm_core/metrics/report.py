"""The full metric set of one dataset: what ``metrics --json`` prints and the pages show.

:func:`calculate_metrics` builds the scope once and calls each metric
function; :func:`item_table` is the item-level table a team can audit
(``metrics --items FILE.csv``). Keys and definitions: docs/metrics.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from vsm_core.metrics import aging, distribution, efficiency, stages, throughput, value_added, wip
from vsm_core.metrics.percentiles import summarize_days
from vsm_core.metrics.scope import MetricOptions, Scope, build_scope
from vsm_core.model import CanonicalDataset, Category

CYCLE_TIME_DEFINITIONS = {
    "elapsed": "done - start in fractional days of elapsed time",
    "inclusive": "calendar days from the start date to the done date + 1 (dataset time zone)",
}


@dataclass(frozen=True)
class MetricsReport:
    """The scope the numbers came from and the JSON-ready document."""

    scope: Scope
    document: dict[str, Any]


def calculate_metrics(
    dataset: CanonicalDataset, options: MetricOptions | None = None
) -> MetricsReport:
    """Every metric of the contract for ``dataset`` under ``options``."""
    scope = build_scope(dataset, options or MetricOptions())
    return MetricsReport(scope=scope, document=metrics_document(scope))


@dataclass(frozen=True)
class CoreTables:
    """Tables both the JSON document and the pages need: computed once per scope."""

    weekly: pd.DataFrame
    daily_wip: pd.DataFrame
    efficiency_items: pd.DataFrame
    efficiency_summary: dict[str, Any]
    aging: pd.DataFrame


def core_tables(scope: Scope) -> CoreTables:
    per_item, summary = efficiency.flow_efficiency(scope)
    return CoreTables(
        weekly=throughput.throughput_series(scope, "week"),
        daily_wip=wip.daily_wip(scope),
        efficiency_items=per_item,
        efficiency_summary=summary,
        aging=aging.aging_wip(scope),
    )


def metrics_document(scope: Scope, tables: CoreTables | None = None) -> dict[str, Any]:
    """The ``metrics --json`` document (see docs/metrics.md for every key).

    ``tables``: :func:`core_tables` of the same scope when the caller already
    has them (the Flow metrics page), so nothing is computed twice.
    """
    tables = tables or core_tables(scope)
    items = scope.flow.items
    completed = scope.completed
    qs = scope.options.percentiles
    started_completed = started(completed)
    weekly = tables.weekly
    daily_wip = tables.daily_wip
    efficiency_summary = tables.efficiency_summary
    bottleneck = stages.bottleneck(scope)
    aging_wip = tables.aging
    _, added = value_added.value_added(scope)
    document = {
        "as_of": scope.as_of,
        "counts": _counts(items, completed),
        "cycle_time_days": summarize_days(started_completed["cycle_time_days"], qs),
        "lead_time_days": summarize_days(completed["lead_time_days"], qs),
        "throughput": {
            "per_week_mean": float(weekly["count"].mean()) if len(weekly) else None,
            "weekly": [
                {"week_start": row.period_start, "count": int(row.count)}
                for row in weekly.itertuples(index=False)
            ],
        },
        "wip": {
            "mean": float(daily_wip["count"].mean()) if len(daily_wip) else None,
            "daily": [
                {"date": row.date, "count": int(row.count)}
                for row in daily_wip.itertuples(index=False)
            ],
        },
        "flow_efficiency": {
            "ratio_of_sums": efficiency_summary["ratio_of_sums"],
            "mean_of_ratios": efficiency_summary["mean_of_ratios"],
            "n": efficiency_summary["n"],
        },
        # Value-added time and process cycle efficiency (docs/metrics.md): mean days in
        # value-adding stages and Σ of them ÷ Σ elapsed lead time, over done items.
        "value_added_days_mean": added["value_added_days_mean"],
        "process_cycle_efficiency": added["process_cycle_efficiency"],
        "time_in_stage_days": stages.time_in_stage_summary(scope),
        "bottleneck": (
            {
                "stage": bottleneck["stage"],
                "share": bottleneck["share"],
                "category": bottleneck["category"],
            }
            if bottleneck
            else None
        ),
        "flow_distribution": distribution.flow_distribution(scope),
        "aging_wip": [],  # filled below, already JSON-ready (keeps the key's place)
        "definitions": definitions(scope),
        "flags": _flags(scope),
    }
    document = to_json_ready(document)
    # One record per in-progress item (160k at 1M items): built column by column rather
    # than walked value by value by to_json_ready; the same list.
    document["aging_wip"] = json_records(aging_wip[["item_id", "stage", "age_days"]])
    return document


def started(completed: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``completed`` that have a start (cycle time is only theirs).

    ``completed`` itself when every row has one (the usual case): no copy of
    a frame of hundreds of thousands of rows.
    """
    without = completed["done_without_start"].to_numpy(dtype=bool)
    return completed[~without] if without.any() else completed


def _counts(items: pd.DataFrame, completed: pd.DataFrame) -> dict[str, int]:
    states = items["state"].value_counts()
    return {
        "items": len(items),
        "completed": len(completed),
        "in_progress": int(states.get("in_progress", 0)),
        "not_started": int(states.get("not_started", 0)),
        "cancelled": int(states.get("cancelled", 0)),
    }


def definitions(scope: Scope) -> dict[str, Any]:
    """The definitions the numbers used, written next to every chart and in the JSON."""
    workflow = scope.flow.workflow
    options = scope.options
    mode = options.cycle_time_mode
    return {
        "start_stage": workflow.commitment_stage,
        "done_stages": [s.name for s in workflow.stages if s.category == Category.DONE],
        "cycle_time": mode,
        "cycle_time_definition": CYCLE_TIME_DEFINITIONS[mode],
        "percentile_method": "linear interpolation between the two nearest values",
        "percentiles": list(options.percentiles),
        "as_of": scope.as_of,
        "as_of_rule": _as_of_rule(options.as_of),
        "timezone": scope.timezone,
        "window": (
            {"from": options.window[0], "to": options.window[1]} if options.window else None
        ),
        "window_rule": "completed-item metrics count items by their done date",
        "filters": {
            "work_types": list(options.item_filter.work_types),
            "teams": list(options.item_filter.teams),
            "attributes": {k: list(v) for k, v in options.item_filter.attributes},
        },
    }


def _as_of_rule(as_of) -> str:
    if as_of is None:
        return "the dataset's last event"
    if isinstance(as_of, str) and as_of == "now":
        return "now"
    return "given"


def _flags(scope: Scope) -> dict[str, int]:
    items = scope.flow.items
    completed = scope.completed
    return {
        "done_without_start": int(completed["done_without_start"].sum()),
        "unmapped_events": int(scope.flow.unmapped_events),
        "zero_lead_time": int((completed["lead_time_days"] <= 0).sum()),
        "reopened": int(items["reopened"].sum()),
        "backward_moves": int((items["backward_moves"] > 0).sum()),
        "items_without_events": int(items["current_stage"].isna().sum()),
    }


ITEM_TABLE_COLUMNS = (
    "item_id",
    "title",
    "type",
    "team",
    "created",
    "start",
    "done",
    "state",
    "current_stage",
    "cycle_time_days",
    "lead_time_days",
    "age_days",
    "done_in_window",
    "flags",
)


def item_table(scope: Scope) -> pd.DataFrame:
    """One row per item in scope, so any number can be audited item by item.

    Times are ISO 8601 UTC; ``flags`` lists the item's data-quality flags
    separated by ``;`` (done_without_start, reopened, backward_moves=N,
    blocked_days=N).
    """
    items = scope.flow.items
    in_window = items["item_id"].isin(scope.completed["item_id"])
    flags = pd.Series("", index=items.index, dtype="str")
    flags = _add_flag(flags, items["done_without_start"], "done_without_start")
    flags = _add_flag(flags, items["reopened"], "reopened")
    moves = items["backward_moves"]
    flags = _add_flag(flags, moves > 0, "backward_moves=" + moves.astype("str"))
    blocked = items["blocked_days"].fillna(0)
    flags = _add_flag(flags, blocked > 0, "blocked_days=" + blocked.round(2).astype("str"))
    return pd.DataFrame(
        {
            "item_id": items["item_id"],
            "title": items["title"],
            "type": items["type"],
            "team": items["team"],
            "created": _iso(items["created_at"]),
            "start": _iso(items["start"]),
            "done": _iso(items["done"]),
            "state": items["state"],
            "current_stage": items["current_stage"],
            "cycle_time_days": items["cycle_time_days"].round(6),
            "lead_time_days": items["lead_time_days"].round(6),
            "age_days": items["age_days"].round(6),
            "done_in_window": in_window,
            "flags": flags.str.strip(";"),
        },
        columns=list(ITEM_TABLE_COLUMNS),
    )


def _add_flag(flags: pd.Series, mask: pd.Series, text) -> pd.Series:
    return flags.where(~mask.astype(bool), flags + ";" + text)


def _iso(times: pd.Series) -> pd.Series:
    return times.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").str.replace(".000000Z", "Z", regex=False)


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``to_json_ready(frame.to_dict("records"))``, built column by column.

    One dict per row, keyed by the column names as ``str``. Float columns
    give Python floats with NaN as ``None``, text columns Python ``str``
    with missing cells as ``None``; any other column goes through
    :func:`to_json_ready` value by value (the same result, just slower).
    """
    names = [str(name) for name in frame.columns]
    columns = [_json_column(frame[name]) for name in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _json_column(values: pd.Series) -> list[Any]:
    """One column as JSON-ready Python values (see :func:`json_records`)."""
    if values.dtype.kind == "f":
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        out = numbers.astype(object)  # Python floats
        out[np.isnan(numbers)] = None
        return out.tolist()
    if isinstance(values.dtype, pd.StringDtype):
        return values.astype(object).where(values.notna(), None).tolist()
    return [to_json_ready(v) for v in values.astype(object).tolist()]


def to_json_ready(value: Any) -> Any:
    """Plain JSON types: NaN -> None, dates and timestamps -> ISO strings, numpy -> Python."""
    if isinstance(value, dict):
        return {str(k): to_json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_ready(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value
