"""The change beside a flow or delivery measure (ui.flow_measures._delta): signed, in the
measure's unit, and without a minus when it rounds to zero."""

from __future__ import annotations

import pytest

from ui.flow_measures import _delta


@pytest.mark.parametrize(
    ("change", "unit", "shown"),
    [
        (0.24, "days", "+0.2 days"),
        (-6.2, "%", "-6 points"),
        (-0.04, "days", "0.0 days"),  # was "-0.0 days"
        (-0.3, "%", "0 points"),
        (0.0, "items", "0.0 items"),
        (None, "days", None),
    ],
)
def test_the_change_is_signed_unless_it_rounds_to_zero(change, unit, shown):
    assert _delta(change, unit) == shown
