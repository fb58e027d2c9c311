"""Before/after evidence of an improvement experiment: did the target metric move?

:func:`evaluate` compares a baseline window with the window after the change
date and returns an :class:`EvidenceResult` (``to_dict()`` is the JSON of
``experiments show --json``). It never raises on data problems: a metric that
cannot be computed gives the verdict ``"not enough data"`` and a warning that
says why.

Definitions (the contract)
--------------------------

*dates*
    Local calendar dates in the dataset's time zone. The data runs from the
    date of the dataset's first event to the date of its last event (the
    as-of; an item filter never moves either end).

*windows*
    ``before`` (the baseline) is ``spec.baseline_from .. spec.baseline_to``
    when given, else the 12 weeks (84 days) before the change date
    (``change − 84 d .. change − 1 d``); either way clipped to the data
    (it starts no earlier than the first event's date). ``after`` runs from
    the change date for as many days as the (clipped) baseline, clipped to
    the data's last date. Both ends are inclusive and reported as ISO dates
    (``from``/``to``; ``to < from`` means an empty window).

*whole weeks* (calendar metrics)
    The ISO weeks (Monday–Sunday) lying entirely inside a window. A partial
    week at either end is left out: a clipped last week would bias
    throughput down.

*method* (per-item metrics; the experiment record's ``method``, in ``spec.method``)
    The verdict comes from the record's method only. The other method is
    computed too, as a labelled **sensitivity check** (``sensitivity``); it
    never changes the verdict.

*per-item metrics* (``cycle_time_p50/p85``, ``lead_time_p50/p85``, ``time_in_stage_p85:<stage>``)
    With the method ``"start"`` (default) the two windows are **cohorts by
    start**: the items whose flow ``start`` (first entry into a committed
    active/waiting stage) falls on a date in the window. Durations in
    elapsed fractional days:

    * cycle time: ``done − start``; lead time: ``done − created``;
      time in stage: the sum of the item's stays in the stage (re-entries
      add up; an open stay runs to the as-of). Only items that visited the
      stage are in a time-in-stage cohort.
    * Items not done at the as-of are **right-censored**, not dropped: their
      duration so far (``as-of − start``, ``as-of − created``, or the time in
      the stage so far) is a lower bound. For time in stage, every item that
      is not done is censored (it may still be in, or come back to, the
      stage).
    * **Cancelled items are dropped** from the cohorts (they never finish, so
      they have no duration to censor) and counted in a warning.

    The value of a window is the Kaplan–Meier percentile: the smallest
    observed duration at which the KM estimate of the CDF reaches p/100
    (``scipy.stats.ecdf`` of ``scipy.stats.CensoredData``; no interpolation).
    If the estimated CDF never gets there (censoring), the percentile is
    undefined and the verdict is ``"not enough data"``. These cohort
    percentiles are a different quantity from the metrics pages' cycle-time
    percentiles (items *done* in a window, linear interpolation); the
    ``label`` says so. ``p_value``: ``scipy.stats.logrank`` (two-sided) of
    the two cohorts, shown beside the verdict, never used for it.

    With the method ``"done"`` the windows hold the items **done** on a date in
    the window instead (no censoring; same percentile rule). ``straddlers``
    counts and lists the items of the after window that started before the
    change date: their durations mix the old and the new process.

*calendar metrics* (one value per whole week; the window's value is the mean)
    * ``throughput_per_week``: items done in the week (local done date);
    * ``wip_mean``: the mean of the week's seven daily WIP samples
      (:func:`vsm_core.metrics.wip.daily_wip`, end of each local day);
    * ``flow_efficiency``: Σ active days / Σ cycle days over the items done
      in the week (:func:`vsm_core.metrics.efficiency.flow_efficiency`);
    * ``work_item_age_p85``: the 85th percentile (numpy linear) age, in
      elapsed days, of the items in progress at the week's Sunday
      end-of-day sample;
    * ``share_of_type:<type>``: the share of that type among the items done
      in the week.

    A week without a value (nothing done for flow efficiency or share of
    type; nothing in progress for the age) is left out and counted in a
    warning.

*delivery and series metrics* (the DORA keys, an uploaded series; see
    :mod:`vsm_core.experiments.catalogue`)
    Compared exactly like calendar metrics, by whole weeks, but the weekly
    values come from a :class:`WeeklySource` the caller gives (the team's
    deployment and incident records, or its uploaded series): the data's
    dates are the source's first and last recorded day, not the dataset's.
    The experiment's scope (work types, team, attributes) filters items and
    does not apply to these records; a scope that names any is said in a
    warning. ``p_value``: ``scipy.stats.mannwhitneyu`` (two-sided) on the
    two windows' weekly values. The method does not apply (``assign`` is
    null, there is no sensitivity check).

*difference and confidence interval*
    ``change_abs = after − before``; ``change_pct = change_abs / before`` as
    a fraction (−0.3 is a 30 % drop; null when ``before`` is 0). ``ci95`` is a
    95 % percentile-bootstrap interval of the difference: each window is
    resampled with replacement separately (items for per-item metrics, with
    the KM percentile recomputed; weeks for calendar metrics, with the mean
    recomputed), ``resamples`` times (at least 2,000) from
    ``numpy.random.default_rng(seed)``. A per-item resample whose KM
    percentile is undefined is dropped; if more than 5 % of the resamples are
    undefined (:data:`MAX_UNDEFINED_SHARE`) the interval is undefined. A
    window needs at least 2 observations (items or weeks) for an interval.

*verdict* (from the interval; the p-value is shown beside it)
    ``"improved"`` when the interval excludes 0 in the wanted direction
    (decrease: ``high < 0``; increase: ``low > 0``), ``"worsened"`` when it
    excludes 0 the other way, ``"no clear change"`` otherwise, and
    ``"not enough data"`` when a window is empty or a value or the interval
    cannot be computed. ``target_met``: the after value ``<= target``
    (decrease) or ``>= target`` (increase); null without a target or an
    after value. ``change_abs``/``change_pct`` and ``target_met`` are shown
    whenever their values exist, even when the verdict is ``"not enough
    data"`` (e.g. no interval).

*warnings*
    A window with fewer than 10 items (per-item) or fewer than 4 whole weeks
    (calendar); more than 30 % of a cohort censored; a baseline shorter than
    12 weeks; an after window clipped by the end of the data; straddlers;
    cancelled items dropped; weeks without a value; and every reason for
    ``"not enough data"``.

*signals*
    A process behaviour chart (:func:`vsm_core.metrics.xmr.xmr`) of the
    baseline points followed by the after points, limits frozen on the
    baseline points. Per-item: the durations of the finished items in start
    order (done order with the method ``"done"``; censored items are not
    charted); calendar: the weekly values. ``signals`` lists the signals on
    after points: ``{label, value, rule}`` with rule ``"beyond_limits"`` or
    ``"run_of_8"`` (a point in a run of 8 or more on one side of the centre
    line).

*output* (``EvidenceResult.to_dict()``; NaN is written as null)
    ``metric``, ``label`` (plain words of what is compared), ``kind``
    (``per_item``/``calendar``/``delivery``/``series``), ``unit``, ``direction``, ``target``,
    ``assign`` (the method used; null for calendar metrics),
    ``method_description`` (what is compared, in words); ``before``/``after``:
    ``{value, n, from, to}`` (``n`` = items, or weeks with a value);
    ``change_abs``, ``change_pct``, ``ci95`` (``[low, high]``, ``[null,
    null]`` when undefined), ``p_value``, ``p_value_method`` (the test, in
    words), ``p_value_sentence`` (the p-value and what it means, one
    sentence), ``verdict``, ``target_met``; ``censored`` ``{before, after}`` (censored items per
    cohort; null for calendar metrics); ``straddlers`` ``{count, items}``
    (method ``"done"`` only, else null); ``warnings``; ``weekly``
    (calendar: every whole week ``{week_start, window, value}``, value null
    when the week has none); ``points`` ``[{label, value, window}]`` and
    ``limits`` ``{centre, lnpl, unpl}`` of the chart; ``signals``;
    ``distribution`` ``{before, after}``: ``[{label, value, censored}]`` per
    item (id, duration in days) or per week (Monday, weekly value), for
    side-by-side box plots; ``resamples``; ``seed``; ``sensitivity``: the
    other method's result (per-item metrics; null for calendar metrics or
    when not asked for): ``{method, description, verdict, interval [low,
    high], change_abs, p_value, straddlers (count, method "done" only),
    warnings (those the verdict's run did not give), sentence}``, the
    sentence reading e.g. ``"by done date: no clear change"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from vsm_core.experiments import _calendar
from vsm_core.experiments._survival import (
    bootstrap_km_percentiles,
    bootstrap_means,
    km_percentile,
    logrank_p,
    mann_whitney_p,
)
from vsm_core.experiments.catalogue import EXTERNAL_KINDS, MetricSpec, parse_metric
from vsm_core.experiments.spec import EvidenceSpec, ExperimentScope, Method
from vsm_core.experiments.wording import (
    method_description,
    other_method,
    p_value_sentence,
    sensitivity_sentence,
)
from vsm_core.metrics.scope import MetricOptions, Scope, build_scope
from vsm_core.metrics.throughput import local_dates
from vsm_core.metrics.wip import stay_item_positions
from vsm_core.metrics.xmr import xmr
from vsm_core.model import CanonicalDataset
from vsm_core.timeutil import utc_naive_us

#: The method of a per-item comparison (kept under this name: results and snapshots say
#: ``assign``).
Assign = Method
Verdict = Literal["improved", "worsened", "no clear change", "not enough data"]

IMPROVED: Verdict = "improved"
WORSENED: Verdict = "worsened"
NO_CLEAR_CHANGE: Verdict = "no clear change"
NOT_ENOUGH_DATA: Verdict = "not enough data"

DEFAULT_BASELINE_DAYS = 84  # 12 weeks
MIN_RESAMPLES = 2000
#: More undefined bootstrap percentiles than this share: the interval is undefined.
MAX_UNDEFINED_SHARE = 0.05
#: Warning thresholds.
MIN_ITEMS = 10
MIN_WEEKS = 4
MAX_CENSORED_SHARE = 0.30
#: A window needs this many observations (items or weeks) for a confidence interval.
MIN_FOR_INTERVAL = 2

_DAY = np.timedelta64(1, "D")
#: Differences this close to zero are rounding, not change (any unit: days, ratios, counts).
_ROUNDING = 1e-9


# --------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class Window:
    """An inclusive range of local dates; empty when ``end < start``."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return max((self.end - self.start).days + 1, 0)

    @property
    def empty(self) -> bool:
        return self.end < self.start

    def contains(self, days: np.ndarray) -> np.ndarray:
        """True where a ``datetime64[D]`` day (NaT: False) lies in the window."""
        lo, hi = np.datetime64(self.start, "D"), np.datetime64(self.end, "D")
        return ~np.isnat(days) & (days >= lo) & (days <= hi)

    def whole_weeks(self) -> list[date]:
        """The Mondays of the ISO weeks (Monday–Sunday) lying entirely inside the window."""
        first = self.start + timedelta(days=(7 - self.start.weekday()) % 7)
        weeks = []
        while first + timedelta(days=6) <= self.end:  # a loop over weeks only
            weeks.append(first)
            first += timedelta(days=7)
        return weeks

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def evidence_windows(
    spec: EvidenceSpec, first_date: date, last_date: date
) -> tuple[Window, Window, list[str]]:
    """The baseline and after windows for data spanning ``first_date .. last_date``.

    Returns ``(before, after, warnings)``; see the module docstring.
    """
    change = spec.change_date
    warnings: list[str] = []
    if spec.baseline_from is not None and spec.baseline_to is not None:
        start, end = spec.baseline_from, spec.baseline_to
    else:
        start, end = change - timedelta(days=DEFAULT_BASELINE_DAYS), change - timedelta(days=1)
    if start < first_date:
        warnings.append(
            f"the baseline starts at the first day of the data, {first_date.isoformat()}, "
            f"not {start.isoformat()}"
        )
    before = Window(max(start, first_date), min(end, last_date))
    nominal_after_end = change + timedelta(days=before.days - 1)
    after = Window(change, min(nominal_after_end, last_date))
    if not before.empty and before.days < DEFAULT_BASELINE_DAYS:
        warnings.append(
            f"the baseline is {before.days} days long, shorter than 12 weeks: "
            "a short baseline describes the old process less reliably"
        )
    if not after.empty and after.end < nominal_after_end:
        warnings.append(
            f"the after window is cut by the end of the data ({last_date.isoformat()}): "
            f"{after.days} of {before.days} days"
        )
    return before, after, warnings


