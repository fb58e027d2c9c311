"""Is a parsed import plausible at all? A result that cannot be right is not stored.

The data-quality report counts small problems a real export has; this check
looks for readings that make *every* number wrong — the sign of a file read
in the wrong format, a wrong column, or a wrong date order:

* most events dated in the future, or before 2000;
* most rows of a one-row-per-item file (``stages``, ``dates``) sharing their
  id with another row;
* no status that the workflow maps to a done stage ever occurs, so no item
  can ever finish.

Each finding is one sentence saying what looks wrong and what to set. The
CLI refuses such a result (exit 2) unless ``--force``; the Import page
disables Save and says why.
"""

from __future__ import annotations

import pandas as pd

from vsm_core.model import CanonicalDataset, Category

#: Share of events (or rows) past which a reading is refused.
MOST = 0.5
#: How far past "now" an event may be before it counts as in the future (clock skew, zones).
FUTURE_SLACK = pd.Timedelta(days=1)
_YEAR_2000 = pd.Timestamp("2000-01-01", tz="UTC")
_ONE_ROW_PER_ITEM = frozenset({"stages", "dates"})


def implausibilities(
    dataset: CanonicalDataset,
    *,
    format_name: str,
    raw_item_ids: pd.Series | None = None,
    now: pd.Timestamp | None = None,
) -> tuple[str, ...]:
    """Sentences naming what cannot be right about this reading; empty when plausible.

    ``raw_item_ids``: the id of every source row, for the one-row-per-item
    formats; ``now`` (UTC) defaults to the current time.
    """
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    found = [*_dates_off(dataset.events, now)]
    if format_name in _ONE_ROW_PER_ITEM and raw_item_ids is not None:
        found += _shared_ids(raw_item_ids, format_name)
    found += _nothing_finishes(dataset)
    return tuple(found)


def _dates_off(events: pd.DataFrame, now: pd.Timestamp) -> list[str]:
    if events.empty:
        return []
    when = events["entered_at"]
    found = []
    future = float((when > now + FUTURE_SLACK).mean())
    if future > MOST:
        found.append(
            f"{future:.0%} of the events are dated in the future: the dates are probably "
            "read in the wrong order or from the wrong column (set --date-order or "
            "--map timestamp=COLUMN)"
        )
    old = float((when < _YEAR_2000).mean())
    if old > MOST:
        found.append(
            f"{old:.0%} of the events are dated before 2000: a column of numbers was "
            "probably read as dates (name the date columns with --map, or choose --format)"
        )
    return found


def _shared_ids(raw_item_ids: pd.Series, format_name: str) -> list[str]:
    ids = raw_item_ids.dropna()
    if ids.empty:
        return []
    shared = float(ids.duplicated(keep=False).mean())
    if shared <= MOST:
        return []
    return [
        f"{shared:.0%} of the rows share their item id with another row, but a "
        f"{format_name} file has one row per item: this is probably a log with one row per "
        "change (choose --format events, transitions or snapshots) or the wrong id column "
        "(--map item_id=COLUMN)"
    ]


def _nothing_finishes(dataset: CanonicalDataset) -> list[str]:
    workflow = dataset.workflow
    done = {
        status.strip().casefold()
        for stage in workflow.stages
        if stage.category == Category.DONE
        for status in workflow.statuses_of(stage)
    }
    if dataset.events.empty:
        return []
    seen = {str(status).strip().casefold() for status in dataset.events["status"].unique()}
    if done & seen:
        return []
    return [
        "no item can ever finish: no status in the file is mapped to a stage of category "
        "done (mark the statuses that end the flow as done in the workflow, or pass "
        "--workflow FILE.toml)"
    ]
