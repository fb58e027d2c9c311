"""JSON uploads: an array of records, a search page holding one, or an array of pages;
and JSON Lines (one object a line). Problems name the line (and column) of the text.

Before ``json.loads`` sees the text, two things are refused: nesting deeper
than :data:`~.json_depth.MAX_JSON_DEPTH` arrays and objects
(:mod:`.json_depth`), so nothing in Flowlab ever walks a deeper document;
and, in text over :data:`DENSE_FROM_CHARS`, arrays and objects averaging
fewer than :data:`MIN_CONTAINER_CHARS` characters (``[{},{},…]``): Python
holds an empty object in 64 bytes, so such text would take 20 to 25 times
its size in memory. Problems are kept up to
:data:`~vsm_core.importers.errors.MAX_PROBLEMS` and counted beyond.
"""

from __future__ import annotations

import io
import itertools
import json
from typing import Any

from vsm_core.importers.containers.json_depth import MAX_JSON_DEPTH, line_too_deep
from vsm_core.importers.errors import MAX_PROBLEMS, ImportFailed, ImportProblem, clip
from vsm_core.importers.options import MIB
from vsm_core.importers.table import Container

#: Keys under which search pages keep their records (Jira: issues, Azure DevOps: value).
PAGE_KEYS = ("issues", "value", "items", "workItems", "results", "records", "nodes")
#: The keys accepted when a JSON array holds several pages.
LIST_PAGE_KEYS = ("issues", "value", "items", "workItems")
#: JSON text longer than this is refused when its arrays and objects average fewer
#: than MIN_CONTAINER_CHARS characters each (exports' records are far longer).
DENSE_FROM_CHARS = 16 * MIB
MIN_CONTAINER_CHARS = 16


def refuse_dense(text: str) -> None:
    """Raise :class:`ImportFailed` for long text made of tiny arrays and objects (see the
    module docstring); two ``str.count`` calls."""
    if len(text) <= DENSE_FROM_CHARS:
        return
    containers = text.count("{") + text.count("[")
    if containers * MIN_CONTAINER_CHARS > len(text):
        raise ImportFailed(
            f"the JSON holds {containers:,} arrays and objects in {len(text):,} characters "
            f"({len(text) / containers:.1f} each on average); exports hold fewer, larger "
            "records — such text would take many times its size in memory, so it is not read"
        )


def too_deep(line: int | None, what: str = "the JSON") -> ImportProblem:
    """The problem for JSON nested deeper than :data:`MAX_JSON_DEPTH`, first at ``line``
    (None: not known)."""
    return ImportProblem(
        row=line,
        message=(
            f"{what} is nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects; "
            "exports nest far less — is it an export of work items?"
        ),
    )


def _load_json(text: str) -> Any:
    refuse_dense(text)
    deep = line_too_deep(text)
    if deep is not None:
        raise ImportFailed(too_deep(deep))
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        hint = " — is it JSON Lines? name it .jsonl" if error.msg == "Extra data" else ""
        raise ImportFailed(
            ImportProblem(
                row=error.lineno,
                message=(
                    f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}{hint}"
                ),
            )
        ) from None
    except RecursionError:  # not expected after the depth check: refused all the same
        raise ImportFailed(too_deep(None)) from None


def read_json_or_jsonl(text: str) -> tuple[Container, None, list[dict[str, Any]]]:
    """A text starting with ``{``: one JSON document, or JSON Lines when what follows the
    first object is more text (or when only its lines, each on its own, nest shallowly
    enough to be read)."""
    refuse_dense(text)
    if line_too_deep(text) is not None:
        return "jsonl", None, read_jsonl(text)  # each line is checked on its own
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            return "jsonl", None, read_jsonl(text)
        document = _load_json(text)  # raises with the position
    except RecursionError:
        raise ImportFailed(too_deep(None)) from None
    return "json", None, _records(document)


def read_json(text: str) -> list[dict[str, Any]]:
    return _records(_load_json(text))


