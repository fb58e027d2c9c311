"""What the browser tests share besides fixtures: the server runner and a page helper.

Nothing here imports Playwright at module level, so that a missing package
turns into a skip (see conftest.py) rather than a collection error.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("VSM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

#: Our sidebar navigation: (label, URL path, h1 of the page) in order.
NAV = (
    ("Home", "home", "Flowlab"),
    ("Retrospective", "retrospective", "Retrospective"),
    ("Import", "import_data", "Import"),
    ("Flow metrics", "flow_metrics", "Flow metrics"),
    ("Delivery", "delivery", "Delivery"),
    ("Measures", "measures", "Measures"),
    ("Bottlenecks", "bottlenecks", "Bottlenecks"),
    ("Forecast", "forecast", "Forecast"),
    ("Future state", "future_state", "Future state"),
    ("Experiments", "experiments", "Experiments"),
    ("Check-in", "check_in", "Check-in"),
    ("Organisation", "organisation", "Organisation"),
    ("Activity", "activity", "Activity"),
    ("Admin", "admin", "Admin"),
)

SERVER_START_TIMEOUT = 60  # seconds until /_stcore/health answers "ok"
TIMEOUT_MS = 30_000  # Playwright waits (a fresh server migrates and seeds on its first run)
#: Checks that something is *absent* run after a finished run, so they need not wait long
#: (a failure would otherwise take the full TIMEOUT_MS to report).
ABSENT_TIMEOUT_MS = 5_000


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium not found at {CHROMIUM} "
            "(CI installs it with apt: apt-get install chromium; or set VSM_CHROMIUM)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"the playwright package cannot be imported ({error}); pip install playwright"
    return None


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(base_url: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip()
    except (urllib.error.URLError, OSError):
        return None


@contextlib.contextmanager
def streamlit_server(workdir: Path, database_url: str | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free port over ``database_url`` (default:
    ``workdir/e2e.db``); yield its base URL.

    The server's output goes to ``workdir/streamlit.log``; if it holds a
    traceback when the server stops, the log is printed and a warning says so.
    """
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "streamlit.log"
    env = {**os.environ, "VSM_DATABASE_URL": database_url or f"sqlite:///{workdir / 'e2e.db'}"}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Sources may change while the tests run (other work in the checkout):
        # with a file watcher the page would show "Source file changed · Rerun".
        "--server.fileWatcherType",
        "none",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while _health(base_url) != "ok":
            if process.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {process.returncode} before answering:\n"
                    + log_path.read_text(errors="replace")
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {base_url}/_stcore/health within "
                    f"{SERVER_START_TIMEOUT} s:\n" + log_path.read_text(errors="replace")
                )
            time.sleep(0.25)
        yield base_url
    finally:
        _stop(process)
        server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
        if "Traceback" in server_log:
            # Printed in full (shown with -s/-rP or beside a failure) and summarised
            # as a warning, which pytest always lists at the end of the run.
            print(f"\n===== Traceback in the Streamlit server log {log_path} =====\n{server_log}")
            last = server_log[server_log.rindex("Traceback") :]
            warnings.warn(
                f"the Streamlit server logged a traceback ({log_path}):\n{last[-3000:]}",
                stacklevel=1,
            )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --------------------------------------------------------------------------- the page


