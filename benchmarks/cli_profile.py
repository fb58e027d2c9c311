"""Where the time of ``python -m vsm_core metrics FILE --json`` goes, stage by stage.

``python -m benchmarks.cli_profile FILE`` runs, in *this* fresh process, the
imports the command needs and then ``vsm_core.cli.main(["metrics", FILE,
"--json"])`` (stdout discarded) with timers wrapped around the functions in
:data:`PROBES`, and prints a tree of wall-clock seconds (first-call order,
nested calls indented, ``xN`` when called N times). Nothing is changed but
the wrapped names, which are restored afterwards.

* ``--items N`` writes the synthetic ``events`` CSV of N items first (to a
  temporary file) instead of reading ``FILE``;
* ``--cprofile`` also prints cProfile's top functions by cumulative time
  (cProfile slows Python-heavy code down, so its numbers are larger);
* ``--importtime`` also runs ``python -X importtime`` on the command's
  imports and prints the slowest top-level packages.

Interpreter start-up (``python -c pass``) is timed in a subprocess and
printed first. Run it as its own process: imports already done by the
caller would not be counted.

Probes called on a thread other than the main one would be listed after
the main thread's, under the thread's name (``metrics FILE`` itself reads
on the main thread).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

#: The modules ``metrics FILE --json`` imports (at start-up or lazily in the command).
COMMAND_IMPORTS = (
    "vsm_core.cli",
    "vsm_core.cli.importing",
    "vsm_core.importers.pipeline",
    "vsm_core.filters",
    "vsm_core.metrics.report",
    "vsm_core.metrics.scope",
)

#: (module, attribute, label): the functions timed, looked up where they are called from.
PROBES: tuple[tuple[str, str, str], ...] = (
    ("vsm_core.cli.importing", "read_import_request", "read file + options"),
    ("vsm_core.importers.pipeline", "read_upload", "read_upload (container)"),
    ("vsm_core.importers.containers", "utf8_text", "UTF-8 check (or decode + encode)"),
    ("vsm_core.importers.containers", "sniff_separator", "sniff separator"),
    ("vsm_core.importers.containers.delimited", "read_by_arrow", "one path (Arrow)"),
    ("vsm_core.importers.containers.delimited", "well_quoted", "quotes well placed (RE2)"),
    ("vsm_core.importers.containers.delimited", "_arrow_read", "pyarrow.csv.read_csv"),
    ("vsm_core.importers.containers.delimited", "_simple_lines", "line numbers (counted)"),
    ("vsm_core.importers.containers.delimited", "record_lines", "line numbers (positions)"),
    ("vsm_core.importers.containers.delimited", "_kept_rows", "strip, blanks, header rows"),
    ("vsm_core.importers.containers.lenient", "csv_records", "csv module (lenient)"),
    ("vsm_core.importers.containers.delimited", "build_table", "build RawTable"),
    ("vsm_core.importers.pipeline", "detect_format", "detect_format"),
    ("vsm_core.importers.pipeline", "_parse", "format parser (events)"),
    ("vsm_core.importers.formats.events", "resolve_mapping", "resolve_mapping"),
    ("vsm_core.importers.formats.common", "parse_timestamps", "parse_timestamps"),
    ("vsm_core.importers.dates", "_iso_by_arrow", "ISO 8601 by Arrow's cast"),
    ("vsm_core.importers.formats.events", "text", "text columns"),
    ("vsm_core.importers.formats.events", "factorize_ids", "factorize_ids"),
    ("vsm_core.importers.formats.events", "events_frame", "events_frame"),
    ("vsm_core.importers.formats.events", "kept_events", "kept_events (collapse repeats)"),
    ("vsm_core.importers.formats.events", "collapse_repeats", "collapse_repeats (by sorting)"),
    ("vsm_core.importers.formats.events", "row_items", "row_items"),
    ("vsm_core.importers.formats.common", "_united_labels", "labels united per item"),
    ("vsm_core.importers.formats.common", "_attribute_dicts_of", "attribute dicts"),
    ("vsm_core.importers.formats.events", "order_statuses_by_flow", "order_statuses_by_flow"),
    ("vsm_core.importers.pipeline", "_status_counts", "status counts"),
    ("vsm_core.importers.pipeline", "suggest_workflow", "suggest_workflow"),
    ("vsm_core.importers.pipeline", "make_dataset", "make_dataset"),
    ("vsm_core.importers.pipeline", "quality_report", "quality_report"),
    ("vsm_core.quality", "build_flow", "build_flow"),
    ("vsm_core.quality", "_flow_checks", "flow checks"),
    ("vsm_core.quality", "_dated_events", "dated-event checks"),
    ("vsm_core.quality", "_excel_mangled_ids", "excel-mangled ids"),
    ("vsm_core.quality", "_unmapped_statuses", "unmapped statuses"),
    ("vsm_core.metrics.report", "calculate_metrics", "calculate_metrics"),
    ("vsm_core.metrics.report", "build_scope", "build_scope"),
    ("vsm_core.metrics.scope", "build_flow", "build_flow"),
    ("vsm_core.metrics.report", "metrics_document", "metrics_document"),
    ("vsm_core.metrics.throughput", "throughput_series", "throughput_series"),
    ("vsm_core.metrics.wip", "daily_wip", "daily_wip"),
    ("vsm_core.metrics.efficiency", "flow_efficiency", "flow_efficiency"),
    ("vsm_core.metrics.stages", "bottleneck", "bottleneck"),
    ("vsm_core.metrics.stages", "time_in_stage_summary", "time_in_stage_summary"),
    ("vsm_core.metrics.aging", "aging_wip", "aging_wip"),
    ("vsm_core.metrics.distribution", "flow_distribution", "flow_distribution"),
    ("vsm_core.metrics.report", "to_json_ready", "to_json_ready"),
    ("vsm_core.cli.metrics", "print_json", "print_json (json.dump)"),
)


#: Probed functions that call themselves (only their outermost call is timed).
RECURSIVE = frozenset({"to_json_ready"})


class Timings:
    """Seconds and calls per probe, nested by call stack, in first-call order.

    Each thread has its own stack; probes called on another thread than the
    main one (metrics FILE reads ahead on one) are listed under its name.
    """

    def __init__(self) -> None:
        self.local = threading.local()
        self.rows: dict[tuple[str, ...], list[float]] = {}  # path -> [seconds, calls]

    @property
    def stack(self) -> list[str]:
        if not hasattr(self.local, "stack"):
            thread = threading.current_thread()
            main = thread is threading.main_thread()
            self.local.stack = [] if main else [f"[thread {thread.name}]"]
        return self.local.stack

    def wrap(self, label: str, function: Callable, module=None, attribute: str = "") -> Callable:
        """``function`` timed under ``label``; with ``module``, a recursive function: its inner
        calls find the original under ``module.attribute`` while the outer call runs."""

        def timed(*args, **kwargs):
            if module is not None:
                setattr(module, attribute, function)
            stack = self.stack
            stack.append(label)
            path = tuple(stack)
            row = self.rows.setdefault(path, [0.0, 0])
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                row[0] += time.perf_counter() - started
                row[1] += 1
                stack.pop()
                if module is not None:
                    setattr(module, attribute, timed)

        timed.__wrapped__ = function
        return timed

    def lines(self) -> Iterator[str]:
        """The main thread's rows, then each other thread's under a heading of its own."""
        threads = sorted({p[0] for p in self.rows if p[0].startswith("[thread ")})
        for heading in [None, *threads]:
            if heading is not None:
                yield heading
            for path, (seconds, calls) in self.rows.items():
                on_thread = path[0].startswith("[thread ")
                if (path[0] != heading) if heading else on_thread:
                    continue
                label = "  " * (len(path) - 1) + path[-1] + (f" x{calls}" if calls > 1 else "")
                yield f"{label:<46} {seconds:8.3f}"


@contextlib.contextmanager
def probes(timings: Timings) -> Iterator[None]:
    """Wrap every :data:`PROBES` function (that exists) for the duration."""
    saved = []
    for module_name, attribute, label in PROBES:
        module = importlib.import_module(module_name)
        if not hasattr(module, attribute):
            continue
        original = getattr(module, attribute)
        saved.append((module, attribute, original))
        recursive = (module, attribute) if attribute in RECURSIVE else (None, "")
        setattr(module, attribute, timings.wrap(label, original, *recursive))
    try:
        yield
    finally:
        for module, attribute, original in reversed(saved):
            setattr(module, attribute, original)


def interpreter_startup(repeat: int = 5) -> float:
    """Best wall-clock seconds of ``python -c pass`` (the floor of any CLI run)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        best = min(best, time.perf_counter() - started)
    return best


