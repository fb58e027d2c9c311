"""The DORA keys in words: each key's definition (shown beside its chart), the 2024 report's
published bands, and values written for people ("5.1 a week", "18 hours", "38 %")."""

from __future__ import annotations

import math

__all__ = ["BANDS", "DEFINITIONS", "LIMITS", "value_words"]

DEFINITIONS = {
    "deployment_frequency": (
        "Deployment frequency: how many deployments reached production in the week, failed "
        "ones and rollbacks included. Over the period: deployments per 7 days."
    ),
    "change_lead_time_p50": (
        "Lead time for changes: from the first commit of a change to its successful "
        "deployment. Each week shows the median of that week's deployments that name a "
        "first commit."
    ),
    "change_failure_rate": (
        "Change failure rate: the share of deployments that failed — a failure status, an "
        "incident naming the deployment as its cause, or a rollback undoing it."
    ),
    "recovery_time_p50": (
        "Failed deployment recovery time: from an incident's start to its resolution, or "
        "from a failed deployment no incident names to the next good deployment of the "
        "service. Incidents without a deployment count here too. Each week shows the median "
        "of the recoveries that started in it."
    ),
    "deployment_rework_rate": (
        "Deployment rework rate: the share of deployments that were unplanned — rollbacks "
        "and hotfixes made because of a problem in production."
    ),
}
LIMITS = (
    " The lines are the average and the natural process limits of the weekly values; a "
    "week beyond them, or eight in a row on one side of the average, is a signal."
)
#: The bands the 2024 Accelerate State of DevOps report publishes, in words.
BANDS = {
    "deployment_frequency": (
        "2024 DORA report: elite on demand (several a day), high between daily and weekly, "
        "medium between weekly and monthly, low between monthly and every six months."
    ),
    "change_lead_time_p50": (
        "2024 DORA report: elite less than a day, high a day to a week, medium a week to a "
        "month, low a month to six months."
    ),
    "change_failure_rate": (
        "2024 DORA report: the clusters' typical rates are elite 5 %, medium 10 %, high 20 % "
        "and low 40 %; the nearest is named."
    ),
    "recovery_time_p50": (
        "2024 DORA report: elite less than an hour, high and medium less than a day, low a "
        "week to a month."
    ),
    "deployment_rework_rate": (
        "The 2024 DORA report introduced this measure without publishing bands for it."
    ),
}


def value_words(key: str, value: float | None) -> str:
    """A key's value for people; empty when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if key == "deployment_frequency":
        return f"{value:.1f} a week"
    if key in ("change_failure_rate", "deployment_rework_rate"):
        return f"{value * 100:.0f} %"
    if value < 1:
        hours = value * 24
        return f"{hours:.1f} hours" if hours < 10 else f"{hours:.0f} hours"
    return f"{value:.1f} days"