class Flowlab:
    """A browser page on the app plus what a test needs to know about Streamlit's DOM."""

    def __init__(self, page, base_url: str) -> None:
        from playwright.sync_api import expect

        self.page = page
        self.base_url = base_url
        self.expect = expect

    # -- locators

    @property
    def heading(self):
        return self.page.locator("h1")

    @property
    def sidebar(self):
        return self.page.get_by_test_id("stSidebar")

    @property
    def nav_links(self):
        """Our navigation: the ``st.page_link``s in the sidebar."""
        return self.sidebar.get_by_test_id("stPageLink").locator("a")

    def nav_link(self, label: str):
        return self.nav_links.filter(
            has=self.page.get_by_test_id("stMarkdownContainer").get_by_text(label, exact=True)
        )

    def metric_value(self, label: str):
        label_locator = self.page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
        return (
            self.page.get_by_test_id("stMetric")
            .filter(has=label_locator)
            .get_by_test_id("stMetricValue")
        )

    @property
    def work_types(self):
        return self.sidebar.get_by_test_id("stMultiSelect").filter(has_text="Work types")

    def selected_work_type(self, work_type: str):
        """The tag a chosen option leaves in the "Work types" multiselect."""
        return self.work_types.locator(f'[data-tag][aria-label="{work_type}"]')

    # -- actions and checks

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base_url + path)
        self.wait_for_run()

    def wait_for_run(self, timeout: int = TIMEOUT_MS) -> None:
        """Wait until the app has finished its script run, then check it drew no error.

        A run that was only *requested* (a click just happened) may still read
        as finished, so callers first wait for something the new run draws.
        """
        expect, page = self.expect, self.page
        expect(self.heading.first).to_be_visible(timeout=timeout)
        expect(page.get_by_test_id("stApp")).to_have_attribute(
            "data-test-script-state", "notRunning", timeout=timeout
        )
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=timeout)
        self.assert_no_error()

    def assert_no_error(self) -> None:
        expect, page = self.expect, self.page
        expect(page.get_by_test_id("stException")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
        expect(
            page.get_by_test_id("stAlert").filter(has_text="Something went wrong")
        ).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)

    def click_nav(self, label: str) -> None:
        """Click our sidebar link ``label`` and wait for that page's run."""
        path, heading = next((p, h) for lbl, p, h in NAV if lbl == label)
        self.nav_link(label).click()
        self.expect(self.page).to_have_url(re.compile(rf"/{path}/?(\?.*)?$"))
        self.expect(self.heading).to_have_text(heading)
        self.wait_for_run()

    def assert_our_navigation(self) -> None:
        """Exactly our five links, once each and in order; no Streamlit navigation."""
        expect = self.expect
        expect(self.nav_links).to_have_count(len(NAV))
        labels = self.nav_links.get_by_test_id("stMarkdownContainer").all_inner_texts()
        assert [text.strip() for text in labels] == [label for label, _p, _h in NAV]
        hrefs = self.nav_links.evaluate_all("links => links.map(a => a.href)")
        # the links carry the sidebar's selection as a query string (ui/url_state.py)
        assert [href.split("?")[0].rstrip("/").rsplit("/", 1)[-1] for href in hrefs] == [
            path for _l, path, _h in NAV
        ]
        expect(self.page.get_by_test_id("stSidebarNav")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)

    def open_options(self, box):
        """Open the list of the st.selectbox whose input is ``box``; return its options.

        From the keyboard: the first mouse click on a fresh selectbox often opens the
        list and closes it again at once, while focus + ArrowDown does not. In an
        expander just opened a key press may be lost: try again, by key and by click.
        """
        expect = self.expect
        expect(box).to_be_visible(timeout=TIMEOUT_MS)
        for attempt in range(6):
            if box.get_attribute("aria-expanded") == "true":
                break
            if attempt % 2 == 0:
                box.focus()
                box.press("ArrowDown")
            else:
                box.click()
            with contextlib.suppress(AssertionError):
                expect(box).to_have_attribute("aria-expanded", "true", timeout=2_000)
        expect(box).to_have_attribute("aria-expanded", "true", timeout=TIMEOUT_MS)
        listbox = self.page.get_by_role("listbox")
        expect(listbox).to_have_count(1, timeout=TIMEOUT_MS)
        return listbox.get_by_role("option")

    def choose(self, label: str, option: str, scope=None) -> None:
        """Pick ``option`` in the st.selectbox ``label`` (within ``scope``) as a visitor does.

        The visitor types the option to narrow the list, then clicks it. On a loaded
        machine a rerun can redraw the selectbox while its list is open, which closes
        the list; then the visitor opens it again (at most three times).
        """
        expect = self.expect
        box = (scope or self.page).get_by_role("combobox", name=label, exact=True)
        for _attempt in range(3):
            options = self.open_options(box)
            box.press_sequentially(option)
            wanted = options.get_by_text(option, exact=True)
            with contextlib.suppress(AssertionError):
                expect(wanted).to_be_visible(timeout=5_000)
                wanted.click()
                expect(box).to_have_value(option, timeout=5_000)
                return
            self.page.keyboard.press("Escape")
        expect(box).to_have_value(option, timeout=TIMEOUT_MS)

    def dataset_options(self) -> list[str]:
        """The entries of the sidebar's "Dataset" selectbox, e.g. ``["Demo team (v1)"]``."""
        box = self.sidebar.get_by_role("combobox", name="Dataset", exact=True)
        texts: list[str] = []
        # A rerun that redraws the sidebar closes an open list; then read it again.
        for _attempt in range(3):
            options = self.open_options(box)
            self.expect(options.first).to_be_visible(timeout=TIMEOUT_MS)
            texts = [text.strip() for text in options.all_inner_texts() if text.strip()]
            if texts:
                break
            self.page.keyboard.press("Escape")
        self.page.keyboard.press("Escape")
        self.expect(box).to_have_attribute("aria-expanded", "false", timeout=TIMEOUT_MS)
        return texts

    def select_work_type(self, work_type: str) -> None:
        box = self.work_types.get_by_role("combobox")
        option = self.page.get_by_role("option", name=work_type, exact=True)
        # With twelve navigation links the filters sit low in the sidebar, and a click that
        # lands while a run is still redrawing it can leave the list closed: open it again.
        for _attempt in range(3):
            box.click()
            try:
                option.wait_for(state="visible", timeout=ABSENT_TIMEOUT_MS)
                break
            except Exception:  # Playwright's TimeoutError (Playwright is imported lazily)
                self.page.keyboard.press("Escape")
        option.click()
        self.page.keyboard.press("Escape")
        self.expect(self.selected_work_type(work_type)).to_be_visible()
