"""Time the whole ``python -m vsm_core experiments show ID [--json]`` process.

Issue #5's target: ``experiments show`` answers in under 2 s. :func:`bench_experiments`

* creates a fresh SQLite database in a temporary folder and brings it to a
  usable state with the app's own bootstrap
  (:func:`vsm_core.store.bootstrap.prepare_database`: the migrations, then the
  demo team with its two recorded experiments);
* for each of ``large_sizes`` (items) stores the synthetic dataset of
  :mod:`benchmarks.synthetic` as a dataset of its own, with one experiment per
  metric of :data:`LARGE_METRICS` (change on :data:`LARGE_CHANGE_DATE`, the
  default 12-week baseline): teams' data is larger than the demo's;
* times ``repeat`` runs of ``[python, -m, vsm_core, --db, URL, experiments,
  show, ID, --json]`` and of the same without ``--json`` for every
  experiment: wall-clock seconds of each subprocess from start to exit
  (interpreter start-up, imports, the schema check, reading the dataset, the
  2,000-resample bootstrap and the output), and its peak RSS, as
  :func:`benchmarks.cli_bench.run_command` measures them;
* checks each ``--json`` document (the demo experiments' verdicts are
  ``improved`` and ``no clear change``) and that the text form exits 0;
* runs the first demo experiment once more under ``python -X importtime`` per
  repeat and reports the imports of the fastest run by top-level package
  (the sum of each package's own import times).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from benchmarks.cli_bench import run_command

#: The issue's target for one ``experiments show`` process, in seconds.
TARGET_SECONDS = 2.0
#: Default sizes (items) of the synthetic datasets stored beside the demo.
DEFAULT_LARGE_SIZES = (10_000, 100_000)
#: The synthetic data runs from 2025-01-06 for a year; a Monday in the middle.
LARGE_CHANGE_DATE = date(2025, 7, 7)
#: One per-item metric (the full Kaplan–Meier bootstrap; the synthetic data has too
#: many never-finished items for an 85th percentile) and one calendar metric.
LARGE_METRICS = ("cycle_time_p50", "throughput_per_week")
#: What the demo's two experiments must read (docs/experiments.md, "The demo").
DEMO_VERDICTS = {
    "WIP limit on Ready and Review": "improved",
    "Stand-up walks the board right to left": "no clear change",
}


def seed_database(url: str, *, large_sizes: list[int], seed: int) -> list[dict]:
    """Bootstrap the database at ``url`` as the app does, add the large datasets; the cases."""
    from sqlmodel import Session

    from benchmarks.synthetic import synthetic_dataset
    from vsm_core.experiments import records
    from vsm_core.store import crud, make_engine
    from vsm_core.store.access import SYSTEM
    from vsm_core.store.bootstrap import prepare_database

    engine = make_engine(url)
    try:
        if not prepare_database(engine, seed_demo=True):
            raise AssertionError("the fresh benchmark database was not seeded with the demo")
        with Session(engine) as session:
            cases = [
                {
                    "case": f"demo #{e.id}: {e.title}",
                    "id": e.id,
                    "items": crud.get_version(
                        session, dataset_id=e.dataset_id, actor=SYSTEM
                    ).item_count,
                    "metric": e.metric,
                    "expected_verdict": DEMO_VERDICTS.get(e.title),
                }
                for e in records.list_experiments(session, actor=SYSTEM)
            ]
            for n_items in large_sizes:
                version = crud.save_dataset_version(
                    session,
                    dataset=synthetic_dataset(n_items, seed),
                    name=f"synthetic {n_items}",
                    team="Bench",
                    format="synthetic",
                    actor=SYSTEM,
                )
                for metric in LARGE_METRICS:
                    experiment = records.create_experiment(
                        session,
                        data=records.ExperimentCreate(
                            dataset_id=version.dataset_id,
                            title=f"{metric} on {n_items:,} synthetic items",
                            hypothesis="We believe that nothing changes (a benchmark).",
                            action="none",
                            owner="benchmark",
                            metric=metric,
                            direction="decrease",
                            change_date=LARGE_CHANGE_DATE,
                            status="running",
                        ),
                        author="benchmark",
                        actor=SYSTEM,
                    )
                    cases.append(
                        {
                            "case": f"synthetic #{experiment.id}: {metric}",
                            "id": experiment.id,
                            "items": n_items,
                            "metric": metric,
                            "expected_verdict": None,
                        }
                    )
    finally:
        engine.dispose()
    return sorted(cases, key=lambda case: case["id"])


def show_command(url: str, experiment_id: int, *, as_json: bool, importtime: bool = False):
    command = [sys.executable]
    if importtime:
        command += ["-X", "importtime"]
    command += ["-m", "vsm_core", "--db", url, "experiments", "show", str(experiment_id)]
    return command + (["--json"] if as_json else [])


def _timed(command: list[str], folder: Path, env: dict, repeat: int) -> tuple[dict, Path]:
    out = folder / "show.out"
    runs, peaks = [], []
    for _ in range(repeat):
        seconds, peak, code = run_command(command, out, env, err=folder / "show.err")
        if code != 0:
            error = (folder / "show.err").read_text().strip().splitlines()
            raise RuntimeError(f"exit code {code}: {error[-1] if error else ''}")
        runs.append(seconds)
        peaks.append(peak)
    timing = {
        "seconds": {"min": min(runs), "median": statistics.median(runs), "runs": runs},
        "peak_rss_mb": max(peaks),
    }
    return timing, out


def import_breakdown(text: str) -> dict[str, float]:
    """Seconds of ``-X importtime`` output summed per top-level package (own times)."""
    per_package: Counter[str] = Counter()
    for line in text.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _cumulative, name = line.removeprefix("import time:").split("|", 2)
        per_package[name.strip().split(".")[0]] += int(own) / 1e6
    return dict(per_package.most_common())


def bench_experiments(*, large_sizes: list[int], repeat: int, seed: int) -> dict:
    """Seed a fresh database and time every case; a result dict (see :func:`format_table`)."""
    env = {k: v for k, v in os.environ.items() if k != "VSM_DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="flowlab-experiments-bench-") as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'bench.db'}"
        started = time.perf_counter()
        cases = seed_database(url, large_sizes=large_sizes, seed=seed)
        seed_seconds = time.perf_counter() - started
        for case in cases:
            print(f"  experiments show: {case['case']} ({case['items']:,} items)", flush=True)
            try:
                case["json"], out = _timed(
                    show_command(url, case["id"], as_json=True), folder, env, repeat
                )
                document = json.loads(out.read_text())
                case["text"], _ = _timed(
                    show_command(url, case["id"], as_json=False), folder, env, repeat
                )
            except RuntimeError as error:
                case["error"] = str(error)
                continue
            case["verdict"] = document["verdict"]
            case["before_n"], case["after_n"] = document["before"]["n"], document["after"]["n"]
            expected = case["expected_verdict"]
            if expected is not None and document["verdict"] != expected:
                case["error"] = f"verdict {document['verdict']!r}, expected {expected!r}"
        imports = None
        if cases and "error" not in cases[0]:
            best = None
            for _ in range(repeat):
                err = folder / "importtime.err"
                seconds, _, _ = run_command(
                    show_command(url, cases[0]["id"], as_json=True, importtime=True),
                    folder / "importtime.out",
                    env,
                    err=err,
                )
                packages = import_breakdown(err.read_text())
                total = sum(packages.values())
                if best is None or total < best["total"]:
                    best = {"case": cases[0]["case"], "process_seconds": seconds, "total": total}
                    best["packages"] = packages
            imports = best
    return {"seed_seconds": seed_seconds, "cases": cases, "imports": imports}


def _cell(timing: dict | None) -> str:
    return f"{timing['min']:.3f} / {timing['median']:.3f}" if timing else "-"


def format_table(result: dict, repeat: int) -> str:
    lines = [
        "python -m vsm_core experiments show ID [--json] (fresh SQLite database: demo team "
        f"and synthetic datasets, seeded in {result['seed_seconds']:.1f} s); "
        f"seconds, min / median of {repeat} run(s)"
    ]
    rows = [["case", "items", "before/after n", "verdict", "--json", "text", "peak RSS MiB"]]
    for case in result["cases"]:
        ok = "json" in case and "text" in case
        rows.append(
            [
                case["case"],
                f"{case['items']:,}",
                f"{case['before_n']:,} / {case['after_n']:,}" if "before_n" in case else "-",
                case.get("verdict", "-"),
                _cell(case["json"]["seconds"]) if ok else "-",
                _cell(case["text"]["seconds"]) if ok else "-",
                f"{max(case['json']['peak_rss_mb'], case['text']['peak_rss_mb']):,.0f}"
                if ok
                else "-",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        cells = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        lines.append("  ".join(cells))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    for case in result["cases"]:
        if "error" in case:
            lines.append(f"  {case['case']}: FAILED ({case['error']})")
    imports = result.get("imports")
    if imports:
        top = list(imports["packages"].items())[:8]
        lines.append(
            f"  imports of {imports['case']} (-X importtime, fastest of {repeat}): "
            f"{imports['total']:.3f} s of {imports['process_seconds']:.3f} s; "
            + ", ".join(f"{name} {seconds:.3f}" for name, seconds in top)
        )
    return "\n".join(lines)


def targets(result: dict) -> list[dict]:
    """PASS/FAIL of "experiments show < 2 s" per case, on the slower of its two best runs."""
    out = []
    for case in result["cases"]:
        target = {"target": f"experiments show process < {TARGET_SECONDS:g} s: {case['case']}"}
        if "error" in case or "json" not in case:
            target.update(status="FAIL", note=case.get("error", "not measured"))
            out.append(target)
            continue
        slower = max(("json", "text"), key=lambda form: case[form]["seconds"]["min"])
        timing = case[slower]["seconds"]
        target.update(
            items=case["items"],
            form="--json" if slower == "json" else "text",
            min=timing["min"],
            median=timing["median"],
            status="PASS" if timing["min"] < TARGET_SECONDS else "FAIL",
        )
        out.append(target)
    return out


def format_target(target: dict) -> str:
    line = f"  [{target['status']}] {target['target']}"
    if "min" in target:
        line += (
            f" ({target['items']:,} items): {target['min']:.3f} s min, "
            f"{target['median']:.3f} s median (slower form: {target['form']})"
        )
    if "note" in target:
        line += f" ({target['note']})"
    return line
