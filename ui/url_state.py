"""The sidebar's selection in the address bar, so a copied address shares the view.

The shared scheme (every page uses the same names; repeated keys for lists)::

    ?dataset=<id>&version=<n>&from=YYYY-MM-DD&to=YYYY-MM-DD
     &type=<work type>&type=…&team=<team>&attr=<attribute>&value=<v>&value=…&view=<view>

An absent key is the default: the latest version, the whole date window, no
filter, the page's first view. ``view`` belongs to the page that shows views
(Flow metrics binds its tabs to it); this module handles the other keys.

:func:`encode` and :func:`decode` are pure (no Streamlit) so they can be tested
directly: ``decode(encode(s)) == (s, ())`` for every :class:`UrlSelection`.
Checking a decoded value against the stored data (does the dataset exist, is
the date inside its events) is the sidebar's job; :func:`decode` only reads
the syntax and names the keys it could not read.

Which side wins, the address or the widgets (:func:`incoming`, :func:`publish`):
the address, when it holds selection keys that differ from what this session
last wrote (a shared link opened, the address edited, the browser's back
button); otherwise the widgets, whose values are written back to the address
after each run. A page switch that drops the query string keeps the session's
selection, and the navigation links carry it (:func:`link_params`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

#: The selection's keys, in the order they are written.
KEYS: tuple[str, ...] = ("dataset", "version", "from", "to", "type", "team", "attr", "value")
#: The open view of a page (Flow metrics' tabs); not part of the sidebar's selection.
VIEW_KEY = "view"

#: Session key holding the query parameters this session last wrote (``dict[str, list[str]]``).
_WRITTEN = "flowlab.url"

Params = dict[str, list[str]]


@dataclass(frozen=True)
class UrlSelection:
    """The sidebar's selection as the address holds it; None or () means the default.

    ``dataset`` is a dataset id; ``version`` a version *number* (1, 2, …), not
    its id; ``start``/``end`` the window's first and last day (inclusive);
    ``attribute`` one attribute name with the ``values`` it is filtered to.
    """

    dataset: int | None = None
    version: int | None = None
    start: date | None = None
    end: date | None = None
    types: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    attribute: str | None = None
    values: tuple[str, ...] = ()


def encode(selection: UrlSelection) -> Params:
    """Query parameters for ``selection``: key -> its values, defaults left out.

    Input: a :class:`UrlSelection`. Output: a dict in :data:`KEYS` order whose
    values are non-empty lists of strings (dates as ISO 8601 ``YYYY-MM-DD``).
    """
    params: Params = {}
    singles = {
        "dataset": selection.dataset,
        "version": selection.version,
        "from": selection.start,
        "to": selection.end,
    }
    for key, value in singles.items():
        if value is not None:
            params[key] = [value.isoformat() if isinstance(value, date) else str(value)]
    if selection.types:
        params["type"] = list(selection.types)
    if selection.teams:
        params["team"] = list(selection.teams)
    if selection.attribute is not None:
        params["attr"] = [selection.attribute]
        if selection.values:
            params["value"] = list(selection.values)
    return params


def decode(params: Mapping[str, str | list[str]]) -> tuple[UrlSelection, tuple[str, ...]]:
    """The selection a query string names, and the keys whose value could not be read.

    Input: key -> value or list of values (as ``st.query_params`` or
    ``urllib.parse.parse_qs`` give them); keys other than :data:`KEYS` are
    ignored. A key that cannot be read (``dataset=abc``, ``from=2026-13-01``,
    ``value`` without ``attr``) is left at its default and named in the
    second item; empty values and repeated list entries are dropped.
    """
    bad: list[str] = []

    def values(key: str) -> list[str]:
        raw = params.get(key, [])
        raw = [raw] if isinstance(raw, str) else list(raw)
        return list(dict.fromkeys(v for v in raw if v != ""))

    def single(key: str, parse):
        found = values(key)
        if not found:
            return None
        try:
            value = parse(found[-1])
        except ValueError:
            bad.append(key)
            return None
        if len(found) > 1 or (isinstance(value, int) and value < 1):
            bad.append(key)
            return None
        return value

    dataset, version = single("dataset", _whole_number), single("version", _whole_number)
    start, end = single("from", date.fromisoformat), single("to", date.fromisoformat)
    attribute = single("attr", str)
    chosen = tuple(values("value"))
    if chosen and attribute is None:
        bad.append("value")
        chosen = ()
    selection = UrlSelection(
        dataset=dataset,
        version=version,
        start=start,
        end=end,
        types=tuple(values("type")),
        teams=tuple(values("team")),
        attribute=attribute,
        values=chosen,
    )
    return selection, tuple(bad)


_DAY = re.compile(r"\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*")


def parse_day(text: str) -> date | None:
    """The day ``text`` writes year first (``2026-05-01``, ``2026/5/1``, ``2026.05.01``), or None.

    Input: what a user typed. Output: the date, or None when it is not a real
    day written that way (``2026-02-30``, ``01/05/2026``, ``May 1``).
    """
    found = _DAY.fullmatch(text) if text.isascii() else None
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def _whole_number(text: str) -> int:
    """``int(text)`` for plain digits only (no sign, spaces or underscores)."""
    if not text.isascii() or not text.isdigit():
        raise ValueError(text)
    return int(text)


def selection_params(query_params) -> Params:
    """The selection keys present in ``query_params`` (``st.query_params`` or alike)."""
    return {key: query_params.get_all(key) for key in KEYS if query_params.get_all(key)}


def incoming(query_params, session_state) -> Params | None:
    """The address's selection keys when they should win over the widgets, else None.

    They win when present and different from what this session last wrote
    (see the module docstring). ``query_params`` offers ``get_all(key)``;
    ``session_state`` is a mapping (``st.session_state``).
    """
    present = selection_params(query_params)
    if not present or present == session_state.get(_WRITTEN):
        return None
    return present


def publish(params: Params, query_params, session_state) -> None:
    """Write ``params`` to the address (only the selection keys that changed); remember them.

    Other keys (``view``, which the page's tabs own) are left alone.
    """
    for key in KEYS:
        wanted = params.get(key, [])
        if query_params.get_all(key) == wanted:
            continue
        if wanted:
            query_params[key] = wanted
        else:
            del query_params[key]
    session_state[_WRITTEN] = {key: list(v) for key, v in params.items()}


def link_params(session_state, view: str | None = None) -> Params:
    """The query parameters a link to another page carries: the selection last written,
    plus the ``view`` to open there when given (e.g. ``view="Aging"`` for Flow metrics).

    For ``st.page_link(page, query_params=link_params(st.session_state, view=...))``.
    """
    params = {key: list(values) for key, values in (session_state.get(_WRITTEN) or {}).items()}
    if view is not None:
        params[VIEW_KEY] = [view]
    return params
