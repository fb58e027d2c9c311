"""Write a synthetic dataset as an ``events`` CSV export, for timing ``metrics FILE --json``.

One row per status event, grouped by item and in time order within an item,
with the item's fields repeated on every row, as an issue tracker's
changelog export has them::

    Key,Status,Changed,Type,Title,Team,Priority
    BEN-1,Backlog,2025-01-06T00:03:12Z,Feature,Item 1,Team A,Medium

``Changed`` is ISO 8601 UTC to the second. No cell needs quoting (titles are
``Item N``), so the file is written by Arrow's CSV writer without quotes:
6.7 million rows take a few seconds. ``quoted=True`` writes the same data
with every field quoted, header included, as Jira and Azure DevOps export
CSV (issue #9's speed criterion compares the two)::

    "Key","Status","Changed","Type","Title","Team","Priority"
    "BEN-1","Backlog","2025-01-06T00:03:12Z","Feature","Item 1","Team A","Medium"
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from benchmarks.synthetic import synthetic_frames

COLUMNS = ("Key", "Status", "Changed", "Type", "Title", "Team", "Priority")


def events_table(n_items: int, seed: int = 1) -> pa.Table:
    """The events export of ``synthetic_frames(n_items, seed)`` as an Arrow table of text."""
    items, events, _workflow = synthetic_frames(n_items, seed)
    position = pd.Index(items["item_id"]).get_indexer(events["item_id"])
    if (position < 0).any():  # pragma: no cover - the generator never does this
        raise AssertionError("an event of an unknown item")
    numbers = items["item_id"].str.removeprefix("BEN-")
    priority = pd.Series([a["Priority"] for a in items["attributes"]], dtype="str")

    def per_event(values: pd.Series) -> pa.Array:
        return pa.array(values.to_numpy(dtype=object)[position], type=pa.string())

    changed = pc.strftime(
        pa.array(events["entered_at"].dt.tz_localize(None).to_numpy(), type=pa.timestamp("s")),
        format="%Y-%m-%dT%H:%M:%SZ",
    )
    return pa.table(
        {
            "Key": pa.array(events["item_id"].to_numpy(dtype=object), type=pa.string()),
            "Status": pa.array(events["status"].to_numpy(dtype=object), type=pa.string()),
            "Changed": changed,
            "Type": per_event(items["type"]),
            "Title": per_event("Item " + numbers),
            "Team": per_event(items["team"]),
            "Priority": per_event(priority),
        }
    )


def write_events_csv(
    path: Path, n_items: int, seed: int = 1, *, quoted: bool = False
) -> dict[str, int]:
    """Write the export to ``path`` (every field quoted when ``quoted``); its size in bytes
    and its number of events (rows)."""
    table = events_table(n_items, seed)
    names = [f'"{name}"' if quoted else name for name in table.column_names]
    with open(path, "wb") as sink:  # the header by hand: Arrow would quote it
        sink.write((",".join(names) + "\n").encode())
        style = "all_valid" if quoted else "none"
        options = pacsv.WriteOptions(include_header=False, quoting_style=style)
        pacsv.write_csv(table, sink, write_options=options)
    return {"bytes": path.stat().st_size, "events": table.num_rows, "items": n_items}


def main() -> None:  # pragma: no cover - a convenience for profiling by hand
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quoted", action="store_true", help="quote every field")
    args = parser.parse_args()
    info = write_events_csv(args.path, args.items, args.seed, quoted=args.quoted)
    print(f"{args.path}: {info['events']:,} events, {info['bytes'] / 2**20:.1f} MiB")


if __name__ == "__main__":  # pragma: no cover
    main()
