"""Bottlenecks page (placeholder until issue #4 lands)."""

from ui.placeholder import coming_soon

coming_soon(
    "Bottlenecks",
    issue=4,
    planned=[
        "A stage × week heatmap of where work waits",
        "The bottleneck named in words, with its share of cycle time",
        "Rework: backward moves between stages",
        "A value stream map of the current state",
    ],
)
