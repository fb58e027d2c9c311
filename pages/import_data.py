"""Import page (placeholder until issue #3 lands)."""

from ui.placeholder import coming_soon

coming_soon(
    "Import",
    issue=3,
    planned=[
        "Upload of Jira, Azure DevOps, GitHub, Linear or spreadsheet exports (CSV, Excel, JSON)",
        "A preview with the detected format, encoding, separator and date order",
        "Column and workflow mapping: every status assigned to an ordered stage",
        "A data-quality report, then saving as a named dataset with its team",
    ],
)
