"""Fast paths of the import, timed against the general paths they shortcut, and proposals left.

``python -m benchmarks.proposals --items 100000`` writes the synthetic
``events`` CSV (or reads ``FILE``), reads it up to the events parser, and
for each fast path times the general path and the fast path (min of
``--repeat``, seconds) after checking that both give equal results. The
fast paths kept (each measured to win, see docs/benchmarks.md) are in
``vsm_core/importers/dates.py``, ``vsm_core/importers/formats/common.py``
and ``vsm_core/workflow_suggest.py``:

* ``parse_timestamps``: the column read by Arrow's cast (ISO 8601) against
  the general parser (regular expressions and ``pd.to_datetime``);
* ``collapse_repeats``: integer codes, no sort for a grouped log, against
  sorting the frame by the ids' text;
* ``order_statuses_by_flow``: with the parser's codes, against hashing the
  ids and statuses again.

``row_items`` has one path since issue #9 (a ``groupby`` over the ids'
codes); its time is printed on its own line.

Left for a module the importers do not own (``--teardown``, a subprocess
each, best of ``--repeat``): **the interpreter's teardown** after
``python -m vsm_core metrics FILE --json``. At exit Python clears every
module and runs the cycle collector over everything pandas, numpy,
pyarrow and pydantic imported; ``vsm_core/__main__.py`` ending with
``code = main(); gc.freeze(); sys.exit(code)`` (or flushing stdout and
stderr and calling ``os._exit(code)``) skips most of it. The option times
the command as it is, with ``gc.freeze()`` before exiting, and with
``os._exit``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

#: The command run by --teardown, ending three ways.
_TEARDOWN = {
    "as it is": "sys.exit(main())",
    "gc.freeze() first": "code = main(); gc.freeze(); sys.exit(code)",
    "os._exit": "code = main(); sys.stdout.flush(); sys.stderr.flush(); os._exit(code)",
}


def best(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    """(fewest seconds of ``repeat`` calls, the last result)."""
    seconds, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        seconds = min(seconds, time.perf_counter() - started)
    return seconds, result


def fast_paths(path: Path, repeat: int) -> list[tuple[str, float, float]]:
    """(what, general seconds, fast seconds) of each landed fast path on the events CSV."""
    from vsm_core.importers import dates
    from vsm_core.importers.columns import resolve_mapping
    from vsm_core.importers.containers import read_upload
    from vsm_core.importers.formats import common
    from vsm_core.importers.formats import events as events_format
    from vsm_core.importers.options import ImportOptions
    from vsm_core.workflow_suggest import order_statuses_by_flow

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

    def parse() -> pd.Series:
        return dates.parse_timestamps(column, column="t", rows=table.rows).values

    fast_s, times = best(parse, repeat)
    saved, dates._iso_by_arrow = dates._iso_by_arrow, lambda _values, _zone: None
    try:
        slow_s, slow = best(parse, repeat)
    finally:
        dates._iso_by_arrow = saved
    pd.testing.assert_series_equal(times, slow)
    rows.append(("parse_timestamps (Arrow's cast)", slow_s, fast_s))

    ids, statuses = common.text(table, mapping["item_id"]), common.text(table, mapping["status"])
    codes, status_codes = common.factorize_ids(ids), pd.factorize(statuses)
    frame = common.events_frame(ids, statuses, times, np.arange(len(ids)))
    slow_s, slow = best(lambda: common._collapse_by_sorting(frame), repeat)
    fast_s, fast = best(lambda: common.collapse_repeats(frame, item_codes=codes[0]), repeat)
    pd.testing.assert_frame_equal(fast, slow)
    rows.append(("collapse_repeats", slow_s, fast_s))

    attributes = common.attribute_columns(table, mapping)
    seconds, _ = best(
        lambda: common.row_items(table, ids, mapping, None, attributes, codes=codes), repeat
    )
    rows.append(("row_items (one path: groupby)", float("nan"), seconds))

    kept = common.kept_events(frame, codes[0], status_codes)
    events = frame.take(kept).reset_index(drop=True)
    event_statuses = (status_codes[0][kept], status_codes[1])
    slow_s, slow = best(lambda: order_statuses_by_flow(events), repeat)
    fast_s, fast = best(
        lambda: order_statuses_by_flow(
            events, item_codes=codes[0][kept], status_codes=event_statuses
        ),
        repeat,
    )
    assert fast == slow, (fast, slow)
    rows.append(("order_statuses_by_flow (parser's codes)", slow_s, fast_s))
    return rows


def teardown(path: Path, repeat: int) -> list[tuple[str, float]]:
    """(ending, best wall seconds) of the whole metrics command ended each way."""
    results = []
    for label, ending in _TEARDOWN.items():
        code = (
            "import gc, os, sys\n"
            f"sys.argv = ['vsm_core', 'metrics', {str(path)!r}, '--json']\n"
            "from vsm_core.cli import main\n" + ending
        )
        seconds = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
            )
            seconds = min(seconds, time.perf_counter() - started)
        results.append((label, seconds))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.proposals")
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--teardown", action="store_true", help="also time the exit proposal")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="flowlab-proposals-") as folder:
        path = args.file
        if path is None:
            from benchmarks.events_csv import write_events_csv

            path = Path(folder) / "events.csv"
            write_events_csv(path, args.items)
        rows = fast_paths(path, args.repeat)
        print(f"{'function':<42} {'general':>8} {'fast':>8}  (equal results checked)")
        for name, slow_s, fast_s in rows:
            print(f"{name:<42} {slow_s:8.3f} {fast_s:8.3f}")
        if args.teardown:
            print("\nmetrics FILE --json, whole process, ended:")
            for label, seconds in teardown(path, args.repeat):
                print(f"  {label:<24} {seconds:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
