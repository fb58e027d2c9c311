"""In a real Chromium, user text that is markup fetches nothing, links nowhere and reads as typed.

The server's database holds the demo team and, newest (the sidebar selects
it), the dataset of :mod:`tests.app.hostile`: its name, team, work types,
stages, statuses, attributes, item ids and titles and its two experiments'
titles, hypotheses, actions and owners are Markdown images and links, HTML,
``:red[…]``, ``:material/…:``, LaTeX and quotes, all pointing at
``127.0.0.1:9`` (the discard port: nothing leaves the machine). Every page,
and every Flow metrics view, is visited while every request the page makes is
recorded: none may go to that address, no element may point there (``<img>``,
``<a>``, plotly's SVG links), and the texts must be visible exactly as typed
(an invisible word joiner aside; ``"`` never ``&quot;``). The Check-in HTML
report, opened as a file, is held to the same.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from tests.app.hostile import HOST, store_hostile, texts
from tests.e2e.harness import TIMEOUT_MS, Flowlab, streamlit_server
from ui.plain import WORD_JOINER
from vsm_core.experiments import records
from vsm_core.experiments.checkin import checkin_figures, checkin_html, checkin_rows
from vsm_core.store import make_engine
from vsm_core.store.access import SYSTEM
from vsm_core.store.bootstrap import prepare_database

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser

T = texts(HOST)
#: The hostile dataset's experiments come after the demo's two.
FIRST, SECOND = 3, 4

#: (path, texts that must be visible there as typed).
PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/home", (f"{T['dataset']} · version 1",)),
    ("/import_data", (f"{T['dataset']} · {T['team']} · 1 version(s)",)),
    (
        "/flow_metrics?view=Cycle+time",
        (
            f"first entry into {T['stage:Ready']} or",  # the headline's caption
            T["type:Feature"],  # a legend
            f"#{FIRST} {T['experiment']}",  # a change marker
        ),
    ),
    ("/flow_metrics?view=Throughput", (T["type:Debt"], T["type:Risk"])),
    ("/flow_metrics?view=WIP+%26+cumulative+flow", (T["stage:Review"], T["type:Defect"])),
    ("/flow_metrics?view=Aging", (T["stage:In Progress"], T["stage:Testing"])),
    ("/flow_metrics?view=Efficiency+%26+mix", (f"{T['type:Feature']} ", T["type:Debt"])),
    ("/flow_metrics?view=Process+behaviour", ("<i>i</i>",)),
    # Bottlenecks draws one view at a time (?view=): the heatmap, then the others.
    ("/bottlenecks", (T["stage:Review"], T["stage:In Progress"], T["stage:Ready"])),
    ("/bottlenecks?view=Rework", ()),
    # The map wraps long stage names over lines: the pairing test below reads them squeezed.
    ("/bottlenecks?view=Value+stream+map", ()),
    (
        "/experiments",
        (f"#{SECOND} {T['experiment2']}", T["hypothesis"], T["action"], T["owner"]),
    ),
    ("/check_in", ()),
)

#: Every address an element of the page points at (images, links, plotly's SVG links, frames).
ADDRESSES_JS = """() => {
  const address = e => {  // HTML elements have string URLs, SVG ones animated strings
    for (const v of [e.currentSrc, e.src, e.href, e.data]) {
      if (typeof v === 'string' && v) return v;
      if (v && typeof v.baseVal === 'string' && v.baseVal) return v.baseVal;
    }
    return e.getAttribute('href') || e.getAttribute('xlink:href') || '';
  };
  const tags = 'img, image, a, iframe, source, video, audio, object, embed';
  return [...document.querySelectorAll(tags)].map(address);
}"""

#: What is visible: the page's text and every text plotly drew (SVG text is not innerText);
#: not the values of inputs (a select shows its option as typed: that proves nothing here).
VISIBLE_JS = """() => [
  document.body.innerText,
  ...[...document.querySelectorAll('svg text')].map(t => t.textContent),
].join('\\n')"""


def _hostile(url: str) -> bool:
    """Whether ``url`` goes to the address the user text points at."""
    parts = urlsplit(url)
    return parts.hostname == "127.0.0.1" and parts.port == 9


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A server over the demo team plus the hostile dataset (the newest, so it is selected)."""
    workdir = tmp_path_factory.mktemp("inert-server")
    engine = make_engine(f"sqlite:///{workdir / 'e2e.db'}")
    prepare_database(engine)
    with Session(engine) as session:
        store_hostile(session, HOST, n_items=200)
    engine.dispose()
    with streamlit_server(workdir) as base_url:
        yield base_url, workdir / "e2e.db"


#: The pages whose open view draws at least one chart.
CHART_PAGES = ("/home", "/flow_metrics", "/bottlenecks")


def _charts_drawn(flowlab: Flowlab, path: str = "") -> None:
    """Wait until every plotly chart on the page has drawn its SVG.

    On a page that has charts, the first one is waited for first: the chart
    component's script loads after the run finishes, and on a loaded machine
    late enough that counting the charts at once found none.
    """
    charts = flowlab.page.get_by_test_id("stPlotlyChart")
    if path.startswith(CHART_PAGES):
        expect(charts.first.locator(".main-svg").first).to_be_attached(timeout=4 * TIMEOUT_MS)
    for index in range(charts.count()):
        expect(charts.nth(index).locator(".main-svg").first).to_be_attached(timeout=TIMEOUT_MS)


