"""The workflow file: a documented, user-editable TOML contract, and workflow suggestions.

The file format
---------------

.. code-block:: toml

    start = "In Progress"   # optional commitment point (a stage name)
    [[stage]]
    name = "Backlog"
    statuses = ["New", "To Do"]
    category = "backlog"    # backlog | active | waiting | done | cancelled
    [[stage]]
    name = "In Progress"
    statuses = ["In Progress", "Doing"]
    category = "active"
    [[stage]]
    name = "Review"
    category = "waiting"
    adds_value = true       # optional; default: only active stages add value

* Stages are ordered as written; the order is the flow, left to right.
* ``name`` (required, non-blank text) names the stage; names are unique
  (ignoring case).
* ``statuses`` (optional, a list of non-blank text) lists the raw statuses that
  map to the stage. Without it the stage matches a status of its own name.
  Matching ignores case and surrounding spaces; a status may belong to one
  stage only.
* ``category`` (required) is one of ``backlog``, ``active``, ``waiting``,
  ``done``, ``cancelled`` (case and surrounding spaces ignored). "Done" is a
  category, not a key: every ``done`` stage is a finish point.
* ``adds_value`` (optional, ``true`` or ``false``) says whether time in the
  stage adds value (value-added time and process cycle efficiency,
  docs/metrics.md). Without it, active stages add value and the others do
  not; it is written only when it differs from that default. Only active or
  waiting stages can add value (time is measured between commitment and
  done), so ``adds_value = true`` on a backlog, done or cancelled stage is an
  error naming the stage and the line.
* ``start`` (optional) names the commitment stage. Without it the first stage
  whose category is ``active`` or ``waiting`` is the commitment point. At
  least one stage must be ``active`` or ``waiting``.
* Any other key is an error, so a typo never silently changes the meaning.

:func:`parse_workflow_toml` / :func:`load_workflow_file` read the file into a
:class:`~vsm_core.model.Workflow` (whose own validation is reused) and raise
:class:`WorkflowFileError` with a one-line message naming every problem found;
:func:`workflow_to_toml` writes one back (with ``tomli_w``).
:func:`suggest_category`, :func:`suggest_workflow` and
:func:`order_statuses_by_flow` draft a workflow from the statuses of an
import; :func:`describe_points` names its commitment and finish points.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
from pydantic import ValidationError

from vsm_core.model import Category, Stage, Workflow, normalise_status
from vsm_core.ordering import first_appearance, grouped_time_order
from vsm_core.timeutil import sortable_micros

__all__ = [
    "CATEGORY_HELP",
    "WorkflowFileError",
    "describe_points",
    "load_workflow_file",
    "order_statuses_by_flow",
    "parse_workflow_toml",
    "suggest_category",
    "suggest_workflow",
    "workflow_to_toml",
]

_CATEGORY_NAMES = ", ".join(c.value for c in Category)
_TOP_KEYS = ("start", "stage")
_STAGE_KEYS = ("name", "statuses", "category", "adds_value")

#: The comment :func:`workflow_to_toml` writes above the stages.
CATEGORY_HELP: tuple[str, ...] = (
    "Stages are listed in flow order. Each stage maps the raw statuses in `statuses`",
    "(case and surrounding spaces ignored) and has a category:",
    "  backlog   - not committed to yet (ideas, to do)",
    "  active    - being worked on",
    "  waiting   - committed but waiting (queues, review, blocked)",
    "  done      - finished; the item's cycle time ends here",
    "  cancelled - dropped; neither done nor in progress",
    "`adds_value` (optional, true or false): whether time in the stage adds value;",
    "without it, active stages add value and the others do not.",
    "`start` (optional) names the commitment stage; without it, the first active or",
    "waiting stage is the commitment point.",
)


class WorkflowFileError(ValueError):
    """A workflow file cannot be read: ``str(error)`` is a one-line, user-facing message.

    ``problems`` lists each problem found (the message joins them with "; ");
    ``line`` is the 1-based line of a TOML syntax error, when known.
    """

    def __init__(self, problems: str | Iterable[str], *, line: int | None = None):
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        if not self.problems:
            self.problems = ["the workflow file is not valid"]
        self.line = line
        super().__init__("; ".join(self.problems))


# --------------------------------------------------------------------------- reading


_TOML_POSITION = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def _syntax_error(error: tomllib.TOMLDecodeError) -> WorkflowFileError:
    text = str(error).splitlines()[0] if str(error) else "invalid TOML"
    match = _TOML_POSITION.match(text)
    if match:
        line = int(match["line"])
        return WorkflowFileError(
            f"workflow file line {line}: {match['msg']} (column {match['col']})", line=line
        )
    text = text.replace("(at end of document)", "at the end of the file").strip()
    return WorkflowFileError(f"workflow file: {text}")


def _kind(value: object) -> str:
    """A TOML-ish name for a value's type, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date/time" if hasattr(value, "isoformat") else type(value).__name__


