"""User text is shown as typed: one helper per medium, and every chart and export built on it.

* Streamlit Markdown (:func:`ui.plain.md`): the escaped text reads back as typed, and
  neither the Markdown syntax nor Streamlit's own text substitutions (icons, logo,
  emoji, arrows, bare-address links, LaTeX) can find anything in it. The patterns
  below are the ones Streamlit 1.x applies (its ``StreamlitMarkdown`` component);
  the browser test (``tests/e2e/test_inert_text_browser.py``) checks the real thing.
* plotly (:func:`vsm_core.charts.common.plotly_text`): what plotly draws, decoded the
  way plotly decodes it, is the text as typed; a ``"`` is never ``&quot;``. Every
  chart of every view, built from a dataset whose every name is markup, carries
  no tag from user text.
* The Check-in HTML report: the title and cells read back exactly (no ``&quot;``),
  and no ``<img>`` or ``<a>`` comes from user text.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import pandas as pd
import plotly.graph_objects as go
import pytest
from sqlmodel import Session

from tests.app.hostile import ESCAPED, assert_inert, plotly_shows, shown, store_hostile, texts
from ui.flow_charts import VIEWS, view_panels
from ui.plain import WORD_JOINER, md, md_code, md_list
from vsm_core.charts.bottlenecks import rework_chart, stage_week_heatmap_chart
from vsm_core.charts.common import plotly_text, plotly_texts
from vsm_core.charts.experiments import before_after_chart, experiment_behaviour_chart
from vsm_core.charts.markers import add_change_markers
from vsm_core.charts.value_stream import value_stream_map
from vsm_core.experiments import records, service
from vsm_core.experiments.checkin import checkin_figures, checkin_html, checkin_rows
from vsm_core.metrics.scope import build_scope
from vsm_core.metrics.views import bottleneck_view, flow_view
from vsm_core.store import make_engine
from vsm_core.store.access import SYSTEM
from vsm_core.store.bootstrap import prepare_database

HOSTILE = [
    "![x](http://127.0.0.1:9/img.png)",
    "[click](http://127.0.0.1:9/) ![y](http://127.0.0.1:9/y.png)",
    '<b>B</b> <img src="http://127.0.0.1:9/i.png"> <a href="http://127.0.0.1:9/">a</a>',
    ":red[red] :blue-background[b] :small[s] :violet-badge[v]",
    ":material/home: :material_home: :streamlit: :smile: :+1:",
    "$x^2$ and $$y$$ and \\(z\\)",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "http://127.0.0.1:9/auto www.example.com WWW.Example.com <http://127.0.0.1:9/x> me@example.com",
    "\"quoted\" 'single' &amp; &lt;b&gt; &#60; **bold** _it_ ~~s~~ `code` \\ | a | b |",
    "# heading",
    "- item",
    "1. one",
    "> quote",
    "Team: Payments (EU) v1.2",
]

# --------------------------------------------------------------------------- Markdown


def parsed_text(source: str) -> str:
    """The text Markdown hands to Streamlit's substitutions: escapes resolved, joiners kept."""
    return ESCAPED.sub(r"\1", source)


#: Streamlit's substitutions on parsed text (StreamlitMarkdown, remark-emoji, remark-gfm).
TEXT_SUBSTITUTIONS = {
    "material icon": re.compile(r":material_(\w+):"),
    "streamlit logo": re.compile(r":streamlit:"),
    "emoji shortcode": re.compile(r":\+1:|:-1:|:[\w-]+:"),
    "arrow or dash": re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
    "address link": re.compile(r"(https?://|www(?=\.))[-.\w]+", re.IGNORECASE),
    "mail link": re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+"),
}


def unescaped_punctuation(source: str) -> list[str]:
    """ASCII punctuation that Markdown would read as syntax (not preceded by a backslash)."""
    out, i = [], 0
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source):
            i += 2
            continue
        if re.match(r"[!-/:-@\[-`{-~]", source[i]):
            out.append(source[i])
        i += 1
    return out


@pytest.mark.parametrize("text", HOSTILE)
def test_md_reads_back_as_typed(text):
    assert shown(md(text)) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_md_leaves_no_markdown_syntax(text):
    """Images, links, HTML, emphasis, ``:red[…]`` and ``$…$`` all need an unescaped character."""
    assert unescaped_punctuation(md(text)) == []