@dataclass(frozen=True)
class WeeklySource:
    """Weekly values of a metric that are not computed from the dataset's items.

    ``span``: the first and last local date with a record (None: no records);
    ``weekly``: Mondays (``datetime64[D]``) -> one float per ISO week, NaN
    where the week has no value; ``what``: the records in words ("the
    deployments of Payments"), for warnings.
    """

    span: tuple[date, date] | None
    weekly: Callable[[np.ndarray], np.ndarray]
    what: str


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class EvidenceResult:
    """The before/after evidence of one experiment (see the module docstring).

    ``to_dict()`` gives the JSON-ready dict; its keys include exactly those of
    ``experiments show --json``: ``metric``, ``before``, ``after``,
    ``change_abs``, ``change_pct``, ``ci95``, ``p_value``, ``verdict``,
    ``target_met``, ``signals``.
    """

    metric: str
    before: dict[str, Any]
    after: dict[str, Any]
    change_abs: float | None
    change_pct: float | None
    ci95: tuple[float | None, float | None]
    p_value: float | None
    verdict: Verdict
    target_met: bool | None
    signals: list[dict[str, Any]]
    label: str = ""
    kind: str = ""
    unit: str = ""
    direction: str = ""
    target: float | None = None
    assign: str | None = None
    method_description: str = ""
    censored: dict[str, int] | None = None
    straddlers: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    p_value_method: str | None = None
    weekly: list[dict[str, Any]] = field(default_factory=list)
    points: list[dict[str, Any]] = field(default_factory=list)
    limits: dict[str, float | None] = field(default_factory=dict)
    distribution: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    resamples: int = MIN_RESAMPLES
    seed: int = 0
    sensitivity: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN becomes None, numpy scalars become Python numbers, tuples lists."""
        return {
            "metric": self.metric,
            "before": _clean(self.before),
            "after": _clean(self.after),
            "change_abs": _clean(self.change_abs),
            "change_pct": _clean(self.change_pct),
            "ci95": _clean(list(self.ci95)),
            "p_value": _clean(self.p_value),
            "p_value_sentence": p_value_sentence(_clean(self.p_value)),
            "verdict": self.verdict,
            "target_met": self.target_met,
            "signals": _clean(self.signals),
            "label": self.label,
            "kind": self.kind,
            "unit": self.unit,
            "direction": self.direction,
            "target": _clean(self.target),
            "assign": self.assign,
            "method_description": self.method_description,
            "censored": _clean(self.censored),
            "straddlers": _clean(self.straddlers),
            "warnings": list(self.warnings),
            "p_value_method": self.p_value_method,
            "weekly": _clean(self.weekly),
            "points": _clean(self.points),
            "limits": _clean(self.limits),
            "distribution": _clean(self.distribution),
            "resamples": self.resamples,
            "seed": self.seed,
            "sensitivity": _clean(self.sensitivity),
        }


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- decisions


def decide_verdict(direction: str, ci95: tuple[float | None, float | None]) -> Verdict:
    """The verdict from the interval of ``after − before`` (module docstring).

    A bound within 1e-9 of zero counts as zero: the bootstrap means of two windows of equal
    values differ by rounding only (~1e-17), and that must not read as a change."""
    low, high = ci95
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return NOT_ENOUGH_DATA
    low, high = (0.0 if abs(bound) <= _ROUNDING else bound for bound in (low, high))
    if high < 0:
        return IMPROVED if direction == "decrease" else WORSENED
    if low > 0:
        return IMPROVED if direction == "increase" else WORSENED
    return NO_CLEAR_CHANGE


def decide_target_met(direction: str, target: float | None, after: float | None) -> bool | None:
    """After value at or beyond the target in the wanted direction; None without either."""
    if target is None or after is None or not math.isfinite(after):
        return None
    return after <= target if direction == "decrease" else after >= target


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# --------------------------------------------------------------------------- evaluate


@dataclass
class _Side:
    """What one window holds, in chart order (start/done time, or week)."""

    values: np.ndarray  # durations (days) or weekly values; weeks without a value dropped
    censored: np.ndarray  # bool, per value
    labels: list[str]  # item ids or week Mondays


def evaluate(
    dataset: CanonicalDataset,
    spec: EvidenceSpec,
    *,
    sensitivity: bool = True,
    resamples: int = MIN_RESAMPLES,
    seed: int = 20261121,
    source: WeeklySource | None = None,
) -> EvidenceResult:
    """Compare the target metric before and after ``spec.change_date`` (module docstring).

    ``source`` gives the weekly values of a delivery or series metric (the
    dataset is not read for those); without one such a metric has "not
    enough data".

    ``spec.method`` (the experiment record's) decides how a per-item metric's
    items are split between the windows, and so the verdict. With
    ``sensitivity`` (default) a per-item metric is also compared by the other
    method, reported as ``sensitivity`` and never used for the verdict; it
    doubles the work, so callers that only list verdicts may turn it off.

    Raises ``ValueError`` only for a wrong argument (fewer than 2,000
    resamples); data problems give the verdict ``"not enough data"`` with a
    warning.
    """
    if int(resamples) < MIN_RESAMPLES:
        raise ValueError(f"resamples must be at least {MIN_RESAMPLES}")
    metric = parse_metric(spec.metric)
    if metric.kind in EXTERNAL_KINDS:
        return _external_metric(spec, metric, source, resamples, seed)
    scope = build_scope(dataset, MetricOptions(item_filter=spec.scope.item_filter()))
    result = _compare(scope, spec, metric, spec.method, resamples, seed)
    if not sensitivity or metric.kind != "per_item":
        return result
    other = _compare(scope, spec, metric, other_method(spec.method), resamples, seed)
    return replace(result, sensitivity=_sensitivity_check(result, other))


def _compare(
    scope: Scope, spec: EvidenceSpec, metric: MetricSpec, method: Method, resamples: int, seed: int
) -> EvidenceResult:
    """The evidence by one ``method`` (per-item metrics; calendar metrics ignore it)."""
    base = _Base(metric, spec, method if metric.kind == "per_item" else None, resamples, seed)
    first_event = scope.dataset_first_event
    if first_event is None or len(scope.days) == 0:
        return base.empty("the dataset has no events")
    problem = _set_windows(base, scope.days[0].date(), scope.days[-1].date())
    if problem is not None:
        return problem
    if metric.kind == "per_item":
        return _per_item(scope, base, method)
    return _calendar_metric(scope, base)


def _set_windows(base: _Base, first_date: date, last_date: date) -> EvidenceResult | None:
    """Set ``base.windows`` for data spanning ``first_date .. last_date``; the "not enough
    data" result when either window is empty, else None."""
    spec = base.spec
    before, after, warnings = evidence_windows(spec, first_date, last_date)
    base.windows = (before, after)
    base.warnings.extend(warnings)
    if before.empty:
        return base.empty(
            f"no baseline: the data ({first_date.isoformat()} .. {last_date.isoformat()}) "
            f"has no day in the baseline window (up to {before.end.isoformat()})"
        )
    if after.empty:
        return base.empty(
            f"no after window: the data ends on {last_date.isoformat()}, "
            f"before the change date {spec.change_date.isoformat()}"
        )
    return None


def _external_metric(
    spec: EvidenceSpec,
    metric: MetricSpec,
    source: WeeklySource | None,
    resamples: int,
    seed: int,
) -> EvidenceResult:
    """A delivery or series metric: whole weeks of the ``source``'s values (module docstring)."""
    base = _Base(metric, spec, None, resamples, seed)
    if spec.scope != ExperimentScope():
        base.warnings.append(
            "the experiment's scope (work types, team, attributes) selects items; it does not "
            f"apply to {source.what if source else 'these records'}, which are compared whole"
        )
    if source is None or source.span is None:
        what = source.what if source is not None else f"records for {metric.label}"
        return base.empty(f"no data: there are no {what}")
    problem = _set_windows(base, *source.span)
    if problem is not None:
        return problem
    weeks, mondays = _whole_weeks(base)
    return _weekly_comparison(base, weeks, np.asarray(source.weekly(mondays), dtype=np.float64))


def _sensitivity_check(result: EvidenceResult, other: EvidenceResult) -> dict[str, Any]:
    """The other method's answer, labelled, beside ``result`` (whose verdict stands).

    Only the warnings ``result`` did not give already are kept (the windows' are shared).
    """
    seen = set(result.warnings)
    return {
        "method": other.assign,
        "description": other.method_description,
        "verdict": other.verdict,
        "interval": list(other.ci95),
        "before": other.before,
        "after": other.after,
        "change_abs": other.change_abs,
        "p_value": other.p_value,
        "straddlers": other.straddlers["count"] if other.straddlers else None,
        "warnings": [warning for warning in other.warnings if warning not in seen],
        "sentence": sensitivity_sentence(other.assign, other.verdict),
    }


@dataclass
class _Base:
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
        out: dict[str, Any] = {"value": _finite(value), "n": int(n)}
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


# --------------------------------------------------------------------------- per item


def _per_item(scope: Scope, base: _Base, assign: str) -> EvidenceResult:
    metric = base.metric
    flow = scope.flow
    items = flow.items
    n_items = len(items)
    as_of = utc_naive_us(pd.Series([flow.as_of]))[0]
    start = utc_naive_us(items["start"])
    done = utc_naive_us(items["done"])
    state = items["state"].to_numpy(dtype=object)
    is_done = state == "done"
    cancelled = state == "cancelled"

    if metric.family.startswith("cycle_time"):
        origin = start
        finished = (done - origin) / _DAY
        so_far = (as_of - origin) / _DAY
        eligible = ~np.isnat(origin)
    elif metric.family.startswith("lead_time"):
        origin = utc_naive_us(items["created_at"])
        finished = (done - origin) / _DAY
        so_far = (as_of - origin) / _DAY
        eligible = ~np.isnat(origin)
    else:  # time_in_stage_p85:<stage>
        names = [name.casefold() for name in flow.workflow.stage_names]
        wanted = (metric.argument or "").casefold()
        if wanted not in names:
            return base.empty(
                f"stage {metric.argument!r} is not in the workflow "
                f"({', '.join(flow.workflow.stage_names)})"
            )
        stage = names.index(wanted)
        stays = flow.stays
        in_stage = stays["stage_index"].to_numpy(dtype=np.int64) == stage
        pos = stay_item_positions(flow)[in_stage]
        days = stays["duration_days"].to_numpy(dtype=np.float64)[in_stage]
        finished = np.bincount(pos, weights=days, minlength=n_items)
        so_far = finished
        eligible = np.bincount(pos, minlength=n_items) > 0

    tz = scope.timezone
    before_w, after_w = base.windows
    key_times = start if assign == "start" else done
    start_days = np.asarray(local_dates(items["start"], tz), dtype="datetime64[D]")
    key_days = (
        start_days
        if assign == "start"
        else np.asarray(local_dates(items["done"], tz), dtype="datetime64[D]")
    )
    ids = items["item_id"].astype("str").to_numpy(dtype=object)

    sides: list[_Side] = []
    dropped_cancelled = dropped_no_value = 0
    for window in (before_w, after_w):  # two windows
        member = window.contains(key_days) & eligible
        if assign == "start":
            dropped_cancelled += int((member & cancelled).sum())
            member &= ~cancelled
            censored = ~is_done
            value = np.where(is_done, finished, so_far)
        else:
            member &= is_done
            censored = np.zeros(n_items, dtype=bool)
            value = finished
        missing = member & np.isnan(value)
        dropped_no_value += int(missing.sum())
        rows = np.flatnonzero(member & ~missing)
        rows = rows[np.argsort(key_times[rows], kind="stable")]
        sides.append(_Side(values=value[rows], censored=censored[rows], labels=ids[rows].tolist()))
    if dropped_cancelled:
        base.warnings.append(
            f"{dropped_cancelled} cancelled item(s) left out of the cohorts "
            "(they never finish, so there is no duration to censor)"
        )
    if dropped_no_value:
        base.warnings.append(
            f"{dropped_no_value} item(s) without the dates this metric needs were left out"
        )

    straddlers = None
    if assign == "done":
        change = np.datetime64(base.spec.change_date, "D")
        after_rows = np.flatnonzero(after_w.contains(key_days) & is_done)
        started = start_days[after_rows]
        straddling = after_rows[~np.isnat(started) & (started < change)]
        straddlers = {"count": len(straddling), "items": ids[straddling].tolist()}
        if len(straddling):
            base.warnings.append(
                f"{len(straddling)} item(s) done in the after window started before the "
                "change (straddlers): their durations mix the old and the new process"
            )

    before, after = sides
    for name, side in (("before", before), ("after", after)):
        n = len(side.values)
        if 0 < n < MIN_ITEMS:
            base.warnings.append(
                f"the {name} window holds only {n} item(s) (fewer than {MIN_ITEMS})"
            )
        if n and side.censored.mean() > MAX_CENSORED_SHARE:
            base.warnings.append(
                f"{side.censored.mean():.0%} of the {name} cohort is unfinished (censored), "
                f"more than {MAX_CENSORED_SHARE:.0%}"
            )

    q = float(metric.percentile or 85)
    values = [km_percentile(s.values, s.censored, q) for s in sides]
    p_value = logrank_p((before.values, before.censored), (after.values, after.censored))
    common = {
        "before": base.window_dict(0, values[0], len(before.values)),
        "after": base.window_dict(1, values[1], len(after.values)),
        "censored": {"before": int(before.censored.sum()), "after": int(after.censored.sum())},
        "straddlers": straddlers,
        "p_value": p_value,
        "distribution": {
            name: [
                {"label": label, "value": float(v), "censored": bool(c)}
                for label, v, c in zip(
                    s.labels, s.values.tolist(), s.censored.tolist(), strict=True
                )
            ]
            for name, s in (("before", before), ("after", after))
        },
        **_chart(
            [
                (s.values[~s.censored], np.asarray(s.labels, dtype=object)[~s.censored])
                for s in sides
            ]
        ),
    }
    problem = _window_problem([len(s.values) for s in sides], "item")
    if problem is None:
        for name, value in zip(("before", "after"), values, strict=True):
            if math.isnan(value):
                problem = (
                    f"the {name} cohort's Kaplan–Meier estimate never reaches {q:.0f}% "
                    "(too many unfinished items): its percentile is undefined"
                )
                break
    if problem is not None:
        base.warnings.append(problem)
        return base.result(**_differences(base, values, None), **common)

    rng = np.random.default_rng(seed=base.seed)
    boot = [bootstrap_km_percentiles(s.values, s.censored, q, base.resamples, rng) for s in sides]
    diff = boot[1] - boot[0]
    undefined = float(np.isnan(diff).mean())
    if undefined > MAX_UNDEFINED_SHARE:
        base.warnings.append(
            f"the percentile is undefined in {undefined:.0%} of the bootstrap resamples "
            f"(more than {MAX_UNDEFINED_SHARE:.0%}): no confidence interval"
        )
        return base.result(**_differences(base, values, None), **common)
    return base.result(**_differences(base, values, diff[~np.isnan(diff)]), **common)


def _window_problem(sizes: list[int], unit: str) -> str | None:
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


def _differences(base: _Base, values: list[float], diff: np.ndarray | None) -> dict[str, Any]:
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
        "target_met": decide_target_met(spec.direction, spec.target, _finite(float(after))),
    }