def _quoted(keys: Iterable[str]) -> str:
    return ", ".join(repr(k) for k in keys)


def _pydantic_message(error: ValidationError) -> list[str]:
    """Readable messages from a pydantic error (prefixes such as "Value error, " dropped)."""
    out = []
    for item in error.errors():
        msg = str(item.get("msg", "invalid value"))
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "__root__")
        # A stage's own check names the stage already ("stage 'X' is ..."): no "stages.0:".
        out.append(f"{where}: {msg}" if where and not msg.startswith("stage ") else msg)
    return out


_STAGE_HEADER = re.compile(r"^\s*\[\[\s*stage\s*\]\]")
_ADDS_VALUE_KEY = re.compile(r"""^\s*(?:adds_value|"adds_value"|'adds_value')\s*=""")


def _adds_value_line(text: str, number: int) -> int | None:
    """The 1-based line of stage ``number``'s ``adds_value`` key, when it can be found.

    Looks for the ``number``-th ``[[stage]]`` header and the key under it; a
    stage written inline (``stage = [{...}]``) has no such line (None).
    """
    seen = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        if _STAGE_HEADER.match(line):
            seen += 1
        elif seen == number and _ADDS_VALUE_KEY.match(line):
            return line_number
        elif seen > number:
            break
    return None


def _adds_value_problem(label: str, entry: dict, category: object, line: int | None) -> str | None:
    """Why the stage's ``adds_value`` is refused, or None (absent, or a fitting boolean)."""
    if "adds_value" not in entry:
        return None
    where = f"{label}, line {line}" if line else label
    value = entry["adds_value"]
    if not isinstance(value, bool):
        return f"{where}: 'adds_value' must be true or false, not {_kind(value)}"
    kind = category.strip().lower() if isinstance(category, str) else None
    if value and kind in (Category.BACKLOG, Category.DONE, Category.CANCELLED):
        return (
            f"{where}: only active or waiting stages can add value (this stage is {kind}; "
            "time is measured between commitment and done)"
        )
    return None


def _read_stage(number: int, entry: object, text: str = "") -> tuple[Stage | None, list[str]]:
    """One ``[[stage]]`` table -> a Stage, or the problems found (each prefixed by the stage).

    ``text``: the whole file, to name the line of a refused ``adds_value``.
    """
    if not isinstance(entry, dict):
        return None, [f"stage {number}: each stage must be a [[stage]] table, not {_kind(entry)}"]
    name = entry.get("name")
    label = (
        f"stage {number} ({name.strip()!r})"
        if isinstance(name, str) and name.strip()
        else f"stage {number}"
    )
    problems: list[str] = []
    unknown = [k for k in entry if k not in _STAGE_KEYS]
    if unknown:
        noun = "key" if len(unknown) == 1 else "keys"
        problems.append(
            f"{label}: unknown {noun} {_quoted(unknown)} (allowed: {', '.join(_STAGE_KEYS)})"
        )
    if "name" not in entry:
        problems.append(f"{label}: missing 'name'")
    elif not isinstance(name, str):
        problems.append(f"{label}: 'name' must be text, not {_kind(name)}")
    elif not name.strip():
        problems.append(f"{label}: 'name' is blank")

    statuses = entry.get("statuses", [])
    if not isinstance(statuses, list):
        problems.append(
            f"{label}: 'statuses' must be a list of text such as [\"In Review\"], "
            f"not {_kind(statuses)}"
        )
        statuses = []
    else:
        for position, status in enumerate(statuses, start=1):
            if not isinstance(status, str):
                problems.append(
                    f"{label}: 'statuses' must be a list of text; entry {position} is "
                    f"{_kind(status)}"
                )
            elif not status.strip():
                problems.append(f"{label}: 'statuses' entry {position} is blank")

    category = entry.get("category")
    if "category" not in entry:
        problems.append(f"{label}: missing 'category' (one of {_CATEGORY_NAMES})")
    elif not isinstance(category, str):
        problems.append(
            f"{label}: 'category' must be one of {_CATEGORY_NAMES}, not {_kind(category)}"
        )
    elif category.strip().lower() not in {c.value for c in Category}:
        problems.append(f"{label}: category {category!r} is not one of {_CATEGORY_NAMES}")
    flag = _adds_value_problem(label, entry, category, _adds_value_line(text, number))
    if flag:
        problems.append(flag)
    if problems:
        return None, problems
    try:
        stage = Stage(
            name=name,
            statuses=tuple(statuses),
            category=category.strip().lower(),
            adds_value=entry.get("adds_value"),
        )
    except ValidationError as error:  # pragma: no cover - the checks above come first
        return None, [f"{label}: {msg}" for msg in _pydantic_message(error)]
    return stage, []


