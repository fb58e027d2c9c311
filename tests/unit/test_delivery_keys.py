"""The DORA keys (vsm_core.delivery.keys and .weekly) on a hand-computed log.

tests/data/delivery/deployments.csv and incidents.csv, in UTC (weeks of 2 and 9 March 2026):

=====  =================  =======  =======  ========  ==========  =========================
id     deployed           service  status   kind      lead (d)    why it counts
=====  =================  =======  =======  ========  ==========  =========================
d1     Mon 02 10:00       api      success            1.0
d2     Tue 03 10:00       api      failure            (failed)    failed: its status
d3     Tue 03 12:00       api      success  rollback  (no commit) rework
d4     Wed 04 09:00       web      success            2.0         failed: incident i1 names it
d5     Wed 04 15:00       web      success  hotfix    0.125       rework
d6     Tue 10 08:00       api      success            4.0
d7     Wed 11 08:00       api      success            0.5         failed: rolled back by d8
d8     Thu 12 08:00       api      success  rollback  (no commit) rework
=====  =================  =======  =======  ========  ==========  =========================

Recoveries: d2 -> d3 (2 h = 1/12 d, no incident names d2), i1 (6 h = 0.25 d), i2 (12 h =
0.5 d: an incident without a deployment), d7 -> d8 (1 d), i3 (open, no time).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vsm_core.delivery import DeliveryLog, log_span, read_delivery, weekly_values, window_summary
from vsm_core.delivery.keys import KEYS, band, classify, recoveries, service_table
from vsm_core.metrics.xmr import xmr

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery"
NOW = pd.Timestamp("2026-06-01T00:00:00Z")
WEEKS = np.array(["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16"], dtype="datetime64[D]")


@pytest.fixture(scope="module")
def log() -> DeliveryLog:
    deployments = read_delivery((DATA / "deployments.csv").read_bytes(), "d.csv", now=NOW)
    incidents = read_delivery((DATA / "incidents.csv").read_bytes(), "i.csv", now=NOW)
    return DeliveryLog(deployments.log.deployments, incidents.log.incidents)


def test_which_deployments_failed_and_which_are_rework(log):
    table = classify(log).set_index("external_id")
    assert list(table.index[table["failed"]]) == ["d2", "d4", "d7"]
    assert list(table.index[table["rework"]]) == ["d3", "d5", "d8"]
    lead = table["lead_time_days"]
    assert lead[["d1", "d4", "d5", "d6", "d7"]].tolist() == [1.0, 2.0, 0.125, 4.0, 0.5]
    assert lead[["d2", "d3", "d8"]].isna().all()  # a failure, and no first commit


def test_recoveries_count_incidents_with_or_without_a_deployment_and_unnamed_failures(log):
    table = recoveries(log).sort_values("started_at").reset_index(drop=True)
    assert list(table["source"]) == [
        "deployment",
        "incident",
        "incident",
        "deployment",
        "incident",
    ]
    assert table["days"].iloc[:4].tolist() == pytest.approx([1 / 12, 0.25, 0.5, 1.0])
    assert np.isnan(table["days"].iloc[4])  # i3 is open


def test_the_keys_per_week(log):
    def weekly(key):
        return weekly_values(log, key, WEEKS)

    nan = np.nan
    np.testing.assert_allclose(weekly("deployment_frequency"), [nan, 5, 3, nan])
    np.testing.assert_allclose(weekly("change_failure_rate"), [nan, 2 / 5, 1 / 3, nan])
    np.testing.assert_allclose(weekly("deployment_rework_rate"), [nan, 2 / 5, 1 / 3, nan])
    np.testing.assert_allclose(weekly("change_lead_time_p50"), [nan, 1.0, 2.25, nan])
    np.testing.assert_allclose(
        weekly("recovery_time_p50"), [nan, (1 / 12 + 0.25) / 2, (0.5 + 1.0) / 2, nan]
    )


def test_one_service_and_a_week_inside_the_span_without_deployments(log):
    api = weekly_values(log, "deployment_frequency", WEEKS[1:3], service="api")
    np.testing.assert_allclose(api, [3, 3])
    web = weekly_values(log, "deployment_frequency", WEEKS[1:3], service="web")
    np.testing.assert_allclose(web, [2, 0])  # within the log's span: none is 0
    web_cfr = weekly_values(log, "change_failure_rate", WEEKS[1:3], service="web")
    np.testing.assert_allclose(web_cfr, [0.5, np.nan])  # no deployments: no rate
    np.testing.assert_allclose(
        weekly_values(log, "recovery_time_p50", WEEKS[1:2], service="api"), [1 / 12]
    )


def test_the_keys_over_the_window_and_their_bands(log):
    summary = window_summary(log)
    assert log_span(log) == (date(2026, 3, 2), date(2026, 3, 12))
    assert summary["deployment_frequency"].value == pytest.approx(8 / (11 / 7))
    assert summary["change_failure_rate"].value == pytest.approx(3 / 8)
    assert summary["deployment_rework_rate"].value == pytest.approx(3 / 8)
    assert summary["change_lead_time_p50"].value == pytest.approx(1.0)
    assert summary["recovery_time_p50"].value == pytest.approx(0.375)
    assert summary["recovery_time_p50"].n == 4
    assert summary["deployment_frequency"].band.startswith("high")
    assert summary["change_lead_time_p50"].band.startswith("high")
    assert summary["change_failure_rate"].band == "closest to the low cluster's 40%"
    assert summary["recovery_time_p50"].band.startswith("high or medium")
    assert summary["deployment_rework_rate"].band is None
    week = window_summary(log, start=date(2026, 3, 9), end=date(2026, 3, 15))
    assert week["deployment_frequency"].value == pytest.approx(3.0)


def test_per_service_rows_start_with_all_services(log):
    table = service_table(log)
    assert list(table["service"]) == [None, "api", "web"]
    assert table["deployment_frequency"].tolist()[1:] == pytest.approx([6 / (11 / 7), 2 / (11 / 7)])


def test_weeks_follow_the_local_calendar():
    # 23:30 UTC on Sunday 8 March is Monday 9 March in Berlin
    log = DeliveryLog(
        deployments=pd.DataFrame(
            {"deployed_at": [pd.Timestamp("2026-03-08T23:30Z")], "status": ["success"]}
        )
    )
    mondays = np.array(["2026-03-02", "2026-03-09"], dtype="datetime64[D]")
    np.testing.assert_allclose(weekly_values(log, "deployment_frequency", mondays), [1, np.nan])
    berlin = weekly_values(log, "deployment_frequency", mondays, timezone="Europe/Berlin")
    np.testing.assert_allclose(berlin, [np.nan, 1])


@pytest.mark.parametrize("key", KEYS)
def test_an_empty_log_has_no_value_anywhere(key):
    empty = DeliveryLog()
    assert np.isnan(weekly_values(empty, key, WEEKS)).all()
    assert np.isnan(window_summary(empty)[key].value)
    assert window_summary(empty)[key].band is None
    assert weekly_values(empty, key, WEEKS[:0]).size == 0
    assert log_span(empty) is None


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown delivery key"):
        weekly_values(DeliveryLog(), "mttr", WEEKS)
    with pytest.raises(ValueError, match="not a Monday"):
        weekly_values(DeliveryLog(), "deployment_frequency", np.array(["2026-03-03"], "M8[D]"))


def test_band_thresholds():
    assert band("deployment_frequency", 10).startswith("elite")
    assert band("deployment_frequency", 0.5).startswith("medium")
    assert band("deployment_frequency", 0.1).startswith("low")
    assert band("deployment_frequency", 0.01).startswith("below")
    assert band("change_lead_time_p50", 0.5).startswith("elite")
    assert band("change_lead_time_p50", 20).startswith("medium")
    assert band("change_lead_time_p50", 90).startswith("low")
    assert band("change_failure_rate", 0.04) == "closest to the elite cluster's 5%"
    assert band("recovery_time_p50", 0.5 / 24).startswith("elite")
    assert band("recovery_time_p50", 3).startswith("low")
    assert band("recovery_time_p50", float("nan")) is None


def _simulated(seed: int, weeks: int, per_week: float, failure: float) -> DeliveryLog:
    """Deployments of a stable process: Poisson arrivals, each failing with ``failure``."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(per_week * weeks)
    start = pd.Timestamp("2025-01-06T00:00Z")
    seconds = np.sort(rng.uniform(0, weeks * 7 * 86400, n))
    deployed = start + pd.to_timedelta(seconds, unit="s")
    status = np.where(rng.random(n) < failure, "failure", "success")
    lead = pd.to_timedelta(rng.exponential(2.0, n), unit="D")
    return DeliveryLog(
        deployments=pd.DataFrame(
            {
                "deployed_at": deployed,
                "status": status,
                "service": "api",
                "commit_at": deployed - lead,
            }
        )
    )