def _records(document: Any) -> list[dict[str, Any]]:
    """The records of a JSON document: an array, a search page, or an array of pages."""
    if isinstance(document, list):
        is_pages = bool(document) and all(
            isinstance(item, dict) and _page_records(item, LIST_PAGE_KEYS) is not None
            for item in document
        )
        if is_pages:
            records = [
                record for page in document for record in _page_records(page, LIST_PAGE_KEYS)
            ]
        else:
            records = document
    elif isinstance(document, dict):
        found = _page_records(document, PAGE_KEYS) or _sole_list(document)
        if found is None:
            keys = ", ".join(repr(key) for key in LIST_PAGE_KEYS)
            raise ImportFailed(
                "the JSON object holds no list of records (expected an array of objects, "
                f"or an object with one under {keys})"
            )
        records = found
    else:
        raise ImportFailed(f"the JSON is {_json_type(document)}, not an array of objects")
    not_objects = sum(1 for record in records if not isinstance(record, dict))
    if not_objects:
        listed = itertools.islice(
            (
                ImportProblem(
                    value=clip(json.dumps(record)),
                    message=f"record {number} is {_json_type(record)}, not an object",
                )
                for number, record in enumerate(records, start=1)
                if not isinstance(record, dict)
            ),
            MAX_PROBLEMS,
        )
        raise ImportFailed(list(listed), total=not_objects)
    if not records:
        raise ImportFailed("the JSON holds no records")
    return records


def _page_records(page: dict[str, Any], keys: tuple[str, ...]) -> list[Any] | None:
    for key in keys:
        value = page.get(key)
        if isinstance(value, list):
            return value
    return None


def _sole_list(page: dict[str, Any]) -> list[Any] | None:
    """The one list of objects in an object whose other values are plain (paging) values."""
    lists = [value for value in page.values() if isinstance(value, list)]
    if len(lists) != 1 or not lists[0] or not all(isinstance(item, dict) for item in lists[0]):
        return None
    if any(isinstance(value, dict) for value in page.values()):
        return None
    return lists[0]


def read_jsonl(text: str) -> list[dict[str, Any]]:
    """The objects of JSON Lines text, one per non-blank line.

    Lines are read one at a time (never all split at once). Every line that
    is not a JSON object is a problem; past :data:`MAX_PROBLEMS` problems the
    others are only counted, and a line that cannot be an object (it does not
    start with ``{`` and end with ``}``) is counted without being parsed.
    """
    refuse_dense(text)
    records: list[dict[str, Any]] = []
    problems: list[ImportProblem] = []
    found = 0
    for number, line in enumerate(io.StringIO(text, newline="\n"), start=1):
        line = line.strip()
        if not line:
            continue
        if found >= MAX_PROBLEMS:  # the import fails: only count what else is wrong
            if not (line[0] == "{" and line[-1] == "}") or _read_line(number, line)[1]:
                found += 1
            continue
        record, problem = _read_line(number, line)
        if problem is None:
            records.append(record)
        else:
            found += 1
            problems.append(problem)
    if problems:
        raise ImportFailed(problems, total=found)
    if not records:
        raise ImportFailed("the file is empty")
    return records


def _read_line(number: int, line: str) -> tuple[Any, ImportProblem | None]:
    """(the object of one JSON Lines line, None), or (None, what is wrong with it)."""
    if line.count("[") + line.count("{") > MAX_JSON_DEPTH and line_too_deep(line) is not None:
        return None, too_deep(number, "the line")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return None, ImportProblem(
            row=number,
            value=clip(line),
            message=f"invalid JSON at column {error.colno}: {error.msg}",
        )
    except RecursionError:
        return None, too_deep(number, "the line")
    if not isinstance(record, dict):
        return None, ImportProblem(
            row=number,
            value=clip(line),
            message=f"the line is {_json_type(record)}, not an object",
        )
    return record, None


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"
