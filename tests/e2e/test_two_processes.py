"""The deployment recipe of docs/deployment.md, tried: two app processes, one PostgreSQL.

Two ``streamlit run`` processes on loopback ports share one fresh PostgreSQL database
(created and dropped here). Their first runs, started together on the empty database,
migrate and seed it exactly once; a dataset imported through one process is listed by
the other; the same experiment saved through both gives one success and one conflict,
nothing lost; the database password never reaches a page or a log. Runs where
``VSM_TEST_POSTGRES_URL`` names a server (CI does), else skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ENV, _postgres_database
from tests.e2e.harness import TIMEOUT_MS, Flowlab, streamlit_server
from vsm_core.store.migrate import HEAD_REVISION

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set (no PostgreSQL)"
    ),
]

EVENTS_CSV = Path(__file__).resolve().parents[1] / "data" / "formats" / "events.csv"
#: The first runs migrate, generate and store the demo team while the other waits.
FIRST_RUN_MS = 180_000
#: A password the server ignores (trust authentication) but Flowlab must never show.
PASSWORD = "never-shown-9f2c"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """(database URL with a password, [(base URL, log path)] of two processes)."""
    database = next(gen := _postgres_database(os.environ[POSTGRES_ENV]))
    url = make_url(database).set(password=PASSWORD).render_as_string(hide_password=False)
    with contextlib.ExitStack() as stack:
        servers = []
        for name in ("one", "two"):
            workdir = tmp_path_factory.mktemp(f"process-{name}")
            base_url = stack.enter_context(streamlit_server(workdir, database_url=url))
            servers.append((base_url, workdir / "streamlit.log"))
        yield url, servers
    with contextlib.suppress(StopIteration):
        next(gen)  # drops the database


def _count(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).all()
    finally:
        engine.dispose()


def test_both_first_runs_together_migrate_and_seed_once(deployment, browser):
    url, servers = deployment
    contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in servers]
    try:
        pages = [context.new_page() for context in contexts]
        for page, (base_url, _log) in zip(pages, servers, strict=True):
            page.goto(base_url + "/home", wait_until="commit")  # both runs start together
        for page, (base_url, _log) in zip(pages, servers, strict=True):
            flowlab = Flowlab(page, base_url)
            flowlab.wait_for_run(timeout=FIRST_RUN_MS)
            expect(flowlab.metric_value("Items")).to_have_text("600", timeout=TIMEOUT_MS)
    finally:
        for context in contexts:
            context.close()
    assert _count(url, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
    assert _count(url, "SELECT name FROM dataset") == [("Demo team",)]
    assert _count(url, "SELECT count(*) FROM experiment") == [(2,)]


def test_a_dataset_imported_through_one_process_is_listed_by_the_other(deployment, browser):
    _url, [(first, _), (second, _)] = deployment
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        flowlab = Flowlab(page, first)
        flowlab.open("/import_data")
        uploader = page.get_by_test_id("stFileUploader")
        uploader.locator('input[type="file"]').set_input_files(str(EVENTS_CSV))
        expect(page.get_by_text("is read as events (detected)")).to_be_visible(timeout=TIMEOUT_MS)
        flowlab.wait_for_run()
        page.get_by_role("button", name="Save as “events”").click()
        expect(page.get_by_text("Saved “events” as version 1")).to_be_visible(timeout=TIMEOUT_MS)
        other = Flowlab(page, second)
        other.open("/home")
        other.sidebar.get_by_role("combobox", name="Dataset", exact=True).click()
        expect(page.get_by_role("option", name="events (v1)")).to_be_visible(timeout=TIMEOUT_MS)
    finally:
        context.close()


def _open_edit_form(flowlab: Flowlab):
    """Open experiment #1 (the demo team's first) and unfold its Edit or review form."""
    flowlab.open("/experiments?dataset=1")  # the demo team (another dataset was imported)
    page = flowlab.page
    page.get_by_test_id("stExpander").filter(has_text="Edit or review").locator("summary").click()
    form = page.get_by_test_id("stForm").filter(has=page.get_by_label("Learnings", exact=True))
    expect(form).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    return form


def _type_and_save(flowlab: Flowlab, form, learnings: str, name: str) -> None:
    for label, value in (("Learnings", learnings), ("Your name", name)):
        box = form.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Tab")
        expect(box).to_have_value(value, timeout=TIMEOUT_MS)
    form.get_by_role("button", name="Save").click()


def test_the_same_experiment_saved_through_both_processes_one_wins_one_is_told(deployment, browser):
    url, [(first, _), (second, _)] = deployment
    contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(2)]
    try:
        ana = Flowlab(contexts[0].new_page(), first)
        kim = Flowlab(contexts[1].new_page(), second)
        ana_form, kim_form = _open_edit_form(ana), _open_edit_form(kim)  # both at one version
        _type_and_save(ana, ana_form, "Ana: the limit helped.", "Ana")
        expect(ana.page.get_by_text("Saved.", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        _type_and_save(kim, kim_form, "Kim: queues shrank.", "Kim")
        conflict = kim.page.get_by_test_id("stAlert").filter(
            has_text="was changed since you opened it"
        )
        expect(conflict).to_be_visible(timeout=TIMEOUT_MS)
        expect(conflict).to_contain_text("Ana at")
        expect(conflict).to_contain_text("Nothing was saved")
    finally:
        for context in contexts:
            context.close()
    [(learnings,)] = _count(url, "SELECT learnings FROM experiment WHERE id = 1")
    assert learnings == "Ana: the limit helped."  # the first save kept, nothing lost
    edits = _count(url, "SELECT author FROM experiment_edit WHERE experiment_id = 1 ORDER BY id")
    assert [author for (author,) in edits][-1] == "Ana"


def test_no_password_or_traceback_in_any_log(deployment):
    _url, servers = deployment
    for _base_url, log in servers:
        text_of_log = log.read_text(errors="replace")
        assert PASSWORD not in text_of_log
        assert "Traceback" not in text_of_log