def test_calibration_on_a_simulated_stable_process():
    """Over 52 weeks of 10 deployments a week failing 15 % of the time, the window's rate
    and frequency come back within sampling error, and a process behaviour chart of the
    weekly change failure rate rarely signals beyond its limits (a stable process)."""
    beyond = []
    for seed in range(20):
        log = _simulated(seed, 52, 10.0, 0.15)
        summary = window_summary(log)
        assert summary["change_failure_rate"].value == pytest.approx(0.15, abs=0.05)
        assert summary["deployment_frequency"].value == pytest.approx(10.0, rel=0.15)
        assert summary["change_lead_time_p50"].value == pytest.approx(2 * np.log(2), rel=0.2)
        mondays = np.arange(np.datetime64("2025-01-06"), np.datetime64("2026-01-05"), 7)
        chart = xmr(weekly_values(log, "change_failure_rate", mondays))
        beyond.append(sum(s["rule"] == "beyond_limits" for s in chart.signals) / len(mondays))
    assert np.mean(beyond) < 0.03


def test_the_report_says_which_incidents_name_an_unknown_deployment(log):
    from vsm_core.delivery.report import delivery_report

    incidents = log.incidents.copy()
    incidents.loc[1, "deployment_ref"] = "x9"
    report = delivery_report(DeliveryLog(log.deployments, incidents))
    assert report.notes == (
        "1 deployment named by incidents as their cause is not among the deployments (x9): "
        "those incidents count for recovery time, not as a failed deployment.",
        "1 incident without a resolution time is left out of the recovery times.",
    )
    # the incident still counts for recovery, and no deployment failed because of it
    assert report.summary["change_failure_rate"].value == pytest.approx(3 / 8)
    assert report.summary["recovery_time_p50"].n == 4
    assert delivery_report(DeliveryLog()).notes == ()


