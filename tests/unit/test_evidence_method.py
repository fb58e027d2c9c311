"""One honest answer: the verdict comes from the experiment's method; the other method is a
labelled sensitivity check; the p-value comes with a sentence; user text names no library."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsm_core.experiments.evidence import evaluate
from vsm_core.experiments.spec import EvidenceSpec
from vsm_core.experiments.wording import (
    METHOD_DESCRIPTIONS,
    method_description,
    other_method,
    p_value_sentence,
    sensitivity_sentence,
)
from vsm_core.sample_data import PROCESS_CHANGE_DATE, generate_demo_dataset

LIBRARIES = ("scipy", "numpy", "pandas", "statsmodels", "lifelines")


@pytest.fixture(scope="module")
def demo():
    return generate_demo_dataset()


def _spec(metric="cycle_time_p85", change=PROCESS_CHANGE_DATE, **kwargs) -> EvidenceSpec:
    return EvidenceSpec(metric=metric, direction="decrease", change_date=change, **kwargs)


def _without_check(result) -> dict:
    out = result.to_dict()
    out.pop("sensitivity")
    return out


# --------------------------------------------------------------------------- the method


@pytest.mark.parametrize("method", ["start", "done"])
def test_the_verdict_is_the_records_method_and_the_check_is_the_others(demo, method):
    result = evaluate(demo, _spec(method=method))
    other = other_method(method)
    alone = evaluate(demo, _spec(method=method), sensitivity=False)
    by_other = evaluate(demo, _spec(method=other), sensitivity=False)

    # the check never changes the answer: everything but the check is the method's alone
    assert _without_check(result) == _without_check(alone)
    assert result.assign == method and alone.sensitivity is None
    assert result.method_description == METHOD_DESCRIPTIONS[method]
    # the check is exactly what the other method gives, labelled
    check = result.to_dict()["sensitivity"]
    assert check["method"] == other
    assert check["description"] == METHOD_DESCRIPTIONS[other]
    assert check["verdict"] == by_other.verdict
    assert check["interval"] == list(by_other.ci95)
    assert check["before"] == by_other.before and check["after"] == by_other.after
    assert check["p_value"] == pytest.approx(by_other.p_value)
    assert check["sentence"] == sensitivity_sentence(other, by_other.verdict)


def test_the_issue_case_improved_by_start_and_no_clear_change_by_done_date(demo):
    """Issue #11: one experiment read 'improved' by start and 'no clear change' by done date,
    depending on a radio button. Now the record's method answers; the other is labelled."""
    out = evaluate(demo, _spec(target=16.0)).to_dict()
    assert out["verdict"] == "improved" and out["assign"] == "start"
    check = out["sensitivity"]
    assert check["sentence"] == "by done date: no clear change"
    assert check["interval"][0] < 0 < check["interval"][1]
    assert check["straddlers"] > 0
    assert any("straddlers" in w for w in check["warnings"])
    assert not set(check["warnings"]) & set(out["warnings"])  # shared ones only once
    assert json.loads(json.dumps(out, allow_nan=False))["sensitivity"] == check


def test_the_method_words(demo):
    start = METHOD_DESCRIPTIONS["start"]
    assert "started before" in start and "after" in start and "censored" in start
    assert "finished before" in METHOD_DESCRIPTIONS["done"]
    assert sensitivity_sentence("done", "no clear change") == "by done date: no clear change"
    assert sensitivity_sentence("start", "improved") == "by start date: improved"
    assert method_description("done", per_item=False) == method_description("start", per_item=False)


@pytest.mark.parametrize("method", ["start", "done"])
def test_calendar_metrics_have_no_method_and_no_check(demo, method):
    out = evaluate(demo, _spec("throughput_per_week", method=method)).to_dict()
    assert out["assign"] is None and out["sensitivity"] is None
    assert "whole weeks" in out["method_description"]


def test_a_check_without_data_says_so(demo):
    out = evaluate(demo, _spec(change=date(2020, 1, 6))).to_dict()  # before the data
    assert out["verdict"] == "not enough data"
    assert out["sensitivity"]["verdict"] == "not enough data"
    assert out["sensitivity"]["sentence"] == "by done date: not enough data"
    assert out["sensitivity"]["interval"] == [None, None]


# --------------------------------------------------------------------------- the p-value


@pytest.mark.parametrize(
    "p, sentence",
    [
        (
            0.03,
            "p = 0.03: if the change had no effect, a difference at least this large would "
            "show up about 3 times in 100",
        ),
        (
            0.2,
            "p = 0.20: if the change had no effect, a difference at least this large would "
            "show up about 20 times in 100",
        ),
        (
            0.012,
            "p = 0.01: if the change had no effect, a difference at least this large would "
            "show up about 1 time in 100",
        ),
        (
            0.004,
            "p = 0.004: if the change had no effect, a difference at least this large "
            "would show up about 4 times in 1,000",
        ),
        (
            0.00002,
            "p < 0.001: if the change had no effect, a difference at least this large "
            "would show up less than once in 1,000",
        ),
        (
            0.998,
            "p = 1.00: if the change had no effect, a difference at least this large "
            "would show up almost every time",
        ),
        (None, "no p-value: a window holds too few values to compute one"),
        (float("nan"), "no p-value: a window holds too few values to compute one"),
    ],
)
def test_the_p_value_sentence(p, sentence):
    assert p_value_sentence(p) == sentence


@given(st.floats(min_value=0.0, max_value=1.0))
def test_the_sentence_says_how_often_as_the_p_value_does(p):
    """Whatever the value, the frequency in words is the p-value, rounded to what is said."""
    sentence = p_value_sentence(p)
    per_100 = re.search(r"about (\d+) times? in 100$", sentence)
    per_1000 = re.search(r"about (\d+) times in 1,000$", sentence)
    if per_100:
        assert abs(int(per_100[1]) / 100 - p) <= 0.005 + 1e-12
    elif per_1000:
        assert abs(int(per_1000[1]) / 1000 - p) <= 0.0005 + 1e-12
    elif sentence.startswith("p < 0.001"):
        assert p < 0.001
    else:
        assert sentence.endswith("almost every time") and p >= 0.995


def test_the_result_carries_the_p_value_sentence(demo):
    out = evaluate(demo, _spec(change=date(2026, 3, 16))).to_dict()
    assert out["p_value_sentence"] == p_value_sentence(out["p_value"])
    assert out["p_value_sentence"].startswith(f"p = {out['p_value']:.2f}: ")


# --------------------------------------------------------------------------- plain words


def _texts(out: dict) -> list[str]:
    check = out.get("sensitivity") or {}
    return [
        out["label"],
        out["p_value_method"],
        out["p_value_sentence"],
        out["method_description"],
        *out["warnings"],
        *(check.get(key) or "" for key in ("description", "sentence")),
        *check.get("warnings", []),
    ]


@pytest.mark.parametrize(
    "metric",
    ["cycle_time_p85", "lead_time_p50", "time_in_stage_p85:Review", "throughput_per_week"],
)
@pytest.mark.parametrize("method", ["start", "done"])
def test_no_library_is_named_in_what_users_read(demo, metric, method):
    out = evaluate(demo, _spec(metric, method=method)).to_dict()
    for text in _texts(out):
        assert not any(name in text.casefold() for name in LIBRARIES), text
