"""Why the event log is one Parquet block: read it back as rows instead, and compare.

``python -m benchmarks.rows_vs_block [--items N] [--repeat N] [--postgres-url URL]``

Stores the synthetic event log of ``--items`` items (default 150,000, about
1M events) two ways on SQLite and, when reachable, PostgreSQL, and times
reading it back into a canonical event frame:

* ``block`` – what :mod:`vsm_core.store.codec` does: one zstd Parquet blob,
  fetched and decoded with ``decode_events``;
* ``rows`` – one table row per event (item_id, status, entered_at, seq),
  fetched with the DBAPI cursor (no ORM), turned into a frame with
  ``DataFrame.from_records`` and validated with ``make_events``.

The rows are written the fastest way each driver offers (``executemany`` on
SQLite, ``COPY`` on PostgreSQL); only the read is compared. Nothing in
``vsm_core`` is used apart from the codec and ``make_events``.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from benchmarks.run import (
    postgres_database,
    postgres_server_version,
    resolve_postgres_url,
    sqlite_database,
    time_runs,
)
from benchmarks.synthetic import synthetic_dataset
from vsm_core.model import EVENT_COLUMNS, make_events
from vsm_core.store.codec import decode_events, encode_events

_CREATE = {
    "sqlite": "CREATE TABLE event_row (id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, "
    "status TEXT NOT NULL, entered_at TEXT NOT NULL, seq INTEGER NOT NULL)",
    "postgresql": "CREATE TABLE event_row (id BIGSERIAL PRIMARY KEY, item_id TEXT NOT NULL, "
    "status TEXT NOT NULL, entered_at TIMESTAMPTZ NOT NULL, seq BIGINT NOT NULL)",
}
_BLOB = {"sqlite": "BLOB", "postgresql": "BYTEA"}


def _store(engine: Engine, events: pd.DataFrame) -> None:
    backend = engine.dialect.name
    with engine.begin() as connection:
        connection.execute(text(_CREATE[backend]))
        connection.execute(text(f"CREATE TABLE event_block (payload {_BLOB[backend]} NOT NULL)"))
        connection.execute(
            text("INSERT INTO event_block (payload) VALUES (:payload)"),
            {"payload": encode_events(events)},
        )
    records = list(
        zip(
            events["item_id"].tolist(),
            events["status"].tolist(),
            events["entered_at"].map(pd.Timestamp.isoformat).tolist(),
            events["seq"].tolist(),
            strict=True,
        )
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        columns = "item_id, status, entered_at, seq"
        if backend == "sqlite":
            cursor.executemany(f"INSERT INTO event_row ({columns}) VALUES (?, ?, ?, ?)", records)
        else:
            with cursor.copy(f"COPY event_row ({columns}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
        raw.commit()
    finally:
        raw.close()


def _read_rows(engine: Engine) -> pd.DataFrame:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT item_id, status, entered_at, seq FROM event_row ORDER BY id")
        rows = cursor.fetchall()
    finally:
        raw.close()
    return make_events(pd.DataFrame.from_records(rows, columns=list(EVENT_COLUMNS)))


def _read_block(engine: Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        payload = connection.execute(text("SELECT payload FROM event_block")).scalar_one()
    return decode_events(bytes(payload))


def compare(url: str, events: pd.DataFrame, repeat: int) -> dict[str, dict]:
    engine = create_engine(url)
    try:
        _store(engine, events)
        timings = {}
        for name, reader in (("block", _read_block), ("rows", _read_rows)):
            timings[name], frame = time_runs(lambda r=reader: r(engine), repeat)
            pd.testing.assert_frame_equal(frame, events)
        return timings
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rows_vs_block", description=__doc__)
    parser.add_argument("--items", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)
    events = synthetic_dataset(args.items).events
    print(f"{args.items:,} items, {len(events):,} events; read back, min / median of {args.repeat}")
    postgres_url, why = resolve_postgres_url(args.postgres_url)
    if postgres_url is not None:
        try:
            postgres_server_version(postgres_url)
        except Exception as error:  # report and go on with SQLite
            postgres_url, why = None, f"skipped: cannot connect ({str(error).splitlines()[0]})"
    results = {}
    with sqlite_database() as url:
        results["sqlite"] = compare(url, events, args.repeat)
    if postgres_url is None:
        print(f"PostgreSQL {why}")
    else:
        with postgres_database(postgres_url) as url:
            results["postgresql"] = compare(url, events, args.repeat)
    for backend, timings in results.items():
        for name, timing in timings.items():
            print(f"  {backend:10s} {name:5s}  {timing['min']:.3f} / {timing['median']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
