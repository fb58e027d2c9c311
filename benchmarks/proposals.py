"""Prototypes of speed-ups proposed for modules the benchmarks do not own, checked and timed.

``python -m benchmarks.proposals --items 100000`` writes the synthetic
``events`` CSV (or reads ``FILE``), runs the import up to the format parser,
and for each proposal below times the current function and the prototype
(min of ``--repeat``) and checks that both give equal results
(``assert_frame_equal``). Nothing here is used by Flowlab itself: these are
drafts for the owners of ``vsm_core/importers/formats/common.py`` and
``vsm_core/importers/dates.py`` (see docs/benchmarks.md).

* :func:`collapse_repeats` – integer codes and one ``np.lexsort`` instead of
  sorting the frame by its string ``item_id`` (and ``str.strip().casefold()``
  over the distinct statuses only, not over every event);
* :func:`row_items` – no per-item Python aggregation of ``labels`` when the
  file has no labels column (every item gets ``()``), and the grouped frame
  built from the Arrow-backed columns instead of object arrays;
* :func:`fixed_iso_timestamps` – a fast path for a column whose every cell
  is ``YYYY-MM-DDTHH:MM:SSZ``: one ``pyarrow.compute.strptime``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vsm_core.importers.formats import common


def collapse_repeats(events: pd.DataFrame) -> pd.DataFrame:
    """Same result as ``common.collapse_repeats`` when ``seq`` has no duplicates.

    Repeats are found per item in ``(entered_at, seq)`` order (NaT last, as
    ``sort_values`` puts it); which item comes first does not matter, so the
    items are grouped by factorised codes instead of sorted by their text.
    """
    if events.empty:
        return events
    item, _ = pd.factorize(events["item_id"])
    status, names = pd.factorize(events["status"])
    keys = pd.Series(names, dtype="str").str.strip().str.casefold()
    key_of_name = pd.factorize(keys)[0]
    key = np.where(status >= 0, key_of_name[np.maximum(status, 0)], -1)
    when = events["entered_at"].to_numpy(dtype="datetime64[us]").view(np.int64).copy()
    when[when == np.iinfo(np.int64).min] = np.iinfo(np.int64).max  # NaT sorts last
    seq = events["seq"].to_numpy(dtype=np.int64)
    order = np.lexsort((seq, when, item))
    item_o, key_o = item[order], key[order]
    repeat_o = np.zeros(len(order), dtype=bool)
    same_item = (item_o[1:] == item_o[:-1]) & (item_o[1:] >= 0)
    repeat_o[1:] = same_item & (key_o[1:] == key_o[:-1]) & (key_o[1:] >= 0)
    repeat = np.empty_like(repeat_o)
    repeat[order] = repeat_o
    kept = events.loc[~repeat]
    if not (np.diff(seq[~repeat]) >= 0).all():
        kept = kept.sort_values("seq", kind="stable")
    return kept.reset_index(drop=True)


def row_items(table, ids, mapping, created, attributes) -> pd.DataFrame:
    """Same result as ``common.row_items``; no Python-level work per item without labels."""
    if "labels" in mapping:  # the per-item union of labels stays as it is
        return common.row_items(table, ids, mapping, created, attributes)
    frame = pd.DataFrame(
        {
            "item_id": ids.reset_index(drop=True),
            "title": common.text(table, mapping.get("title")).reset_index(drop=True),
            "type": common.text(table, mapping.get("type")).reset_index(drop=True),
            "team": common.text(table, mapping.get("team")).reset_index(drop=True),
            "created_at": created.reset_index(drop=True) if created is not None else pd.NaT,
            "blocked_days": common._numbers(table, mapping.get("blocked_days")),
        }
    )
    for column in attributes:
        frame[f"attr::{column}"] = table.frame[column].reset_index(drop=True)
    grouped = frame.groupby("item_id", sort=False)
    items = grouped.last().reset_index()
    items["created_at"] = grouped["created_at"].min().to_numpy()
    items.insert(items.columns.get_loc("blocked_days") + 1, "labels", [()] * len(items))
    items["attributes"] = common._attribute_dicts(items, attributes)
    return items.drop(columns=[f"attr::{c}" for c in attributes])


def fixed_iso_timestamps(values: pd.Series) -> pd.Series | None:
    """``datetime64[us, UTC]`` when every cell is ``YYYY-MM-DDTHH:MM:SSZ``; else None.

    A guard for the general parser: blanks, other layouts, other lengths or
    any cell ``strptime`` rejects leave the column to ``parse_timestamps``.
    """
    cells = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    if hasattr(values.array, "_pa_array"):  # Arrow-backed str: no conversion
        cells = values.array._pa_array
    if cells.null_count:
        return None
    lengths = pc.utf8_length(cells)
    if pc.min(lengths).as_py() != 20 or pc.max(lengths).as_py() != 20:
        return None
    if not pc.all(pc.equal(pc.utf8_slice_codeunits(cells, 19, 20), "Z")).as_py():
        return None
    parsed = pc.strptime(cells, format="%Y-%m-%dT%H:%M:%SZ", unit="us", error_is_null=True)
    if parsed.null_count:
        return None
    utc = pc.cast(parsed, pa.timestamp("us", tz="UTC"))
    return pd.Series(
        pd.array(utc.to_numpy(zero_copy_only=False), dtype="datetime64[us, UTC]"),
        index=values.index,
        name=values.name,
    )


def best(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    seconds, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        seconds = min(seconds, time.perf_counter() - started)
    return seconds, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.proposals")
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from vsm_core.importers.columns import resolve_mapping
    from vsm_core.importers.containers import read_upload
    from vsm_core.importers.dates import parse_timestamps
    from vsm_core.importers.formats import events as events_format
    from vsm_core.importers.options import ImportOptions

    with tempfile.TemporaryDirectory(prefix="flowlab-proposals-") as folder:
        path = args.file
        if path is None:
            from benchmarks.events_csv import write_events_csv

            path = Path(folder) / "events.csv"
            write_events_csv(path, args.items)
        table = read_upload(path.read_bytes(), path.name, ImportOptions(max_bytes=2**40)).table
    mapping = resolve_mapping(
        table.columns,
        required=events_format.REQUIRED,
        optional=events_format.OPTIONAL,
        given={},
    )
    print(f"{len(table.frame):,} rows; mapping {mapping}")
    rows = []

    column = table.frame[mapping["timestamp"]]
    old_s, old = best(
        lambda: parse_timestamps(column, column="t", rows=table.rows).values, args.repeat
    )
    new_s, new = best(lambda: fixed_iso_timestamps(column), args.repeat)
    if new is not None:
        pd.testing.assert_series_equal(new, old, check_names=False)
    rows.append(("parse_timestamps (fixed ISO layout)", old_s, new_s, new is not None))

    ids = common.text(table, mapping["item_id"])
    times = old
    frame = common.events_frame(
        ids, common.text(table, mapping["status"]), times, np.arange(len(ids))
    )
    old_s, old = best(lambda: common.collapse_repeats(frame), args.repeat)
    new_s, new = best(lambda: collapse_repeats(frame), args.repeat)
    pd.testing.assert_frame_equal(new, old)
    rows.append(("collapse_repeats", old_s, new_s, True))

    attributes = common.attribute_columns(table, mapping)
    old_s, old = best(lambda: common.row_items(table, ids, mapping, None, attributes), args.repeat)
    new_s, new = best(lambda: row_items(table, ids, mapping, None, attributes), args.repeat)
    pd.testing.assert_frame_equal(new, old)
    rows.append(("row_items (no labels column)", old_s, new_s, True))

    print(f"{'function':<40} {'current':>8} {'proposal':>9}  equal")
    for name, old_s, new_s, equal in rows:
        print(f"{name:<40} {old_s:8.3f} {new_s:9.3f}  {'yes' if equal else 'not applied'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
