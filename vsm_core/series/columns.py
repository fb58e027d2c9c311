"""Which header of an uploaded series is its date, metric, value and team column.

Headers are matched after folding case and treating ``_``, ``-``, ``.`` and
runs of spaces alike (``Metric_Name`` = ``metric name``), against the names
and common synonyms in :data:`SYNONYMS`. The date, metric and value columns
are required, team is optional. A role two headers could play (``date`` and
``day`` both present) is a question to the user, not a guess: the upload is
refused naming both. Other columns are ignored and said so in a note.
"""

from __future__ import annotations

import re

from vsm_core.importers.errors import ImportFailed, ImportProblem, clip

#: Role -> the header names (folded, see :func:`fold`) it is read from.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "week", "month", "period", "as of", "when", "timestamp", "time"),
    "metric": ("metric", "measure", "name", "metric name", "measure name", "kpi", "indicator"),
    "value": ("value", "amount", "score", "result", "measurement", "number", "count"),
    "team": ("team", "team name", "squad", "group"),
}
#: The roles every upload must have.
REQUIRED = ("date", "metric", "value")

_WIDE = (
    "a table with one column per measure (date, NPS, CSAT, ...) is not read: write one row per "
    "date and measure, with columns date, metric and value"
)
_SEPARATORS = re.compile(r"[\s_.\-]+")


def fold(header: str) -> str:
    """``header`` compared case- and separator-blind: ``" Metric_Name "`` -> ``"metric name"``."""
    return _SEPARATORS.sub(" ", str(header)).strip().casefold()


def match_columns(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Role -> header for the date, metric, value (and, when present, team) columns.

    Input: the table's headers in file order. Output: the mapping and the
    headers no role uses. Raises :class:`ImportFailed` when a required role
    has no header, or any role has more than one (both named).
    """
    folded = {header: fold(header) for header in headers}
    mapping: dict[str, str] = {}
    problems: list[ImportProblem] = []
    for role, names in SYNONYMS.items():
        found = [h for h in headers if folded[h] in names]
        if len(found) > 1:
            problems.append(
                ImportProblem(
                    column=found[1],
                    value=clip(found[1]),
                    message=(
                        f"both {found[0]!r} and {found[1]!r} could be the {role} column; "
                        "rename or remove one of them"
                    ),
                )
            )
        elif found:
            mapping[role] = found[0]
        elif role in REQUIRED:
            problems.append(
                ImportProblem(
                    message=(
                        f"no {role} column: the headers are {', '.join(map(repr, headers))}; "
                        f"a {role} column is named one of {', '.join(names)}"
                    )
                )
            )
    if problems:
        if "date" in mapping and "metric" not in mapping and "value" not in mapping:
            problems.append(ImportProblem(message=_WIDE))
        raise ImportFailed(problems)
    used = set(mapping.values())
    return mapping, [h for h in headers if h not in used]
