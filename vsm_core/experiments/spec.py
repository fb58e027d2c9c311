"""What an experiment says, validated: the fields the evidence needs and the record stores."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vsm_core.experiments.catalogue import parse_metric
from vsm_core.filters import ItemFilter

#: The baseline when none is given: the 12 weeks before the change date (as in the evidence).
DEFAULT_WINDOW = timedelta(weeks=12)

Direction = Literal["decrease", "increase"]
#: How a per-item metric's items are split between the windows (the experiment's record says
#: which; calendar metrics compare weeks and ignore it):
#: ``"start"`` – by start date, unfinished items counted as censored (the default);
#: ``"done"``  – by done date, unfinished items left out.
Method = Literal["start", "done"]
METHODS: tuple[Method, ...] = ("start", "done")
DEFAULT_METHOD: Method = "start"
Status = Literal["planned", "running", "reviewing", "adopted", "adapted", "abandoned"]
REVIEWED_STATUSES = ("adopted", "adapted", "abandoned")


class ExperimentScope(BaseModel):
    """Which items the experiment is about (empty = every item of the dataset)."""

    model_config = ConfigDict(frozen=True)

    work_types: tuple[str, ...] = ()
    team: str | None = None
    attributes: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    def item_filter(self) -> ItemFilter:
        return ItemFilter(
            work_types=self.work_types,
            teams=(self.team,) if self.team else (),
            attributes=tuple(sorted(self.attributes.items())),
        )

    def overlaps(self, other: ExperimentScope) -> bool:
        """Whether two scopes can hold the same items (then their effects mix)."""
        if self.team and other.team and self.team != other.team:
            return False
        if (
            self.work_types
            and other.work_types
            and not set(self.work_types) & set(other.work_types)
        ):
            return False
        for name in set(self.attributes) & set(other.attributes):
            if not set(self.attributes[name]) & set(other.attributes[name]):
                return False
        return True


class EvidenceSpec(BaseModel):
    """The part of an experiment its before/after evidence depends on.

    ``baseline_from``/``baseline_to``: optional baseline window (dates,
    inclusive); default the 12 weeks before ``change_date``. ``method``: how
    per-item metrics split the items between the windows (:data:`Method`).
    """

    model_config = ConfigDict(frozen=True)

    metric: str
    direction: Direction
    target: float | None = None
    change_date: date
    baseline_from: date | None = None
    baseline_to: date | None = None
    scope: ExperimentScope = Field(default_factory=ExperimentScope)
    method: Method = DEFAULT_METHOD

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        return parse_metric(value).name

    @model_validator(mode="after")
    def _windows(self) -> EvidenceSpec:
        if (self.baseline_from is None) != (self.baseline_to is None):
            raise ValueError("give both baseline dates or neither")
        if self.baseline_from is not None:
            if self.baseline_from > self.baseline_to:
                raise ValueError("the baseline starts after it ends")
            if self.baseline_to >= self.change_date:
                raise ValueError("the baseline must end before the change date")
        return self


# --- an experiment's scope and window, from any object with its fields -----------------------
#
# Stored experiments (ORM objects or rows read with SQLAlchemy Core) and unsaved
# ``ExperimentCreate`` models all work: only the attributes are read.


def experiment_scope(experiment: Any) -> ExperimentScope:
    """The stored scope as an :class:`ExperimentScope`."""
    return ExperimentScope.model_validate(experiment.scope or {})


def evidence_spec(experiment: Any) -> EvidenceSpec:
    """What the before/after evidence of ``experiment`` needs, validated.

    ``experiment``: a stored experiment (ORM object or Core row, its scope a
    JSON dict) or an unsaved ``ExperimentCreate``. Raises pydantic's
    ``ValidationError`` when the metric or the baseline dates are not valid.
    """
    return EvidenceSpec(
        metric=experiment.metric,
        direction=experiment.direction,
        target=experiment.target,
        change_date=experiment.change_date,
        baseline_from=experiment.baseline_from,
        baseline_to=experiment.baseline_to,
        scope=experiment_scope(experiment),
        method=experiment.method,
    )


def experiment_window(experiment: Any) -> tuple[date, date]:
    """``[start, end)`` of the dates the experiment's evidence reads.

    From the baseline start (default 12 weeks before the change date) to the end of the
    after window, which is as long as the baseline (default 12 weeks from the change date).
    """
    if experiment.baseline_from is not None and experiment.baseline_to is not None:
        start = experiment.baseline_from
        length = experiment.baseline_to - experiment.baseline_from + timedelta(days=1)
    else:
        start = experiment.change_date - DEFAULT_WINDOW
        length = DEFAULT_WINDOW
    return start, experiment.change_date + length


def windows_overlap(first: tuple[date, date], second: tuple[date, date]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def overlapping(experiment: Any, candidates: Iterable[Any]) -> list[Any]:
    """The ``candidates`` (other experiments on the same dataset) whose effects can mix with
    ``experiment``'s: both their windows and their scopes overlap. Order kept; the experiment
    itself (same ``id``) is left out."""
    start, end = experiment_window(experiment)
    scope = experiment_scope(experiment)
    own_id = getattr(experiment, "id", None)
    return [
        other
        for other in candidates
        if (own_id is None or other.id != own_id)
        and windows_overlap((start, end), experiment_window(other))
        and scope.overlaps(experiment_scope(other))
    ]
