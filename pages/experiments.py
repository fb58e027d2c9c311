"""Experiments page (placeholder until issue #5 lands)."""

from ui.placeholder import coming_soon

coming_soon(
    "Experiments",
    issue=5,
    planned=[
        "Improvement experiments: hypothesis, action, owner, target metric, change date",
        "Honest before/after evidence: change, 95% confidence interval, p-value",
        "A verdict in plain words and whether the target was met",
    ],
)
