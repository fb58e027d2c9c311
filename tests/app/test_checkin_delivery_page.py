"""Check-in shows a team's DORA keys beside its flow once it has imported deployments, and
its HTML report and ``checkin export`` carry them (AppTest and the CLI, on the demo team)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from tests.delivery_records import store_deployments
from vsm_core.cli import main
from vsm_core.store import crud, make_engine
from vsm_core.store.access import SYSTEM


def _deploy_every_other_day(url: str) -> str:
    """Store deployments of "api" every other day of 2026 for the demo's team; its name."""
    engine = make_engine(url)
    days = [date(2026, 1, 1) + timedelta(days=2 * k) for k in range(182)]
    with Session(engine) as session:
        [dataset] = crud.list_datasets(session, actor=SYSTEM)
        team = dataset.team or dataset.name
        store_deployments(
            session, team, [datetime.combine(d, datetime.min.time(), UTC) for d in days]
        )
    engine.dispose()
    return team


def test_the_delivery_summary_follows_the_flow(open_page):
    page = open_page("pages/check_in.py")
    assert "Delivery" not in [s.value for s in page.subheader]  # no records yet
    _deploy_every_other_day(os.environ["VSM_DATABASE_URL"])
    page.run()
    assert not page.exception
    headings = [s.value for s in page.subheader]
    assert headings.index("Delivery") == headings.index("Flow") + 1
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Deployment frequency"] == "3.5 / week"
    assert metrics["Change failure rate"] == "0 %"
    assert any(c.value.startswith("DORA bands (2024 report)") for c in page.caption)


def test_checkin_export_writes_the_delivery_section(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'checkin.db'}"
    assert main(["--db", url, "db", "upgrade", "--seed-demo"]) == 0
    team = _deploy_every_other_day(url)
    report = tmp_path / "report.html"
    assert main(["--db", url, "checkin", "export", "--team", team, "--html", str(report)]) == 0
    html = report.read_text()
    assert f"<h2>Delivery: {team}</h2>" in html
    assert html.index("<h2>Flow: ") < html.index("<h2>Delivery: ") < html.index("<h2>Experiments")
