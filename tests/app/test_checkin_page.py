"""The Check-in page through AppTest: the demo team's experiments, verdicts, downloads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui.checkin_page


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/check_in.py")


def _table(app: AppTest):
    [table] = [d.value for d in app.dataframe if "Verdict" in d.value.columns]
    return table


def test_the_table_shows_both_demo_experiments_with_their_verdicts(page):
    assert page.title[0].value == "Check-in"
    assert page.selectbox(key="checkin_team_1").value == "Demo team"
    table = _table(page).set_index("Experiment")
    assert len(table) == 2
    assert table.loc["WIP limit on Ready and Review", "Verdict"] == "🟢 improved"
    assert table.loc["Stand-up walks the board right to left", "Verdict"] == "🟡 no clear change"
    assert table.loc["WIP limit on Ready and Review", "Target met"] == "✔ yes"
    assert table.loc["WIP limit on Ready and Review", "Owner"] == "Priya (team lead)"
    assert set(table["Status"]) == {"reviewing", "running"}
    assert table["Overlaps"].str.startswith("⚠").all()  # the two demo windows overlap
    assert not page.error


def test_download_buttons_are_there(page):
    labels = [button.proto.label for button in page.get("download_button")]
    assert labels == ["Download HTML report", "Download CSV"]


def test_all_teams_renders(page):
    page.selectbox(key="checkin_team_1").set_value("All teams").run()
    assert not page.exception
    assert len(_table(page)) == 2


def test_an_error_in_the_core_is_a_message_not_a_traceback(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ui.checkin_page, "checkin_rows", broken)
    app.run()
    app.switch_page("pages/check_in.py").run()
    assert not app.exception
    assert any("Something went wrong" in e.value for e in app.error)
    assert not any("boom" in e.value for e in app.error)