def parse_workflow_toml(text: str) -> Workflow:
    """Read the workflow file format (see the module docstring) into a :class:`Workflow`.

    Raises :class:`WorkflowFileError` naming every problem found: TOML syntax
    (with its line), unknown keys, a missing or blank ``name``, ``statuses``
    that are not a list of text, an unknown ``category``, a ``start`` that is
    not a stage, repeated stage names or statuses, no active/waiting stage.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error) from None

    problems: list[str] = []
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        noun = "key" if len(unknown) == 1 else "keys"
        hint = " (write each stage as a [[stage]] table)" if "stages" in unknown else ""
        problems.append(
            f"workflow file: unknown top-level {noun} {_quoted(unknown)} "
            f"(allowed: {', '.join(_TOP_KEYS)}){hint}"
        )
    start = data.get("start")
    if start is not None and not isinstance(start, str):
        problems.append(f"workflow file: 'start' must be a stage name (text), not {_kind(start)}")
        start = None
    elif isinstance(start, str):
        start = start.strip()

    entries = data.get("stage")
    if entries is None:
        problems.append("workflow file: no stages; add at least one [[stage]] table")
        entries = []
    elif isinstance(entries, dict):
        problems.append(
            "workflow file: write each stage as [[stage]] (double brackets), not [stage]"
        )
        entries = []
    elif not isinstance(entries, list):
        problems.append(f"workflow file: 'stage' must be [[stage]] tables, not {_kind(entries)}")
        entries = []

    stages: list[Stage] = []
    for number, entry in enumerate(entries, start=1):
        stage, stage_problems = _read_stage(number, entry, text)
        problems.extend(stage_problems)
        if stage is not None:
            stages.append(stage)
    if problems:
        raise WorkflowFileError(problems)

    try:
        return Workflow(stages=tuple(stages), start=start)
    except ValidationError as error:
        messages = _pydantic_message(error)
        names = ", ".join(stage.name for stage in stages)
        messages = [
            f"{m} (the stages are: {names})" if m.startswith("start ") else m for m in messages
        ]
        raise WorkflowFileError([f"workflow file: {m}" for m in messages]) from None


def load_workflow_file(path: str | PathLike[str]) -> Workflow:
    """Read a UTF-8 workflow file (a leading BOM is allowed); see :func:`parse_workflow_toml`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise WorkflowFileError(f"workflow file not found: {path}") from None
    except UnicodeDecodeError as error:
        raise WorkflowFileError(
            f"workflow file {path} is not UTF-8 text (byte {error.start})"
        ) from None
    except OSError as error:
        raise WorkflowFileError(
            f"cannot read workflow file {path}: {error.strerror or error}"
        ) from None
    return parse_workflow_toml(text)


# --------------------------------------------------------------------------- writing


_COMMENT_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def workflow_to_toml(workflow: Workflow, *, header: str | None = None) -> str:
    """The workflow in the file format, written with ``tomli_w``.

    Every stage gets an explicit ``statuses`` list (a stage with none listed is
    written with its own name, which is what it matches) and an ``adds_value``
    key only when it differs from the default (active stages add value), so
    ``parse_workflow_toml(workflow_to_toml(w))`` equals ``w`` once implicit
    statuses are spelled out. ``start`` is written only when set. The text
    starts with comment lines: ``header`` (each of its lines prefixed with
    ``# ``; control characters other than tab become spaces, as TOML comments
    cannot hold them), then :data:`CATEGORY_HELP`.
    """
    data: dict[str, Any] = {}
    if workflow.start is not None:
        data["start"] = workflow.start
    data["stage"] = [_stage_table(stage) for stage in workflow.stages]
    comments: list[str] = []
    if header:
        # TOML comments cannot hold control characters (other than tab).
        comments.extend(_COMMENT_UNSAFE.sub(" ", line) for line in header.splitlines())
        comments.append("")
    comments.extend(CATEGORY_HELP)
    prefix = "".join(f"# {line}".rstrip() + "\n" for line in comments)
    return prefix + "\n" + tomli_w.dumps(data)


def _stage_table(stage: Stage) -> dict[str, Any]:
    table: dict[str, Any] = {
        "name": stage.name,
        "statuses": list(Workflow.statuses_of(stage)),
        "category": stage.category.value,
    }
    if stage.adds_value is not None:  # only a flag that differs from the default
        table["adds_value"] = stage.adds_value
    return table


# --------------------------------------------------------------------------- suggestions


