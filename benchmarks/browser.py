"""Speed as a person feels it (issue #11, item 8): the app in Chromium, timed from the action.

``python -m benchmarks.browser [--items 100000] [--runs 5]`` (and ``make bench``
through :mod:`benchmarks.run`) starts ``streamlit run app.py`` over a fresh
SQLite database (the runner of ``tests/e2e/harness.py``), drives Debian's
Chromium with Playwright and times what a person does:

* **navigate**: click each page's link in our sidebar (every page, in the
  navigation's order, round after round);
* **tab**: switch the Flow metrics view (each tab in turn);
* **experiment**: open the other experiment on the Experiments page (the
  page's own "view");
* **filter**: add or remove a work type in the sidebar, on Flow metrics;
* **window**: type a new start date of the date window, on Flow metrics.

A timing runs from the user's input as the page saw it (the first
``pointerdown`` or ``keydown`` after the probe is armed, so Playwright's own
checks before a click are not counted) until the app is done: Streamlit
reported a script run (``data-test-script-state`` left ``notRunning``: the
click's ``rerunRequested`` or the server's ``running``) and that run ended
(``notRunning`` again), the status widget is gone, every plotly
chart on the page has drawn its SVG (``.main-svg``), and all of that held
for :data:`SETTLE_MS` (a run that reruns itself is not cut short; the end is
when the state *began* to hold). The first round of every action (the
server's caches cold for that page) is reported apart as ``first``; the
median, min and max are over the ``--runs`` rounds after it.

Beside the wall clock, each action's **CPU seconds** are the user and system
time spent meanwhile by every process this benchmark started (the Streamlit
server, Chromium's processes, Playwright's driver), read from ``/proc``, and
the server's share of them. On a
shared machine the wall clock of a 2-core box with a dozen other jobs says
more about the neighbours than about the app; the CPU seconds are the app's
own work, and a change that helps shows there even when the wall clock is
noise.

Datasets: the demo team (600 items, the app's own seed) and, with
``--items N`` (default 100,000), the synthetic dataset of
:mod:`benchmarks.synthetic` stored beside the demo with two experiments
(:func:`benchmarks.experiments_bench.seed_database`); the newest import is
the sidebar's default, so the large dataset is the one on screen.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: The issue's targets in seconds: (navigation, any other action), per dataset.
TARGETS = {"demo": (1.5, 0.5), "large": (3.0, 1.0)}
#: How long the finished state must hold before a run counts as over (ms).
SETTLE_MS = 150
#: Longest wait for one action (ms): a cold first page on 100k items can take long.
ACTION_TIMEOUT_MS = 120_000
#: An action that shows no script run within this long (ms) is counted as missed.
NO_RUN_MS = 15_000
DEFAULT_RUNS = 5
DEFAULT_LARGE_ITEMS = 100_000

#: Installed once per document: remembers the first user input after arming and whether a
#: script run started since.
PROBE_JS = """
() => {
  if (window.__flowlabProbe) return;
  const probe = window.__flowlabProbe = {t0: null, sawRun: false, runStart: null, runEnd: null};
  const input = () => { if (probe.t0 === null) probe.t0 = performance.now(); };
  document.addEventListener('pointerdown', input, true);
  document.addEventListener('keydown', input, true);
  new MutationObserver(records => {
    for (const r of records) {
      const now = r.target.getAttribute('data-test-script-state');
      // 'rerunRequested' is set by the click itself; 'running' may be batched away by React
      // when a short run's messages arrive together, so any state but notRunning counts.
      if ((r.oldValue && r.oldValue !== 'notRunning') || (now && now !== 'notRunning')) {
        if (!probe.sawRun) probe.runStart = performance.now();
        probe.sawRun = true;
      }
      if (now === 'notRunning') probe.runEnd = performance.now();
    }
  }).observe(document.documentElement, {
    attributes: true, subtree: true, attributeOldValue: true,
    attributeFilter: ['data-test-script-state'],
  });
}
"""

OPENED_JS = "() => { window.__flowlabProbe.t0 = 0; window.__flowlabProbe.sawRun = true; }"
ARM_JS = """() => { Object.assign(window.__flowlabProbe,
  {t0: null, sawRun: false, runStart: null, runEnd: null}); }"""

#: Resolves with the milliseconds from the input to the start of a settled, finished state
#: (``total``) and to the end of the last script run (``script``: the rest is drawing).
DONE_JS = """
([settle, timeout, noRun]) => new Promise((resolve, reject) => {
  const probe = window.__flowlabProbe;
  const started = performance.now();
  let since = null;
  const finished = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || !probe.sawRun || probe.t0 === null) return false;
    if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (!document.querySelector('h1')) return false;
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return charts.every(chart => chart.querySelector('.main-svg'));
  };
  const tick = () => {
    const now = performance.now();
    if (finished()) {
      if (since === null) since = now;
      if (now - since >= settle) return resolve(
        {total: since - probe.t0, script: (probe.runEnd ?? since) - probe.t0});
    } else {
      since = null;
    }
    if (now - started > timeout || (!probe.sawRun && now - started > noRun))
      return reject(new Error('not finished: sawRun=' + probe.sawRun + ' t0=' + probe.t0));
    requestAnimationFrame(tick);
  };
  tick();
})
"""

#: Counts what is on the page once it is done (a sanity check beside each timing).
CHARTS_JS = "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length"


# --------------------------------------------------------------------------- the databases


def demo_database(folder: Path) -> None:
    """``folder/e2e.db`` with the app's schema and the demo team (as a first visit makes it)."""
    from vsm_core.store import make_engine
    from vsm_core.store.bootstrap import prepare_database

    engine = make_engine(f"sqlite:///{folder / 'e2e.db'}")
    try:
        prepare_database(engine, seed_demo=True)
    finally:
        engine.dispose()


