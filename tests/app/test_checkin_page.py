"""The Check-in page through AppTest: the demo team's flow, experiments, verdicts, details,
downloads."""

from __future__ import annotations

import os
import re
from datetime import date

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

import ui.checkin_page
from vsm_core.store import make_engine
from vsm_core.store.access import SYSTEM

WIP_LIMIT = "WIP limit on Ready and Review"


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/check_in.py")


def _table(app: AppTest):
    [table] = [d.value for d in app.dataframe if "Verdict" in d.value.columns]
    return table


def test_the_table_shows_both_demo_experiments_with_their_verdicts(page):
    assert page.title[0].value == "Check-in"
    assert page.selectbox(key="checkin_team_1").value == "Demo team"
    assert list(_table(page).columns) == [
        "#",
        "Experiment",
        "Owner",
        "Status",
        "Verdict",
        "Target met",
        "Learnings",
    ]
    table = _table(page).set_index("Experiment")
    assert len(table) == 2
    assert table.loc[WIP_LIMIT, "Verdict"] == "improved"
    assert table.loc["Stand-up walks the board right to left", "Verdict"] == "no clear change"
    assert table.loc[WIP_LIMIT, "Target met"] == "yes"
    assert table.loc[WIP_LIMIT, "Owner"] == "Priya (team lead)"
    assert {s.split(" (")[0] for s in table["Status"]} == {"reviewing", "running"}
    assert not page.error


def test_the_flow_summary_shows_four_measures_and_the_bottleneck(page):
    labels = [m.label for m in page.metric]
    assert labels == [
        "Throughput",
        "Cycle time, 85th percentile",
        "Work in progress",
        "Flow efficiency",
    ]
    assert all(m.proto.delta for m in page.metric)  # a change against the period before
    # md() escapes the sentence for Markdown: it reads "Bottleneck: In Progress holds …"
    assert any(m.value.startswith("Bottleneck\\: In Progress holds") for m in page.markdown)


def test_since_moves_the_period(page):
    before = [m.value for m in page.metric]
    page.date_input(key="checkin_since").set_value(date(2026, 6, 1)).run()
    assert not page.exception
    assert any("01 Jun 2026 to" in m.value for m in page.markdown)
    assert [m.value for m in page.metric] != before


def test_learnings_are_in_the_table_and_the_details(page, update_wip_limit):
    wip_id = update_wip_limit(learnings="Pairing on reviews halves the wait")
    page.run()
    table = _table(page).set_index("Experiment")
    assert table.loc[WIP_LIMIT, "Learnings"] == "Pairing on reviews halves the wait"
    details = [e for e in page.expander if e.label.startswith(f"Details of #{wip_id}")]
    assert details
    texts = [m.value for m in details[0].markdown]
    assert "**Learnings:** Pairing on reviews halves the wait" in texts
    assert any(t.startswith("**Hypothesis:** ") and t != "**Hypothesis:** –" for t in texts)


def test_download_buttons_are_there(page):
    labels = [button.proto.label for button in page.get("download_button")]
    assert labels == ["Download HTML report", "Download CSV", "Download flow CSV"]


def test_the_page_shows_no_emoji_or_symbol_cues(page):
    import re

    table = _table(page)
    texts = [
        *(m.value for m in page.markdown),
        *(c.value for c in page.caption),
        *(str(v) for v in table.to_numpy().ravel()),
    ]
    symbols = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")
    assert not [t for t in texts if symbols.search(t)]
    assert "None" not in texts and "nan" not in texts


def test_each_change_says_in_words_which_way_is_better(page):
    pattern = re.compile(
        r"[\d.]+ \w[\w ]* (more|less|longer|shorter) than the 4 weeks before "
        r"\((better|worse)\)\.|The same as the 4 weeks before\."
    )
    sentences = [c.value for c in page.caption if pattern.fullmatch(c.value)]
    assert len(sentences) == len(page.metric) == 4


def test_a_dataset_of_two_teams_shows_a_flow_summary_for_the_chosen_team(app):
    from vsm_core.model import make_dataset
    from vsm_core.sample_data import generate_demo_dataset
    from vsm_core.store import crud

    app.run()  # seeds the demo
    demo = generate_demo_dataset(n_items=80)
    items = demo.items.copy()
    items["team"] = ["Alpha" if i % 2 == 0 else "Beta" for i in range(len(items))]
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:
        crud.save_dataset_version(
            session,
            dataset=make_dataset(items, demo.events, demo.workflow),
            name="Platform board",
            team="Platform",
            format="demo",
            actor=SYSTEM,
        )
    engine.dispose()
    app.switch_page("pages/check_in.py").run()
    [team] = [s for s in app.selectbox if s.label == "Team"]
    assert {"Alpha", "Beta", "Platform"} <= set(team.options)
    team.set_value("Beta").run()
    assert not app.exception
    # md() escapes the title's punctuation for Markdown: "Platform board\, team Beta"
    titles = [m.value.replace("\\", "") for m in app.markdown]
    assert any(t.startswith("**Platform board, team Beta**") for t in titles)
    assert len(app.metric) == 4


def test_all_teams_renders(page):
    page.selectbox(key="checkin_team_1").set_value("All teams").run()
    assert not page.exception
    assert len(_table(page)) == 2
    assert len(page.metric) == 4  # the demo is the only dataset


def test_an_error_in_the_core_is_a_message_not_a_traceback(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ui.checkin_page, "checkin_rows", broken)
    app.run()
    app.switch_page("pages/check_in.py").run()
    assert not app.exception
    assert any("Something went wrong" in e.value for e in app.error)
    assert not any("boom" in e.value for e in app.error)
