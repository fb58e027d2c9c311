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
Flow metrics page computes. The page draws only its open view (the first,
"Cycle time", by default); :mod:`ui.flow_charts` holds each view's charts
without Streamlit, and :func:`page_charts` takes them from there, so these
steps time the very builders the page calls:

* ``page figures`` – making the default view's panel list (as every rerun
  does) and building its figures (plain Python, no Streamlit, after one
  untimed warm-up build: a rerun happens in a server that has drawn the page
  before). This is a rerun whose figures are not
  cached yet (first visit, a new SLE or filter); the page caches built
  figures (:func:`ui.panels.cached_figure`), so a rerun that changes nothing
  builds none;
* ``page cache hit`` – ``pickle.loads`` of the pickled FlowView
  (``st.cache_data`` hands every rerun a fresh unpickled copy);
* ``page CSV downloads`` – what a rerun spends on the views' CSV buttons:
  handing each a callable (``to_csv_bytes`` runs only on a click; what a click
  costs is ``csv_on_click``, beside the steps);
* ``page figure JSON`` – what ``st.plotly_chart`` does with each figure of
  the default view on every rerun, cached or not: ``figure.to_dict()`` and
  ``plotly.io.to_json``.

Beside the steps: ``views`` (build and JSON seconds of each view's figures),
``per_chart_min_seconds`` (every chart of every view) and, unless
``--no-apptest``, ``apptest``: the real page in
``streamlit.testing.v1.AppTest`` on a temporary SQLite database holding the
same synthetic dataset (:func:`bench_apptest`): the first visit, warm reruns
of the default view (view and figures cached: what issue #4's 0.3 s target
is about), each view's first draw and warm rerun, and the Bottlenecks page.

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
    """Run ``function`` ``repeat`` times; its seconds (min, median, runs) and last result.

    A full collection runs before each run so garbage from earlier steps is
    not charged to this one. (Also the store steps' timer in :mod:`benchmarks.run`.)
    """
    runs = []
    result = None
    for _ in range(repeat):
        result = None  # free the previous result before the next run
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


def page_charts(
    view, sle: float | None, view_name: str | None = None
) -> list[tuple[str, Callable[[], object], Callable]]:
    """(key, build figure, CSV table) for each chart of one view of ``ui/flow_page.py``.

    ``view_name``: one of :data:`ui.flow_charts.VIEWS` (default: the first,
    the view a visit opens). The panels come from :mod:`ui.flow_charts`, the
    module the page draws from, with no change dates (the synthetic dataset
    has no experiments) and the default number of XmR points.
    """
    from ui.flow_charts import VIEWS, view_panels

    panels = view_panels(view_name or VIEWS[0], view, sle=sle, changes=())
    return [(p.key, p.build, lambda data=p.data: data) for p in panels]


def streamlit_spec(figure) -> str:
    """The JSON ``st.plotly_chart`` sends for ``figure`` (``to_dict`` then ``to_json``)."""
    import plotly.io
    import plotly.tools

    as_dict = plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True)
    return plotly.io.to_json(as_dict, validate=False)


def bench_page(view, repeat: int) -> dict[str, object]:
    """Time a rerun of the Flow metrics page on the cached ``view`` (see the module docstring)."""
    from ui.flow_charts import VIEWS
    from vsm_core.export import to_csv_bytes

    sle = view.sle_days
    per_chart: dict[str, float] = {}
    views: dict[str, dict] = {}
    default = VIEWS[0]
    steps: dict[str, dict] = {}
    figures: list = []
    for name in VIEWS:

        def build_all(name=name) -> list:
            built = []  # the panel list too: the page makes it on every rerun
            for key, build, _data in page_charts(view, sle, name):
                started = time.perf_counter()
                built.append(build())
                elapsed = time.perf_counter() - started
                per_chart[key] = min(per_chart.get(key, float("inf")), elapsed)
            return built

        charts = page_charts(view, sle, name)
        build_all()  # warm-up, not timed: a rerun happens in a server that drew the page before
        for key, *_ in charts:
            per_chart.pop(key, None)
        build, built = time_runs(build_all, repeat)
        spec, specs = time_runs(lambda built=built: [streamlit_spec(f) for f in built], repeat)
        views[name] = {
            "charts": [key for key, *_ in charts],
            "build": build,
            "json": spec,
            "json_bytes": sum(len(text) for text in specs),
        }
        if name == default:
            steps["page figures"], figures = build, built
            tables = [data() for _key, _build, data in charts]
    blob = pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL)
    steps["page cache hit"], _ = time_runs(lambda: pickle.loads(blob), repeat)
    present = [table for table in tables if table is not None and len(table)]
    steps["page CSV downloads"], _ = time_runs(
        lambda: [lambda table=table: to_csv_bytes(table) for table in present], repeat
    )
    csv_on_click, _ = time_runs(lambda: [to_csv_bytes(table) for table in present], repeat)
    steps["page figure JSON"] = views[default]["json"]
    return {
        "view": default,
        "steps": steps,
        "views": views,
        "csv_on_click": csv_on_click,
        "per_chart_min_seconds": per_chart,
        "cached_view_bytes": len(blob),
        "figures": len(figures),
        "completed_points": len(view.completed),
    }


