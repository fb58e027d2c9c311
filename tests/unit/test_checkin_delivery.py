"""The Check-in's delivery summary: the DORA keys in a period against the one before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from vsm_core.delivery import DeliveryLog
from vsm_core.experiments.checkin_delivery import delivery_html, delivery_summary

PERIOD = (date(2026, 6, 1), date(2026, 6, 28))  # four weeks; the one before: 4–31 May


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)


def _log() -> DeliveryLog:
    """May: 4 deployments, 1 failed; June: 8 deployments, none failed, 2 with lead times."""
    may = [date(2026, 5, 4) + timedelta(days=7 * k) for k in range(4)]
    june = [date(2026, 6, 1) + timedelta(days=3 * k) for k in range(8)]
    deployments = pd.DataFrame(
        {
            "deployed_at": pd.to_datetime([_at(d) for d in may + june]),
            "service": "api",
            "status": ["success", "failure", "success", "success"] + ["success"] * 8,
            "commit_at": pd.to_datetime(
                [pd.NaT] * 4 + [_at(june[0], 4), _at(june[1], 7)] + [pd.NaT] * 6, utc=True
            ),
        }
    )
    return DeliveryLog(deployments=deployments)


def test_each_key_against_the_four_weeks_before_in_words():
    summary = delivery_summary(_log(), team="A", period=PERIOD)
    by_key = {m.key: m for m in summary.measures}
    assert summary.previous_period == (date(2026, 5, 4), date(2026, 5, 31))
    assert summary.deployments == 8
    assert (by_key["deployment_frequency"].value, by_key["deployment_frequency"].previous) == (
        2.0,
        1.0,
    )
    assert (
        by_key["deployment_frequency"].words()
        == "1 deployment per week more than the 4 weeks before (better)"
    )
    assert by_key["change_failure_rate"].value == 0.0
    assert by_key["change_failure_rate"].previous == 25.0
    assert (
        by_key["change_failure_rate"].words() == "25 points less than the 4 weeks before (better)"
    )
    # Lead times 6 h and 3 h: median 4.5 h = 0.1875 days; none in May.
    assert by_key["change_lead_time_p50"].value == pytest.approx(0.1875)
    assert by_key["change_lead_time_p50"].previous is None
    assert summary.bands["deployment_frequency"].startswith("high")
    assert summary.bands["change_lead_time_p50"].startswith("elite")


def test_default_period_is_the_logs_last_four_weeks_and_an_empty_log_has_none():
    summary = delivery_summary(_log(), team="A")
    assert summary.period == (date(2026, 5, 26), date(2026, 6, 22))
    assert delivery_summary(DeliveryLog(), team="A") is None
    assert delivery_html(None) == ""


def test_the_report_section_escapes_the_team_once():
    html = delivery_html(delivery_summary(_log(), team='Ops "A" <b>&</b>', period=PERIOD))
    assert '<h2>Delivery: Ops "A" &lt;b&gt;&amp;&lt;/b&gt;</h2>' in html
    assert "Deployment frequency (deployments per week)</td><td>2.0</td><td>1.0</td>" in html
