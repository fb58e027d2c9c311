"""The plain words an experiment's result is shown with: its method, its p-value, its check.

Pages, exports and the CLI show these sentences as they are, so they name no
library, column or code: only what was compared and what a number means.
"""

from __future__ import annotations

import math

from vsm_core.experiments.spec import Method

#: Short names of the methods, used before a verdict ("by done date: no clear change").
METHOD_NAMES: dict[str, str] = {"start": "by start date", "done": "by done date"}

#: What each method compares, for per-item metrics.
METHOD_DESCRIPTIONS: dict[str, str] = {
    "start": (
        "items that started before the change against items that started after it; "
        "unfinished items counted as censored (their time so far is a lower bound)"
    ),
    "done": (
        "items that finished before the change against items that finished after it; "
        "unfinished items left out"
    ),
}

#: What calendar metrics compare, whatever the record's method says.
CALENDAR_DESCRIPTION = (
    "the whole weeks before the change against the whole weeks after it "
    "(the comparison method applies to per-item metrics only)"
)


def other_method(method: Method) -> Method:
    """The method the sensitivity check uses: the one the record did not choose."""
    return "done" if method == "start" else "start"


def method_description(method: Method, *, per_item: bool) -> str:
    """What is compared, in words: ``method``'s items for a per-item metric, else weeks."""
    return METHOD_DESCRIPTIONS[method] if per_item else CALENDAR_DESCRIPTION


def sensitivity_sentence(method: Method, verdict: str) -> str:
    """``"by done date: no clear change"``: the other method's verdict, labelled."""
    return f"{METHOD_NAMES[method]}: {verdict}"


def p_value_sentence(p_value: float | None) -> str:
    """The p-value and, in one sentence, what it means.

    ``p_value``: a two-sided p-value in [0, 1], or None when none could be
    computed. Returns e.g. ``"p = 0.03: if the change had no effect, a
    difference at least this large would show up about 3 times in 100"``.
    Small values are counted per 1,000 so that they do not round to zero.
    """
    if p_value is None or not math.isfinite(p_value):
        return "no p-value: a window holds too few values to compute one"
    lead = "if the change had no effect, a difference at least this large would show up"
    if p_value < 0.001:
        return f"p < 0.001: {lead} less than once in 1,000"
    if p_value < 0.01:
        return f"p = {p_value:.3f}: {lead} about {round(p_value * 1000)} times in 1,000"
    if p_value >= 0.995:
        return f"p = {p_value:.2f}: {lead} almost every time"
    times = round(p_value * 100)
    return f"p = {p_value:.2f}: {lead} about {times} time{'s' if times != 1 else ''} in 100"
