"""Time the future-state designer (issue #14): ``python -m benchmarks.future_bench``.

The issue's target: a future-state simulation of 12 weeks of a 600-item
team, 20 runs, under 2 s.

The data: the Demo team (:func:`vsm_core.sample_data.generate_demo_dataset`:
600 items over nine months), history the default 12 weeks up to its last
event, the change the demo team made (``wip:Ready=3``, ``wip:Review=3``:
both stages become limited queues, so every run goes through SimPy's event
engine). Steps, each timed ``repeat`` times after a full garbage collection
(wall clock and this process's CPU time; targets judged on the best run):

* ``measure`` — :func:`vsm_core.future.model.measure`: the flow, the journeys,
  the measured outcome;
* ``simulate current, 20 runs`` — the current state (no limit: computed
  directly, no event engine);
* ``simulate future, 20 runs`` — the changed stream through SimPy;
* ``design (whole call)`` — :func:`vsm_core.future.design`: measure, both
  simulations, outcomes, stage tables and sentences (the target).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time

from vsm_core.future import FutureOptions, design
from vsm_core.future.changes import parse_changes
from vsm_core.future.model import apply_changes, measure
from vsm_core.future.simulate import simulate
from vsm_core.sample_data import generate_demo_dataset

TARGET_S = 2.0
RUNS = 20
CHANGES = ("wip:Ready=3", "wip:Review=3")


def _timed(function, repeat: int) -> dict:
    """Min and median wall-clock and CPU seconds of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        started, cpu_started = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    wall.sort()
    cpu.sort()
    return {
        "min": wall[0],
        "median": wall[len(wall) // 2],
        "cpu_min": cpu[0],
        "cpu_median": cpu[len(cpu) // 2],
    }


def bench_future(repeat: int = 5) -> dict:
    """Time the steps of the module docstring on the demo team."""
    dataset = generate_demo_dataset()
    model, measured, _ = measure(dataset)
    future = apply_changes(model, parse_changes(CHANGES, model.stages))
    horizon, warmup = measured.window_days, 28.0
    steps = {
        "measure": _timed(lambda: measure(dataset), repeat),
        f"simulate current, {RUNS} runs": _timed(
            lambda: simulate(model, horizon_days=horizon, warmup_days=warmup, runs=RUNS), repeat
        ),
        f"simulate future, {RUNS} runs": _timed(
            lambda: simulate(future, horizon_days=horizon, warmup_days=warmup, runs=RUNS), repeat
        ),
        "design (whole call)": _timed(
            lambda: design(dataset, CHANGES, FutureOptions(runs=RUNS)), repeat
        ),
    }
    return {
        "team": {"items": len(dataset.items), "history_days": horizon, "changes": list(CHANGES)},
        "steps": steps,
    }


def targets(result: dict) -> list[dict]:
    timing = result["steps"]["design (whole call)"]
    return [
        {
            "target": f"future-state design, 12 weeks of a 600-item team, {RUNS} runs "
            f"< {TARGET_S:g} s",
            "min": timing["min"],
            "median": timing["median"],
            "cpu_min": timing["cpu_min"],
            "status": "PASS" if timing["min"] < TARGET_S else "FAIL",
        }
    ]


def format_table(result: dict, repeat: int) -> str:
    lines = [f"future state on the demo team; seconds, min / median of {repeat} run(s)"]
    for step, timing in result["steps"].items():
        lines.append(
            f"  {step:<28} wall {timing['min']:.3f} / {timing['median']:.3f}   "
            f"CPU {timing['cpu_min']:.3f} / {timing['cpu_median']:.3f}"
        )
    return "\n".join(lines)


def format_target(target: dict) -> str:
    return (
        f"  [{target['status']}] {target['target']}: {target['min']:.3f} s min, "
        f"{target['median']:.3f} s median (CPU {target['cpu_min']:.3f} s)"
    )


def run_in_bench(repeat: int) -> list[dict]:
    """``make bench``'s future-state part: run it, print its target line, return the targets.

    Every step's timing is kept in the target (``results.json``);
    ``python -m benchmarks.future_bench`` prints the table.
    """
    result = bench_future(repeat)
    found = targets(result)
    for target in found:
        print(format_target(target))
    found[0] = {**found[0], "steps": result["steps"], "team": result["team"]}
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    result = bench_future(args.repeat)
    if args.json:
        print(json.dumps({**result, "targets": targets(result)}, indent=2))
        return 0
    print(format_table(result, args.repeat))
    for target in targets(result):
        print(format_target(target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
