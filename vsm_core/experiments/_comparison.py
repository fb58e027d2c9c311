"""What the per-item and weekly comparisons of :mod:`vsm_core.experiments.evidence` share.

:class:`Base` carries a comparison's metric, spec, windows and warnings and
builds its :class:`~vsm_core.experiments.evidence_result.EvidenceResult`;
:class:`Side` is what one window holds; :func:`window_problem`,
:func:`differences` (the change, its bootstrap interval and the verdict) and
:func:`behaviour_chart` (points, frozen limits, after-change signals) are used
by both paths. Definitions: the module docstring of
:mod:`vsm_core.experiments.evidence`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from vsm_core.experiments.catalogue import MetricSpec
from vsm_core.experiments.evidence_result import (
    NOT_ENOUGH_DATA,
    EvidenceResult,
    decide_target_met,
    decide_verdict,
)
from vsm_core.experiments.spec import EvidenceSpec
from vsm_core.experiments.wording import method_description
from vsm_core.metrics.xmr import xmr

if TYPE_CHECKING:  # evidence.py imports this module: the window type only for hints
    from vsm_core.experiments.evidence import Window

#: A window needs this many observations (items or weeks) for a confidence interval.
MIN_FOR_INTERVAL = 2


def finite(value: float | None) -> float | None:
    """``value`` when it is a finite number, else None (NaN and infinities are no value)."""
    return value if value is not None and math.isfinite(value) else None


@dataclass
class Side:
    """What one window holds, in chart order (start/done time, or week)."""

    values: np.ndarray  # durations (days) or weekly values; weeks without a value dropped
    censored: np.ndarray  # bool, per value
    labels: list[str]  # item ids or week Mondays


@dataclass
class Base:
    """The parts of a result every path shares, and the warnings collected so far."""

    metric: MetricSpec
    spec: EvidenceSpec
    assign: str | None
    resamples: int
    seed: int
    windows: tuple[Window, Window] | None = None
    warnings: list[str] = field(default_factory=list)

    def label(self) -> str:
        metric = self.metric
        if metric.kind == "per_item":
            if self.assign == "done":
                return (
                    f"{metric.label} of the items finished in each window (done-date "
                    "assignment; the smallest duration reaching the percentile, where the "
                    "metrics pages interpolate)"
                )
            return (
                f"{metric.label} of the items that started in each window (Kaplan–Meier, "
                "unfinished items censored; not the metrics pages' percentile of the items "
                "done in a window)"
            )
        if metric.kind == "delivery":
            return (
                f"mean over whole weeks of the weekly {metric.label}, from the team's deployment "
                "and incident records, in each window"
            )
        if metric.kind == "series":
            return (
                f"mean over whole weeks of the weekly mean of {metric.argument}, the team's "
                "uploaded series, in each window"
            )
        return {
            "throughput_per_week": "mean weekly throughput (items done per whole week)",
            "wip_mean": "mean over whole weeks of each week's mean daily WIP",
            "flow_efficiency": (
                "mean over whole weeks of the weekly flow efficiency "
                "(Σ active / Σ cycle days of the items done that week)"
            ),
            "work_item_age_p85": (
                "mean over whole weeks of the 85th percentile age of the work in progress "
                "at the end of each week (Sunday)"
            ),
            "share_of_type": (
                f"mean over whole weeks of the share of {metric.argument} among the items "
                "done that week"
            ),
        }[metric.family] + " in each window"

    def window_dict(self, index: int, value: float | None, n: int) -> dict[str, Any]:
        out: dict[str, Any] = {"value": finite(value), "n": int(n)}
        if self.windows is None:
            out.update({"from": None, "to": None})
        else:
            out.update(self.windows[index].as_dict())
        return out

    def result(self, **fields: Any) -> EvidenceResult:
        spec, metric = self.spec, self.metric
        defaults: dict[str, Any] = {
            "before": self.window_dict(0, None, 0),
            "after": self.window_dict(1, None, 0),
            "change_abs": None,
            "change_pct": None,
            "ci95": (None, None),
            "p_value": None,
            "verdict": NOT_ENOUGH_DATA,
            "target_met": None,
            "signals": [],
            "censored": None,
            "straddlers": None,
            "p_value_method": (
                "log-rank test of the two groups' durations, two-sided"
                if metric.kind == "per_item"
                else "Mann–Whitney U test on the weekly values, two-sided"
            ),
            "weekly": [],
            "points": [],
            "limits": {"centre": None, "lnpl": None, "unpl": None},
            "distribution": {"before": [], "after": []},
        }
        defaults.update(fields)
        return EvidenceResult(
            metric=metric.name,
            label=self.label(),
            kind=metric.kind,
            unit=metric.unit,
            direction=spec.direction,
            target=spec.target,
            assign=self.assign,
            method_description=method_description(
                self.spec.method if self.assign is None else self.assign,
                per_item=metric.kind == "per_item",
            ),
            warnings=list(self.warnings),
            resamples=int(self.resamples),
            seed=int(self.seed),
            **defaults,
        )

    def empty(self, reason: str) -> EvidenceResult:
        self.warnings.append(reason)
        return self.result()


def window_problem(sizes: list[int], unit: str) -> str | None:
    """Why no interval can be computed from windows of these sizes, or None."""
    for name, n in zip(("before", "after"), sizes, strict=True):
        if n == 0:
            return f"the {name} window holds no {unit}s"
    for name, n in zip(("before", "after"), sizes, strict=True):
        if n < MIN_FOR_INTERVAL:
            return (
                f"the {name} window holds only {n} {unit}: a confidence interval needs at "
                f"least {MIN_FOR_INTERVAL}"
            )
    return None


def differences(base: Base, values: list[float], diff: np.ndarray | None) -> dict[str, Any]:
    """change_abs/pct, the interval, the verdict and target_met.

    ``values`` are the two windows' values (NaN when undefined); ``diff`` the
    defined bootstrap differences, or None when there is no interval. The
    change and ``target_met`` are reported whenever their values exist, even
    when the verdict is ``"not enough data"``.
    """
    before, after = values
    both = math.isfinite(before) and math.isfinite(after)
    change = after - before if both else None
    pct = change / before if change is not None and before != 0 else None
    if diff is None or diff.size == 0:
        ci: tuple[float | None, float | None] = (None, None)
    else:
        low, high = np.percentile(diff, [2.5, 97.5])
        ci = (float(low), float(high))
    spec = base.spec
    return {
        "change_abs": change,
        "change_pct": pct,
        "ci95": ci,
        "verdict": decide_verdict(spec.direction, ci),
        "target_met": decide_target_met(spec.direction, spec.target, finite(float(after))),
    }


def behaviour_chart(
    sides: list[tuple[np.ndarray, np.ndarray]],
    bounds: tuple[float | None, float | None] = (0.0, None),
) -> dict[str, Any]:
    """Points, frozen limits and after-change signals of the process behaviour chart;
    ``bounds``: the lowest and highest value the metric can take (``MetricSpec.bounds``),
    where the limits are cut."""
    (before_values, before_labels), (after_values, after_labels) = sides
    values = np.concatenate([before_values, after_values]).astype(np.float64)
    labels = [*map(str, before_labels), *map(str, after_labels)]
    n_base = len(before_values)
    windows = ["before"] * n_base + ["after"] * len(after_values)
    chart = xmr(values, baseline=n_base, labels=labels, bounds=bounds)
    signals = [
        {"label": labels[s["index"]], "value": float(values[s["index"]]), "rule": s["rule"]}
        for s in chart.signals
        if s["index"] >= n_base
    ]
    return {
        "points": [
            {"label": label, "value": float(v), "window": w}
            for label, v, w in zip(labels, values.tolist(), windows, strict=True)
        ],
        "limits": {"centre": chart.centre, "lnpl": chart.lnpl, "unpl": chart.unpl},
        "signals": signals,
    }