def test_no_page_fetches_or_points_at_user_addresses_and_text_reads_as_typed(page, hostile_server):
    base_url, _database = hostile_server
    page.set_viewport_size({"width": 1400, "height": 3000})  # every chart and image in view
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    flowlab = Flowlab(page, base_url)
    problems: list[str] = []  # every page is visited, then all that went wrong is reported
    for path, expected in PAGES:
        seen = len(requests)
        flowlab.open(path)
        _charts_drawn(flowlab, path)
        page.wait_for_timeout(500)  # anything an element would fetch has started by now
        flowlab.assert_no_error()
        problems += [f"{path} fetched {url}" for url in requests[seen:] if _hostile(url)]
        pointing = [url for url in page.evaluate(ADDRESSES_JS) if _hostile(url)]
        problems += [f"{path} has an element pointing at {url}" for url in pointing]
        visible = page.evaluate(VISIBLE_JS).replace(WORD_JOINER, "")
        problems += [f"{path} shows {e}" for e in ("&quot;", "&amp;") if e in visible]
        problems += [f"{path} does not show {text!r}" for text in expected if text not in visible]
    assert not problems, "\n".join(problems)
    assert len(requests) > len(PAGES)  # the listener saw the pages' own requests


def test_the_experiment_pages_other_experiment_and_the_check_in_team(page, hostile_server):
    base_url, _database = hostile_server
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    flowlab = Flowlab(page, base_url)
    flowlab.open("/experiments")
    option = f"#{FIRST} {T['experiment']}"
    flowlab.choose("Open experiment", option)
    expect(page.get_by_test_id("stHeading").filter(has_text="#3 [click]")).to_be_visible()
    flowlab.wait_for_run()
    _charts_drawn(flowlab)
    heading = page.get_by_test_id("stHeading").filter(has_text="#3 [click]").inner_text()
    assert heading.replace(WORD_JOINER, "").strip() == option
    flowlab.open("/check_in")
    team = page.get_by_role("combobox", name="Team", exact=True)
    expect(team).to_have_value(T["team"])  # an option: as typed, no escapes
    assert not [url for url in requests if _hostile(url)]


def _hostile_upload(folder: Path) -> tuple[Path, dict[str, str]]:
    """The events example with markup in a column name, statuses, types, titles and file name."""
    url = f"http://{HOST}"
    swap = {
        "In Progress": f'![s]({url}/upload-status.png) In "Progress"',
        "Feature": f"[Feature]({url}/upload-type) <b>F</b>",
        "Export invoices": f'<img src="{url}/upload-title.png"> "Export"',
        "Priority": f"![c]({url}/upload-column.png) Priority",
    }
    source = Path(__file__).resolve().parents[1] / "data" / "formats" / "events.csv"
    rows = [[swap.get(cell, cell) for cell in row] for row in csv.reader(source.open())]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    # No "/" in a file name, and no '"' either: browsers send it as %22 (multipart form data).
    path = folder / "upload <i>B :red[r] $x$ [l](y) -> z.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, swap


def test_an_upload_with_markup_in_its_names_fetches_nothing(page, hostile_server, tmp_path):
    base_url, _database = hostile_server
    path, swap = _hostile_upload(tmp_path)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    flowlab = Flowlab(page, base_url)
    flowlab.open("/import_data")
    uploader = page.get_by_test_id("stFileUploader")
    uploader.locator('input[type="file"]').set_input_files(str(path))
    expect(page.get_by_test_id("stHeading").filter(has_text="Data quality")).to_be_visible()
    flowlab.wait_for_run()
    page.wait_for_timeout(500)
    assert not [url for url in requests if _hostile(url)]
    assert not [url for url in page.evaluate(ADDRESSES_JS) if _hostile(url)]
    visible = page.evaluate(VISIBLE_JS).replace(WORD_JOINER, "")
    assert f"{path.name} is read as events" in visible  # the file name, as typed
    assert f"Save as “{path.stem}”" in visible  # the button's label, as typed
    assert swap["In Progress"] in visible  # a stage, in the workflow's description


def test_the_check_in_report_opened_in_the_browser_fetches_nothing(page, hostile_server):
    _base_url, database = hostile_server
    with Session(make_engine(f"sqlite:///{database}")) as session:
        rows = checkin_rows(session, team=T["team"], today=date(2026, 10, 5), actor=SYSTEM)
    title = f'{T["team"]} "check-in"'
    report = checkin_html(rows, title=title, figures=checkin_figures(rows), generated_at="now")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(report, wait_until="load")
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_attached()
    page.wait_for_timeout(500)
    assert not [url for url in requests if _hostile(url)]
    assert not [url for url in page.evaluate(ADDRESSES_JS) if _hostile(url)]
    assert page.title() == title and page.locator("h1").inner_text() == title
    cells = page.locator("td").all_inner_texts()
    assert {T["experiment"], T["experiment2"], T["owner"]} <= set(cells)
    chart_titles = page.locator(".gtitle").all_text_contents()
    assert any(t.startswith(f"#{FIRST} [click](http://{HOST}/)") for t in chart_titles)
    assert any(t.startswith(f'#{SECOND} <b>"Second"</b> [x]') for t in chart_titles)
    assert all("&quot;" not in t for t in chart_titles)


