"""The steps of reading delimited text, and the alternatives each choice was measured against.

``python -m benchmarks.reading [FILE ...] [--items N] [--repeat R]`` reads each
FILE (default: the synthetic ``events`` export of ``--items`` items, written
plain and with every field quoted) with ``read_upload`` as it is, then with
one choice of :mod:`vsm_core.importers.containers.delimited` switched to its
alternative, in turn (as is, alternative, as is, ...), and prints the median
CPU and wall milliseconds of each and the median of the paired ratios
alternative / as is. Every alternative must give the same table (checked).

The choices: Arrow's block (its default 1 MiB blocks, whose chunks are then
combined, or the whole file as one block); threads (one, or Arrow's
pool); columns whose cells cannot need stripping left as they are (or
always ``utf8_trim``); line numbers counted when each line is one record
(or always found from the positions of quotes and line ends).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv

from vsm_core.importers.containers import delimited, read_upload
from vsm_core.importers.options import ImportOptions


@contextlib.contextmanager
def _replaced(owner: object, name: str, value: object) -> Iterator[None]:
    saved = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, saved)


def _threaded_read(text, sep, width):
    """``delimited._arrow_read`` with Arrow's thread pool."""
    original = pacsv.ReadOptions

    def options(**kwargs):
        return original(**{**kwargs, "use_threads": True})

    with _replaced(pacsv, "ReadOptions", options):
        return _ARROW_READ(text, sep, width)


_ARROW_READ = delimited._arrow_read

#: label -> (object, attribute, replacement) switched while the alternative runs.
ALTERNATIVES: dict[str, tuple[object, str, object]] = {
    "the whole file as one Arrow block": (delimited, "ARROW_BLOCK_BYTES", 1 << 40),
    "Arrow's thread pool": (delimited, "_arrow_read", _threaded_read),
    "always utf8_trim every column": (delimited, "_may_need_trim", lambda cells, lengths: True),
    "line numbers always from positions": (delimited, "_simple_lines", lambda *args: None),
}


def _timed(function: Callable[[], object]) -> tuple[float, float, object]:
    """(CPU ms, wall ms, result) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    return (time.process_time() - cpu) * 1e3, (time.perf_counter() - wall) * 1e3, result


def compare(data: bytes, name: str, repeat: int) -> list[tuple[str, float, float, float, float]]:
    """(alternative, CPU ms as is, CPU ms alternative, wall ratio, CPU ratio) per choice."""

    def read():
        return read_upload(data, name, ImportOptions(max_bytes=2**40)).table

    rows = []
    for label, (owner, attribute, value) in ALTERNATIVES.items():
        cpu = {"as is": [], "alt": []}
        wall = {"as is": [], "alt": []}
        tables = {}
        for _ in range(repeat):
            for kind in ("as is", "alt"):
                context = _replaced(owner, attribute, value) if kind == "alt" else _nothing()
                with context:
                    c, w, tables[kind] = _timed(read)
                cpu[kind].append(c)
                wall[kind].append(w)
        pd.testing.assert_frame_equal(tables["as is"].frame, tables["alt"].frame)
        assert tables["as is"].rows.tolist() == tables["alt"].rows.tolist()
        rows.append(
            (
                label,
                statistics.median(cpu["as is"]),
                statistics.median(cpu["alt"]),
                _paired(wall["alt"], wall["as is"]),
                _paired(cpu["alt"], cpu["as is"]),
            )
        )
    return rows


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


def _paired(new: list[float], old: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(new, old, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reading")
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="flowlab-reading-") as folder:
        files = list(args.files)
        if not files:
            from benchmarks.events_csv import write_events_csv

            for quoted in (False, True):
                path = Path(folder) / f"events-{'quoted' if quoted else 'plain'}.csv"
                write_events_csv(path, args.items, quoted=quoted)
                files.append(path)
        for path in files:
            data = path.read_bytes()
            cpu, _, _ = _timed(
                lambda data=data, name=path.name: read_upload(
                    data, name, ImportOptions(max_bytes=2**40)
                )
            )
            print(f"\n{path.name} ({len(data) / 2**20:.1f} MiB): read_upload {cpu:.0f} ms CPU")
            print(
                f"  {'alternative':<48} {'as is':>7} {'alt':>7} {'wall alt/as is':>15} {'CPU':>6}"
            )
            for label, as_is, alt, wall_ratio, cpu_ratio in compare(data, path.name, args.repeat):
                print(f"  {label:<48} {as_is:7.1f} {alt:7.1f} {wall_ratio:15.2f} {cpu_ratio:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
