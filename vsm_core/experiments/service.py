"""Experiments end to end: a record, the data it is judged on, its evidence, its review.

The CLI and the pages call these; they combine the stored experiment, the
dataset's latest version and :mod:`evidence` (the statistics).

:func:`judge` only reads, with SQLAlchemy Core (:mod:`vsm_core.store.reading`),
so ``experiments show`` imports neither SQLAlchemy's ORM nor SQLModel; it
takes a session or a connection. :func:`review` writes through
:mod:`records` (the ORM store).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from vsm_core.experiments.catalogue import EXTERNAL_KINDS, parse_metric
from vsm_core.experiments.evidence import WeeklySource, evaluate
from vsm_core.experiments.evidence_result import EvidenceResult
from vsm_core.experiments.spec import (
    REVIEWED_STATUSES,
    EvidenceSpec,
    evidence_spec,
    overlapping,
)
from vsm_core.experiments.wording import method_description
from vsm_core.metrics.report import to_json_ready
from vsm_core.store import reading
from vsm_core.store.access import Actor


@dataclass(frozen=True)
class Judgement:
    """An experiment's evidence now, and the snapshot the team stored when it reviewed it.

    ``experiment`` and each of ``overlaps`` are rows of the experiment table
    (attributes ``id``, ``title``, ``status``, ``metric``, ``change_date``, …).
    """

    experiment: Any
    evidence: EvidenceResult | None
    version_id: int | None
    snapshot: dict[str, Any] | None
    differs: bool
    overlaps: list[Any]


def judge(db, *, experiment_id: int, sensitivity: bool = True, actor: Actor) -> Judgement:
    """Compute the experiment's evidence on its dataset's latest version.

    ``db``: a session or a connection (only read). The verdict comes from the
    comparison method stored on the experiment; ``sensitivity`` (default)
    adds the other method's answer beside it (``evidence.sensitivity``),
    which a list of verdicts can skip (it doubles the work on per-item
    metrics). Raises ``LookupError`` for an unknown experiment, or one the
    ``actor`` may not read.
    """
    experiment = reading.experiment(db, experiment_id=experiment_id, actor=actor)
    if experiment is None:
        raise LookupError(f"no experiment {experiment_id}")
    spec = evidence_spec(experiment)
    version = reading.latest_version(db, dataset_id=experiment.dataset_id, actor=actor)
    evidence = None
    if version is not None:
        dataset = reading.load_dataset(db, version_id=version.id, actor=actor)
        source = _records_source(db, spec, experiment.dataset_id, dataset.timezone, actor)
        evidence = evaluate(dataset, spec, sensitivity=sensitivity, source=source)
    snapshot = reading.latest_snapshot_result(db, experiment_id=experiment_id, actor=actor)
    others = reading.experiments_of_dataset(db, dataset_id=experiment.dataset_id, actor=actor)
    return Judgement(
        experiment=experiment,
        evidence=evidence,
        version_id=version.id if version is not None else None,
        snapshot=snapshot,
        differs=_differs(snapshot, evidence),
        overlaps=overlapping(experiment, others),
    )


def _records_source(
    db, spec: EvidenceSpec, dataset_id: int, timezone: str, actor: Actor
) -> WeeklySource | None:
    """The team's records a delivery or series target is judged on (None for the others)."""
    metric = parse_metric(spec.metric)
    if metric.kind not in EXTERNAL_KINDS:
        return None
    team = reading.dataset_team(db, dataset_id=dataset_id, actor=actor)
    if team is None:
        return None
    # Imported here: the records' store modules load the ORM, which `experiments show` of a
    # flow metric never needs (its import budget is tested).
    from vsm_core.experiments.sources import weekly_source

    return weekly_source(db, metric=metric, team=team, actor=actor, timezone=timezone)