def _rules(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_ACTIVITY = (
    r"dev|development|analysis|analyse|analyze|design|test|testing|qa|review|code|coding|"
    r"build|implementation|refinement"
)
# Evaluated in this order; the first rule that matches wins.
_CATEGORY_RULES: tuple[tuple[Category, re.Pattern[str]], ...] = (
    (
        Category.CANCELLED,
        _rules(
            r"cancel",
            r"\bwon'?t(?=\b|fix|do)",
            r"\bcan'?t ?fix|\bcannot ?fix",
            r"\breject",
            r"\binvalid",
            r"\bduplicate",
            r"\babandon",
            r"\bdeclin",
            r"\bobsolete",
            r"\bnot ?a ?bug",
            r"\bworks ?for ?me",
        ),
    ),
    # "Dev Done", "Analysis complete": a queue after an activity, not the end of the flow.
    (Category.WAITING, _rules(rf"\b(?:{_ACTIVITY})\s*(?:done|complete|completed|finished)\b")),
    (
        Category.DONE,
        _rules(
            r"\bdone\b",
            r"\bclosed\b",
            r"\bresolved",
            r"\breleased",
            r"\bcomplete",
            r"\bdeployed",
            r"\bshipped",
            r"\bfinished",
            r"\bfixed",
            r"\blive\b",
        ),
    ),
    (
        Category.BACKLOG,
        _rules(
            r"\bbacklog",
            r"\bnew\b",
            r"\bopen(?:ed)?\b",
            r"\breopen",
            r"\bto ?do\b",
            r"\bidea",
            r"triage",
            r"\bpropos",
            r"\bfunnel",
            r"\binbox",
            r"\bnot started",
        ),
    ),
    (
        Category.WAITING,
        _rules(
            r"wait",
            r"\bready\b",
            r"review",
            r"\bblocked",
            r"queue",
            r"\bpending",
            r"\bon hold\b|\bhold\b",
            r"\bto test",
            r"\bapprov",
            r"\bsign ?off",
            r"\bneeds?\b|\bneeds",
            r"\bselected\b",
            r"\bincomplete\b",
        ),
    ),
    (
        Category.ACTIVE,
        _rules(
            r"progress",
            r"\bdoing",
            r"develop",
            r"implement",
            r"analys|analyz",
            r"design",
            r"test",
            r"\bqa\b",
            r"\bbuild",
            r"\bdeploying",
            r"\bworking",
        ),
    ),
)


def _status_words(status: str) -> str:
    """Lower-case words of a status: camelCase split, ``_ - / .`` and curly quotes normalised."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(status))
    text = text.replace("\u2019", "'").replace("\u2018", "'").casefold()
    text = re.sub(r"[_\-/.:()\[\],]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def suggest_category(status: str) -> Category:
    """A suggested category for a raw status, from its name.

    The name is lower-cased, camelCase is split ("InProgress" -> "in
    progress") and ``_ - / . : ( ) [ ] ,`` become spaces. Rules are tried in
    this order; the first match wins ("\\b" = start of a word):

    1. **cancelled** – "cancel" (cancelled, canceled), "won't"/"wont" (Won't
       Fix, wontfix), "reject", "invalid", "duplicate", "abandon", "declin",
       "obsolete", "not a bug", "works for me"/"worksforme". Before done, so
       "Closed - Won't Fix" is cancelled.
    2. **waiting** – an activity word followed by done/complete/finished
       ("Dev Done", "Analysis complete", "Testing finished"): in Kanban these
       are queues after an activity, not the end of the flow.
    3. **done** – the words "done", "closed", "live"; words starting with
       "resolved", "released", "complete", "deployed", "shipped", "finished",
       "fixed" (so "Unresolved" and "Incomplete" are not done).
    4. **backlog** – "backlog", "new", "open"/"opened", "reopen…", "to do"/
       "todo", "idea…", "triage" anywhere ("Needs triage" and "needstriage" are
       backlog: nothing is committed before triage), "propos…", "funnel",
       "inbox", "not started".
    5. **waiting** – "wait" anywhere (awaiting, sitewait), "ready" ("Ready for
       Development" is waiting, not active), "review" anywhere, "blocked",
       "queue", "pending", "hold"/"on hold", "to test", "approv…" (approval),
       "sign off"/"signoff", "need"/"needs", "selected" (Selected for
       Development), "incomplete" (needs more information).
    6. **active** – "progress", "doing", "develop", "implement", "analys"/
       "analyz" ("In Analyse", "In Analysis"), "design", "test", "qa",
       "build", "deploying", "working".
    7. Anything else: **active** (unknown statuses are assumed to be work).
    """
    words = _status_words(status)
    for category, pattern in _CATEGORY_RULES:
        if pattern.search(words):
            return category
    return Category.ACTIVE


#: A tool's own status categories (normalised: lower case, letters only) -> the category
#: they seed. Jira: To Do / In Progress / Done; Azure DevOps state categories: Proposed /
#: InProgress / Resolved / Completed / Removed; GitHub / Linear style open / started / closed.
FILE_CATEGORIES: dict[str, Category | None] = {
    "todo": Category.BACKLOG,
    "new": Category.BACKLOG,
    "proposed": Category.BACKLOG,
    "backlog": Category.BACKLOG,
    "unstarted": Category.BACKLOG,
    "triage": Category.BACKLOG,
    "open": Category.BACKLOG,
    "inprogress": None,  # active or waiting, as the status name says
    "indeterminate": None,  # Jira's API key of "In Progress"
    "started": None,
    "resolved": None,  # Azure DevOps: fixed, awaiting verification — still in the flow
    "done": Category.DONE,
    "completed": Category.DONE,
    "complete": Category.DONE,
    "closed": Category.DONE,
    "removed": Category.CANCELLED,
    "canceled": Category.CANCELLED,
    "cancelled": Category.CANCELLED,
}


def category_from_file(status: str, file_category: str) -> Category | None:
    """The category a status gets when its export names its status category; None when the
    file's category is not one Flowlab knows (the name alone then decides).

    * a backlog-like file category (To Do, Proposed, New, …) gives **backlog**, unless
      the name says the item was dropped (**cancelled**: "Won't Do" in To Do);
    * a done-like one (Done, Completed, Closed) gives **done**, unless the name is a
      non-delivery ending ("Can't Fix", "Won't Do", "Duplicate", "Rejected", …) ->
      **cancelled**;
    * an in-progress one (In Progress, Resolved, started) gives **waiting** when the name
      reads as a queue (Ready…, Review, Blocked, …) and **active** otherwise;
    * Removed / Cancelled gives **cancelled**.
    """
    key = re.sub(r"[^a-z]", "", str(file_category).casefold())
    if key not in FILE_CATEGORIES:
        return None
    by_name = suggest_category(status)
    seeded = FILE_CATEGORIES[key]
    if by_name == Category.CANCELLED:
        return Category.CANCELLED
    if seeded is None:
        return Category.WAITING if by_name == Category.WAITING else Category.ACTIVE
    return seeded


def _file_category(spellings: list[str], file_categories: dict[str, str] | None):
    """The category the file gives the first spelling of a status that it categorises."""
    for spelling in spellings:
        given = (file_categories or {}).get(spelling)
        if given:
            return category_from_file(spelling, given)
    return None


def suggest_workflow(
    statuses: list[str],
    *,
    counts: dict[str, int] | None = None,
    file_categories: dict[str, str] | None = None,
) -> Workflow:
    """A first workflow for the given raw statuses, for the user to edit.

    * One stage per distinct status, ignoring case and surrounding spaces; its
      ``statuses`` are every spelling seen (stripped, first-seen order). Its
      name is the first spelling seen or, when ``counts`` (raw status -> number
      of events) is given, the most frequent spelling (ties: first seen).
    * Stages keep the given order, except that stages suggested as done and
      then cancelled move to the end (each keeping its relative order), so the
      flow reads left to right.
    * Categories come from :func:`suggest_category`, seeded by the file's own
      status category where it has one (``file_categories``: raw status ->
      the category the tool exported, e.g. Jira's "To Do" / "In Progress" /
      "Done"; see :func:`category_from_file`); ``start`` is ``None``.
    * When no stage is active or waiting but some stage is done, the last
      backlog stage becomes active (e.g. GitHub's open -> closed: the work
      happens while open). Otherwise (every status is backlog, or done /
      cancelled only, or no statuses) :class:`WorkflowFileError` is raised.
    """
    spellings: dict[str, list[str]] = {}
    for raw in statuses:
        if raw is None or (isinstance(raw, float) and np.isnan(raw)):
            continue
        text = str(raw).strip()
        if not text:
            continue
        group = spellings.setdefault(normalise_status(text), [])
        if text not in group:
            group.append(text)
    if not spellings:
        raise WorkflowFileError("no statuses to suggest a workflow from")

    totals: dict[str, int] = {}
    for raw, n in (counts or {}).items():
        text = str(raw).strip()
        totals[text] = totals.get(text, 0) + int(n)

    drafts: list[tuple[str, tuple[str, ...], Category]] = []
    for group in spellings.values():
        name = max(group, key=lambda s: (totals.get(s, 0), -group.index(s))) if totals else group[0]
        seeded = _file_category(group, file_categories)
        drafts.append((name, tuple(group), seeded or suggest_category(name)))

    def rank(draft: tuple[str, tuple[str, ...], Category]) -> int:
        return {Category.DONE: 1, Category.CANCELLED: 2}.get(draft[2], 0)

    drafts.sort(key=rank)  # stable: relative order kept within each block
    categories = [d[2] for d in drafts]
    if not any(c in (Category.ACTIVE, Category.WAITING) for c in categories):
        backlog = [i for i, c in enumerate(categories) if c == Category.BACKLOG]
        if not backlog or Category.DONE not in categories:
            seen = ", ".join(d[0] for d in drafts[:6]) + (", ..." if len(drafts) > 6 else "")
            raise WorkflowFileError(
                "cannot suggest a workflow: none of the statuses looks like work in progress "
                f"({seen}); write a workflow file with at least one active or waiting stage"
            )
        i = backlog[-1]
        drafts[i] = (drafts[i][0], drafts[i][1], Category.ACTIVE)

    stages = tuple(Stage(name=n, statuses=s, category=c) for n, s, c in drafts)
    try:
        return Workflow(stages=stages)
    except ValidationError as error:  # e.g. two spellings whose stripped names clash
        raise WorkflowFileError(_pydantic_message(error)) from None


def order_statuses_by_flow(
    events: pd.DataFrame,
    *,
    item_codes: np.ndarray | None = None,
    status_codes: tuple[np.ndarray, Any] | None = None,
) -> list[str]:
    """A suggested flow order for the statuses of an event log.

    ``events`` has the columns ``item_id``, ``status``, ``entered_at`` and
    ``seq`` (``seq`` optional). Each item's events are ordered by
    ``(entered_at, seq)``; an event's normalised position is ``position /
    (n - 1)`` for an item with ``n`` events (0 = first, 1 = last). A status
    (case and surrounding spaces ignored) is ranked by the median, over the
    items that visit it, of the position of its first visit. Items with a
    single event carry no order and are ignored; statuses seen only in such
    items come last. Ties go by first appearance in time order. Every spelling
    of a status is returned, adjacent, in first-appearance order.

    ``item_codes`` (optional) gives an integer code per event standing for
    its item id (equal codes for equal ids, ``>= 0``), and ``status_codes``
    (optional) ``pd.factorize(events["status"])``, saving the hashing of
    the ids' and statuses' text when the caller has the codes already.
    """
    if events is None or len(events) == 0:
        return []
    spelling_code, spellings = _spellings(events["status"], status_codes)
    present = spelling_code >= 0
    if not present.any():
        return []
    every = bool(present.all())  # usually: then nothing is copied to drop blanks

    def kept(values: np.ndarray) -> np.ndarray:
        return values if every else values[present]

    spelling_code = kept(spelling_code)
    key_of_spelling, keys = pd.factorize(pd.Series(spellings, dtype="str").str.casefold())
    key = key_of_spelling[spelling_code]
    if item_codes is None:
        item_codes = pd.factorize(events["item_id"].astype("str"))[0]
    item = kept(np.asarray(item_codes))
    t = kept(sortable_micros(events["entered_at"]))  # missing times last
    seq = (
        kept(events["seq"].to_numpy(dtype=np.int64))
        if "seq" in events
        else np.flatnonzero(present).astype(np.int64)
    )

    # Each item's events in (t, seq) order; usually they already are, grouped by item.
    order = grouped_time_order(item, t, seq)
    item_s = item if order is None else item[order]
    key_s = key if order is None else key[order]
    n_events = len(item_s)
    heads = np.ones(n_events, dtype=bool)
    heads[1:] = item_s[1:] != item_s[:-1]
    head_index = np.maximum.accumulate(np.where(heads, np.arange(n_events), 0))

    # Each item's first visit of each status, at its normalised position in the item,
    # then the median over items per status.
    first_visit = _first_visits(item_s, key_s, len(keys))
    position = first_visit - head_index[first_visit]
    size = np.bincount(item_s)[item_s[first_visit]]
    median = _median_positions(position, size, key_s[first_visit], len(keys))

    # Rank by first appearance in time order, of each status and of each spelling (all occur).
    first_seen = np.argsort(first_appearance(key, len(keys), (t, seq)))
    spelling_seen = np.argsort(first_appearance(spelling_code, len(spellings), (t, seq)))

    ranking = pd.DataFrame(
        {"unranked": median.isna().to_numpy(), "median": median.to_numpy(), "first": first_seen}
    ).sort_values(["unranked", "median", "first"], kind="stable")
    rank_of_key = np.empty(len(keys), dtype=np.int64)
    rank_of_key[ranking.index.to_numpy()] = np.arange(len(keys))
    spelling_order = np.lexsort((spelling_seen, rank_of_key[key_of_spelling]))
    return [str(spellings[i]) for i in spelling_order]


def _spellings(statuses: pd.Series, codes=None) -> tuple[np.ndarray, pd.Index]:
    """(code per event of its stripped status, -1 when blank; the stripped spellings in
    first-appearance order).

    Only the few distinct raw statuses are converted and stripped. ``codes``
    is ``pd.factorize`` of ``statuses`` or of a longer column they were
    taken from (its distinct values may then include some that do not occur,
    and be in another order: the first appearances are found here).
    """
    raw_code, raw = pd.factorize(statuses) if codes is None else codes
    in_order = first_appearance(raw_code, len(raw))
    stripped = pd.Series(np.asarray(raw, dtype=object)[in_order], dtype=object)
    stripped = stripped.astype("str").str.strip()
    spelling_in_order, spellings = pd.factorize(stripped.where(stripped != ""))
    spelling_of_raw = np.full(len(raw) + 1, -1, dtype=np.int64)  # the last slot: missing
    spelling_of_raw[in_order] = spelling_in_order
    return spelling_of_raw[raw_code], spellings


def _median_positions(
    position: np.ndarray, size: np.ndarray, key: np.ndarray, n_keys: int
) -> pd.Series:
    """Per key ``0..n_keys-1``, the median of ``position / (size - 1)`` over the visits with
    ``size > 1`` (NaN for a key with none), as ``groupby(key).median()`` gives it.

    Positions and sizes are small counts, so the values are few distinct
    fractions: the visits are counted per (key, position, size) and each
    key's middle value(s) read off the sorted distinct values (the mean of
    the two middle ones for an even count, as pandas takes it). Falls back
    to ``groupby`` when items are long enough to make that table large.
    """
    norm_of = np.where(size > 1, position / np.maximum(size - 1, 1), np.nan)
    longest = int(size.max(initial=1))
    if n_keys * longest * longest > 4_000_000:
        median = pd.Series(norm_of).groupby(key).median()
        return median.reindex(range(n_keys))
    counts = np.bincount(
        (key.astype(np.int64) * longest + position) * longest + (size - 1),
        minlength=n_keys * longest * longest,
    ).reshape(n_keys, longest * longest)
    pairs = np.arange(longest * longest)
    p, d = pairs // longest, pairs % longest  # position, size - 1
    value = np.where(d > 0, p / np.maximum(d, 1), np.nan)  # the same division as above
    usable = (d > 0) & (p <= d)
    order = np.flatnonzero(usable)[np.argsort(value[usable], kind="stable")]
    medians = np.full(n_keys, np.nan)
    for k in range(n_keys):  # a few statuses, each a few hundred distinct values
        tally = counts[k, order]
        total = int(tally.sum())
        if not total:
            continue
        cumulative = np.cumsum(tally)
        upper = value[order[np.searchsorted(cumulative, total // 2, side="right")]]
        if total % 2:
            medians[k] = upper
        else:
            lower = value[order[np.searchsorted(cumulative, total // 2 - 1, side="right")]]
            medians[k] = (upper + lower) / 2
    return pd.Series(medians)


def _first_visits(item: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """The positions of each (item, key) pair's first event (in no particular order: they
    feed a per-status median)."""
    visit = item.astype(np.int64) * n_keys + key
    slots = (int(item.max()) + 1) * n_keys if len(item) else 0
    if slots > 4 * len(item) + 1024:  # many statuses: hash the pairs instead of a table
        return np.flatnonzero(~pd.Series(visit).duplicated().to_numpy())
    first = np.full(slots, len(item), dtype=np.int64)  # a table: one slot per pair
    np.minimum.at(first, visit, np.arange(len(item)))
    return first[first < len(item)]


def describe_points(workflow: Workflow) -> dict[str, Any]:
    """The commitment and finish points of ``workflow``, for display.

    ``{"commitment_stage": name, "done_stages": [names], "cancelled_stages": [names]}``
    with stages in workflow order.
    """
    return {
        "commitment_stage": workflow.commitment_stage,
        "done_stages": [s.name for s in workflow.stages if s.category == Category.DONE],
        "cancelled_stages": [s.name for s in workflow.stages if s.category == Category.CANCELLED],
    }


# --------------------------------------------------------------------------- editable table

#: Columns of the editable workflow table the Import page shows.
WORKFLOW_TABLE_COLUMNS = ("status", "events", "stage", "category", "adds_value", "order")


def workflow_table(workflow: Workflow, status_counts: dict[str, int]) -> pd.DataFrame:
    """One row per raw status: its event count, stage, the stage's category, whether the
    stage adds value (given or by default; empty for an unmapped status) and its position.

    Statuses the data holds but the workflow does not map get an empty stage
    (the user must assign them, or they are ignored as unmapped). Stage
    positions are 1-based so people can type them, and are floats, so that a
    typed 2.5 stays 2.5 (an integer column would truncate it to 2).
    """
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for status, count in status_counts.items():
        key = normalise_status(status)
        counts[key] = counts.get(key, 0) + int(count)
        spelling.setdefault(key, status)
    rows = []
    for position, stage in enumerate(workflow.stages):
        for status in workflow.statuses_of(stage):
            key = normalise_status(status)
            rows.append(_table_row(status, counts.pop(key, 0), stage, position))
    unmapped = sorted(counts.items(), key=lambda kv: -kv[1])
    rows += [_table_row(spelling[key], count, None, None) for key, count in unmapped]
    table = pd.DataFrame(rows, columns=list(WORKFLOW_TABLE_COLUMNS))
    return table.astype({"events": "int64", "adds_value": "boolean", "order": "float64"})


def _table_row(status: str, events: int, stage: Stage | None, position: int | None) -> dict:
    return {
        "status": status,
        "events": events,
        "stage": stage.name if stage else None,
        "category": stage.category.value if stage else None,
        "adds_value": stage.value_adding if stage else None,
        "order": float(position + 1) if position is not None else None,
    }


def workflow_from_table(
    table: pd.DataFrame, *, start: str | None = None, shown: pd.DataFrame | None = None
) -> Workflow:
    """Build a Workflow from an edited :func:`workflow_table`.

    Rows with a blank stage are left unmapped. A stage's category comes from
    its first row (by ``order``), and so does its "adds value" flag (the
    first row with one; none: the default, active stages add value). When
    ``shown`` (the table as it was shown, same rows in the same order) is
    given, a row whose category was changed but whose flag was not follows
    the new category's default, so changing Review from waiting to active
    makes it add value without a second edit, and a flag changed on any one
    row of a stage holds for the stage. Stages are ordered by their smallest
    ``order``, which may be fractional (2.5 sorts between 2 and 3); a blank
    order puts the stage last, ties keep the table's order. Raises
    :class:`WorkflowFileError` with a readable message when an order is not
    a number or the result is not a valid workflow.
    """
    table = _flags_following_category(table, shown)
    rows = table.dropna(subset=["stage"]).copy()
    rows["stage"] = rows["stage"].astype("str").str.strip()
    rows = rows[rows["stage"] != ""]
    if rows.empty:
        raise WorkflowFileError("assign at least one status to a stage")
    rows["order"] = _order_values(rows)
    stages = []
    for name, group in rows.sort_values("order", kind="stable").groupby("stage", sort=False):
        category = group["category"].dropna()
        if category.empty:
            raise WorkflowFileError(f"stage {name!r} needs a category ({_CATEGORY_NAMES})")
        flag = group["adds_value"].dropna() if "adds_value" in group else group["status"][:0]
        stages.append(
            {
                "name": name,
                "statuses": group["status"].tolist(),
                "category": category.iloc[0],
                "adds_value": bool(flag.iloc[0]) if len(flag) else None,
            }
        )
    try:
        return Workflow.model_validate({"stages": stages, "start": start or None})
    except ValidationError as error:
        raise WorkflowFileError("; ".join(_pydantic_message(error))) from error


def _flags_following_category(table: pd.DataFrame, shown: pd.DataFrame | None) -> pd.DataFrame:
    """``table`` with the flags the user meant, judged against the table as ``shown``.

    A row whose category changed but whose flag did not gets the default (empty); a flag
    the user changed on one row of a stage holds for the whole stage (every row shows the
    stage's flag, and the stage otherwise takes its first row's).
    """
    if shown is None or "adds_value" not in table or len(shown) != len(table):
        return table
    before = shown.reset_index(drop=True)
    after = table.reset_index(drop=True)
    category_changed = after["category"].astype("str") != before["category"].astype("str")
    flag_changed = after["adds_value"].astype("str") != before["adds_value"].astype("str")
    reset = (category_changed & ~flag_changed).to_numpy(dtype=bool)
    ticked = flag_changed.to_numpy(dtype=bool) & after["stage"].notna().to_numpy(dtype=bool)
    if not reset.any() and not ticked.any():
        return table
    out = table.copy()
    out["adds_value"] = out["adds_value"].astype("boolean")
    out.loc[out.index[reset], "adds_value"] = pd.NA
    if ticked.any():
        stage = after["stage"].astype("str").str.strip()
        chosen = after.loc[ticked, "adds_value"].groupby(stage[ticked], sort=False).first()
        follows = stage.isin(chosen.index).to_numpy(dtype=bool)
        out.loc[out.index[follows], "adds_value"] = stage[follows].map(chosen).to_numpy()
    return out


def _order_values(rows: pd.DataFrame) -> pd.Series:
    """The ``order`` column as floats (blank: last); a value that is no number is an error."""
    raw = rows["order"]
    text = raw.astype("string").str.strip()
    blank = raw.isna() | (text == "")
    values = pd.to_numeric(raw.where(~blank), errors="coerce").astype("float64")
    bad = ~blank & (values.isna() | ~np.isfinite(values.fillna(0.0)))
    if bad.any():
        status, value = rows.loc[bad, "status"].iloc[0], raw[bad].iloc[0]
        raise WorkflowFileError(f"the order of status {status!r} must be a number, not {value!r}")
    return values.fillna(float("inf"))


def move_stage(workflow: Workflow, stage: str, step: int) -> Workflow:
    """``workflow`` with ``stage`` moved ``step`` places (negative: earlier), within the ends.

    The commitment point stays on the stage it named (an implicit one is
    made explicit first, so moving a stage never moves it silently).
    """
    names = [s.casefold() for s in workflow.stage_names]
    if stage.casefold() not in names:
        raise WorkflowFileError(f"no stage named {stage!r}")
    stages = list(workflow.stages)
    old = names.index(stage.casefold())
    new = min(max(old + step, 0), len(stages) - 1)
    stages.insert(new, stages.pop(old))
    return Workflow(stages=tuple(stages), start=workflow.commitment_stage)


def same_workflow(first: Workflow, second: Workflow) -> bool:
    """Whether two workflows read every status the same way.

    Same stages in the same order, with the same names, categories, statuses
    (ignoring case, surrounding spaces and the order of a stage's statuses)
    and "adds value" flags (given or by default), and the same commitment
    stage (named or implied).
    """

    def shape(workflow: Workflow) -> tuple:
        stages = tuple(
            (
                stage.name,
                stage.category,
                frozenset(normalise_status(s) for s in workflow.statuses_of(stage)),
                stage.value_adding,
            )
            for stage in workflow.stages
        )
        return stages, workflow.commitment_index

    return shape(first) == shape(second)