# --------------------------------------------------------------------------- ", < and & (item 5)

#: An experiment title with each character HTML and plotly escape (issue #11: `"` showed as
#: ``&quot;``): it must read exactly as typed everywhere.
PAIRING = 'Pairing "A" <b>&</b> co'
#: Its change date: inside the window, apart from the hostile experiments' date.
PAIRING_DATE = date(2026, 8, 3)

#: Every text plotly drew inside the chart whose key is given (Streamlit adds st-key-<key>).
CHART_TEXT_JS = """key => [...document.querySelectorAll(`.st-key-${key} svg text`)]
  .map(t => t.textContent)"""


@pytest.fixture(scope="module")
def pairing_server(tmp_path_factory):
    """The demo and the hostile dataset, plus an experiment titled :data:`PAIRING` on it."""
    workdir = tmp_path_factory.mktemp("pairing-server")
    engine = make_engine(f"sqlite:///{workdir / 'e2e.db'}")
    prepare_database(engine)
    with Session(engine) as session:
        dataset_id = store_hostile(session, HOST, n_items=200)
        experiment = records.create_experiment(
            session,
            data=records.ExperimentCreate(
                dataset_id=dataset_id,
                title=PAIRING,
                hypothesis='Pairing on "A" & <b>B</b> shortens cycle time',
                owner="Sam & <i>Alex</i>",
                metric="cycle_time_p85",
                direction="decrease",
                target=5.0,
                change_date=PAIRING_DATE,
                review_date=date(2026, 9, 1),
                status="running",
            ),
            author="test",
            actor=SYSTEM,
        )
        number = experiment.id
    engine.dispose()
    with streamlit_server(workdir) as base_url:
        yield base_url, workdir / "e2e.db", number


def _chart_texts(page, key: str) -> list[str]:
    expect(page.locator(f".st-key-{key} .main-svg").first).to_be_attached(timeout=4 * TIMEOUT_MS)
    return [t.replace(WORD_JOINER, "") for t in page.evaluate(CHART_TEXT_JS, key)]


def test_quotes_angles_and_ampersands_read_as_typed_in_markers_map_app_and_export(
    page, pairing_server
):
    base_url, database, number = pairing_server
    page.set_viewport_size({"width": 1400, "height": 3000})
    flowlab = Flowlab(page, base_url)
    marker = f"#{number} {PAIRING}"

    # the experiment markers on the Flow metrics charts
    flowlab.open("/flow_metrics?view=Cycle+time")
    _charts_drawn(flowlab, "/flow_metrics")
    assert marker in _chart_texts(page, "cycle_scatter")

    # the heatmap's markers, then the value stream map: stage names with ", < and &
    flowlab.open("/bottlenecks")
    _charts_drawn(flowlab, "/bottlenecks")
    assert any(
        text.startswith(f"#{number} Pairing") for text in _chart_texts(page, "heatmap_median_days")
    )
    flowlab.open("/bottlenecks?view=Value+stream+map")
    _charts_drawn(flowlab, "/bottlenecks")
    drawn = _chart_texts(page, "value_stream")
    squeezed = ["".join(text.split()) for text in drawn]  # long names wrap over lines
    for stage in ("stage:Review", "stage:In Progress"):
        assert any("".join(T[stage].split()) in text for text in squeezed), (T[stage], drawn)
    assert not [t for t in drawn if "&quot;" in t or "&amp;" in t or "&lt;" in t]

    # the app: the experiment's own page
    flowlab.open("/experiments")
    flowlab.choose("Open experiment", marker)
    heading = page.get_by_test_id("stHeading").filter(has_text="Pairing")
    expect(heading).to_be_visible()
    flowlab.wait_for_run()
    assert heading.inner_text().replace(WORD_JOINER, "").strip() == marker
    visible = page.evaluate(VISIBLE_JS).replace(WORD_JOINER, "")
    assert "Sam & <i>Alex</i>" in visible
    assert "&quot;" not in visible and "&amp;" not in visible

    # the HTML export (the Check-in report), opened in the browser
    with Session(make_engine(f"sqlite:///{database}")) as session:
        rows = checkin_rows(session, team=T["team"], today=date(2026, 10, 5), actor=SYSTEM)
    report = checkin_html(rows, title="Check-in", figures=checkin_figures(rows), generated_at="now")
    page.set_content(report, wait_until="load")
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_attached()
    assert PAIRING in page.locator("td").all_inner_texts()
    chart_titles = page.locator(".gtitle").all_text_contents()
    assert any(t.startswith(marker) for t in chart_titles), chart_titles
    assert not [t for t in chart_titles if "&quot;" in t or "&amp;" in t]
    assert "&quot;" not in page.locator("body").inner_text()