def _differs(snapshot: dict | None, evidence: EvidenceResult | None) -> bool:
    """Whether today's re-computation tells a different story than the stored review."""
    if snapshot is None or evidence is None:
        return False
    now = evidence.to_dict()
    keys = ("verdict", "target_met", "before", "after", "ci95")
    return any(to_json_ready(snapshot.get(k)) != to_json_ready(now.get(k)) for k in keys)


def review(
    session,
    *,
    experiment_id: int,
    status: str,
    learnings: str | None,
    author: str,
    actor: Actor,
) -> Judgement:
    """Set a reviewed status (and learnings) and store a snapshot of the result it was judged on.

    ``session``: a ``sqlmodel.Session`` (the writes go through :mod:`records`);
    ``actor`` needs the editor role in the experiment's team.
    """
    from vsm_core.experiments import records

    if status not in REVIEWED_STATUSES:
        raise ValueError(f"a review sets the status to one of {', '.join(REVIEWED_STATUSES)}")
    changes = {"status": status}
    if learnings is not None:
        changes["learnings"] = learnings
    records.update_experiment(
        session,
        experiment_id=experiment_id,
        changes=records.ExperimentUpdate(**changes),
        author=author,
        actor=actor,
    )
    judgement = judge(session, experiment_id=experiment_id, actor=actor)
    if judgement.evidence is None or judgement.version_id is None:
        return judgement
    records.save_snapshot(
        session,
        experiment_id=experiment_id,
        version_id=judgement.version_id,
        result=to_json_ready(judgement.evidence.to_dict()),
        author=author,
        actor=actor,
    )
    # The snapshot as stored (read back, as `show` will read it); the evidence is unchanged,
    # so it is not computed a second time.
    stored = reading.latest_snapshot_result(session, experiment_id=experiment_id, actor=actor)
    return replace(judgement, snapshot=stored, differs=_differs(stored, judgement.evidence))


def show_document(judgement: Judgement) -> dict[str, Any]:
    """The ``experiments show --json`` document (keys in docs/experiments.md).

    The record's own words first (what was tried, how it is compared, what was
    learned), then the contract keys of the evidence, the p-value in words and
    the sensitivity check, then context.

    ``EvidenceResult.to_dict()`` is JSON-ready already (plain Python types,
    NaN as None), so only the stored snapshot goes through ``to_json_ready``:
    on a large dataset the evidence holds a point per item, and walking it
    again cost a noticeable part of the command.
    """
    experiment = judgement.experiment
    evidence = judgement.evidence.to_dict() if judgement.evidence is not None else {}
    contract = {k: evidence.get(k) for k in CONTRACT_KEYS}
    contract["metric"] = experiment.metric
    return {
        **record_fields(experiment),
        **contract,
        "p_value_sentence": evidence.get("p_value_sentence"),
        "sensitivity": evidence.get("sensitivity"),
        "evidence": evidence,
        "snapshot": to_json_ready(judgement.snapshot),
        "snapshot_differs": bool(judgement.differs),
        "overlapping_experiments": [int(e.id) for e in judgement.overlaps],
    }


def record_fields(experiment: Any) -> dict[str, Any]:
    """What the team wrote on the experiment, as ``experiments show`` prints it.

    ``experiment``: a stored experiment (ORM object or Core row). ``method``
    is the stored method (``"start"`` or ``"done"``), ``method_description``
    the comparison it stands for in words (calendar metrics compare weeks).
    """
    per_item = parse_metric(experiment.metric).kind == "per_item"
    return {
        "id": experiment.id,
        "version": experiment.version,
        "title": experiment.title,
        "status": experiment.status,
        "owner": experiment.owner,
        "hypothesis": experiment.hypothesis,
        "action": experiment.action,
        "method": experiment.method,
        "method_description": method_description(experiment.method, per_item=per_item),
        "learnings": experiment.learnings,
    }


CONTRACT_KEYS = (
    "metric",
    "before",
    "after",
    "change_abs",
    "change_pct",
    "ci95",
    "p_value",
    "verdict",
    "target_met",
    "signals",
)
