"""What is aging: work in progress past the SLE or past its stage's usual time.

Definitions (docs/retrospective.md)
-----------------------------------

*in progress*, *age*
    As on the Flow metrics page (:func:`vsm_core.metrics.aging.aging_wip`): started,
    not done, not cancelled at the data's last moment; age = as-of − start, in days.

*past the SLE*
    Age above the service level expectation ``sle_days`` (by default the 85th
    percentile cycle time of every finished item, :func:`vsm_core.metrics.views.default_sle`);
    :func:`vsm_core.metrics.aging.items_at_risk`'s "breached".

*past the stage's 85th percentile*
    The item's time in its current stage (every stay there added up, the last one
    running to as-of) above the 85th percentile of the time finished items spent in
    that stage (:func:`vsm_core.metrics.stages.time_in_stage_summary`). A stage no
    finished item went through has no percentile, and flags nothing.

Rows: the items with at least one flag, oldest first (ties: the flow's order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.metrics.aging import aging_wip, items_at_risk
from vsm_core.metrics.scope import Scope
from vsm_core.metrics.stages import time_in_stage, time_in_stage_summary

#: The columns of :func:`aging_items`.
AGING_COLUMNS: tuple[str, ...] = (
    "item_id",
    "title",
    "type",
    "stage",
    "age_days",
    "days_in_stage",
    "stage_p85_days",
    "past_sle",
    "past_stage_p85",
)


def aging_items(scope: Scope, *, sle_days: float | None) -> pd.DataFrame:
    """Items in progress past the SLE or their stage's 85th percentile (module docstring).

    ``sle_days`` None: no SLE, only the stage rule flags. Columns :data:`AGING_COLUMNS`;
    ``stage_p85_days`` is NaN for a stage no finished item went through.
    """
    wip = aging_wip(scope)
    in_stage = time_in_stage(scope)[["item_id", "stage", "days"]]
    rows = wip.merge(in_stage, on=["item_id", "stage"], how="left", sort=False)
    p85 = {stage: values["p85"] for stage, values in time_in_stage_summary(scope).items()}
    stage_p85 = rows["stage"].map(p85).astype("float64")
    days_in_stage = rows["days"].astype("float64")
    age = rows["age_days"].to_numpy(dtype="float64")
    past_sle = np.zeros(len(rows), dtype=bool)
    if sle_days is not None:
        breached = items_at_risk(wip, sle_days)
        past_sle = rows["item_id"].isin(breached.loc[breached["status"] == "breached", "item_id"])
        past_sle = past_sle.to_numpy(dtype=bool)
    past_stage = (days_in_stage > stage_p85).to_numpy(dtype=bool)  # NaN compares False
    out = pd.DataFrame(
        {
            "item_id": rows["item_id"],
            "title": rows["title"],
            "type": rows["type"],
            "stage": rows["stage"],
            "age_days": age,
            "days_in_stage": days_in_stage,
            "stage_p85_days": stage_p85,
            "past_sle": past_sle,
            "past_stage_p85": past_stage,
        },
        columns=list(AGING_COLUMNS),
    )
    out = out[out["past_sle"] | out["past_stage_p85"]]
    order = np.argsort(-out["age_days"].to_numpy(dtype="float64"), kind="stable")
    return out.take(order).reset_index(drop=True)


def stage_most_past(aging: pd.DataFrame) -> tuple[str, int, float] | None:
    """The stage holding the most items past its 85th percentile: (stage, count, p85 days).

    Ties go to the stage met first in ``aging`` (the oldest item). None when no item
    is past its stage's percentile.
    """
    past = aging[aging["past_stage_p85"]]
    if past.empty:
        return None
    counts = past["stage"].value_counts(sort=False)
    stage = counts.index[int(np.argmax(counts.to_numpy()))]
    p85 = float(past.loc[past["stage"] == stage, "stage_p85_days"].iloc[0])
    return str(stage), int(counts[stage]), p85