def large_database(folder: Path, n_items: int) -> None:
    """``folder/e2e.db``: the demo plus ``n_items`` synthetic items with two experiments."""
    from benchmarks.experiments_bench import seed_database

    seed_database(f"sqlite:///{folder / 'e2e.db'}", large_sizes=[n_items], seed=1)


# --------------------------------------------------------------------------- CPU seconds


def tree_cpu_seconds(root: int | None = None) -> dict[str, float]:
    """User + system CPU seconds of every living descendant of ``root`` (default: this
    process), from ``/proc/<pid>/stat``: ``server`` (the Python processes: Streamlit) and
    ``browser`` (the rest: Chromium's processes and Playwright's driver). Zeros where there
    is no ``/proc``."""
    root = os.getpid() if root is None else root
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) "
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / tick)
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total = {"server": 0.0, "browser": 0.0}
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        name, seconds = times.get(pid, ("", 0.0))
        total["server" if name.startswith("python") else "browser"] += seconds
        stack.extend(children.get(pid, []))
    return total


# --------------------------------------------------------------------------- one browser page


class Timer:
    """A Chromium page on the app that times actions (see the module docstring)."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        #: Of the last timing: seconds until the last script run ended, and the CPU seconds
        #: of the server and the browser meanwhile.
        self.script_seconds = 0.0
        self.cpu_seconds = 0.0
        self.cpu_server = 0.0
        #: Actions that started no script run (not timed; reported).
        self.missed = 0

    def open(self, path: str) -> float:
        """Open ``path`` by its address; seconds from navigation start to the finished run."""
        self.page.goto(self.base_url + path)
        self.page.evaluate(PROBE_JS)
        # A fresh document: its first run counts from the navigation's start.
        self.page.evaluate(OPENED_JS)
        return self._wait()

    def measure(
        self, action: Callable[[], None], *, prepare: Callable[[], None] | None = None
    ) -> float | None:
        """Seconds from ``action``'s first input to the app done (None when it started no
        script run); ``prepare`` is not timed."""
        if prepare is not None:
            prepare()
        self.page.evaluate(PROBE_JS)
        self.page.evaluate(ARM_JS)
        cpu = tree_cpu_seconds()
        action()
        seconds = self._wait()
        after = tree_cpu_seconds()
        self.cpu_server = after["server"] - cpu["server"]
        self.cpu_seconds = self.cpu_server + after["browser"] - cpu["browser"]
        return seconds

    def _wait(self) -> float | None:
        from playwright.sync_api import Error as PlaywrightError

        try:
            elapsed = self.page.evaluate(DONE_JS, [SETTLE_MS, ACTION_TIMEOUT_MS, NO_RUN_MS])
        except PlaywrightError as error:
            if "sawRun=false" not in str(error):
                raise
            self.missed += 1  # the action started no run (counted, not timed)
            return None
        errors = self.page.get_by_test_id("stException").count()
        if errors:
            raise RuntimeError(f"the page drew an error at {self.page.url}")
        self.script_seconds = elapsed["script"] / 1000
        return elapsed["total"] / 1000

    # -- what the actions click

    def nav_labels(self) -> list[str]:
        links = self.page.get_by_test_id("stSidebar").get_by_test_id("stPageLink")
        return [t.strip() for t in links.get_by_test_id("stMarkdownContainer").all_inner_texts()]

    def click_nav(self, label: str) -> None:
        links = self.page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").locator("a")
        text = self.page.get_by_test_id("stMarkdownContainer").get_by_text(label, exact=True)
        links.filter(has=text).click()

    def click_tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name, exact=True).click()

    def tab_names(self) -> list[str]:
        return [t.strip() for t in self.page.get_by_role("tab").all_inner_texts()]

    def open_multiselect(self, label: str):
        """Open the sidebar's multiselect ``label``; a click that landed while a run was
        still redrawing the sidebar can leave the list closed, so it is opened again."""
        from playwright.sync_api import Error as PlaywrightError

        box = self.page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect")
        box = box.filter(has_text=label)
        for _attempt in range(5):
            box.get_by_role("combobox").click()
            try:
                self.page.get_by_role("option").first.wait_for(state="visible", timeout=5_000)
                break
            except PlaywrightError:
                self.page.keyboard.press("Escape")
        return box

    def choose_option(self, name: str) -> None:
        self.page.get_by_role("option", name=name, exact=True).click()

    def remove_tag(self, box, name: str) -> None:
        box.locator(f'[data-tag][aria-label="{name}"]').get_by_role("button").click()

    def window_start(self, day: str) -> tuple[Callable[[], None], Callable[[], None]]:
        """(prepare, commit) that type ``day`` (YYYY-MM-DD) as the window's start date.

        The sidebar's From field when it is a text field (typed, applied on Enter); else the
        first segment of its first date picker, typed digit by digit.
        """
        sidebar = self.page.get_by_test_id("stSidebar")
        typed = sidebar.get_by_role("textbox", name="From", exact=True)
        if typed.count():
            return (lambda: typed.fill(day)), (lambda: typed.press("Enter"))
        field = sidebar.get_by_test_id("stDateInput").first.get_by_role("spinbutton").first

        def prepare() -> None:
            field.click()
            self.page.keyboard.type(day.replace("-", ""))

        return prepare, (lambda: self.page.keyboard.press("Enter"))

    def experiment_choices(self) -> tuple[Callable[[], None], Callable[[], None]]:
        """(prepare, commit) that open the experiment not shown now on the Experiments page."""
        box = self.page.get_by_role("combobox", name="Open experiment", exact=True)
        target = {}

        def prepare() -> None:
            shown = box.input_value() if box.evaluate("e => 'value' in e") else ""
            box.click()
            options = self.page.get_by_role("option")
            labels = [t.strip() for t in options.all_inner_texts()]
            target["option"] = options.nth(next(i for i, t in enumerate(labels) if t != shown))

        return prepare, (lambda: target["option"].click())


# --------------------------------------------------------------------------- the scenario


#: The kinds of action, in the order the scenario times them.
KINDS = ("navigate", "tab", "filter", "window", "experiment")


def scenario(
    timer: Timer, runs: int, kinds=KINDS, pages: list[str] | None = None
) -> tuple[float, dict[str, list[float]]]:
    """Every action of ``kinds`` ``runs + 1`` times (the first round cold); navigation over
    ``pages`` (labels of the sidebar; default all). (first open, timings per row)."""
    rows: dict[str, list[float]] = {}

    def record(row: str, seconds: float | None) -> None:
        if seconds is None:
            return  # missed: see Timer.missed
        rows.setdefault(row, []).append(
            (seconds, timer.script_seconds, timer.cpu_seconds, timer.cpu_server)
        )

    opened = timer.open("/")
    labels = [label for label in timer.nav_labels() if not pages or label in pages]
    for _round in range(runs + 1 if "navigate" in kinds else 0):
        for label in labels:
            record(f"navigate: {label}", timer.measure(lambda label=label: timer.click_nav(label)))
    if {"tab", "filter", "window"} & set(kinds):
        _on_flow_metrics(timer, runs, kinds, record)
    if "experiment" in kinds:
        timer.measure(lambda: timer.click_nav("Experiments"))
        for _round in range(runs + 1):
            prepare, commit = timer.experiment_choices()
            record("experiment: open another", timer.measure(commit, prepare=prepare))
    return opened, rows


def _on_flow_metrics(timer: Timer, runs: int, kinds, record) -> None:
    """The tab, filter and window changes, on the Flow metrics page."""
    timer.measure(lambda: timer.click_nav("Flow metrics"))
    names = timer.tab_names()
    for _round in range(runs + 1 if "tab" in kinds else 0):
        for name in names[1:] + names[:1]:
            record(f"tab: {name}", timer.measure(lambda name=name: timer.click_tab(name)))
    for _round in range(runs + 1 if "filter" in kinds else 0):
        box = timer.open_multiselect("Work types")
        record("filter: add a work type", timer.measure(lambda: timer.choose_option("Defect")))
        timer.page.keyboard.press("Escape")
        record("filter: remove it", timer.measure(lambda box=box: timer.remove_tag(box, "Defect")))
    if "window" not in kinds:
        return
    first_day = _window_days(timer)
    for index in range(2 * (runs + 1)):
        # Alternate a later start and the first day, so every change is a change.
        prepare, commit = timer.window_start(first_day[index % 2])
        record("window: type a start date", timer.measure(commit, prepare=prepare))


def _window_days(timer: Timer) -> tuple[str, str]:
    """(a start 60 days into the data, the data's first day) as YYYY-MM-DD, read from the URL
    or the From field (whichever the sidebar offers)."""
    from datetime import date, timedelta

    sidebar = timer.page.get_by_test_id("stSidebar")
    typed = sidebar.get_by_role("textbox", name="From", exact=True)
    if typed.count():
        first = typed.input_value()
    else:
        first = sidebar.locator('input[type="date"]').first.input_value()
    later = date.fromisoformat(first) + timedelta(days=60)
    return later.isoformat(), first


def summarise(rows: dict[str, list[tuple]], targets: tuple[float, float]) -> list[dict]:
    """Per row: first (cold), median, min and max of the rounds after it, the median time
    until the script run ended (the rest is the browser drawing), the median CPU seconds,
    target and status."""
    navigate, other = targets
    table = []
    for row, pairs in rows.items():
        values = [total for total, *_rest in pairs]
        warm_pairs = pairs[1:] or pairs
        first, warm = values[0], values[1:] or values
        target = navigate if row.startswith("navigate") else other
        median = statistics.median(warm)
        table.append(
            {
                "action": row,
                "first": round(first, 3),
                "median": round(median, 3),
                "script_median": round(statistics.median(p[1] for p in warm_pairs), 3),
                "cpu_median": round(statistics.median(p[2] for p in warm_pairs), 3),
                "cpu_server_median": round(statistics.median(p[3] for p in warm_pairs), 3),
                "min": round(min(warm), 3),
                "max": round(max(warm), 3),
                "runs": len(warm),
                "target": target,
                "status": "PASS" if median <= target else "FAIL",
            }
        )
    return table


# --------------------------------------------------------------------------- one dataset


def bench_dataset(
    name: str, folder: Path, runs: int, browser, kinds=KINDS, pages: list[str] | None = None
) -> dict:
    """Serve the database in ``folder`` and time the scenario in a fresh browser context."""
    from tests.e2e.harness import streamlit_server

    with streamlit_server(folder) as base_url:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        try:
            timer = Timer(context.new_page(), base_url)
            opened, rows = scenario(timer, runs, kinds, pages)
        finally:
            context.close()
    return {
        "dataset": name,
        "first_open_seconds": round(opened, 3),
        "missed_actions": timer.missed,
        "rows": summarise(rows, TARGETS["large" if name != "demo" else "demo"]),
        "raw": {row: [[round(v, 3) for v in p] for p in pairs] for row, pairs in rows.items()},
    }


def environment() -> dict:
    """The machine the timings were taken on (load average: the machine may be shared)."""
    from tests.e2e.harness import CHROMIUM

    try:
        version = subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        version = "unknown"
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "chromium": version,
    }


def run_browser_bench(
    *,
    runs: int,
    large_items: int | None,
    kinds=KINDS,
    pages: list[str] | None = None,
    demo: bool = True,
) -> dict:
    """Both datasets (the large one unless ``large_items`` is None); the report's document."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, skip_reason

    reason = skip_reason()
    if reason:
        return {"skipped": reason}
    env = environment()
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            cases = [("demo", demo_database)] if demo else []
            if large_items:
                cases.append((f"{large_items:,} items", lambda f: large_database(f, large_items)))
            for name, build in cases:
                with tempfile.TemporaryDirectory(prefix="flowlab-browser-") as folder:
                    started = time.perf_counter()
                    build(Path(folder))
                    print(f"  {name}: database ready in {time.perf_counter() - started:.1f} s")
                    results.append(bench_dataset(name, Path(folder), runs, browser, kinds, pages))
                    print(format_table(results[-1]))
        finally:
            browser.close()
    env["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    return {"environment": env, "runs": runs, "datasets": results}


def format_table(result: dict) -> str:
    """One dataset's rows as a Markdown table (seconds)."""
    lines = [
        f"\n{result['dataset']} (first open by address {result['first_open_seconds']:.2f} s; "
        f"actions that started no run: {result.get('missed_actions', 0)})",
        "| action | first | median | min | max | run ended | CPU s | of it server | target | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['action']} | {row['first']:.2f} | {row['median']:.2f} | {row['min']:.2f} "
            f"| {row['max']:.2f} | {row['script_median']:.2f} | {row['cpu_median']:.2f} "
            f"| {row['cpu_server_median']:.2f} "
            f"| {row['target']:.1f} "
            f"| {row['status']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="rounds after the first")
    parser.add_argument("--items", type=int, default=DEFAULT_LARGE_ITEMS, help="large dataset")
    parser.add_argument("--no-large", action="store_true", help="the demo only")
    parser.add_argument("--no-demo", action="store_true", help="the large dataset only")
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument("--name", default="browser.json", help="file name of the results")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the server, e.g. a Streamlit option to compare "
        "(STREAMLIT_RUNNER_POST_SCRIPT_GC=false)",
    )
    parser.add_argument(
        "--kinds", nargs="+", choices=KINDS, default=list(KINDS), help="actions to time"
    )
    parser.add_argument("--pages", nargs="+", help="sidebar labels to navigate (default: all)")
    args = parser.parse_args(argv)
    os.environ.update(dict(pair.split("=", 1) for pair in args.env))  # the server inherits it
    report = run_browser_bench(
        runs=args.runs,
        large_items=None if args.no_large else args.items,
        kinds=args.kinds,
        pages=args.pages,
        demo=not args.no_demo,
    )
    report["server_environment"] = args.env
    if "skipped" in report:
        print(f"browser benchmark skipped: {report['skipped']}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / args.name
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
