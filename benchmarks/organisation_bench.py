"""Time the Organisation page's table (issue #13): ``python -m benchmarks.organisation_bench``.

The issue's target: for 50 teams of 10,000 items each, the page's first draw
under 3 s and a rerun under 0.3 s. The data: ``--teams`` synthetic teams of
``--items`` items (:func:`vsm_core.sample_data.generate_demo_dataset`, a seed
each) stored in a fresh SQLite database, each under a team of its own. Steps,
wall clock and this process's CPU time:

* ``first draw`` — what the page computes on a cold cache: the readable
  teams' latest versions and experiment counts, then every team's row
  (:func:`vsm_core.organisation.overview.overview_row`: the version loaded
  from the store, the flow summary of its last four weeks against the four
  before, the SLE hit rate);
* ``rerun`` — the same table when every row is cached (the page keeps rows
  in ``st.cache_data`` per version): the two store queries and the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from vsm_core.organisation.overview import overview_row, overview_table
from vsm_core.organisation.summary import experiment_counts, team_datasets
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.store import crud, make_engine, upgrade_to_head
from vsm_core.store.access import SYSTEM

FIRST_DRAW_TARGET_S = 3.0
RERUN_TARGET_S = 0.3


def _timed(step):
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_organisation(teams: int = 50, items: int = 10_000) -> dict:
    """Store ``teams`` teams of ``items`` items; time a cold and a cached table."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'organisation.db'}")
        upgrade_to_head(engine)
        with Session(engine) as session:
            for team in range(teams):
                crud.save_dataset_version(
                    session,
                    dataset=generate_demo_dataset(n_items=items, seed=100 + team),
                    name=f"Board {team:02d}",
                    team=f"Team {team:02d}",
                    format="demo",
                    actor=SYSTEM,
                )
        cache: dict[int, object] = {}

        def draw():
            with Session(engine) as session:
                chosen = team_datasets(session, actor=SYSTEM)
                counts = experiment_counts(session, actor=SYSTEM)
                rows = []
                for team in chosen:
                    if team.version_id not in cache:
                        dataset = crud.load_dataset(
                            session, version_id=team.version_id, actor=SYSTEM
                        )
                        cache[team.version_id] = overview_row(team, dataset, counts.get(team.team))
                    rows.append(cache[team.version_id])
            return overview_table(rows)

        table, first_wall, first_cpu = _timed(draw)
        _, rerun_wall, rerun_cpu = _timed(draw)
        engine.dispose()
    return {
        "teams": teams,
        "items": items,
        "rows": len(table),
        "first_draw": {"wall_s": first_wall, "cpu_s": first_cpu},
        "rerun": {"wall_s": rerun_wall, "cpu_s": rerun_cpu},
    }


def targets(result: dict) -> list[dict]:
    """The issue's two targets with PASS/FAIL (judged on wall clock)."""
    size = f"{result['teams']} teams x {result['items']:,} items"
    found = [
        {
            "target": f"Organisation first draw under {FIRST_DRAW_TARGET_S} s, {size}",
            "limit_s": FIRST_DRAW_TARGET_S,
            "measured_s": result["first_draw"]["wall_s"],
            "cpu_s": result["first_draw"]["cpu_s"],
        },
        {
            "target": f"Organisation rerun under {RERUN_TARGET_S} s, {size}",
            "limit_s": RERUN_TARGET_S,
            "measured_s": result["rerun"]["wall_s"],
            "cpu_s": result["rerun"]["cpu_s"],
        },
    ]
    for target in found:
        target["status"] = "PASS" if target["measured_s"] <= target["limit_s"] else "FAIL"
    return found


def format_target(target: dict) -> str:
    return (
        f"  [{target['status']}] {target['target']}: {target['measured_s']:.2f} s wall, "
        f"{target['cpu_s']:.2f} s CPU"
    )


def run_in_bench(teams: int = 50, items: int = 10_000) -> list[dict]:
    """``make bench``'s part: prints the target lines, returns them (results.json)."""
    print("\nOrganisation page (issue #13):", flush=True)
    found = targets(bench_organisation(teams, items))
    for target in found:
        print(format_target(target))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args(argv)
    result = bench_organisation(args.teams, args.items)
    for target in targets(result):
        print(format_target(target))
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
