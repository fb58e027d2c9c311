"""The shared sidebar: dataset picker, date window and filters, mirrored in the address.

With file-based pages a widget belongs to the page that draws it, so its
value would reset on every page switch. Each value is therefore kept under a
permanent session key (``flowlab.<name>``) and copied into the widget before
it is drawn.

The selection also lives in the query string (:mod:`ui.url_state`), so a
copied address reproduces the view: a link's values are checked against the
stored data and copied into those permanent keys before the widgets are drawn
(an unknown or unreadable value falls back to its default with a short note),
and after the widgets are drawn their values are written back to the address.

The date window is two typed fields, From and To, with a calendar beside
them (see :func:`_window` for why).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from ui import url_state
from ui.plain import md
from ui.state import Selection, list_datasets, list_versions
from ui.url_state import UrlSelection, parse_day

_PERMANENT = "flowlab."

#: How a note names each query key, and what is shown instead of an unusable value.
_FALLBACK = {
    "dataset": ("dataset", "the most recently imported dataset is shown"),
    "version": ("version", "the latest version is shown"),
    "from": ("start date", "the window starts at the first day of the data"),
    "to": ("end date", "the window ends at the last day of the data"),
    "type": ("work type", "it is left out of the filter"),
    "team": ("team", "it is left out of the filter"),
    "attr": ("attribute", "no attribute filter is applied"),
    "value": ("attribute value", "it is left out of the filter"),
}


def _note_unreadable(notes: list[str], key: str) -> None:
    label, fallback = _FALLBACK[key]
    notes.append(f"The link's {label} could not be read, so {fallback}.")


def _note_unknown(notes: list[str], key: str, value: object) -> None:
    label, fallback = _FALLBACK[key]
    if key == "dataset":  # one you may not read looks the same as one that does not exist
        notes.append(f"The link's dataset “{md(value)}” was not found, so {fallback}.")
        return
    notes.append(f"The link's {label} “{md(value)}” is not in this data, so {fallback}.")


def _persisted(name: str, default: Any, is_valid: Callable[[Any], bool] = lambda _v: True) -> str:
    """Prepare widget key ``name`` with its remembered value (or ``default``)."""
    remembered = st.session_state.get(_PERMANENT + name, default)
    st.session_state[name] = remembered if is_valid(remembered) else default
    return name


def _remember(name: str) -> None:
    st.session_state[_PERMANENT + name] = st.session_state[name]


def _set(name: str, value: Any) -> None:
    """Make ``value`` the remembered value of widget key ``name`` (a link's value)."""
    st.session_state[_PERMANENT + name] = value


def remember_dataset(dataset_id: int) -> None:
    """Make ``dataset_id`` the sidebar's selection from the next run on (e.g. after an import)."""
    _set("dataset_id", dataset_id)


def render_sidebar() -> Selection:
    """Draw the dataset and filter widgets; return what they select.

    Reads the address's selection first when it should win (see
    :func:`ui.url_state.incoming`) and writes the drawn selection back to it.
    """
    link = url_state.incoming(st.query_params, st.session_state)
    wanted, unreadable = url_state.decode(link) if link is not None else (None, ())
    notes: list[str] = []
    for key in unreadable:
        _note_unreadable(notes, key)
    with st.sidebar:
        selection, shown = _draw(wanted, notes)
        for note in notes:
            st.caption(note)
    url_state.publish(url_state.encode(shown), st.query_params, st.session_state)
    return selection


def _draw(wanted: UrlSelection | None, notes: list[str]) -> tuple[Selection, UrlSelection]:
    """The widgets, with ``wanted`` (a link's selection, or None) applied first."""
    datasets = list_datasets()
    if not datasets:
        st.info("No dataset yet. Import one on the Import page.")
        if wanted is not None and wanted.dataset is not None:
            _note_unknown(notes, "dataset", wanted.dataset)
        return Selection(None), UrlSelection()
    by_id = {d.id: d for d in datasets}
    newest = max(datasets, key=lambda d: (d.imported_at is not None, d.imported_at, d.id))
    if wanted is not None:
        if wanted.dataset is not None and wanted.dataset not in by_id:
            _note_unknown(notes, "dataset", wanted.dataset)
        _set("dataset_id", wanted.dataset if wanted.dataset in by_id else newest.id)
    chosen_id = st.selectbox(
        "Dataset",
        options=list(by_id),
        format_func=lambda i: f"{by_id[i].name} (v{by_id[i].latest_version})",
        key=_persisted("dataset_id", newest.id, lambda v: v in by_id),
        on_change=_remember,
        args=("dataset_id",),
        help="Stored datasets; the most recently imported one is shown first.",
    )
    dataset = by_id[chosen_id]
    version, version_id, stamp, latest = _version_picker(dataset, wanted, notes)
    chosen = Selection(dataset, version=version, version_id=version_id, version_stamp=stamp)
    shown = UrlSelection(dataset=dataset.id, version=None if version == latest else version)
    facts = chosen.facts()
    if facts is None:
        return chosen, shown
    if wanted is not None:
        _apply_filters(wanted, facts, version_id, notes)
    window = _window(facts.first_day, facts.last_day, version_id, notes)
    types = list(facts.types)
    types_key = f"types_{version_id}"
    work_types = st.multiselect(
        "Work types",
        options=types,
        key=_persisted(types_key, [], lambda v: set(v) <= set(types)),
        on_change=_remember,
        args=(types_key,),
        placeholder="All work types",
    )
    teams, attribute, values = _more_filters(facts, version_id)
    selection = Selection(
        dataset,
        window,
        tuple(work_types),
        version,
        version_id,
        teams,
        ((attribute, values),) if attribute is not None and values else (),
        version_stamp=stamp,
    )
    shown = UrlSelection(
        dataset=dataset.id,
        version=shown.version,
        start=window[0] if window[0] != facts.first_day else None,
        end=window[1] if window[1] != facts.last_day else None,
        types=tuple(work_types),
        teams=teams,
        attribute=attribute,
        values=values,
    )
    return selection, shown


def _window(first: date, last: date, version_id: int, notes: list[str]) -> tuple[date, date]:
    """From and To as typed dates, plus a calendar; the window is both days inclusive.

    Typed fields rather than date pickers: a picker opens its calendar as soon
    as one types into it and applies the date only once the calendar closes,
    while a text field applies on Enter or Tab. The calendar (a range picker in
    a popover) writes into the two fields when both ends are picked.
    """
    from_key, to_key = f"from_{version_id}", f"to_{version_id}"
    left, right = st.columns(2)
    typed = []
    for column, label, key, bound in ((left, "From", from_key, first), (right, "To", to_key, last)):
        column.text_input(
            label,
            key=_persisted(key, bound.isoformat(), lambda v: isinstance(v, str)),
            on_change=_remember_day,
            args=(key, first, last),
            placeholder="YYYY-MM-DD",
            help=f"A date from {first:%Y-%m-%d} to {last:%Y-%m-%d} (year-month-day); applies on "
            "Enter or Tab. Completed-item metrics count items by the date they were done; both "
            "days are included.",
        )
        typed.append(_typed_day(st.session_state[key], label, bound, first, last, notes))
    start, end = typed
    if start > end:
        notes.append("From is after To, so the two dates are read the other way round.")
        start, end = end, start
    _calendar(start, end, first, last, version_id)
    return start, end


def _typed_day(text: str, label: str, bound: date, first: date, last: date, notes) -> date:
    """The day typed in field ``label``, or the data's ``bound`` (with a note) when unusable."""
    day = parse_day(text)
    if not text.strip():
        return bound
    if day is None:
        notes.append(
            f"{label} “{md(text)}” is not a date written year-month-day, so {label} is "
            f"{bound:%Y-%m-%d}."
        )
        return bound
    return min(max(day, first), last)


def _remember_day(key: str, first: date, last: date) -> None:
    """Remember a typed day, written the standard way and kept within the data's days."""
    text = st.session_state[key]
    day = parse_day(text)
    if day is not None:
        text = min(max(day, first), last).isoformat()
        st.session_state[key] = text
    st.session_state[_PERMANENT + key] = text


def _calendar(start: date, end: date, first: date, last: date, version_id: int) -> None:
    """A range picker in a popover; picking both ends fills From and To."""
    key = f"calendar_{version_id}"
    if len(st.session_state.get(key) or ()) != 1:  # not while the user is between two clicks
        st.session_state[key] = (start, end)
    with st.popover("Pick on a calendar", icon=":material/calendar_month:", width="stretch"):
        st.date_input(
            "Date window",
            min_value=first,
            max_value=last,
            key=key,
            on_change=_picked,
            args=(version_id,),
        )


def _picked(version_id: int) -> None:
    picked = st.session_state[f"calendar_{version_id}"]
    if len(picked or ()) == 2:
        for key, day in zip((f"from_{version_id}", f"to_{version_id}"), picked, strict=True):
            st.session_state[key] = st.session_state[_PERMANENT + key] = day.isoformat()


def _apply_filters(wanted: UrlSelection, facts, version_id: int, notes: list[str]) -> None:
    """Copy a link's window and filters into the remembered values, dropping unknown ones."""
    first, last = facts.first_day, facts.last_day
    start, end = first, last
    for key, day in (("from", wanted.start), ("to", wanted.end)):
        if day is None:
            continue
        if not first <= day <= last:
            _note_unknown(notes, key, day.isoformat())
        elif key == "from":
            start = day
        else:
            end = day
    if start > end:
        notes.append("The link's start date is after its end date, so the whole window is shown.")
        start, end = first, last
    _set(f"from_{version_id}", start.isoformat())
    _set(f"to_{version_id}", end.isoformat())
    _set(f"types_{version_id}", _known(wanted.types, facts.types, "type", notes))
    _set(f"teams_{version_id}", _known(wanted.teams, facts.teams, "team", notes))
    attribute, values = wanted.attribute, []
    if attribute is not None and attribute not in facts.attributes:
        _note_unknown(notes, "attr", attribute)
        attribute = None
    if attribute is not None:
        values = _known(wanted.values, facts.attributes[attribute], "value", notes)
    _set(f"attr_{version_id}", attribute)
    _set(f"attr_values_{version_id}", values)


def _known(values, offered, key: str, notes: list[str]) -> list[str]:
    """The ``values`` that are among ``offered``; a note names each one that is not."""
    offered = set(offered)
    for value in values:
        if value not in offered:
            _note_unknown(notes, key, value)
    return [v for v in values if v in offered]


def _more_filters(facts, version_id) -> tuple[tuple[str, ...], str | None, tuple[str, ...]]:
    """Teams, and one attribute with its values, folded away: most retrospectives need neither.

    Returns (teams, attribute name or None, its chosen values).
    """
    teams_present = list(facts.teams)
    options = facts.attributes
    if not teams_present and not options:
        return (), None, ()
    with st.expander("More filters"):
        teams = ()
        if teams_present:
            key = f"teams_{version_id}"
            teams = st.multiselect(
                "Teams",
                teams_present,
                placeholder="All teams",
                key=_persisted(key, [], lambda v: set(v) <= set(teams_present)),
                on_change=_remember,
                args=(key,),
            )
        if not options:
            return tuple(teams), None, ()
        name_key, values_key = f"attr_{version_id}", f"attr_values_{version_id}"
        names = [None, *options]
        name = st.selectbox(
            "Attribute",
            names,
            format_func=lambda n: "No attribute filter" if n is None else n,
            key=_persisted(name_key, None, lambda v: v in names),
            on_change=_remember,
            args=(name_key,),
        )
        if name is None:
            return tuple(teams), None, ()
        values = st.multiselect(
            f"{md(name)} is",
            options[name],
            placeholder="Any value",
            key=_persisted(values_key, [], lambda v: set(v) <= set(options[name])),
            on_change=_remember,
            args=(values_key,),
        )
    return tuple(teams), name, tuple(values)


def _version_picker(
    dataset, wanted: UrlSelection | None, notes: list[str]
) -> tuple[int | None, int | None, str | None, int | None]:
    """(number, id, stamp) of the latest version, or of an older one the user picks; then
    the latest version's number.

    The picker is shown only when there are several versions.
    """
    versions = list_versions(dataset.id)
    if not versions:
        return None, None, None, None
    newest = next(iter(versions))
    key = f"version_{dataset.id}"
    if wanted is not None:
        if wanted.version is not None and wanted.version not in versions:
            _note_unknown(notes, "version", wanted.version)
        _set(key, wanted.version if wanted.version in versions else newest)
    if len(versions) == 1:
        return newest, *versions[newest], newest
    number = st.selectbox(
        "Version",
        options=list(versions),
        format_func=lambda n: f"v{n} (latest)" if n == newest else f"v{n}",
        key=_persisted(key, newest, lambda v: v in versions),
        on_change=_remember,
        args=(key,),
        help="Each re-import is a new version; older ones stay readable until deleted.",
    )
    return number, *versions[number], newest
