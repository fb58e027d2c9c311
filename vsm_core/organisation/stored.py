"""The Organisation rows' version-dependent part, computed once per (version, period) and kept.

A team's row (:class:`vsm_core.organisation.overview.OverviewRow`) has two parts:
the flow summary against the previous period, the bottleneck and the SLE hit
rate depend only on the dataset version and the period length, so they are
stored (:mod:`vsm_core.store.summaries`) under :func:`row_key`; the experiment
counts change without a new version, so they are read live on every draw.

* :func:`summarise_at_import` stores the default period's row right after a
  version is written (the one import path of the page, the CLI and the demo
  seed, ``crud.save_dataset_version``); a failure is logged and never fails
  the import — the row is then computed on first read.
* :func:`overview_rows` reads every team's stored row in one query and
  computes (then stores) only the missing ones: versions imported before
  rows were stored, other period lengths, a changed definition.

The stored payload holds the numbers exactly as computed (no rounding; JSON
floats read back bit for bit), so a stored row equals a computed one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from vsm_core.experiments.checkin_flow import DEFAULT_DAYS, FlowSummary, Measure
from vsm_core.model import CanonicalDataset
from vsm_core.organisation.overview import OverviewRow, overview_row
from vsm_core.organisation.summary import TeamDataset, team_datasets
from vsm_core.store import summaries
from vsm_core.store.access import Actor

log = logging.getLogger(__name__)

#: The revision of the row's definition (flow summary, bottleneck, SLE hit rate). Raise it
#: when any of them changes: rows stored under the old key are then computed afresh.
ROW_REVISION = "v1"


def row_key(days: int) -> str:
    """The summary key of the row for periods of ``days`` days."""
    return f"overview-row/{ROW_REVISION}/days={int(days)}"


# --------------------------------------------------------------------------- payloads


def row_payload(row: OverviewRow) -> dict[str, Any]:
    """The stored part of a row: flow summary, SLE and hit rate (no team, no experiments)."""
    return summaries.encode(
        {
            "flow": None if row.flow is None else _flow_payload(row.flow),
            "sle_days": row.sle_days,
            "sle_hit_rate": row.sle_hit_rate,
        }
    )


def row_from_payload(
    chosen: TeamDataset, payload: Mapping[str, Any], experiments: Counter | None = None
) -> OverviewRow:
    """The row of ``chosen`` from its stored part and its live experiment counts."""
    flow = payload.get("flow")
    return OverviewRow(
        chosen,
        None if flow is None else _flow_from_payload(flow, dataset=chosen.dataset),
        payload.get("sle_days"),
        payload.get("sle_hit_rate"),
        dict(experiments or {}),
    )


def _flow_payload(flow: FlowSummary) -> dict[str, Any]:
    return {
        "team": flow.team,
        "period": [d.isoformat() for d in flow.period],
        "previous_period": [d.isoformat() for d in flow.previous_period],
        "completed": flow.completed,
        "measures": [
            [m.key, m.label, m.unit, m.better, m.value, m.previous, m.days] for m in flow.measures
        ],
        "bottleneck": flow.bottleneck,
    }


def _flow_from_payload(payload: Mapping[str, Any], *, dataset: str) -> FlowSummary:
    return FlowSummary(
        dataset=dataset,
        period=tuple(date.fromisoformat(d) for d in payload["period"]),
        previous_period=tuple(date.fromisoformat(d) for d in payload["previous_period"]),
        completed=int(payload["completed"]),
        measures=tuple(Measure(*fields) for fields in payload["measures"]),
        bottleneck=payload["bottleneck"],
        team=payload["team"],
    )


# --------------------------------------------------------------------------- reading


def overview_rows(
    session: Session,
    *,
    actor: Actor,
    chosen: Sequence[TeamDataset],
    load: Callable[[int], CanonicalDataset],
    counts: Mapping[str, Counter] | None = None,
    days: int = DEFAULT_DAYS,
) -> list[OverviewRow]:
    """One row per ``chosen`` team, in order: stored parts read in one query, the missing
    ones computed from ``load(version_id)`` and stored; ``counts`` are the live experiment
    counts by team (:func:`vsm_core.organisation.summary.experiment_counts`)."""
    counts = counts or {}
    key = row_key(days)
    found = summaries.stored_summaries(
        session, actor=actor, version_ids=[c.version_id for c in chosen], key=key
    )
    computed = {
        team.version_id: row_payload(overview_row(team, load(team.version_id), days=days))
        for team in chosen
        if team.version_id not in found
    }
    # All new rows in one write transaction, after computing them (no lock held meanwhile).
    summaries.keep_quietly(session, actor=actor, key=key, payloads=computed)
    return [
        row_from_payload(
            team,
            found[team.version_id]
            if team.version_id in found
            else summaries.decode(computed[team.version_id]),
            counts.get(team.team),
        )
        for team in chosen
    ]


def store_missing_rows(session: Session, *, actor: Actor, days: int = DEFAULT_DAYS) -> int:
    """Compute and store the ``days`` row of every team's latest version that has none (the
    versions imported before rows were stored, after an upgrade); the number stored. ``db
    upgrade`` calls it, so the Organisation page's first draw after an upgrade reads rows
    instead of computing them all."""
    from vsm_core.store import reading  # only here: the ORM-free reader of versions

    chosen = team_datasets(session, actor=actor)
    found = summaries.stored_summaries(
        session, actor=actor, version_ids=[c.version_id for c in chosen], key=row_key(days)
    )
    missing = [c for c in chosen if c.version_id not in found]
    overview_rows(
        session,
        actor=actor,
        chosen=missing,
        load=lambda version_id: reading.load_dataset(session, version_id=version_id, actor=actor),
        days=days,
    )
    return len(missing)


# --------------------------------------------------------------------------- import hook


def summarise_at_import(
    session: Session, *, actor: Actor, version_id: int, dataset: CanonicalDataset
) -> bool:
    """Store the default period's row of a version just written; True if it was stored.

    ``dataset`` is the version as imported (not read back: the numbers are the
    same, and reading 150,000 items again would slow every import). Never
    raises: a failure is logged and the row is computed on first read.
    """
    try:
        chosen = TeamDataset(team="", dataset="", dataset_id=0, version=0, version_id=version_id)
        payload = row_payload(overview_row(chosen, dataset, days=DEFAULT_DAYS))
        return summaries.store_summary(
            session, actor=actor, version_id=version_id, key=row_key(DEFAULT_DAYS), payload=payload
        )
    except Exception:  # an import is never failed by its summary
        session.rollback()
        log.warning("could not summarise dataset version %s at import", version_id, exc_info=True)
        return False
