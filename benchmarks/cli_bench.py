"""Time the whole ``python -m vsm_core metrics FILE --json`` process on an events CSV.

:func:`bench_cli` writes the synthetic dataset of ``n_items`` items as an
``events`` export (:mod:`benchmarks.events_csv`) into a temporary folder,
once plain and once with every field quoted (as Jira and Azure DevOps export
it), and runs ``[sys.executable, "-m", "vsm_core", "metrics", FILE, "--json"]``
from the repository root ``repeat`` times on each, in turn (plain, quoted,
plain, ...): wall-clock seconds of each subprocess, from ``Popen`` to its exit
(Python start-up, imports, reading, parsing, metrics and the JSON output
included), and its peak RSS (``ru_maxrss`` of that child from ``os.wait4``,
taken by a small launcher process, see :data:`LAUNCHER`). The quoted file's
time over the plain file's is taken pair by pair (issue #9: at most 1.2), so
that a drift of the machine's speed during the runs affects both alike.
Stdout goes to a file, which is parsed after the timing to check that the
document counts every item.

The subprocess gets ``VSM_MAX_UPLOAD_MB`` = :data:`UPLOAD_LIMIT_MB`: the
default upload limit (50 MB) would refuse the 1M-item file (about 470 MB);
the 100k-item file (about 45 MB) is under the default limit anyway.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.events_csv import write_events_csv

ROOT = Path(__file__).resolve().parents[1]
#: VSM_MAX_UPLOAD_MB for the benchmark's subprocesses (100 GB: no limit in practice).
UPLOAD_LIMIT_MB = 100_000


#: Runs argv[2:], then writes its seconds, ru_maxrss and exit code as JSON to argv[1].
#: A small process of its own starts the command: Linux carries a parent's
#: high-water mark over vfork + exec into the child's ru_maxrss, so starting it
#: from the (large) benchmark process would inflate the child's peak RSS.
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "maxrss": usage.ru_maxrss,
               "code": os.waitstatus_to_exitcode(status)}, out)
"""


def run_once(path: Path, out: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of one ``metrics FILE --json`` subprocess.

    The seconds run from starting the subprocess to its exit, as the launcher
    (:data:`LAUNCHER`) measures them: Python start-up, imports, reading,
    parsing, metrics and writing the JSON to ``out``.
    """
    command = [sys.executable, "-m", "vsm_core", "metrics", str(path), "--json"]
    return run_command(command, out, env)


def run_command(
    command: list[str], out: Path, env: dict[str, str], *, err: Path | None = None
) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of one subprocess running ``command``.

    Started by the launcher (:data:`LAUNCHER`) from the repository root, with
    stdout written to ``out`` (and stderr to ``err`` when given); the seconds
    run from starting the subprocess to its exit.
    """
    report = out.with_suffix(".run.json")
    with open(out, "wb") as sink, open(err or os.devnull, "wb") as err_sink:
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *command],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=err_sink if err is not None else None,
            check=True,
        )
    run = json.loads(report.read_text())
    scale = 1024 if sys.platform != "darwin" else 1024**2
    return run["seconds"], run["maxrss"] / scale, run["code"]


def bench_cli(n_items: int, *, repeat: int, seed: int) -> dict[str, object]:
    """Write the plain and the quoted CSV, time ``repeat`` subprocess runs of each in turn,
    check the outputs; a result dict (the plain file's figures at the top level, the quoted
    file's under ``"quoted"``, the paired ratios under ``"quoted_ratio"``)."""
    with tempfile.TemporaryDirectory(prefix="flowlab-cli-bench-") as folder:
        paths = {kind: Path(folder) / f"events-{n_items}-{kind}.csv" for kind in KINDS}
        started = time.perf_counter()
        infos = {"plain": write_events_csv(paths["plain"], n_items, seed)}
        write_seconds = time.perf_counter() - started
        infos["quoted"] = write_events_csv(paths["quoted"], n_items, seed, quoted=True)
        env = {**os.environ, "VSM_MAX_UPLOAD_MB": str(UPLOAD_LIMIT_MB)}
        runs: dict[str, list[float]] = {kind: [] for kind in KINDS}
        peaks: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for _ in range(repeat):
            for kind in KINDS:  # in turn: plain, quoted, plain, ...
                out = Path(folder) / f"metrics-{kind}.json"
                seconds, peak, code = run_once(paths[kind], out, env)
                if code != 0:
                    return {
                        "items": n_items,
                        "events": infos[kind]["events"],
                        "csv_bytes": infos[kind]["bytes"],
                        "error": f"exit code {code} ({kind} CSV)",
                    }
                runs[kind].append(seconds)
                peaks[kind].append(peak)
        documents = {kind: (Path(folder) / f"metrics-{kind}.json").read_text() for kind in KINDS}
        counted = json.loads(documents["plain"])["counts"]["items"]
        if counted != n_items:
            raise AssertionError(f"metrics counted {counted} items, expected {n_items}")
        if documents["quoted"] != documents["plain"]:
            raise AssertionError("the quoted CSV gave another metrics document")
        ratios = [q / p for q, p in zip(runs["quoted"], runs["plain"], strict=True)]
        return {
            "items": n_items,
            "events": infos["plain"]["events"],
            "csv_bytes": infos["plain"]["bytes"],
            "csv_write_seconds": write_seconds,
            "json_bytes": len(documents["plain"].encode()),
            "seconds": _spread(runs["plain"]),
            "peak_rss_mb": {"max": max(peaks["plain"]), "runs": peaks["plain"]},
            "quoted": {
                "csv_bytes": infos["quoted"]["bytes"],
                "seconds": _spread(runs["quoted"]),
                "peak_rss_mb": {"max": max(peaks["quoted"]), "runs": peaks["quoted"]},
            },
            "quoted_ratio": _spread(ratios),
            "upload_limit_mb": UPLOAD_LIMIT_MB,
        }


#: The two ways the export is written: no quotes, and every field quoted.
KINDS = ("plain", "quoted")


def _spread(values: list[float]) -> dict[str, object]:
    return {"min": min(values), "median": statistics.median(values), "runs": values}


def interpreter_startup(repeat: int = 5) -> dict[str, float]:
    """Seconds of ``python -c pass`` and of ``python -c "import vsm_core.cli ..."`` (best)."""
    imports = (
        "import vsm_core.cli, vsm_core.cli.importing, vsm_core.importers.pipeline, "
        "vsm_core.filters, vsm_core.metrics.report"
    )
    best = {}
    for label, code in (("python -c pass", "pass"), ("imports of metrics FILE", imports)):
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
            runs.append(time.perf_counter() - started)
        best[label] = min(runs)
    return best
