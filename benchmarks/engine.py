"""Time the metric engine and the Flow metrics page at one size, in a process of its own.

``python -m benchmarks.engine --items N [--repeat R] [--page] --out FILE.json``
generates ``synthetic_dataset(N)`` and times, ``--repeat`` times each (a full
garbage collection before each run; min and median reported):

* ``calculate_metrics`` – the full metric set behind ``metrics --json``
  (``build_scope`` + ``metrics_document``, default options);
* ``build_scope`` – filter, ``build_flow`` and the calendar (what the page's
  cached function calls before ``flow_view``);
* ``flow_view`` and ``bottleneck_view`` on a built scope – every table of the
  Flow metrics and Bottlenecks pages;

and with ``--page``, on one cached :class:`FlowView`, what a rerun of the
Flow metrics page computes (see :data:`PAGE_CHARTS`, which mirrors
``ui/flow_page.py``):

* ``page figures`` – every chart builder the page calls (plus
  ``items_at_risk``), in plain Python, no Streamlit, after one untimed
  warm-up build (a rerun happens in a server process that has drawn the
  page before: plotly's lazy imports are done);
* ``page cache hit`` – ``pickle.loads`` of the pickled FlowView
  (``st.cache_data`` hands every rerun a fresh unpickled copy);
* ``page CSV downloads`` – ``to_csv_bytes`` of each panel's data table
  (``chart_panel`` builds them on every rerun);
* ``page figure JSON`` – ``figure.to_json()`` of every figure (roughly what
  ``st.plotly_chart`` serialises).

Peak RSS (``VmHWM``, see :func:`peak_rss_mb`) is recorded after generating, after the
``calculate_metrics`` runs (the memory target) and at the end. A child
process per size keeps one size's memory from hiding another's:
:func:`run_engine_bench` starts it and reads its JSON back.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_runs(function: Callable[[], object], repeat: int) -> tuple[dict, object]:
    """Seconds of ``repeat`` runs (min, median, runs) and the last result; gc before each."""
    runs = []
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        started = time.perf_counter()
        result = function()
        runs.append(time.perf_counter() - started)
    return {"min": min(runs), "median": statistics.median(runs), "runs": runs}, result


def peak_rss_mb() -> float:
    """Peak RSS of this process in MiB: ``VmHWM`` of ``/proc/self/status`` on Linux.

    Not ``ru_maxrss``: Python starts children with ``vfork`` + ``exec``, and
    Linux carries the parent's high-water mark over the ``exec``, so a child
    of a large parent would report at least the parent's size.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


# --------------------------------------------------------------------------- the page


def page_charts(view, sle: float | None) -> list[tuple[str, Callable[[], object], Callable]]:
    """(key, build figure, build CSV table) for every chart of ``ui/flow_page.py``, in order.

    Mirrors ``render_flow_metrics`` with the default SLE (the 85th percentile)
    and all six tabs drawn (Streamlit runs every tab's code on each rerun).
    The page is being worked on: fields it reads that an older FlowView
    lacks (``lead``, ``xmr_table``) fall back to what that version drew.
    """
    from vsm_core.charts.aging import age_run_chart, aging_wip_chart
    from vsm_core.charts.cfd import cfd_chart
    from vsm_core.charts.cycle_time import cycle_time_scatter, days_histogram
    from vsm_core.charts.distribution import distribution_chart
    from vsm_core.charts.efficiency import efficiency_histogram
    from vsm_core.charts.throughput import throughput_histogram, throughput_run_chart
    from vsm_core.charts.wip import net_flow_chart, wip_run_chart
    from vsm_core.charts.xmr import xmr_chart
    from vsm_core.metrics import views
    from vsm_core.metrics.aging import items_at_risk

    summary = view.efficiency_summary
    lead = getattr(view, "lead", None)
    lead_times = lead["lead_time_days"] if lead is not None else view.extra["lead_times"]
    xmr_table = getattr(views, "xmr_table", None)

    def table(frame) -> Callable:
        return lambda: frame

    nothing: Callable = lambda: None  # noqa: E731
    charts: list[tuple[str, Callable[[], object], Callable]] = [
        (
            "cycle_scatter",
            lambda: cycle_time_scatter(
                view.completed,
                percentiles=view.cycle_percentiles,
                sle_days=sle,
                timezone=view.timezone,
            ),
            table(view.completed),
        ),
        (
            "cycle_hist",
            lambda: days_histogram(
                view.completed["cycle_time_days"],
                title="Cycle time distribution",
                percentiles=view.cycle_percentiles,
            ),
            table(view.completed),
        ),
        (
            "lead_hist",
            lambda: days_histogram(
                lead_times, title="Lead time distribution", percentiles=view.lead_percentiles
            ),
            table(lead) if lead is not None else nothing,
        ),
        (
            "throughput_run",
            lambda: throughput_run_chart(
                view.throughput, view.throughput_by_type, freq_label=view.freq
            ),
            table(view.throughput_by_type),
        ),
        (
            "throughput_hist",
            lambda: throughput_histogram(view.throughput, freq_label=view.freq),
            table(view.throughput),
        ),
        ("wip_run", lambda: wip_run_chart(view.wip_daily, view.flow_load), table(view.flow_load)),
        (
            "cfd",
            lambda: cfd_chart(view.cfd, stage_categories=view.stage_categories),
            table(view.cfd),
        ),
        (
            "net_flow",
            lambda: net_flow_chart(view.net_flow, freq_label=view.freq),
            table(view.net_flow),
        ),
        (
            "aging",
            lambda: aging_wip_chart(
                view.aging,
                stages=view.aging_stages,
                percentiles=view.cycle_percentiles,
                sle_days=sle,
                timezone=view.timezone,
            ),
            table(view.aging),
        ),
        (
            "items_at_risk",
            lambda: items_at_risk(view.aging, sle) if sle is not None else view.at_risk,
            nothing,
        ),
        ("age_run", lambda: age_run_chart(view.age_run), table(view.age_run)),
        (
            "efficiency",
            lambda: efficiency_histogram(
                view.efficiency_items,
                ratio_of_sums=summary["ratio_of_sums"],
                mean_of_ratios=summary["mean_of_ratios"],
            ),
            table(view.efficiency_items),
        ),
        (
            "distribution",
            lambda: distribution_chart(view.distribution_over_time, freq_label=view.freq),
            table(view.distribution_over_time),
        ),
    ]
    for key, result, title, y_title in (
        ("xmr_cycle", view.xmr_cycle, "Cycle time per completed item", "Days"),
        ("xmr_throughput", view.xmr_throughput, "Weekly throughput", "Items per week"),
        ("xmr_wip", view.xmr_wip, "Daily WIP", "Items"),
    ):
        charts.append(
            (
                key,
                lambda result=result, title=title, y_title=y_title: xmr_chart(
                    result.labels, result, title=title, y_title=y_title
                ),
                (lambda result=result: xmr_table(result)) if xmr_table else nothing,
            )
        )
    return charts


