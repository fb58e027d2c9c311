"""The target metrics an experiment can name, and how each is compared.

Per-item metrics compare **cohorts by start** (items that started in each
window; unfinished items censored) with Kaplan–Meier percentiles. Calendar
metrics compare the two windows' **weekly values**.

| name | kind | unit |
| --- | --- | --- |
| ``cycle_time_p50``, ``cycle_time_p85`` | per item | days |
| ``lead_time_p50``, ``lead_time_p85`` | per item | days |
| ``time_in_stage_p85:<stage>`` | per item | days |
| ``throughput_per_week`` | calendar | items per week |
| ``wip_mean`` | calendar | items (weekly mean of daily WIP) |
| ``flow_efficiency`` | calendar | ratio 0..1 (items done each week) |
| ``work_item_age_p85`` | calendar | days (p85 age of WIP at each week's end) |
| ``share_of_type:<type>`` | calendar | ratio 0..1 (weekly share of done items) |
| ``deployment_frequency[:<service>]`` | delivery | deployments per week |
| ``change_lead_time_p50[:<service>]`` | delivery | days (weekly median) |
| ``change_failure_rate[:<service>]`` | delivery | ratio 0..1 (per week) |
| ``recovery_time_p50[:<service>]`` | delivery | days (weekly median) |
| ``deployment_rework_rate[:<service>]`` | delivery | ratio 0..1 (per week) |
| ``series:<metric>`` | series | the series' own unit (weekly mean of its values) |

*Delivery* metrics (the DORA keys, ``docs/metrics.md``) are computed from the team's
deployment and incident records, per service when one is named, and *series* metrics from a
series the team uploaded. Both are compared by whole weeks like the calendar metrics; their
weekly values come from those records, not from the dataset's items
(:mod:`vsm_core.experiments.sources`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["per_item", "calendar", "delivery", "series"]
#: Kinds whose weekly values come from records beside the dataset (a ``WeeklySource``).
EXTERNAL_KINDS: tuple[Kind, ...] = ("delivery", "series")

SIMPLE_METRICS: dict[str, tuple[Kind, str, str]] = {
    "cycle_time_p50": ("per_item", "days", "median cycle time"),
    "cycle_time_p85": ("per_item", "days", "85th percentile cycle time"),
    "lead_time_p50": ("per_item", "days", "median lead time"),
    "lead_time_p85": ("per_item", "days", "85th percentile lead time"),
    "throughput_per_week": ("calendar", "items/week", "throughput per week"),
    "wip_mean": ("calendar", "items", "mean WIP"),
    "flow_efficiency": ("calendar", "ratio", "flow efficiency"),
    "work_item_age_p85": ("calendar", "days", "85th percentile age of work in progress"),
}
#: The DORA keys as experiment targets; each may name a service (``change_failure_rate:api``).
DELIVERY_METRICS: dict[str, tuple[Kind, str, str]] = {
    "deployment_frequency": ("delivery", "deployments/week", "deployment frequency"),
    "change_lead_time_p50": ("delivery", "days", "median lead time for changes"),
    "change_failure_rate": ("delivery", "ratio", "change failure rate"),
    "recovery_time_p50": ("delivery", "days", "median failed-deployment recovery time"),
    "deployment_rework_rate": ("delivery", "ratio", "deployment rework rate"),
}
PARAMETRIC_METRICS: dict[str, tuple[Kind, str, str]] = {
    "time_in_stage_p85": ("per_item", "days", "85th percentile time in {arg}"),
    "share_of_type": ("calendar", "ratio", "share of {arg} in completed items"),
    "series": ("series", "value", "{arg}"),
}


@dataclass(frozen=True)
class MetricSpec:
    """A parsed catalogue name: ``family`` plus its argument (a stage or a work type)."""

    name: str
    family: str
    argument: str | None
    kind: Kind
    unit: str
    label: str

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """(lowest, highest) value the metric can take, where its behaviour chart's limits
        are cut: a ratio lies in 0..1, a team's own series is unbounded (it may be
        negative), everything else is at least 0."""
        if self.kind == "series":
            return (None, None)
        return (0.0, 1.0) if self.unit == "ratio" else (0.0, None)

    @property
    def percentile(self) -> int | None:
        """50 or 85 for percentile metrics, else None."""
        for q in (50, 85):
            if self.family.endswith(f"_p{q}"):
                return q
        return None


def parse_metric(name: str) -> MetricSpec:
    """Parse ``name``; raises ``ValueError`` with the catalogue when it is not in it."""
    name = name.strip()
    if name in SIMPLE_METRICS:
        kind, unit, label = SIMPLE_METRICS[name]
        return MetricSpec(name, name, None, kind, unit, label)
    if name in DELIVERY_METRICS:
        kind, unit, label = DELIVERY_METRICS[name]
        return MetricSpec(name, name, None, kind, unit, label)
    family, sep, argument = name.partition(":")
    if sep and family in DELIVERY_METRICS and argument.strip():
        kind, unit, label = DELIVERY_METRICS[family]
        service = argument.strip()
        return MetricSpec(
            f"{family}:{service}", family, service, kind, unit, f"{label} of {service}"
        )
    if sep and family in PARAMETRIC_METRICS and argument.strip():
        kind, unit, label = PARAMETRIC_METRICS[family]
        argument = argument.strip()
        return MetricSpec(
            f"{family}:{argument}", family, argument, kind, unit, label.format(arg=argument)
        )
    raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(catalogue_names())}")


def catalogue_names() -> list[str]:
    """Every metric name, parametric ones with a placeholder."""
    return [
        *SIMPLE_METRICS,
        "time_in_stage_p85:<stage>",
        "share_of_type:<type>",
        *DELIVERY_METRICS,
        *(f"{name}:<service>" for name in DELIVERY_METRICS),
        "series:<metric>",
    ]