def bench_apptest(dataset, repeat: int) -> dict[str, object]:
    """The Flow metrics and Bottlenecks pages in AppTest on a database holding ``dataset``.

    A temporary SQLite database is prepared like the app's (schema, demo team)
    and ``dataset`` stored as the newest dataset, which the sidebar then
    selects. Times (seconds; ``min``/``median``/``runs``): ``first visit``
    (loads the dataset, computes the view, builds the default view's figures),
    ``rerun`` (a warm rerun of the default view: every cache hit), then for
    each other view its ``first draw`` (opening it: figures built) and a warm
    ``rerun``, ``back to the default view`` (its figures still cached), and
    the Bottlenecks page's first visit and rerun. AppTest runs the page script in this
    process and parses what it sends, so the times include Streamlit's own
    work (serialising figures, hashing element ids) but no browser.
    """
    import os

    from sqlmodel import Session
    from streamlit.testing.v1 import AppTest

    from ui.flow_charts import VIEWS
    from vsm_core.store import crud, make_engine
    from vsm_core.store.access import SYSTEM
    from vsm_core.store.bootstrap import prepare_database

    def run(app) -> None:
        app.run()
        if app.exception:
            raise RuntimeError(f"the page failed: {app.exception[0].value}")

    with tempfile.TemporaryDirectory(prefix="flowlab-apptest-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        try:
            prepare_database(engine)
            with Session(engine) as session:
                crud.save_dataset_version(
                    session,
                    dataset=dataset,
                    name="Synthetic",
                    team="Bench",
                    format="synthetic",
                    actor=SYSTEM,
                )
        finally:
            engine.dispose()
        previous = os.environ.get("VSM_DATABASE_URL")
        os.environ["VSM_DATABASE_URL"] = url
        try:
            app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
            run(app)
            app.switch_page("pages/flow_metrics.py")
            first, _ = time_runs(lambda: run(app), 1)
            shown = {m.label: m.value for m in app.metric}
            warm, _ = time_runs(lambda: run(app), repeat)
            per_view: dict[str, dict] = {}
            for name in VIEWS[1:]:  # the default view's first draw was the first visit
                app.session_state["view"] = name
                opened, _ = time_runs(lambda: run(app), 1)
                again, _ = time_runs(lambda: run(app), repeat)
                charts = app.get("plotly_chart")
                per_view[name] = {
                    "first draw": opened,
                    "rerun": again,
                    "charts": len(charts),
                    "spec_bytes": sum(len(chart.proto.spec) for chart in charts),
                }
            app.session_state["view"] = VIEWS[0]
            back, _ = time_runs(lambda: run(app), 1)
            app.switch_page("pages/bottlenecks.py")
            bottlenecks_first, _ = time_runs(lambda: run(app), 1)
            bottlenecks_warm, _ = time_runs(lambda: run(app), repeat)
        finally:
            if previous is None:
                os.environ.pop("VSM_DATABASE_URL", None)
            else:
                os.environ["VSM_DATABASE_URL"] = previous
    return {
        "completed_shown": shown.get("Completed"),
        "first visit": first,
        "rerun": warm,
        "views": per_view,
        "back to the default view": back,
        "bottlenecks first visit": bottlenecks_first,
        "bottlenecks rerun": bottlenecks_warm,
    }


# --------------------------------------------------------------------------- one size


def bench_engine(
    n_items: int, *, repeat: int, seed: int, page: bool, apptest: bool = True
) -> dict[str, object]:
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
        if apptest:
            try:
                result["page"]["apptest"] = bench_apptest(dataset, repeat)
            except Exception as error:  # the engine numbers stand without it
                result["page"]["apptest"] = {"error": f"{type(error).__name__}: {error}"}
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
    parser.add_argument(
        "--no-apptest",
        action="store_true",
        help="with --page, skip the AppTest run of the real pages",
    )
    parser.add_argument("--out", type=Path, help="write the result here (JSON); else stdout")
    args = parser.parse_args(argv)
    result = bench_engine(
        args.items,
        repeat=args.repeat,
        seed=args.seed,
        page=args.page,
        apptest=not args.no_apptest,
    )
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