@pytest.mark.parametrize("text", HOSTILE)
def test_md_leaves_nothing_for_streamlits_text_substitutions(text):
    source = md(text)
    assert ":material/" not in source  # Streamlit rewrites it in the source before parsing
    # The emoji plugin loads only for a shortcode in the source; LaTeX only for unescaped $.
    assert not re.search(r":(?!material/|streamlit:)[\w+-][\w_+-]*:", source)
    assert not re.search(r"(?<!\\)\$", source)
    text_node = parsed_text(source)
    for name, pattern in TEXT_SUBSTITUTIONS.items():
        assert not pattern.search(text_node), f"{name} in {text_node!r}"


def test_md_keeps_plain_text_and_quotes_free_of_joiners():
    assert md("Demo team") == "Demo team"
    assert WORD_JOINER not in md('Team: "Payments" - no (v1.2) a - b @ c')
    assert shown(md('say "hi"')) == 'say "hi"'
    assert "&quot;" not in md('"') and shown(md('"')) == '"'


def test_md_is_one_line():
    assert md("first line\n\nsecond\tline ") == "first line second line"


def test_md_list_escapes_each_value():
    assert md_list(["a*b", "![x](y)"]) == r"a\*b, \!\[x\]\(y\)"
    assert md_list([], none="none") == "none"


@pytest.mark.parametrize(
    "text", ["plain", "a `b` c", "``x``", "`edge", ":material/home: ![i](http://127.0.0.1:9/c)"]
)
def test_md_code_is_one_code_span_of_the_text(text):
    code = md_code(text)
    fence = re.match(r"`+", code).group()
    inner = code[len(fence) : -len(fence)]
    assert code.endswith(fence) and fence not in inner  # nothing inside can close it
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip():
        inner = inner[1:-1]
    assert inner.replace(WORD_JOINER, "") == text
    assert ":material/" not in code


# --------------------------------------------------------------------------- plotly


@pytest.mark.parametrize("text", HOSTILE)
def test_plotly_text_is_drawn_as_typed(text):
    assert plotly_shows(plotly_text(text)) == text


def test_plotly_text_escapes_only_what_plotly_reads():
    assert plotly_text("<b>\"A\" & 'B'</b>") == "&lt;b&gt;\"A\" &amp; 'B'&lt;/b&gt;"
    assert plotly_text("&quot;") == "&amp;quot;"  # typed as such, drawn as such
    assert plotly_text(None) == "" and plotly_text(3) == "3"


def test_plotly_texts_match_plotly_text():
    values = [*HOSTILE, None, float("nan"), 7]
    expected = [plotly_text(v) for v in HOSTILE] + ["", "", "7"]
    assert plotly_texts(values).tolist() == expected


def test_change_marker_label_keeps_its_quotes():
    fig = add_change_markers(go.Figure(), [(date(2026, 1, 5), '#1 "WIP" <limit>')])
    [label] = [a.text for a in fig.layout.annotations if a.name == "change"]
    assert label == '#1 "WIP" &lt;limit&gt;' and plotly_shows(label) == '#1 "WIP" <limit>'


