"""Everything the Delivery page and ``delivery metrics`` show, computed once.

:func:`delivery_report` takes a log, an optional window of local days and service, and
gives the five keys over the window (value, how many records, DORA band), their weekly
values over every ISO week the window touches, a process behaviour chart of each
(:func:`vsm_core.metrics.xmr.xmr`: limits from every week with a value; a week without
one is drawn as a gap and never signals) and the keys per service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from vsm_core.delivery.columns import counted
from vsm_core.delivery.keys import (
    KEY_BOUNDS,
    KEYS,
    KeyValue,
    prepare,
    service_table,
    weekly_table,
    window_summary,
)
from vsm_core.delivery.log import DeliveryLog, log_span
from vsm_core.metrics.xmr import XmR, xmr

__all__ = ["DeliveryReport", "delivery_report"]


@dataclass(frozen=True)
class DeliveryReport:
    """The keys of one team (one service) over a window; see :func:`delivery_report`.

    ``window``: the local days (None when the log is empty); ``summary``: key ->
    :class:`~vsm_core.delivery.keys.KeyValue`; ``weekly``: one row per Monday (the
    columns of :func:`~vsm_core.delivery.keys.weekly_table`); ``charts``: key -> XmR of
    the weekly values, labelled by Monday; ``services``: the keys per service (first row:
    all services, ``service`` None); ``counts``: deployments and incidents in the log.
    """

    service: str | None
    window: tuple[date, date] | None
    summary: dict[str, KeyValue]
    weekly: pd.DataFrame
    charts: dict[str, XmR]
    services: pd.DataFrame
    counts: dict[str, int]
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict:
        """The document ``delivery metrics --json`` prints (keys: docs/cli.md)."""

        def number(value) -> float | None:
            return None if value is None or np.isnan(value) else round(float(value), 4)

        weeks = [
            {"week": row["week"].isoformat(), **{k: number(row[k]) for k in KEYS}}
            for row in self.weekly.assign(week=self.weekly["week"].dt.date).to_dict("records")
        ]
        labels = [w["week"] for w in weeks]
        limits = {
            key: {
                "centre": number(chart.centre),
                "lower_limit": number(chart.lnpl),
                "upper_limit": number(chart.unpl),
                "signals": [{"week": labels[s["index"]], "rule": s["rule"]} for s in chart.signals],
            }
            for key, chart in self.charts.items()
        }
        services = [
            {"service": row["service"], **{k: number(row[k]) for k in KEYS}}
            for row in self.services.to_dict("records")
        ]
        return {
            "service": self.service,
            "window": (
                None
                if self.window is None
                else {"from": self.window[0].isoformat(), "to": self.window[1].isoformat()}
            ),
            "counts": dict(self.counts),
            "notes": list(self.notes),
            "keys": {key: self.summary[key].as_json() for key in KEYS},
            "weekly": weeks,
            "limits": limits,
            "services": services,
        }


def _monday(day: date) -> np.datetime64:
    value = np.datetime64(day, "D")
    return value - np.timedelta64(int((value.astype(np.int64) - 4) % 7), "D")


def delivery_report(
    log: DeliveryLog,
    *,
    start: date | None = None,
    end: date | None = None,
    service: str | None = None,
    timezone: str = "UTC",
) -> DeliveryReport:
    """The report over local days ``start``..``end`` (either open end: the log's first or
    last day) of ``service`` (None: all services)."""
    span = log_span(log, timezone=timezone)
    counts = {"deployments": len(log.deployments), "incidents": len(log.incidents)}
    if span is None and (start is None or end is None):
        window = None
    else:
        window = (start or span[0], end or span[1])
    if window is None or window[0] > window[1]:
        empty = pd.DataFrame({"week": pd.Series([], dtype="datetime64[s]")})
        for key in KEYS:
            empty[key] = pd.Series([], dtype="float64")
        summary = window_summary(DeliveryLog())
        charts = {key: xmr([]) for key in KEYS}
        return DeliveryReport(
            service, window, summary, empty, charts, service_table(DeliveryLog()), counts
        )
    mondays = np.arange(_monday(window[0]), _monday(window[1]) + np.timedelta64(1, "D"), 7)
    prepared = prepare(log)  # which deployment failed, the recoveries: once for every view
    weekly = weekly_table(log, mondays, service=service, timezone=timezone, prepared=prepared)
    weekly["week"] = pd.to_datetime(weekly["week"])
    labels = [d.isoformat() for d in weekly["week"].dt.date]
    charts = {
        key: xmr(weekly[key].to_numpy(dtype="float64"), labels=labels, bounds=KEY_BOUNDS[key])
        for key in KEYS
    }
    days = {"start": window[0], "end": window[1], "timezone": timezone, "prepared": prepared}
    summary = window_summary(log, service=service, **days)
    services = service_table(log, **days)
    notes = _notes(log)
    return DeliveryReport(service, window, summary, weekly, charts, services, counts, notes)


def _notes(log: DeliveryLog) -> tuple[str, ...]:
    """What the reader should know about the records: incidents naming a deployment that is
    not among them (they count for recovery time only), incidents still open."""
    notes = []
    refs = log.incidents["deployment_ref"].dropna()
    unknown = sorted(set(refs[~refs.isin(set(log.deployments["external_id"].dropna()))]))
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        notes.append(
            f"{counted(len(unknown), 'deployment')} named by incidents as their cause "
            f"{'is' if len(unknown) == 1 else 'are'} not among the deployments ({shown}): "
            "those incidents count for recovery time, not as a failed deployment."
        )
    still_open = int(log.incidents["resolved_at"].isna().sum())
    if still_open:
        notes.append(
            f"{counted(still_open, 'incident')} without a resolution time "
            f"{'is' if still_open == 1 else 'are'} left out of the recovery times."
        )
    return tuple(notes)
