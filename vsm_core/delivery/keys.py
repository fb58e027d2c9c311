"""The five DORA keys of a :class:`~vsm_core.delivery.log.DeliveryLog` (docs/metrics.md,
"Delivery: the DORA keys"). Pure, vectorised functions; times are UTC, weeks are ISO
weeks (Monday start) of local days in the given time zone.

Which deployment is what (:func:`classify`):

* **failed** (a change failure): its status is ``failure``; or an incident names it as its
  cause; or a rollback undid it (the last deployment of the same service before a
  rollback that is not itself a rollback or hotfix);
* **rework**: its kind is ``rollback`` or ``hotfix`` (unplanned, made because of a
  problem in production);
* **lead time for changes** (days): deployment time minus its first commit time, for
  successful deployments that name a first commit.

Recoveries (:func:`recoveries`), each with a start and an end:

* every incident, from its start to its resolution (open incidents have no end) —
  incidents that name no deployment count here, but never as a failed deployment;
* every failed deployment no incident names, from its deployment to the next successful,
  not failed deployment of the same service (a rollback or a fix going out); none yet:
  no end.

The keys, per week (:func:`weekly_table`) and over a window (:func:`window_summary`):

* ``deployment_frequency``: deployments per week (every deployment, failed or not);
* ``change_lead_time_p50``: median lead time for changes of the deployments made (days);
* ``change_failure_rate``: failed deployments / deployments (0..1);
* ``recovery_time_p50``: median recovery time of the recoveries started (days);
* ``deployment_rework_rate``: rework deployments / deployments (0..1).

A week or window without deployments has no rates (NaN); one without lead times or
finished recoveries has no median. Medians interpolate linearly between the two middle
values (as every percentile in Flowlab).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from vsm_core.delivery.log import REWORK_KINDS, DeliveryLog, local_days, log_span, text_or_none

__all__ = [
    "KEYS",
    "KEY_BOUNDS",
    "KEY_NAMES",
    "band",
    "classify",
    "recoveries",
    "service_table",
    "week_starts",
    "weekly_table",
    "window_summary",
]

#: The keys, in the order the page and the CLI show them.
KEYS = (
    "deployment_frequency",
    "change_lead_time_p50",
    "change_failure_rate",
    "recovery_time_p50",
    "deployment_rework_rate",
)
#: Their names in the interface.
KEY_NAMES = {
    "deployment_frequency": "Deployment frequency (deployments per week)",
    "change_lead_time_p50": "Lead time for changes, median (days)",
    "change_failure_rate": "Change failure rate",
    "recovery_time_p50": "Failed deployment recovery time, median (days)",
    "deployment_rework_rate": "Deployment rework rate",
}
#: The lowest and highest value each key can take (None: no bound), where the limits of
#: its behaviour chart are cut: the two rates lie in 0..1.
KEY_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    key: (0.0, 1.0) if key.endswith("_rate") else (0.0, None) for key in KEYS
}
_DAY = pd.Timedelta(days=1)


def classify(log: DeliveryLog) -> pd.DataFrame:
    """The deployments, in time order, with ``failed``, ``rework`` (bool) and
    ``lead_time_days`` (float, NaN where none) added (module docstring)."""
    deployments = log.deployments.sort_values("deployed_at", kind="stable").reset_index(drop=True)
    rework = deployments["kind"].isin(REWORK_KINDS).to_numpy(dtype=bool)
    failed = (deployments["status"] == "failure").to_numpy(dtype=bool, copy=True)
    refs = set(log.incidents["deployment_ref"].dropna())
    failed |= deployments["external_id"].isin(refs).to_numpy(dtype=bool)
    failed[_rolled_back(deployments, rework)] = True
    success = (deployments["status"] == "success").to_numpy(dtype=bool)
    lead = (deployments["deployed_at"] - deployments["commit_at"]) / _DAY
    lead = lead.to_numpy(dtype="float64", na_value=np.nan, copy=True)
    lead[~success] = np.nan
    return deployments.assign(failed=failed, rework=rework, lead_time_days=lead)


def _services(frame: pd.DataFrame) -> pd.Series:
    service = frame["service"]
    return service.where(service.notna(), "").astype(object)


def _rolled_back(deployments: pd.DataFrame, rework: np.ndarray) -> np.ndarray:
    """Positions of the deployments a rollback undid: for each rollback, the last earlier
    deployment of its service that is neither a rollback nor a hotfix."""
    rollbacks = (deployments["kind"] == "rollback").to_numpy(dtype=bool)
    if not rollbacks.any():
        return np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame(
        {
            "at": deployments["deployed_at"],
            "service": _services(deployments),
            "position": np.arange(len(deployments)),
        }
    )
    left = frame[rollbacks].drop(columns="position")
    right = frame[~rework]
    matched = pd.merge_asof(
        left, right, on="at", by="service", direction="backward", allow_exact_matches=False
    )
    return matched["position"].dropna().to_numpy(dtype=np.int64)


def recoveries(log: DeliveryLog, classified: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every recovery: ``started_at``, ``recovered_at`` (NaT while not recovered), ``service``,
    ``source`` (``incident`` or ``deployment``) and ``days`` (NaN while not recovered)."""
    deployments = classify(log) if classified is None else classified
    incidents = log.incidents
    from_incidents = pd.DataFrame(
        {
            "started_at": incidents["started_at"],
            "recovered_at": incidents["resolved_at"],
            "service": incidents["service"],
            "source": "incident",
        }
    )
    refs = set(incidents["deployment_ref"].dropna())
    named = deployments["external_id"].isin(refs)
    failed = deployments[deployments["failed"] & ~named]
    good = deployments[~deployments["failed"] & (deployments["status"] == "success")]
    left = pd.DataFrame({"at": failed["deployed_at"], "service": _services(failed)})
    right = pd.DataFrame(
        {"at": good["deployed_at"], "service": _services(good), "recovered_at": good["deployed_at"]}
    )
    if len(left):
        matched = pd.merge_asof(
            left, right, on="at", by="service", direction="forward", allow_exact_matches=False
        )
        recovered = matched["recovered_at"]
    else:
        recovered = pd.Series([], dtype="datetime64[us, UTC]")
    from_deployments = pd.DataFrame(
        {
            "started_at": failed["deployed_at"].reset_index(drop=True),
            "recovered_at": recovered.reset_index(drop=True),
            "service": failed["service"].reset_index(drop=True),
            "source": "deployment",
        }
    )
    parts = [p for p in (from_incidents, from_deployments) if len(p)]
    if not parts:
        out = pd.DataFrame(
            {
                "started_at": pd.Series([], dtype="datetime64[us, UTC]"),
                "recovered_at": pd.Series([], dtype="datetime64[us, UTC]"),
                "service": pd.Series([], dtype=object),
                "source": pd.Series([], dtype=object),
            }
        )
    else:
        out = pd.concat(parts, ignore_index=True)
    out["started_at"] = pd.to_datetime(out["started_at"], utc=True)
    out["recovered_at"] = pd.to_datetime(out["recovered_at"], utc=True)
    days = (out["recovered_at"] - out["started_at"]) / _DAY
    return out.assign(days=days.to_numpy(dtype="float64", na_value=np.nan))