# --------------------------------------------------------------------------- every chart


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """A database with the demo team and the hostile dataset (the newest) and experiments."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('inert') / 'inert.db'}")
    prepare_database(engine)
    with Session(engine) as session:
        dataset_id = store_hostile(session, n_items=200)
    return engine, dataset_id


@pytest.fixture(scope="module")
def hostile_loaded(hostile_store):
    from vsm_core.store import crud

    engine, dataset_id = hostile_store
    with Session(engine) as session:
        version = crud.get_version(session, dataset_id=dataset_id, actor=SYSTEM)
        return crud.load_dataset(session, version_id=version.id, actor=SYSTEM)


def test_every_flow_and_bottleneck_chart_shows_user_text_as_typed(hostile_loaded):
    t = texts()
    scope = build_scope(hostile_loaded)
    view = flow_view(scope, freq="week")
    changes = ((date(2026, 6, 1), f"#1 {t['experiment']}"),)
    shown_texts: list[str] = []
    for name in VIEWS:
        for panel in view_panels(name, view, sle=10.0, changes=changes):
            shown_texts += assert_inert(panel.build(), f"{name}/{panel.key}")
    bottlenecks = bottleneck_view(scope)
    for key, figure in (
        ("heatmap", stage_week_heatmap_chart(bottlenecks.heatmap, change_dates=changes)),
        ("rework", rework_chart(bottlenecks.rework)),
        ("value_stream", value_stream_map(bottlenecks.value_stream)),
    ):
        shown_texts += assert_inert(figure, key)
    everything = "\n".join(shown_texts)
    for key in ("type:Feature", "type:Defect", "type:Risk", "type:Debt", "experiment"):
        assert t[key] in everything, key  # legends and change markers
    for key in ("stage:Ready", "stage:In Progress", "stage:Review", "stage:Testing"):
        assert t[key] in everything, key  # ticks, legends, the value stream
    assert '![ti](http://127.0.0.1:9/title.png) "' in everything  # item titles in hovers
    assert "<i>i</i>" in everything  # item ids, typed with a tag, drawn as typed


def test_experiment_charts_and_checkin_show_user_text_as_typed(hostile_store):
    t = texts()
    engine, dataset_id = hostile_store
    with Session(engine) as session:
        experiments = records.list_experiments(session, dataset_id=dataset_id, actor=SYSTEM)
        for experiment in experiments:
            evidence = service.judge(
                session, experiment_id=experiment.id, actor=SYSTEM
            ).evidence.to_dict()
            assert_inert(before_after_chart(evidence), "before/after")
            assert_inert(experiment_behaviour_chart(evidence), "behaviour")
        rows = checkin_rows(session, team=t["team"], today=date(2026, 10, 5), actor=SYSTEM)
    assert len(rows) == 2
    for figure, row in zip(checkin_figures(rows), rows.itertuples(), strict=True):
        assert_inert(figure, "check-in chart")
        title = plotly_shows(figure.layout.title.text)
        assert title.startswith(f"#{row.id} {row.title[:50]}")  # as typed (long ones cut)


# --------------------------------------------------------------------------- HTML report


class _Report(HTMLParser):
    """Element texts by tag, the tags met, and each figure's JSON."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("br", "meta", "link"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        tag = self.stack[-1] if self.stack else ""
        if tag == "script":
            self.scripts.append(data)
        else:
            self.texts.setdefault(tag, []).append(data)


def test_checkin_report_shows_titles_as_typed_without_their_markup(hostile_store):
    t = texts()
    engine, _ = hostile_store
    with Session(engine) as session:
        rows = checkin_rows(session, team=t["team"], today=date(2026, 10, 5), actor=SYSTEM)
    title = f'{t["team"]} "check-in"'
    page = checkin_html(rows, title=title, figures=checkin_figures(rows), generated_at="now")

    outside_scripts = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)  # plotly.js has some
    assert "&quot;" not in outside_scripts and "&#x27;" not in outside_scripts
    report = _Report()
    report.feed(page)
    assert report.texts["title"] == [title] and report.texts["h1"] == [title]
    cells = report.texts["td"]
    assert t["experiment"] in cells and t["experiment2"] in cells
    assert t["owner"] in cells
    # The only images and links are none at all: user text made neither.
    assert not [tag for tag, _ in report.tags if tag in ("img", "a", "iframe", "object")]
    # The charts' titles, in their JSON: plotly-escaped once, drawn as typed.
    layouts = plotly_layouts(page)
    assert len(layouts) == len(rows)
    for layout, row in zip(layouts, rows.itertuples(), strict=True):
        assert plotly_shows(layout["title"]["text"]).startswith(f"#{row.id} {row.title[:50]}")
        assert "&quot;" not in layout["title"]["text"]


def plotly_layouts(page: str) -> list[dict]:
    """The layout of each ``Plotly.newPlot(id, data, layout, config)`` call in ``page``."""
    decoder = json.JSONDecoder()
    layouts = []
    for match in re.finditer(r"Plotly\.newPlot\(", page):
        at = match.end()
        values = []
        for _ in range(3):  # the div id, the data, the layout
            at = len(page) - len(page[at:].lstrip(" \n\t,"))
            value, at = decoder.raw_decode(page, at)
            values.append(value)
        layouts.append(values[2])
    return layouts


def test_checkin_report_escapes_element_text_once():
    rows = pd.DataFrame([{"id": 1, "title": 'A "b" & <c>', "owner": "O'Neil", "status": "running"}])
    page = checkin_html(rows, title='T "x"', figures=[], generated_at="now")
    assert '<td>A "b" &amp; &lt;c&gt;</td>' in page and "<td>O'Neil</td>" in page
    assert '<h1>T "x"</h1>' in page and '<title>T "x"</title>' in page
    assert "&amp;lt;" not in page and "&amp;amp;" not in page  # never escaped twice