def import_times(top: int = 12) -> list[tuple[str, float]]:
    """(top-level package, seconds) from ``-X importtime``: the sum of its modules' own
    times, slowest first (a package's cost without what it imports from others)."""
    code = "import " + ", ".join(COMMAND_IMPORTS)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    packages: dict[str, float] = {}
    pattern = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")
    for line in result.stderr.splitlines():
        match = pattern.match(line)
        if match:
            own, name = match.groups()
            top_level = name.split(".")[0]
            packages[top_level] = packages.get(top_level, 0.0) + int(own) / 1e6
    return sorted(packages.items(), key=lambda row: -row[1])[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cli_profile", description=__doc__.splitlines()[0]
    )
    parser.add_argument("file", nargs="?", type=Path, help="an events CSV (or use --items)")
    parser.add_argument("--items", type=int, help="generate the synthetic CSV of N items")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile's top 40")
    parser.add_argument("--importtime", action="store_true", help="also run -X importtime")
    args = parser.parse_args(argv)
    if (args.file is None) == (args.items is None):
        parser.error("give FILE or --items N")

    started = time.perf_counter()
    for name in COMMAND_IMPORTS:
        importlib.import_module(name)
    imports = time.perf_counter() - started
    before_main = started - _STARTED  # this module's own imports (argparse, ...)

    with tempfile.TemporaryDirectory(prefix="flowlab-cli-profile-") as folder:
        path = args.file
        if path is None:
            from benchmarks.events_csv import write_events_csv

            path = Path(folder) / f"events-{args.items}.csv"
            info = write_events_csv(path, args.items, args.seed)
            print(f"wrote {path.name}: {info['events']:,} events, {info['bytes'] / 2**20:.1f} MiB")
        os.environ.setdefault("VSM_MAX_UPLOAD_MB", "100000")
        from vsm_core.cli import main as cli_main

        timings = Timings()
        sink = io.StringIO()
        with probes(timings), contextlib.redirect_stdout(sink):
            started = time.perf_counter()
            code = cli_main(["metrics", str(path), "--json"])
            total = time.perf_counter() - started
        if code != 0:
            print(f"the command failed with exit code {code}", file=sys.stderr)
            return code
        startup = interpreter_startup()
        print(f"file: {path} ({path.stat().st_size / 2**20:.1f} MiB)")
        print(f"{'interpreter start-up (python -c pass)':<46} {startup:8.3f}")
        print(f"{'imports (' + ', '.join(COMMAND_IMPORTS[:1]) + ' ...)':<46} {imports:8.3f}")
        print(f"{'(this script before that)':<46} {before_main:8.3f}")
        print(f"{'cli.main(metrics FILE --json)':<46} {total:8.3f}")
        for line in timings.lines():
            print("  " + line)
        print(f"{'JSON document size (bytes)':<46} {len(sink.getvalue()):8,}")

        if args.cprofile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            with contextlib.redirect_stdout(io.StringIO()):
                profile.enable()
                cli_main(["metrics", str(path), "--json"])
                profile.disable()
            print("\ncProfile (a second, warm run; cumulative seconds):")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    if args.importtime:
        print("\n-X importtime of the command's imports (seconds of each package's own modules):")
        for name, seconds in import_times():
            print(f"  {name:<24} {seconds:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
