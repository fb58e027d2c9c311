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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["per_item", "calendar"]

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
PARAMETRIC_METRICS: dict[str, tuple[Kind, str, str]] = {
    "time_in_stage_p85": ("per_item", "days", "85th percentile time in {arg}"),
    "share_of_type": ("calendar", "ratio", "share of {arg} in completed items"),
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
    family, sep, argument = name.partition(":")
    if sep and family in PARAMETRIC_METRICS and argument.strip():
        kind, unit, label = PARAMETRIC_METRICS[family]
        argument = argument.strip()
        return MetricSpec(
            f"{family}:{argument}", family, argument, kind, unit, label.format(arg=argument)
        )
    raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(catalogue_names())}")


def catalogue_names() -> list[str]:
    """Every metric name, parametric ones with a placeholder."""
    return [*SIMPLE_METRICS, "time_in_stage_p85:<stage>", "share_of_type:<type>"]
