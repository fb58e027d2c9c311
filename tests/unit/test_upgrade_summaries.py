"""``db upgrade`` fills in the Organisation rows of versions that have none (imported before
rows were stored), so the page's first draw after an upgrade reads them."""

from __future__ import annotations

from sqlmodel import Session

from vsm_core.cli import main
from vsm_core.experiments.checkin_flow import DEFAULT_DAYS
from vsm_core.organisation.stored import row_key
from vsm_core.store import crud, make_engine, summaries
from vsm_core.store.access import SYSTEM


def _stored(url: str) -> dict:
    engine = make_engine(url)
    with Session(engine) as session:
        [demo] = crud.list_datasets(session, actor=SYSTEM)
        found = summaries.stored_summaries(
            session, actor=SYSTEM, version_ids=[demo.version_id], key=row_key(DEFAULT_DAYS)
        )
    engine.dispose()
    return found


def test_upgrade_stores_the_missing_rows_once(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'up.db'}"
    assert main(["--db", url, "db", "upgrade", "--seed-demo"]) == 0
    assert "Organisation row" not in capsys.readouterr().out  # stored at the demo's import
    stored = _stored(url)
    engine = make_engine(url)
    with Session(engine) as session:
        assert summaries.drop_summaries(session, actor=SYSTEM) == 1  # as before the upgrade
    engine.dispose()
    assert _stored(url) == {}
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip().endswith("; 1 Organisation row(s) computed and stored")
    assert _stored(url) == stored  # the same numbers as stored at import
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert "Organisation row" not in capsys.readouterr().out
