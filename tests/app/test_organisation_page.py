"""The Organisation page through AppTest: one row per team, the period switch, exports.

Single-user (no sign-in configured): the local user reads every team. What a signed-in
person may read is the store's rule, tested in tests/unit/test_access.py and
tests/unit/test_teams_summary.py.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from vsm_core.organisation.overview import COLUMNS
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.store import crud, make_engine, summaries
from vsm_core.store.access import SYSTEM
from vsm_core.store.models import VersionSummary


@pytest.fixture
def page(app) -> AppTest:
    """The demo team plus a small team with a title that must stay text."""
    app.run()  # migrates and seeds the demo
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:
        crud.save_dataset_version(
            session,
            dataset=generate_demo_dataset(n_items=80, seed=11),
            name='Board "B" <b>&</b>',
            team="Team *B*",
            format="demo",
            actor=SYSTEM,
        )
    engine.dispose()
    app.switch_page("pages/organisation.py").run()
    assert not app.exception
    return app


def _table(app: AppTest):
    [table] = [d.value for d in app.dataframe if COLUMNS["team"] in d.value.columns]
    return table


def test_one_row_per_team_with_every_column(page):
    table = _table(page)
    assert list(table.columns) == list(COLUMNS.values())
    assert list(table[COLUMNS["team"]]) == ["Demo team", "Team *B*"]
    demo = table.iloc[0]
    assert demo[COLUMNS["bottleneck"]] == "In Progress"
    assert demo[COLUMNS["running"]] == 2
    assert 0 < demo[COLUMNS["throughput_per_week"]] < 40
    assert 0 <= demo[COLUMNS["sle_hit_rate"]] <= 100
    assert "05 Sep 2026" in demo[COLUMNS["period"]]  # the demo's last four weeks


def test_the_period_switch_recomputes_every_row(page):
    four = _table(page)
    page.segmented_control(key="organisation_weeks").set_value(13).run()
    assert not page.exception
    thirteen = _table(page)
    assert "04 Jul 2026" in thirteen.iloc[0][COLUMNS["period"]]
    assert thirteen.iloc[0][COLUMNS["wip_mean"]] != four.iloc[0][COLUMNS["wip_mean"]]


def test_each_team_opens_from_a_link_and_both_exports_are_offered(page):
    labels = [link.label for link in page.get("page_link")]
    assert any("Team \\*B\\*" in label for label in labels)  # user text shown as typed
    downloads = {button.label for button in page.get("download_button")}
    assert {"Download report (HTML)", "Download table (CSV)"} <= downloads


def test_no_dataset_says_what_to_do(app, monkeypatch, tmp_path):
    app.run()
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:
        [demo] = crud.list_datasets(session, actor=SYSTEM)
        crud.archive_dataset(session, dataset_id=demo.id, when=demo.imported_at, actor=SYSTEM)
    engine.dispose()
    app.switch_page("pages/organisation.py").run()
    assert not app.exception
    assert "No team to show yet" in app.info[0].value


def test_rows_not_stored_yet_are_computed_on_first_draw_and_kept(page):
    """Versions imported before rows were stored (here: their rows dropped) read through."""
    shown = _table(page)
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:
        assert summaries.drop_summaries(session, actor=SYSTEM) == 2  # both stored at import
    page.run()
    assert not page.exception
    with Session(engine) as session:
        kept = session.exec(select(VersionSummary.key)).all()
    engine.dispose()
    assert sorted(kept) == ["overview-row/v1/days=28"] * 2
    pd.testing.assert_frame_equal(_table(page), shown)
