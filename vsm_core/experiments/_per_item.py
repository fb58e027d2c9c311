"""The per-item comparison of :mod:`vsm_core.experiments.evidence`: Kaplan–Meier cohorts.

:func:`per_item` splits the items between the two windows by the experiment's
method (cohorts by start, unfinished items censored; or the items done in each
window), takes each window's Kaplan–Meier percentile, the log-rank p-value and
a bootstrap interval of the difference. Definitions: the module docstring of
:mod:`vsm_core.experiments.evidence` (*per-item metrics*).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vsm_core.experiments._comparison import (
    Base,
    Side,
    behaviour_chart,
    differences,
    window_problem,
)
from vsm_core.experiments._survival import bootstrap_km_percentiles, km_percentile, logrank_p
from vsm_core.experiments.evidence_result import EvidenceResult
from vsm_core.metrics.scope import Scope
from vsm_core.metrics.throughput import local_dates
from vsm_core.metrics.wip import stay_item_positions
from vsm_core.timeutil import utc_naive_us

#: More undefined bootstrap percentiles than this share: the interval is undefined.
MAX_UNDEFINED_SHARE = 0.05
#: Warning thresholds.
MIN_ITEMS = 10
MAX_CENSORED_SHARE = 0.30

_DAY = np.timedelta64(1, "D")


def per_item(scope: Scope, base: Base, assign: str) -> EvidenceResult:
    """``base.metric`` compared between ``base.windows`` by the method ``assign`` ("start":
    cohorts by start, unfinished items censored; "done": the items done in each window)."""
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

    sides: list[Side] = []
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
        sides.append(Side(values=value[rows], censored=censored[rows], labels=ids[rows].tolist()))
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
        **behaviour_chart(
            [
                (s.values[~s.censored], np.asarray(s.labels, dtype=object)[~s.censored])
                for s in sides
            ]
        ),
    }
    problem = window_problem([len(s.values) for s in sides], "item")
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
        return base.result(**differences(base, values, None), **common)

    rng = np.random.default_rng(seed=base.seed)
    boot = [bootstrap_km_percentiles(s.values, s.censored, q, base.resamples, rng) for s in sides]
    diff = boot[1] - boot[0]
    undefined = float(np.isnan(diff).mean())
    if undefined > MAX_UNDEFINED_SHARE:
        base.warnings.append(
            f"the percentile is undefined in {undefined:.0%} of the bootstrap resamples "
            f"(more than {MAX_UNDEFINED_SHARE:.0%}): no confidence interval"
        )
        return base.result(**differences(base, values, None), **common)
    return base.result(**differences(base, values, diff[~np.isnan(diff)]), **common)
