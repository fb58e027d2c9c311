"""Sample deployment, incident and measure files for the demo team, on request.

The demo team (:mod:`vsm_core.sample_data`) has work items only. So that the Delivery and
Measures pages, the DORA keys on Check-in and experiments on them can be tried without an
export, these functions write the files such a team would upload — in the shapes the
readers take (``docs/metrics.md``, *Deployments and incidents*; *Your own measures*) — and
they are stored through the same readers and store functions as any upload
(:func:`vsm_core.store.bootstrap.seed_demo_records`), never written into the store
directly.

The story follows the demo's process change on 2026-06-01 (a WIP limit: smaller batches):

* **Deployments** of two services, ``api`` and ``web``, to production, on working days
  from 2026-01-05 to 2026-10-02 (UTC): about 3 a week before the change and 6 after;
  each with its first commit (lead time for changes: about 5 days before, 2 after,
  exponential) and one or two change ids. About 1 in 4 fails before and 1 in 10 after:
  half of the failures have the status ``failure`` and are followed by a ``rollback``
  (3 hours later before the change, 1 after); the other half succeed and are named by an incident.
* **Incidents**: one for each failure named by an incident (started an hour after the
  deployment, resolved about 10 hours later before the change and 3 after), plus a few
  not caused by a deployment.
* **Measures**: weekly ``Customer satisfaction`` (1–5 survey mean; about 3.7 before, 4.0
  after) and ``Support tickets`` (tickets a week; about 40 before, 30 after).

Deterministic: a fixed seed, so the files (and their checksums) are the same every time;
storing them twice stores nothing the second time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.sample_data import PROCESS_CHANGE_DATE, SPAN_END, SPAN_START

#: The generator's seed (any fixed number: the files must not change between runs).
SEED = 20260601
DEPLOYMENTS_FILE = "demo-deployments.csv"
INCIDENTS_FILE = "demo-incidents.csv"
MEASURES_FILE = "demo-measures.csv"
SERVICES = ("api", "web")
#: (before, after) the change: deployments per working day, share failing, mean lead time
#: for changes (days), mean recovery (hours).
_PER_DAY = (0.6, 1.2)
_FAILING = (0.25, 0.10)
_LEAD_DAYS = (5.0, 2.0)
_RECOVERY_HOURS = (10.0, 3.0)
_ROLLBACK_HOURS = (3.0, 1.0)
_UNRELATED_INCIDENTS = 4


def _working_days() -> pd.DatetimeIndex:
    return pd.bdate_range(SPAN_START, SPAN_END, tz="UTC")


def _after(days: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    change = pd.Timestamp(PROCESS_CHANGE_DATE, tz="UTC")
    return np.asarray(days >= change)


def _pick(after: np.ndarray, pair: tuple[float, float]) -> np.ndarray:
    return np.where(after, pair[1], pair[0])


def _iso(times: pd.Series) -> pd.Series:
    return times.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _deployments(rng: np.random.Generator) -> pd.DataFrame:
    """Every deployment, in time order: id, time, service, status, kind, commit, changes,
    and whether an incident names it (``caused``)."""
    days = _working_days()
    counts = rng.poisson(_pick(_after(days), _PER_DAY))
    day = days.repeat(counts)
    n = len(day)
    at = pd.Series(day) + pd.to_timedelta(rng.uniform(9.0, 17.0, n), unit="h")
    at = at.dt.floor("min").sort_values(ignore_index=True)
    after = _after(at)
    failing = rng.random(n) < _pick(after, _FAILING)
    rolled_back = failing & (rng.random(n) < 0.5)
    lead = pd.to_timedelta(rng.exponential(_pick(after, _LEAD_DAYS)), unit="D")
    first_ticket = pd.Series(rng.integers(100, 999, n))
    two = rng.random(n) < 0.4  # a deployment carrying two changes
    second = (" DEMO-" + (first_ticket + 1).astype(str)).where(two, "")
    changes = "DEMO-" + first_ticket.astype(str) + second
    return pd.DataFrame(
        {
            "deployed_at": at,
            "service": rng.choice(SERVICES, n),
            "status": np.where(rolled_back, "failure", "success"),
            "kind": "",
            "first_commit_at": (at - lead).dt.floor("min"),
            "change_ids": changes.to_numpy(),
            "caused": failing & ~rolled_back,
        }
    )


def _with_rollbacks(deployments: pd.DataFrame) -> pd.DataFrame:
    """Each failed deployment followed by a rollback of its service: three hours later
    before the change, one hour after (smaller changes are quicker to undo)."""
    failed = deployments[deployments["status"] == "failure"]
    delay = pd.to_timedelta(_pick(_after(failed["deployed_at"]), _ROLLBACK_HOURS), unit="h")
    rollbacks = pd.DataFrame(
        {
            "deployed_at": failed["deployed_at"] + delay,
            "service": failed["service"],
            "status": "success",
            "kind": "rollback",
            "first_commit_at": pd.Series(
                pd.NaT, index=failed.index, dtype=deployments["first_commit_at"].dtype
            ),
            "change_ids": "",
            "caused": False,
        }
    )
    table = pd.concat([deployments, rollbacks], ignore_index=True)
    table = table.sort_values("deployed_at", kind="stable", ignore_index=True)
    table.insert(0, "id", [f"dep-{k + 1:04d}" for k in range(len(table))])
    return table


def demo_deployments(rng: np.random.Generator | None = None) -> pd.DataFrame:
    """The deployments table (module docstring); ``caused`` marks those an incident names."""
    return _with_rollbacks(_deployments(rng or np.random.default_rng(SEED)))


def demo_deployments_csv() -> bytes:
    """``demo-deployments.csv``: id, deployed_at, service, environment, status,
    first_commit_at, kind, change_ids (times in UTC, ISO 8601)."""
    table = demo_deployments()
    out = pd.DataFrame(
        {
            "id": table["id"],
            "deployed_at": _iso(table["deployed_at"]),
            "service": table["service"],
            "environment": "production",
            "status": table["status"],
            "first_commit_at": _iso(table["first_commit_at"]).fillna(""),
            "kind": table["kind"],
            "change_ids": table["change_ids"],
        }
    )
    return out.to_csv(index=False).encode()


def demo_incidents_csv() -> bytes:
    """``demo-incidents.csv``: id, title, started_at, resolved_at, service, deployment_id."""
    rng = np.random.default_rng(SEED + 1)
    deployments = demo_deployments()
    caused = deployments[deployments["caused"]]
    started = caused["deployed_at"] + pd.Timedelta(hours=1)
    hours = rng.exponential(_pick(_after(started), _RECOVERY_HOURS)) + 0.5
    unrelated_days = np.sort(rng.choice(_working_days(), _UNRELATED_INCIDENTS, replace=False))
    unrelated = pd.Series(pd.DatetimeIndex(unrelated_days)) + pd.Timedelta(hours=3)
    table = pd.DataFrame(
        {
            "title": ["Errors after a release"] * len(caused)
            + ["Hosting provider outage"] * _UNRELATED_INCIDENTS,
            "started_at": pd.concat([started, unrelated], ignore_index=True),
            "resolved_at": pd.concat(
                [
                    started + pd.to_timedelta(hours, unit="h"),
                    unrelated
                    + pd.to_timedelta(rng.uniform(1.0, 6.0, _UNRELATED_INCIDENTS), unit="h"),
                ],
                ignore_index=True,
            ),
            "service": pd.concat(
                [caused["service"], pd.Series(["api"] * _UNRELATED_INCIDENTS)], ignore_index=True
            ),
            "deployment_id": list(caused["id"]) + [""] * _UNRELATED_INCIDENTS,
        }
    ).sort_values("started_at", kind="stable", ignore_index=True)
    table.insert(0, "id", [f"inc-{k + 1:03d}" for k in range(len(table))])
    table["started_at"] = _iso(table["started_at"])
    table["resolved_at"] = _iso(table["resolved_at"].dt.floor("min"))
    return table.to_csv(index=False).encode()


def demo_measures_csv() -> bytes:
    """``demo-measures.csv``: date, metric, value — one value of each measure a week (the
    Monday of each week of the demo)."""
    rng = np.random.default_rng(SEED + 2)
    mondays = pd.date_range(SPAN_START, SPAN_END, freq="W-MON")
    after = np.asarray(mondays.date >= PROCESS_CHANGE_DATE)
    satisfaction = np.clip(_pick(after, (3.7, 4.0)) + rng.normal(0, 0.15, len(mondays)), 1, 5)
    tickets = rng.poisson(_pick(after, (40.0, 30.0)))
    days = [d.isoformat() for d in mondays.date]
    table = pd.DataFrame(
        {
            "date": days + days,
            "metric": ["Customer satisfaction"] * len(days) + ["Support tickets"] * len(days),
            "value": np.concatenate([satisfaction.round(2), tickets.astype(float)]),
        }
    )
    return table.to_csv(index=False).encode()


def demo_record_files() -> list[tuple[str, bytes]]:
    """The three sample files, as (file name, contents), in the order they are stored."""
    return [
        (DEPLOYMENTS_FILE, demo_deployments_csv()),
        (INCIDENTS_FILE, demo_incidents_csv()),
        (MEASURES_FILE, demo_measures_csv()),
    ]
