"""Before/after evidence of an improvement experiment: did the target metric move?

:func:`evaluate` compares a baseline window with the window after the change
date and returns an :class:`EvidenceResult` (``to_dict()`` is the JSON of
``experiments show --json``). It never raises on data problems: a metric that
cannot be computed gives the verdict ``"not enough data"`` and a warning that
says why.

The result type and the verdict rules are in
:mod:`vsm_core.experiments.evidence_result`; the per-item comparison
(Kaplan–Meier cohorts) in ``_per_item``, the comparison of weekly values
(calendar, delivery and series metrics) in ``_weekly``, and what both share
(the result's common parts, the difference and its interval, the chart) in
``_comparison``.

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
    undefined (``MAX_UNDEFINED_SHARE``) the interval is undefined. A
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

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from vsm_core.experiments._comparison import Base
from vsm_core.experiments._per_item import per_item
from vsm_core.experiments._weekly import calendar_metric, weekly_comparison, whole_weeks
from vsm_core.experiments.catalogue import EXTERNAL_KINDS, MetricSpec, parse_metric
from vsm_core.experiments.evidence_result import MIN_RESAMPLES, EvidenceResult
from vsm_core.experiments.spec import EvidenceSpec, ExperimentScope, Method
from vsm_core.experiments.wording import other_method, sensitivity_sentence
from vsm_core.metrics.scope import MetricOptions, Scope, build_scope
from vsm_core.model import CanonicalDataset

#: The method of a per-item comparison (kept under this name: results and snapshots say
#: ``assign``).
Assign = Method

DEFAULT_BASELINE_DAYS = 84  # 12 weeks


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


# --------------------------------------------------------------------------- evaluate


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
    base = Base(metric, spec, method if metric.kind == "per_item" else None, resamples, seed)
    first_event = scope.dataset_first_event
    if first_event is None or len(scope.days) == 0:
        return base.empty("the dataset has no events")
    problem = _set_windows(base, scope.days[0].date(), scope.days[-1].date())
    if problem is not None:
        return problem
    if metric.kind == "per_item":
        return per_item(scope, base, method)
    return calendar_metric(scope, base)


def _set_windows(base: Base, first_date: date, last_date: date) -> EvidenceResult | None:
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
    base = Base(metric, spec, None, resamples, seed)
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
    weeks, mondays = whole_weeks(base)
    return weekly_comparison(base, weeks, np.asarray(source.weekly(mondays), dtype=np.float64))


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