def _chart(sides: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """Points, frozen limits and after-change signals of the process behaviour chart."""
    (before_values, before_labels), (after_values, after_labels) = sides
    values = np.concatenate([before_values, after_values]).astype(np.float64)
    labels = [*map(str, before_labels), *map(str, after_labels)]
    n_base = len(before_values)
    windows = ["before"] * n_base + ["after"] * len(after_values)
    chart = xmr(values, baseline=n_base, labels=labels)
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


# --------------------------------------------------------------------------- calendar


def _whole_weeks(base: _Base) -> tuple[list[list[date]], np.ndarray]:
    """The Mondays of each window's whole weeks, and all of them as ``datetime64[D]``."""
    before_w, after_w = base.windows
    weeks = [before_w.whole_weeks(), after_w.whole_weeks()]
    return weeks, np.array([*weeks[0], *weeks[1]], dtype="datetime64[D]")


def _calendar_metric(scope: Scope, base: _Base) -> EvidenceResult:
    metric = base.metric
    weeks, mondays = _whole_weeks(base)
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
    return _weekly_comparison(base, weeks, weekly)


def _weekly_comparison(base: _Base, weeks: list[list[date]], weekly: np.ndarray) -> EvidenceResult:
    """Compare the windows' weekly values (one per Monday of ``weeks``, NaN: no value)."""
    n_before = len(weeks[0])
    sides = []
    weekly_rows = []
    for index, name in enumerate(("before", "after")):
        values = weekly[:n_before] if index == 0 else weekly[n_before:]
        mondays_w = weeks[index]
        weekly_rows += [
            {"week_start": m.isoformat(), "window": name, "value": _finite(float(v))}
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
            _Side(values=values[has], censored=np.zeros(int(has.sum()), dtype=bool), labels=labels)
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
        **_chart([(s.values, np.asarray(s.labels, dtype=object)) for s in sides]),
    }
    problem = _window_problem([len(s.values) for s in sides], "whole week")
    if problem is not None:
        base.warnings.append(problem)
        return base.result(**_differences(base, means, None), **common)
    rng = np.random.default_rng(seed=base.seed)
    boot = [bootstrap_means(s.values, base.resamples, rng) for s in sides]
    return base.result(**_differences(base, means, boot[1] - boot[0]), **common)
