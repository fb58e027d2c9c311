"""What the "Try something" form is prefilled with, from what the retrospective showed.

Rules, first that applies (docs/retrospective.md):

1. Items are past their stage's 85th percentile: the stage holding most of them.
   Target metric: the 85th percentile time in that stage, to decrease, target its
   current value.
2. The 85th percentile cycle time got longer than in the period before: cycle
   time p85, to decrease, target the period before's value.
3. Otherwise: cycle time p85, to decrease, no target.

The hypothesis follows the record's template ("We believe that … will … as
measured by …") with the change left for the team to write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from vsm_core.retrospective.aging import stage_most_past
from vsm_core.retrospective.since import Finished, days_text, round_days

#: What the team fills in: the change is theirs to name.
CHANGE_PLACEHOLDER = "[what we will try]"


@dataclass(frozen=True)
class Suggestion:
    """Prefilled fields of a new experiment, and ``reason``: why, in one sentence."""

    title: str
    hypothesis: str
    metric: str
    direction: str
    target: float | None
    reason: str


def suggest(finished: Finished, aging: pd.DataFrame) -> Suggestion:
    """The prefill (module docstring) from the period's :class:`Finished` and aging rows."""
    stage = stage_most_past(aging)
    if stage is not None:
        name, count, p85 = stage
        return Suggestion(
            title=f"Shorten the time in {name}",
            hypothesis=(
                f"We believe that {CHANGE_PLACEHOLDER} will shorten the time items spend in "
                f"{name}, as measured by the 85th percentile time in {name}."
            ),
            metric=f"time_in_stage_p85:{name}",
            direction="decrease",
            target=round_days(p85),
            reason=(
                f"{count} item{'s are' if count != 1 else ' is'} in {name} longer than 85 % "
                f"of finished items were ({days_text(p85)})."
            ),
        )
    now = finished.percentiles.get("p85", math.nan)
    before = (finished.previous_percentiles or {}).get("p85", math.nan)
    hypothesis = (
        f"We believe that {CHANGE_PLACEHOLDER} will finish work sooner, as measured by the "
        "85th percentile cycle time."
    )
    if not math.isnan(now) and not math.isnan(before) and round_days(now) > round_days(before):
        return Suggestion(
            title="Bring the cycle time back down",
            hypothesis=hypothesis,
            metric="cycle_time_p85",
            direction="decrease",
            target=round_days(before),
            reason=(
                f"The 85th percentile cycle time went from {days_text(before)} to {days_text(now)}."
            ),
        )
    return Suggestion(
        title="",
        hypothesis=hypothesis,
        metric="cycle_time_p85",
        direction="decrease",
        target=None,
        reason="Nothing stood out; the 85th percentile cycle time is a good first measure.",
    )
