"""Experiments on a DORA key or an uploaded series: weekly values from a WeeklySource.

Hand-made weekly values with known means (the windows, the weeks, the verdict), the
"no records" and scope cases, and calibration: with no change, 'improved' or 'worsened'
comes out about as often as a 95 % interval allows; with a real drop, nearly always.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from vsm_core.experiments.catalogue import parse_metric
from vsm_core.experiments.evidence import WeeklySource, evaluate
from vsm_core.experiments.spec import EvidenceSpec, ExperimentScope

CHANGE = date(2026, 6, 1)  # a Monday
FIRST = CHANGE - timedelta(weeks=12)
LAST = CHANGE + timedelta(weeks=12) - timedelta(days=1)


def weekly_from(values_by_monday: dict[date, float], span=(FIRST, LAST)) -> WeeklySource:
    """A source that answers each Monday from a table (NaN for weeks not in it)."""

    def weekly(mondays: np.ndarray) -> np.ndarray:
        return np.array(
            [values_by_monday.get(m.astype(date), np.nan) for m in mondays], dtype=np.float64
        )

    return WeeklySource(span=span, weekly=weekly, what="deployments of the team")


def spec(metric="deployment_frequency", direction="increase", **kw) -> EvidenceSpec:
    return EvidenceSpec(metric=metric, direction=direction, change_date=CHANGE, **kw)


def mondays(n: int, start: date) -> list[date]:
    return [start + timedelta(weeks=k) for k in range(n)]


def test_catalogue_names_delivery_and_series_metrics():
    assert parse_metric("change_failure_rate:payments").label == "change failure rate of payments"
    assert parse_metric("deployment_frequency").kind == "delivery"
    assert parse_metric("series:Customer satisfaction").kind == "series"
    with pytest.raises(ValueError, match="unknown metric"):
        parse_metric("series:")


def test_weekly_deployments_two_before_five_after_is_an_improvement():
    values = {m: 2.0 for m in mondays(12, FIRST)} | {m: 5.0 for m in mondays(12, CHANGE)}
    values[FIRST + timedelta(weeks=3)] = 3.0  # before mean (11 x 2 + 3) / 12
    result = evaluate(None, spec(target=4.0), source=weekly_from(values))
    assert result.kind == "delivery"
    assert result.before["value"] == pytest.approx(25 / 12)
    assert result.after["value"] == pytest.approx(5.0)
    assert (result.before["n"], result.after["n"]) == (12, 12)
    assert result.before["from"] == FIRST.isoformat()
    assert result.after["to"] == LAST.isoformat()
    assert result.change_abs == pytest.approx(5 - 25 / 12)
    assert result.verdict == "improved"
    assert result.target_met is True
    assert "deployment frequency" in result.label
    assert len(result.to_dict()["weekly"]) == 24


def test_weeks_without_a_value_are_left_out_and_said():
    values = {m: 0.1 for m in mondays(12, FIRST)} | {m: 0.1 for m in mondays(10, CHANGE)}
    result = evaluate(None, spec("change_failure_rate", "decrease"), source=weekly_from(values))
    assert result.after["n"] == 10
    assert any("2 whole week(s) of the after window" in w for w in result.warnings)
    assert result.verdict == "no clear change"


def test_no_records_or_no_source_is_not_enough_data_in_words():
    empty = WeeklySource(span=None, weekly=lambda m: np.full(len(m), np.nan), what="NPS values")
    result = evaluate(None, spec("series:NPS"), source=empty)
    assert result.verdict == "not enough data"
    assert "no data: there are no NPS values" in result.warnings
    assert evaluate(None, spec("series:NPS")).verdict == "not enough data"


def test_data_ending_before_the_change_has_no_after_window():
    values = {m: 1.0 for m in mondays(12, FIRST)}
    source = weekly_from(values, span=(FIRST, CHANGE - timedelta(days=1)))
    result = evaluate(None, spec(), source=source)
    assert result.verdict == "not enough data"
    assert any(w.startswith("no after window") for w in result.warnings)


def test_an_item_scope_does_not_apply_to_deployments_and_says_so():
    values = {m: 2.0 for m in mondays(24, FIRST)}
    scoped = spec(scope=ExperimentScope(work_types=("Bug",)))
    result = evaluate(None, scoped, source=weekly_from(values))
    assert any("does not apply to deployments of the team" in w for w in result.warnings)


def test_behaviour_limits_follow_what_the_metric_can_take():
    """A rate's limits stay within 0..1; a team's own series (a net promoter score) may go
    below zero, so its lower limit is not cut at 0."""
    swinging = {m: float(k % 2) for k, m in enumerate(mondays(12, FIRST))}  # 0, 1, 0, 1, ...
    swinging |= {m: 0.5 for m in mondays(12, CHANGE)}
    rate = evaluate(None, spec("change_failure_rate", "decrease"), source=weekly_from(swinging))
    limits = rate.to_dict()["limits"]
    assert (limits["lnpl"], limits["unpl"]) == (0.0, 1.0)
    scores = {m: -20.0 + 30.0 * (k % 2) for k, m in enumerate(mondays(12, FIRST))}
    scores |= {m: 0.0 for m in mondays(12, CHANGE)}
    nps = evaluate(None, spec("series:NPS"), source=weekly_from(scores))
    limits = nps.to_dict()["limits"]
    # before: centre -5, mR-bar 30 -> -5 ± 79.8
    assert limits["lnpl"] == pytest.approx(-5 - 2.66 * 30)
    assert limits["unpl"] == pytest.approx(-5 + 2.66 * 30)


def _verdicts(effect: float, runs: int, seed: int) -> list[str]:
    """Verdicts of ``runs`` simulated teams deploying Poisson(6) a week, then 6 * effect."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(runs):
        before = rng.poisson(6.0, 12).astype(float)
        after = rng.poisson(6.0 * effect, 12).astype(float)
        values = dict(zip(mondays(24, FIRST), [*before, *after], strict=True))
        out.append(evaluate(None, spec(), source=weekly_from(values), resamples=2000).verdict)
    return out


def test_calibration_without_a_change_rarely_claims_one():
    verdicts = _verdicts(1.0, runs=200, seed=7)
    claimed = sum(v in ("improved", "worsened") for v in verdicts) / len(verdicts)
    # A 95 % interval: about 5 % (the bootstrap of 12 weeks runs a little narrow).
    assert claimed <= 0.10


def test_calibration_a_doubled_deployment_rate_is_found():
    verdicts = _verdicts(2.0, runs=100, seed=8)
    assert sum(v == "improved" for v in verdicts) / len(verdicts) >= 0.95
