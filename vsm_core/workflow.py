"""The workflow file: a documented, user-editable TOML contract, and whole-workflow helpers.

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
:func:`describe_points` names a workflow's commitment and finish points,
:func:`move_stage` moves a stage and :func:`same_workflow` compares two.

Drafting a workflow from an import's statuses is in :mod:`vsm_core.workflow_suggest`;
the editable table of the Import page in :mod:`vsm_core.workflow_table`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from vsm_core.model import Category, Stage, Workflow, normalise_status

__all__ = [
    "CATEGORY_HELP",
    "WorkflowFileError",
    "describe_points",
    "load_workflow_file",
    "move_stage",
    "parse_workflow_toml",
    "same_workflow",
    "validation_messages",
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


def validation_messages(error: ValidationError) -> list[str]:
    """Readable messages from a pydantic error (prefixes such as "Value error, " dropped).

    Shared with :mod:`vsm_core.workflow_suggest` and :mod:`vsm_core.workflow_table`, which
    build a :class:`Workflow` too and report its refusal as a :class:`WorkflowFileError`.
    """
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
        return None, [f"{label}: {msg}" for msg in validation_messages(error)]
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
        messages = validation_messages(error)
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


# --------------------------------------------------------------------------- whole workflow


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
