"""JSON uploads: an array of records, a search page holding one, or an array of pages;
and JSON Lines (one object a line). Problems name the line (and column) of the text.
"""

from __future__ import annotations

import json
from typing import Any

from vsm_core.importers.errors import ImportFailed, ImportProblem, clip
from vsm_core.importers.table import Container

#: Keys under which search pages keep their records (Jira: issues, Azure DevOps: value).
PAGE_KEYS = ("issues", "value", "items", "workItems", "results", "records", "nodes")
#: The keys accepted when a JSON array holds several pages.
LIST_PAGE_KEYS = ("issues", "value", "items", "workItems")


def _load_json(text: str) -> Any:
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


def read_json_or_jsonl(text: str) -> tuple[Container, None, list[dict[str, Any]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            return "jsonl", None, read_jsonl(text)
        document = _load_json(text)  # raises with the position
    return "json", None, _records(document)


def read_json(text: str) -> list[dict[str, Any]]:
    return _records(_load_json(text))


def _records(document: Any) -> list[dict[str, Any]]:
    """The records of a JSON document: an array, a search page, or an array of pages."""
    if isinstance(document, list):
        pages = [
            _page_records(item, LIST_PAGE_KEYS) if isinstance(item, dict) else None
            for item in document
        ]
        if document and all(page is not None for page in pages):
            records = [record for page in pages for record in page or []]
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
    problems = [
        ImportProblem(
            value=clip(json.dumps(record)),
            message=f"record {number} is {_json_type(record)}, not an object",
        )
        for number, record in enumerate(records, start=1)
        if not isinstance(record, dict)
    ]
    if problems:
        raise ImportFailed(problems)
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
    records: list[dict[str, Any]] = []
    problems: list[ImportProblem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(
                ImportProblem(
                    row=number,
                    value=clip(line),
                    message=f"invalid JSON at column {error.colno}: {error.msg}",
                )
            )
            continue
        if isinstance(record, dict):
            records.append(record)
        else:
            problems.append(
                ImportProblem(
                    row=number,
                    value=clip(line),
                    message=f"the line is {_json_type(record)}, not an object",
                )
            )
    if problems:
        raise ImportFailed(problems)
    if not records:
        raise ImportFailed("the file is empty")
    return records


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