@dataclass(frozen=True)
class Prepared:
    """A log's deployments classified (:func:`classify`) and its :func:`recoveries`, computed
    once for every key, week, window and service drawn from it."""

    classified: pd.DataFrame
    recoveries: pd.DataFrame


def prepare(log: DeliveryLog) -> Prepared:
    """:class:`Prepared` of ``log``."""
    classified = classify(log)
    return Prepared(classified, recoveries(log, classified))


def week_starts(values: pd.Series, timezone: str = "UTC") -> np.ndarray:
    """The Monday (``datetime64[D]``) of the local ISO week of each UTC instant."""
    days = local_days(values, timezone)
    weekday = (days.astype("datetime64[D]").astype(np.int64) - 4) % 7  # 1970-01-05 was a Monday
    return days - weekday.astype("timedelta64[D]")


def _only(frame: pd.DataFrame, service: str | None) -> pd.DataFrame:
    return frame if service is None else frame[frame["service"] == service]


def weekly_table(
    log: DeliveryLog,
    mondays: np.ndarray,
    *,
    service: str | None = None,
    timezone: str = "UTC",
    prepared: Prepared | None = None,
) -> pd.DataFrame:
    """One row per Monday in ``mondays`` (``datetime64[D]``): ``deployments``, ``failed``,
    ``rework``, ``recoveries`` (counts) and the five keys (module docstring). Weeks before
    the log's first day or after its last have no value at all (NaN counts too)."""
    mondays = np.asarray(mondays, dtype="datetime64[D]")
    prepared = prepared or prepare(log)
    rec = _only(prepared.recoveries, service)
    deployments = _only(prepared.classified, service)
    week = week_starts(deployments["deployed_at"], timezone)
    grouped = pd.DataFrame(
        {
            "week": week,
            "one": 1.0,
            "failed": deployments["failed"].to_numpy(dtype="float64"),
            "rework": deployments["rework"].to_numpy(dtype="float64"),
            "lead": deployments["lead_time_days"].to_numpy(dtype="float64"),
        }
    ).groupby("week")
    index = pd.Index(mondays, name="week")
    counts = grouped["one"].sum().reindex(index, fill_value=0.0).to_numpy()
    failed = grouped["failed"].sum().reindex(index, fill_value=0.0).to_numpy()
    rework = grouped["rework"].sum().reindex(index, fill_value=0.0).to_numpy()
    lead = grouped["lead"].median().reindex(index).to_numpy(dtype="float64")
    rec_week = week_starts(rec["started_at"], timezone)
    rec_days = pd.Series(rec["days"].to_numpy(dtype="float64"), index=rec_week)
    recovery = rec_days.groupby(level=0).median().reindex(index).to_numpy(dtype="float64")
    rec_count = rec_days.groupby(level=0).size().reindex(index, fill_value=0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        cfr = np.where(counts > 0, failed / np.where(counts > 0, counts, 1), np.nan)
        rwr = np.where(counts > 0, rework / np.where(counts > 0, counts, 1), np.nan)
    table = pd.DataFrame(
        {
            "week": mondays,
            "deployments": counts,
            "failed": failed,
            "rework": rework,
            "recoveries": rec_count.astype("float64"),
            "deployment_frequency": counts,
            "change_lead_time_p50": lead,
            "change_failure_rate": cfr,
            "recovery_time_p50": recovery,
            "deployment_rework_rate": rwr,
        }
    )
    outside = _outside_span(log, mondays, timezone)
    table.loc[outside, [c for c in table.columns if c != "week"]] = np.nan
    return table


def _outside_span(log: DeliveryLog, mondays: np.ndarray, timezone: str) -> np.ndarray:
    span = log_span(log, timezone=timezone)
    if span is None:
        return np.ones(len(mondays), dtype=bool)
    first, last = np.datetime64(span[0], "D"), np.datetime64(span[1], "D")
    return (mondays + np.timedelta64(6, "D") < first) | (mondays > last)


@dataclass(frozen=True)
class KeyValue:
    """One key over a window: its ``value`` (NaN when there is none), how many records it
    rests on (``n``) and its DORA band in words (``band``, None when the report has none)."""

    key: str
    value: float
    n: int
    band: str | None

    def as_json(self) -> dict:
        value = None if np.isnan(self.value) else round(float(self.value), 4)
        return {"value": value, "n": self.n, "band": self.band}


def window_summary(
    log: DeliveryLog,
    *,
    start: date | None = None,
    end: date | None = None,
    service: str | None = None,
    timezone: str = "UTC",
    prepared: Prepared | None = None,
) -> dict[str, KeyValue]:
    """The five keys over the local days ``start``..``end`` (inclusive; default: the log's
    span). Deployment frequency is deployments / (days in the window / 7)."""
    span = log_span(log, timezone=timezone)
    if span is None and (start is None or end is None):
        return {k: KeyValue(k, float("nan"), 0, None) for k in KEYS}
    start = start or span[0]
    end = end or span[1]
    prepared = prepared or prepare(log)
    rec = _only(prepared.recoveries, service)
    deployments = _only(prepared.classified, service)
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    in_days = local_days(deployments["deployed_at"], timezone)
    chosen = deployments[(in_days >= lo) & (in_days <= hi)]
    rec_days = local_days(rec["started_at"], timezone)
    rec = rec[(rec_days >= lo) & (rec_days <= hi)]
    weeks = ((hi - lo).astype(int) + 1) / 7.0
    n = len(chosen)
    lead = chosen["lead_time_days"].dropna()
    finished = rec["days"].dropna()
    values = {
        "deployment_frequency": (n / weeks if weeks > 0 else np.nan, n),
        "change_lead_time_p50": (float(lead.median()) if len(lead) else np.nan, len(lead)),
        "change_failure_rate": (float(chosen["failed"].mean()) if n else np.nan, n),
        "recovery_time_p50": (float(finished.median()) if len(finished) else np.nan, len(finished)),
        "deployment_rework_rate": (float(chosen["rework"].mean()) if n else np.nan, n),
    }
    return {k: KeyValue(k, float(v), int(c), band(k, float(v))) for k, (v, c) in values.items()}


def service_table(
    log: DeliveryLog,
    *,
    start: date | None = None,
    end: date | None = None,
    timezone: str = "UTC",
    prepared: Prepared | None = None,
) -> pd.DataFrame:
    """One row per service (and one for all of them first): the five keys over the window."""
    prepared = prepared or prepare(log)
    rows = []
    for name in [None, *log.services()]:  # a handful of services, each a vectorised summary
        summary = window_summary(
            log, start=start, end=end, service=name, timezone=timezone, prepared=prepared
        )
        rows.append({"service": name, **{k: summary[k].value for k in KEYS}})
    table = pd.DataFrame(rows, columns=["service", *KEYS])
    table["service"] = text_or_none(table["service"])  # None for all services, never NaN
    return table


# --- bands ---------------------------------------------------------------------------------------

#: The 2024 Accelerate State of DevOps report's clusters' typical change failure rates.
CFR_CLUSTERS = (("elite", 0.05), ("medium", 0.10), ("high", 0.20), ("low", 0.40))
_PER_WEEK_MONTHLY = 7 * 12 / 365.25
_PER_WEEK_HALF_YEARLY = 7 * 2 / 365.25


def band(key: str, value: float) -> str | None:
    """The performance band of the 2024 DORA report a value falls in, in words; None for
    no value or for the rework rate (the report publishes no band for it). See
    docs/metrics.md for the thresholds and the reading of overlapping clusters."""
    if value is None or np.isnan(value):
        return None
    if key == "deployment_frequency":
        if value >= 7:
            return "elite (on demand, about daily or more)"
        if value >= 1:
            return "high (between once a day and once a week)"
        if value >= _PER_WEEK_MONTHLY:
            return "medium (between once a week and once a month)"
        if value >= _PER_WEEK_HALF_YEARLY:
            return "low (between once a month and once every six months)"
        return "below the low band (less than once every six months)"
    if key == "change_lead_time_p50":
        if value < 1:
            return "elite (less than a day)"
        if value <= 7:
            return "high (between a day and a week)"
        if value <= 31:
            return "medium (between a week and a month)"
        if value <= 183:
            return "low (between a month and six months)"
        return "below the low band (more than six months)"
    if key == "change_failure_rate":
        name, typical = min(CFR_CLUSTERS, key=lambda c: abs(c[1] - value))
        return f"closest to the {name} cluster's {typical:.0%}"
    if key == "recovery_time_p50":
        if value < 1 / 24:
            return "elite (less than an hour)"
        if value < 1:
            return "high or medium (less than a day)"
        if value <= 31:
            return "low (between a day and a month)"
        return "below the low band (more than a month)"
    return None
