"""Flow metrics page (placeholder until issue #4 lands)."""

from ui.placeholder import coming_soon

coming_soon(
    "Flow metrics",
    issue=4,
    planned=[
        "Cycle-time scatterplot with percentiles and a service level expectation",
        "Lead time, throughput, work in progress and cumulative flow",
        "Aging work in progress, flow efficiency and flow distribution",
        "Each chart with the definition it uses written beside it",
    ],
)
