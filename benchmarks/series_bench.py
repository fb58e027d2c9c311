"""Time a team's own measures (issue #14 part 3): ``python -m benchmarks.series_bench``.

The data: ``--rows`` uploaded values (default 100,000: 50 measures of 2,000
days each, over 5 teams) written as a CSV of ``date, metric, value, team``,
and the same with every value written ``"1,234.56 €"`` (each cell through
the slower patterns for signs, currency and grouping). Steps, each timed
``--repeat`` times (wall clock, min and median):

* ``parse`` / ``parse (currency)`` — :func:`vsm_core.series.parse_series`;
* ``save`` — :func:`vsm_core.store.series.save_series` into a fresh SQLite
  database (every value new);
* ``save again`` — the same upload again (every value unchanged: nothing stored);
* ``replace`` — every value changed (each point replaced);
* ``load + charts`` — one team's points read back and every measure's
  weekly run chart computed.

No target is set by the issue; the numbers go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlmodel import Session

from vsm_core.series import parse_series, run_chart
from vsm_core.store import make_engine, upgrade_to_head
from vsm_core.store import series as store
from vsm_core.store.access import SYSTEM

DAYS = 2000
TEAMS = 5


def series_csv(rows: int, *, currency: bool = False, seed: int = 14) -> bytes:
    """``rows`` values (``rows // DAYS`` measures of ``DAYS`` days) as CSV bytes."""
    rng = np.random.default_rng(seed)
    measures = max(1, rows // DAYS)
    days = np.datetime64("2020-01-01") + np.arange(DAYS)
    values = rng.normal(5000.0, 50.0, size=measures * DAYS)
    written = '"{:,.2f} €"' if currency else "{:.3f}"
    cells = [written.format(v) for v in values]
    lines = ["date,metric,value,team"]
    lines += [
        f"{days[i % DAYS]},M{i // DAYS},{cell},T{(i // DAYS) % TEAMS}"
        for i, cell in enumerate(cells)
    ]
    return ("\n".join(lines) + "\n").encode()


def _timed(function, repeat: int) -> dict:
    wall = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        wall.append(time.perf_counter() - started)
    wall.sort()
    return {"min": wall[0], "median": wall[len(wall) // 2]}


def bench_series(rows: int = 100_000, repeat: int = 3) -> dict:
    plain, currency = series_csv(rows), series_csv(rows, currency=True)
    results = {
        "parse": _timed(lambda: parse_series(plain, "plain.csv"), repeat),
        "parse (currency)": _timed(lambda: parse_series(currency, "currency.csv"), repeat),
    }
    parsed = parse_series(plain, "plain.csv")
    changed = parsed.points.assign(value=parsed.points["value"] + 1)
    saves, again, replace, charts = [], [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            upgrade_to_head(engine)
            with Session(engine) as session:
                for points, times in ((parsed.points, saves), (parsed.points, again)):
                    started = time.perf_counter()
                    store.save_series(session, actor=SYSTEM, team="T0", points=points)
                    times.append(time.perf_counter() - started)
                started = time.perf_counter()
                store.save_series(session, actor=SYSTEM, team="T0", points=changed)
                replace.append(time.perf_counter() - started)
                started = time.perf_counter()
                team = store.load_points(session, actor=SYSTEM, team="T1")
                for metric in team["metric"].unique().tolist():
                    run_chart(team, metric, "week")
                charts.append(time.perf_counter() - started)
            engine.dispose()
    for name, times in (
        ("save", saves),
        ("save again", again),
        ("replace", replace),
        ("load + charts", charts),
    ):
        times.sort()
        results[name] = {"min": times[0], "median": times[len(times) // 2]}
    return {"rows": rows, "bytes": len(plain), "steps": results}


def run_in_bench(rows: int = 100_000, repeat: int = 3) -> list[dict]:
    """``make bench``'s part: prints each step's times; no target (the issue sets none), so
    the steps go into results.json as notes."""
    print(f"\nA team's own measures (issue #14), {rows:,} values:", flush=True)
    result = bench_series(rows, repeat)
    for name, timing in result["steps"].items():
        print(f"  {name:<18} min {timing['min']:6.2f} s   median {timing['median']:6.2f} s")
    return [
        {"target": f"measures: {name} of {rows:,} values", "status": "INFO", **timing}
        for name, timing in result["steps"].items()
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = bench_series(args.rows, args.repeat)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Measures: {result['rows']:,} values, {result['bytes'] / 1e6:.1f} MB of CSV")
    for name, timing in result["steps"].items():
        print(f"  {name:<18} min {timing['min']:6.2f} s   median {timing['median']:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
