"""The retrospective's HTML page: every section, user text escaped exactly once, offline."""

from __future__ import annotations

import html
import re
from datetime import date

import pandas as pd
import pytest

from tests.unit.builders import dataset_from_events
from tests.unit.test_retrospective import SMALL, WORKFLOW
from vsm_core.retrospective import retrospective_view
from vsm_core.retrospective.due import DUE_COLUMNS
from vsm_core.retrospective.report import retrospective_html

HOSTILE = 'Q3 "fast" <b>lane</b> & co'


@pytest.fixture(scope="module")
def view():
    dataset = dataset_from_events(SMALL, WORKFLOW, title=lambda i: f"{HOSTILE} {i}")
    return retrospective_view(dataset, since=date(2024, 1, 8), sle_days=4.8)


def _due() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": 3,
                "title": HOSTILE,
                "owner": "Ana",
                "status": "running",
                "review_date": date(2024, 1, 10),
                "overdue": True,
                "verdict": None,
                "metric": "85th percentile cycle time",
                "learnings": None,
            }
        ],
        columns=list(DUE_COLUMNS),
    )


def _page(view, **extra) -> str:
    return retrospective_html(
        view,
        title=f"{HOSTILE} retrospective",
        due=_due(),
        generated_at="2024-01-15 10:00 UTC",
        record={
            "held_on": date(2024, 1, 15),
            "since": date(2024, 1, 8),
            "attendees": "Ana <ana@example.com> & Bo",
            "notes": 'We said "less WIP"\n<script>alert(1)</script>',
            "author": "Ana",
        },
        experiments=[
            {
                "id": 3,
                "title": HOSTILE,
                "owner": "Ana",
                "status": "adopted",
                "hypothesis": "We believe that <pairing> will help",
                "action": "Pair & review",
                "learnings": 'Waits halved & "it felt calmer"',
            }
        ],
        **extra,
    )


def test_every_section_in_the_pages_order(view):
    page = _page(view, charts=False)
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == [
        "What finished",
        "What is aging",
        "Process behaviour since then",
        "Experiments due for review",
        "This retrospective",
        "Experiments started",
    ]
    for sentence in view.finished.sentences():
        assert f"<p>{sentence}</p>" in page
    assert "2024-01-10 (overdue)" in page and "no evidence yet" in page
    assert "<td>E</td>" in page and "<td>both</td>" in page  # the aging item, past both


def test_user_text_is_escaped_exactly_once(view):
    page = _page(view, charts=False)
    once = html.escape(HOSTILE, quote=False)
    assert once == 'Q3 "fast" &lt;b&gt;lane&lt;/b&gt; &amp; co'
    assert f"<title>{once} retrospective</title>" in page
    assert f"<td>{once} E</td>" in page  # an aging item's title
    assert "Ana &lt;ana@example.com&gt; &amp; Bo" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'Waits halved &amp; "it felt calmer"' in page
    assert "<b>lane</b>" not in page and "<script>alert" not in page
    assert "&amp;lt;" not in page and "&amp;amp;" not in page and "&quot;" not in page


def test_the_charts_are_inlined_once_and_nothing_is_fetched(view):
    page = _page(view)
    assert page.count("Plotly.newPlot") == 3
    assert page.count("plotly.js v") == 1  # the library's banner: inlined once
    assert not re.search(r"<script[^>]+src=", page)
    assert "&amp;lt;" not in page


def test_without_a_record_the_page_ends_with_the_experiments_due(view):
    page = retrospective_html(view, title="T", due=_due().head(0), generated_at="now", charts=False)
    assert "This retrospective" not in page
    assert "<h2>Experiments due for review</h2><p>None.</p>" in page
