"""A fuzz of the whole importer: only :class:`ImportFailed` escapes, and never a bug.

Hypothesis writes small files the way exports are written and the way they
go wrong: delimited text (headers drawn from the names real tools use, see
``columns.ALIASES``; cells holding dates in many shapes, blanks, quotes,
separators, numbers, ``NaN``, huge and negative numbers, unicode), and JSON or
JSON Lines shaped like Jira, Azure DevOps and GitHub exports with values
replaced by anything else JSON can hold (``NaN`` and ``Infinity`` included).
Each goes through :func:`~vsm_core.importers.pipeline.import_bytes` with
random options (the format detected or forced, the date order, the time
zone, a ``--map``, the quality report or not).

The only assertion: the import succeeds or raises :class:`ImportFailed`
that is not the pipeline's "internal error" (a bug met while importing).
The seed is fixed (``derandomize``), so every run tries the same files.

Cost: every value is one draw from a pool of values (a draw costs about
50 µs; ``st.text`` or nested ``one_of`` per cell cost several times that),
and files are tiny. Even so an example costs about 15 ms on the 2-core
development machine (a third drawing it, the rest importing it; an import
that succeeds costs 40-60 ms), so 10,000 take 2.5-3 minutes: the test run in
CI time tries :data:`QUICK_EXAMPLES`, and the one named ``..._slow`` (which
``make test`` runs too; ``-k "not slow"`` leaves it out) tries
:data:`EXAMPLES`. Timings are in docs/reliability.md ("Error paths").
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_core.importers.columns import ALIASES
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import FORMATS, ROLES, ImportOptions
from vsm_core.importers.pipeline import InternalImportError, import_bytes

#: Examples of the full run, and of the run that fits in CI time (about 60 s).
EXAMPLES = 10_000
QUICK_EXAMPLES = 4_000


def one_in(n: int):
    """True about once in ``n`` draws. Hypothesis draws the ends of a range (and 0 above
    all) far more often than the middle, so the rare case is a value in the middle."""
    return st.integers(1, n).map(lambda k: k == n // 2 + 1)


# --- values ----------------------------------------------------------------------------------

IDS = ("A-1", "A-2", "A-1", "1", "2", "S-1", "PROJ-10")
STATUSES = ("To Do", "In Progress", "Done", "Cancelled", "Won't Do", "Review", "status")
#: Dates in many shapes, valid or not, inside and outside the years the importer accepts.
DATES = (
    "2024-01-05",
    "2024-01-05T10:00:00Z",
    "2024-01-05T10:00:00.000+0100",
    "2024-01-05 10:00",
    "2024-01-06T09:30:00+01:00",
    "2024-03-31T02:30:00",
    "05/01/2024",
    "13/05/2024",
    "05/13/2024",
    "1/5/24",
    "5.1.2024",
    "05/Jan/24 10:00 AM",
    "Jan 5, 2024",
    "5 January 2024",
    "2024/01/05",
    "45356.5",
    "31/02/2024",
    "2024-02-30",
    "2024-13-45",
    "9999-12-31",
    "0001-01-01",
    "1899-12-30",
    "2100-12-31T23:59:59-14:00",
    "2024-01-05T24:00:00",
    "2024-01-05T10:00:00+25:00",
    "2024-01-05T10:00:00.1234567891Z",
    "02",
    "13",
    "1/2",
    "2024",
    "Q1 2024",
)
NUMBERS = (
    "0",
    "-1",
    "-0",
    "0.5",
    "1e308",
    "1e400",
    "-1e400",
    "4.9e-324",
    "1.7976931348623157e308",
    "9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "20000",
    "80000",
    "1700000000",
)
ODD = (
    "",
    " ",
    "?",
    "-",
    "null",
    "None",
    "n/a",
    "a|b",
    "a, b",
    "|",
    "[01/02/2024-05/02/2024]|[03/02/2024-01/02/2024]",
    "[31/02/2024-01/01/2024]",
    '"',
    '""',
    'a"b',
    ",",
    ";",
    "\t",
    "Ü",
    "日本",
    "\u3000",
    "\ufeff",
    "\u200b",
    "\x00",
    "\x85",
    "é\u0301",
    "\U0001f600",
    "=1+1",
    "\r",
    "\n",
    "x" * 300,
)
CELL = st.sampled_from(IDS + STATUSES + DATES + NUMBERS + ODD)
#: A header name: one real tools write (every alias of every role, and more), or odd text.
REAL_HEADERS = (
    "Issue key",
    "Status",
    "Created",
    "Updated",
    "From Status",
    "To Status",
    "Changed Date",
    "Sprint",
    "Labels",
    "Backlog",
    "In Progress",
    "Done",
    "Blocked Days",
    "Blocked Date Range",
    "Field",
    "Link",
    "Status Category",
    "Story Points",
    "Sub Status",
    "",
    " ",
    "Ü",
    "nan",
    "1",
)
ROLE_HEADERS = tuple(sorted({alias for aliases in ALIASES.values() for alias in aliases}))
HEADER = st.sampled_from(ROLE_HEADERS + REAL_HEADERS)

# --- delimited text ---------------------------------------------------------------------------

#: Per table format: the roles its files carry, and roles some of them carry too.
TABLE_ROLES = {
    "events": (("item_id", "status", "timestamp"), ("created", "title", "labels", "category")),
    "snapshots": (("item_id", "status", "timestamp"), ("type", "team", "blocked_days")),
    "transitions": (("item_id", "from_status", "status", "timestamp"), ("created", "field")),
    "stages": (("item_id", "stage", "stage", "stage"), ("title", "labels", "blocked_range")),
    "dates": (("item_id",), ("created", "started", "done", "cancelled", "status", "category")),
}
STAGE_NAMES = ("Backlog", "Doing", "Review", "Done", "In Progress")
#: Header names of the roles that are no role of ``ALIASES``.
OTHER_NAMES = {
    "stage": STAGE_NAMES,
    "category": ("Status Category", "statuscategory", "State Category"),
    "field": ("Field", "field"),
    "blocked_range": ("Blocked Date Range",),
    "x": REAL_HEADERS,
}
_DATE_ROLES = frozenset({"timestamp", "created", "started", "done", "cancelled", "stage"})
#: Shapes of one date column (a day of January 2024 goes in): one tool writes one shape.
DATE_SHAPES = (
    "2024-01-{:02d}",
    "2024-01-{:02d}T10:00:00Z",
    "2024-01-{:02d} 09:30",
    "{:02d}/01/2024",
    "01/{:02d}/2024",
    "{:02d}/02/2024 10:00",
    "02/{:02d}/2024",
    "{}/3/2024",
    "{}.1.24",
    "{:02d}/Jan/24 10:00 AM",
    "Jan {}, 2024",
    "453{:02d}.5",
)
#: Days of the month: half of them could be a month too (a numeric date that reads both ways
#: until another cell or column settles the order), half settle it.
DAYS = st.sampled_from([2, 5, 9, 12, 13, 17, 25, 28])
#: What a date cell holds when it is not what its column usually holds.
#: As many that are no dates at all (a blank, a number, a word) as dates in other shapes.
ODD_DATE = st.sampled_from(DATES + ODD[:12] + NUMBERS + STATUSES[:2])
#: Cells of the roles whose cells are neither ids, statuses nor dates.
OTHER_CELLS = {
    "category": st.sampled_from(["To Do", "In Progress", "Done", "Indeterminate", "new", ""]),
    "field": st.sampled_from(["status", "Status", "labels", "System.State", ""]),
    "labels": st.sampled_from(["a|b", "a, b", "b", "", "|", ","]),
    "blocked_days": st.sampled_from(["1", "0", "-2", "1.5", "NaN", "1e400", ""]),
    "blocked_range": st.sampled_from((*ODD[10:12], "[01/02/2024-01/02/2024]", "")),
}


def _cells_of(role: str, shape: str) -> tuple:
    """(what a column of ``role`` holds, with dates in ``shape``; what it holds otherwise)."""
    if role == "item_id":
        return st.sampled_from(IDS), CELL
    if role in ("status", "from_status"):
        return st.sampled_from(STATUSES), CELL
    if role in _DATE_ROLES:
        return DAYS.map(shape.format), ODD_DATE
    return OTHER_CELLS.get(role, CELL), CELL


@st.composite
def headers(draw, format_name: str) -> tuple[list[str], list[str]]:
    """(header, each column's role): the format's roles under names tools use, sometimes any
    names at all."""
    if draw(one_in(6)):
        header = draw(st.lists(HEADER, min_size=1, max_size=5))  # repeats allowed
        return header, ["x"] * len(header)
    required, optional = TABLE_ROLES[format_name]
    roles = [*required, *draw(st.lists(st.sampled_from(optional), max_size=2, unique=True))]
    if draw(one_in(10)):  # a column twice (Jira repeats Sprint, Labels)
        roles.append(draw(st.sampled_from(roles)))
    names = {r: draw(st.sampled_from(ALIASES.get(r) or OTHER_NAMES[r])) for r in roles}
    stages = iter(draw(st.permutations(STAGE_NAMES)))  # a board names each stage once
    return [next(stages) if r == "stage" else names[r] for r in roles], roles


def _quoted(cell: str, sep: str, how: str) -> str:
    """``cell`` as a writer puts it: never quoted, quoted when needed, or always."""
    needs = any(c in cell for c in (sep, '"', "\r", "\n"))
    if how == "always" or (how == "needed" and needs):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def delimited_files(draw, format_name: str) -> tuple[bytes, str, list[str]]:
    """(bytes, file name, header) of a small CSV/TSV/TXT file of a table format."""
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    header, roles = draw(headers(format_name))
    clean = draw(st.booleans())  # a clean file reaches the parsers; a dirty one their checks
    shape = draw(st.sampled_from(DATE_SHAPES))  # one tool, one date shape; or one per column
    same = draw(st.booleans())
    cells = [_cells_of(r, shape if same else draw(st.sampled_from(DATE_SHAPES))) for r in roles]
    rows = []
    for _ in range(draw(st.integers(2, 5))):
        row = [draw(odd if not clean and draw(one_in(3)) else usual) for usual, odd in cells]
        if not clean and draw(one_in(10)):  # a ragged row
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(CELL, max_size=2))
        rows.append(row)
    how = draw(st.sampled_from(["never", "needed", "needed", "always"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(sep.join(_quoted(c, sep, how) for c in r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    ext = draw(st.sampled_from([".csv", ".csv", ".tsv", ".txt", ""]))
    return text.encode(encoding, errors="replace"), f"fuzz{ext}", header


# --- JSON ------------------------------------------------------------------------------------

#: Anything a JSON value can be, in one draw: JSON's NaN and Infinity, huge and negative
#: numbers, text, arrays and objects where scalars belong.
JUNK = st.sampled_from(
    (
        None,
        True,
        False,
        math.nan,
        math.inf,
        -math.inf,
        1e308,
        -0.0,
        0.5,
        1.0,
        10**20,
        -(10**20),
        2**63,
        -1,
        0,
        [],
        [None],
        ["Done", 1],
        {},
        {"name": None},
        {"name": math.nan},
        {"name": "Done"},
        {"title": 1},
        *STATUSES,
        *IDS,
        *DATES[:8],
        *NUMBERS,
        *ODD[:12],
    )
)
ID = st.sampled_from((*IDS, 1, 2, 0, -3, 2**63, 1.0, 1.5))
DATE = st.sampled_from(DATES)
STATUS = st.sampled_from(STATUSES)


def value(good, clean: bool):
    """``good``, or, in a record that is not ``clean``, sometimes anything else."""
    return good if clean else st.one_of(good, good, good, JUNK)


def obj(clean: bool, required: dict, optional: dict):
    """An object with the ``required`` keys and some of the ``optional`` ones."""
    return st.fixed_dictionaries(
        {k: value(v, clean) for k, v in required.items()},
        optional={k: value(v, clean) for k, v in optional.items()},
    )


def named(clean: bool):
    return obj(clean, {"name": STATUS}, {})


def jira_issue(clean: bool):
    item = obj(
        clean,
        {"field": st.sampled_from(["status", "Status", "labels"])},
        {"fieldId": st.just("status"), "fromString": STATUS, "toString": STATUS},
    )
    history = obj(clean, {"created": DATE}, {"items": st.lists(item, max_size=2)})
    fields = obj(
        clean,
        {"created": DATE},
        {
            "status": named(clean),
            "summary": STATUS,
            "issuetype": named(clean),
            "labels": st.lists(STATUS, max_size=2),
            "priority": named(clean),
            "parent": obj(clean, {"key": ID}, {}),
        },
    )
    changelog = obj(
        clean, {"histories": st.lists(history, max_size=3)}, {"total": st.integers(0, 5)}
    )
    return obj(clean, {"key": ID}, {"fields": fields, "changelog": changelog})


def ado_update(clean: bool):
    def change(good):
        return obj(clean, {"newValue": good}, {"oldValue": good})

    fields = obj(
        clean,
        {},
        {
            "System.State": change(STATUS),
            "System.ChangedDate": change(DATE),
            "System.CreatedDate": change(DATE),
            "System.Title": change(STATUS),
            "System.Tags": change(st.sampled_from(["a; b", "", ";"])),
            "System.AssignedTo": change(st.sampled_from(["Ann <dom\\ann>", "Ann <"])),
        },
    )
    return obj(
        clean,
        {"workItemId": ID},
        {
            "rev": st.integers(-1, 5),
            "revisedDate": st.sampled_from([*DATES[:4], "9999-01-01T00:00:00Z"]),
            "fields": fields,
        },
    )


def ado_revision(clean: bool):
    fields = obj(
        clean,
        {"System.Id": ID},
        {
            "System.State": STATUS,
            "System.ChangedDate": DATE,
            "System.CreatedDate": DATE,
            "System.Rev": st.integers(0, 5),
            "System.Tags": st.sampled_from(["a; b", ""]),
        },
    )
    return obj(clean, {"fields": fields}, {"id": ID, "rev": st.integers(-1, 5)})


def github_issue(clean: bool):
    kinds = st.sampled_from(
        [
            "closed",
            "reopened",
            "milestoned",
            "demilestoned",
            "labeled",
            "unlabeled",
            "added_to_project",
            "moved_columns_in_project",
            "removed_from_project",
            "renamed",
        ]
    )
    event = obj(
        clean,
        {"event": kinds, "created_at": DATE},
        {
            "milestone": obj(clean, {"title": STATUS}, {}),
            "label": named(clean),
            "project_card": obj(clean, {"column_name": STATUS}, {}),
        },
    )
    return obj(
        clean,
        {"number": ID, "created_at": DATE},
        {
            "state": st.sampled_from(["open", "closed"]),
            "closed_at": DATE,
            "labels": st.lists(named(clean), max_size=2),
            "milestone": obj(clean, {"title": STATUS}, {}),
            "pull_request": st.just({}),
            "events": st.lists(event, max_size=4),
            "timeline": st.lists(event, max_size=2),
        },
    )


#: Per JSON format, its records' strategies: clean (only cut or mixed files fail) and not.
RECORDS = {
    "jira-json": (jira_issue(True), jira_issue(False)),
    "ado-json": (ado_update(True), ado_update(False), ado_revision(True), ado_revision(False)),
    "github-json": (github_issue(True), github_issue(False)),
}


@st.composite
def json_files(draw, format_name: str) -> tuple[bytes, str, list[str]]:
    """(bytes, file name, no header) of a small JSON or JSON Lines document of a format."""
    shape = draw(st.sampled_from(RECORDS[format_name]))
    records = draw(st.lists(shape, min_size=1, max_size=4))
    if draw(one_in(10)):  # not an object at all
        records.append(draw(JUNK))
    layout = draw(st.sampled_from(["array", "array", "page", "pages", "lines"]))
    if layout == "lines":
        text = "\n".join(json.dumps(r) for r in records)  # NaN and Infinity as Python writes
        ext = draw(st.sampled_from([".jsonl", ".jsonl", ".ndjson", ".json", ""]))
    else:
        document = {
            "array": records,
            "page": {"startAt": 0, "total": len(records), "issues": records},
            "pages": [{"value": records}],
        }[layout]
        text = json.dumps(document)
        ext = draw(st.sampled_from([".json", ".json", ".json", ".txt", ""]))
    if len(text) > 2 and draw(one_in(20)):  # cut short, as a failed download is
        text = text[: draw(st.integers(1, len(text) - 1))]
    return text.encode("utf-8"), f"fuzz{ext}", []


# --- options ---------------------------------------------------------------------------------


@st.composite
def options_for(draw, format_name: str, header: list[str]) -> ImportOptions:
    """Options a user could pass: the format detected, forced to the file's or to any,
    any date order and zone, sometimes a ``--map``."""
    mapping = {}
    if header and draw(one_in(5)):
        mapping = {draw(st.sampled_from(ROLES)): draw(st.sampled_from(header))}
    return ImportOptions(
        format=draw(
            st.sampled_from([format_name, "auto", format_name, "any"]).flatmap(
                lambda choice: st.sampled_from(FORMATS) if choice == "any" else st.just(choice)
            )
        ),
        mapping=mapping,
        date_order=draw(st.sampled_from([None, "dayfirst", None, "monthfirst", None])),
        timezone=draw(st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Kiritimati"])),
        github_status_source=draw(st.sampled_from(["milestone", "labels", "project", "state"])),
    )


@st.composite
def uploads(draw) -> tuple[bytes, str, ImportOptions, bool]:
    """(bytes, file name, options, whether the quality report is wanted): a file of each
    format as often."""
    format_name = draw(st.sampled_from(FORMATS))
    files = json_files if format_name in RECORDS else delimited_files
    data, name, header = draw(files(format_name))
    options = draw(options_for(format_name, header))
    # The quality report reads a valid dataset only and costs half an import: a quarter.
    return data, name, options, draw(one_in(4))


def check_import(data: bytes, name: str, options: ImportOptions, quality: bool) -> None:
    """Import; fail on anything but ImportFailed, and on the pipeline's internal error."""
    try:
        import_bytes(data, name, options, quality=quality)
    except InternalImportError:
        raise  # a bug: hypothesis shrinks the file and shows it, with the traceback
    except ImportFailed as failure:
        assert failure.problems
        assert not any("internal error" in p.message for p in failure.problems), failure


def fuzz_settings(examples: int) -> settings:
    """A fixed seed (the same files on every run and machine), no example database, no
    deadline (the machine may be busy), ``examples`` files."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@fuzz_settings(QUICK_EXAMPLES)
@given(upload=uploads())
def test_only_import_failed_escapes_and_never_an_internal_error(upload):
    check_import(*upload)


@pytest.mark.timeout(1200)  # above the suite's 300 s per test: 10,000 imports
@fuzz_settings(EXAMPLES)
@given(upload=uploads())
def test_only_import_failed_escapes_and_never_an_internal_error_10k_slow(upload):
    check_import(*upload)
