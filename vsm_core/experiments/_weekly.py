"""The weekly comparison of :mod:`vsm_core.experiments.evidence`: whole weeks' values.

:func:`calendar_metric` computes a calendar metric's value per whole week from
the dataset (:mod:`vsm_core.experiments._calendar`); :func:`weekly_comparison`
compares the two windows' weekly values (those, or a delivery or series
metric's from a :class:`~vsm_core.experiments.evidence.WeeklySource`): the
means, the Mann–Whitney p-value and a bootstrap interval of the difference.
Definitions: the module docstring of :mod:`vsm_core.experiments.evidence`
(*calendar metrics*, *delivery and series metrics*).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from vsm_core.experiments import _calendar
from vsm_core.experiments._comparison import (
    Base,
    Side,
    behaviour_chart,
    differences,
    finite,
    window_problem,
)
from vsm_core.experiments._survival import bootstrap_means, mann_whitney_p
from vsm_core.experiments.evidence_result import EvidenceResult
from vsm_core.metrics.scope import Scope

#: Warning threshold: a window with fewer whole weeks is said to be short.
MIN_WEEKS = 4


def whole_weeks(base: Base) -> tuple[list[list[date]], np.ndarray]:
    """The Mondays of each window's whole weeks, and all of them as ``datetime64[D]``."""
    before_w, after_w = base.windows
    weeks = [before_w.whole_weeks(), after_w.whole_weeks()]
    return weeks, np.array([*weeks[0], *weeks[1]], dtype="datetime64[D]")


def calendar_metric(scope: Scope, base: Base) -> EvidenceResult:
    """A calendar metric's value per whole week of the dataset, compared between the windows."""
    metric = base.metric
    weeks, mondays = whole_weeks(base)
    family = metric.family
    if family == "throughput_per_week":
        weekly = _calendar.weekly_throughput(scope, mondays)
    elif family == "wip_mean":
        weekly = _calendar.weekly_wip_mean(scope, mondays)
    elif family == "flow_efficiency":
        weekly = _calendar.weekly_flow_efficiency(scope, mondays)
    elif family == "work_item_age_p85":
        weekly = _calendar.weekly_age_p85(scope, mondays)
    else:  # share_of_type:<type>
        weekly = _calendar.weekly_share_of_type(scope, mondays, metric.argument or "")
        types = set(scope.flow.items["type"].astype("str").fillna("(none)").tolist())
        if metric.argument not in types:
            base.warnings.append(f"no item has the type {metric.argument!r}")
    return weekly_comparison(base, weeks, weekly)


def weekly_comparison(base: Base, weeks: list[list[date]], weekly: np.ndarray) -> EvidenceResult:
    """Compare the windows' weekly values (one per Monday of ``weeks``, NaN: no value)."""
    n_before = len(weeks[0])
    sides = []
    weekly_rows = []
    for index, name in enumerate(("before", "after")):
        values = weekly[:n_before] if index == 0 else weekly[n_before:]
        mondays_w = weeks[index]
        weekly_rows += [
            {"week_start": m.isoformat(), "window": name, "value": finite(float(v))}
            for m, v in zip(mondays_w, values.tolist(), strict=True)
        ]
        has = ~np.isnan(values)
        skipped = int((~has).sum())
        if skipped:
            base.warnings.append(
                f"{skipped} whole week(s) of the {name} window have no value and were left out"
            )
        if len(mondays_w) < MIN_WEEKS:
            base.warnings.append(
                f"the {name} window holds only {len(mondays_w)} whole week(s) "
                f"(fewer than {MIN_WEEKS})"
            )
        labels = [m.isoformat() for m, h in zip(mondays_w, has.tolist(), strict=True) if h]
        sides.append(
            Side(values=values[has], censored=np.zeros(int(has.sum()), dtype=bool), labels=labels)
        )
    before, after = sides
    means = [float(s.values.mean()) if len(s.values) else float("nan") for s in sides]
    common = {
        "before": base.window_dict(0, means[0], len(before.values)),
        "after": base.window_dict(1, means[1], len(after.values)),
        "p_value": mann_whitney_p(before.values, after.values),
        "weekly": weekly_rows,
        "distribution": {
            name: [
                {"label": label, "value": float(v), "censored": False}
                for label, v in zip(s.labels, s.values.tolist(), strict=True)
            ]
            for name, s in (("before", before), ("after", after))
        },
        **behaviour_chart(
            [(s.values, np.asarray(s.labels, dtype=object)) for s in sides], base.metric.bounds
        ),
    }
    problem = window_problem([len(s.values) for s in sides], "whole week")
    if problem is not None:
        base.warnings.append(problem)
        return base.result(**differences(base, means, None), **common)
    rng = np.random.default_rng(seed=base.seed)
    boot = [bootstrap_means(s.values, base.resamples, rng) for s in sides]
    return base.result(**differences(base, means, boot[1] - boot[0]), **common)