def bench_page(view, repeat: int) -> dict[str, object]:
    """Time a rerun of the Flow metrics page on the cached ``view`` (see the module docstring)."""
    from vsm_core.export import to_csv_bytes

    sle = view.sle_days
    charts = page_charts(view, sle)
    steps: dict[str, dict] = {}
    per_chart: dict[str, float] = {}

    def build_all() -> list:
        figures = []
        for key, build, _data in charts:
            started = time.perf_counter()
            figures.append(build())
            per_chart[key] = min(per_chart.get(key, float("inf")), time.perf_counter() - started)
        return figures

    build_all()  # warm-up, not timed: a rerun happens in a server that drew the page before
    per_chart.clear()
    steps["page figures"], figures = time_runs(build_all, repeat)
    blob = pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL)
    steps["page cache hit"], _ = time_runs(lambda: pickle.loads(blob), repeat)

    def downloads() -> list[bytes]:
        tables = [data() for _key, _build, data in charts]
        return [to_csv_bytes(table) for table in tables if table is not None and len(table)]

    steps["page CSV downloads"], _ = time_runs(downloads, repeat)
    import plotly.graph_objects as go

    plotly = [figure for figure in figures if isinstance(figure, go.Figure)]
    steps["page figure JSON"], _ = time_runs(
        lambda: [figure.to_json() for figure in plotly], repeat
    )
    return {
        "steps": steps,
        "per_chart_min_seconds": per_chart,
        "cached_view_bytes": len(blob),
        "figures": len(plotly),
        "completed_points": len(view.completed),
    }


# --------------------------------------------------------------------------- one size


def bench_engine(n_items: int, *, repeat: int, seed: int, page: bool) -> dict[str, object]:
    from benchmarks.synthetic import synthetic_dataset
    from vsm_core.metrics.report import calculate_metrics
    from vsm_core.metrics.scope import MetricOptions, build_scope
    from vsm_core.metrics.views import bottleneck_view, flow_view

    started = time.perf_counter()
    dataset = synthetic_dataset(n_items, seed)
    generate = time.perf_counter() - started
    peaks = {"after generate": peak_rss_mb()}
    steps: dict[str, dict] = {}
    steps["calculate_metrics"], _ = time_runs(lambda: calculate_metrics(dataset), repeat)
    peaks["after calculate_metrics"] = peak_rss_mb()
    options = MetricOptions()
    steps["build_scope"], scope = time_runs(lambda: build_scope(dataset, options), repeat)
    steps["flow_view"], view = time_runs(lambda: flow_view(scope), repeat)
    steps["bottleneck_view"], _ = time_runs(lambda: bottleneck_view(scope), repeat)
    peaks["after views"] = peak_rss_mb()
    result: dict[str, object] = {
        "items": n_items,
        "events": len(dataset.events),
        "generate_seconds": generate,
        "steps": steps,
    }
    if page:
        result["page"] = bench_page(view, repeat)
    peaks["at the end"] = peak_rss_mb()
    result["peak_rss_mb"] = peaks
    return result


def run_engine_bench(
    n_items: int, *, repeat: int, seed: int, page: bool, timeout: float | None = None
) -> dict[str, object]:
    """:func:`bench_engine` in a fresh child process; its result, or ``{"error": ...}``."""
    with tempfile.TemporaryDirectory(prefix="flowlab-engine-") as folder:
        out = Path(folder) / "engine.json"
        command = [
            sys.executable,
            "-m",
            "benchmarks.engine",
            "--items",
            str(n_items),
            "--repeat",
            str(repeat),
            "--seed",
            str(seed),
            "--out",
            str(out),
        ] + (["--page"] if page else [])
        try:
            done = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return {"items": n_items, "error": f"timed out after {timeout:g} s"}
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return {"items": n_items, "error": f"exit {done.returncode}: {' | '.join(tail)}"}
        return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engine", description=__doc__)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page", action="store_true", help="also time the Flow page's rerun")
    parser.add_argument("--out", type=Path, help="write the result here (JSON); else stdout")
    args = parser.parse_args(argv)
    result = bench_engine(args.items, repeat=args.repeat, seed=args.seed, page=args.page)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