def test_the_rates_behaviour_limits_stay_within_0_and_100_percent():
    """A change failure rate cannot pass 100 %: its limits are cut there, in the report (0..1)
    and in the chart (per cent), while the frequency keeps an upper limit of its own."""
    from vsm_core.charts.delivery import delivery_figure
    from vsm_core.delivery.report import delivery_report

    # One deployment a week, failing every other week: rates 0, 1, 0, 1.
    csv = "deployed_at,service,status\n" + "".join(
        f"2026-03-{day:02d}T10:00:00Z,api,{status}\n"
        for day, status in ((2, "success"), (9, "failure"), (16, "success"), (23, "failure"))
    )
    log = read_delivery(csv.encode(), "d.csv", now=NOW).log
    report = delivery_report(log, start=date(2026, 3, 2), end=date(2026, 3, 29))
    rate = report.charts["change_failure_rate"]
    assert rate.values == [0.0, 1.0, 0.0, 1.0]
    # centre 0.5, mR-bar 1: 0.5 ± 2.66 would be -2.16..3.16; cut at 0 and 1
    assert (rate.lnpl, rate.unpl) == (0.0, 1.0) and rate.signals == []
    frequency = report.charts["deployment_frequency"]
    assert frequency.values == [1.0] * 4 and frequency.unpl == 1.0  # no spread, no cut
    drawn = delivery_figure(report, "change_failure_rate")
    limits = [t for t in drawn.data if (t.name or "").startswith("UNPL")]
    assert limits and max(limits[0].y) == pytest.approx(100.0)
