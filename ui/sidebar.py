"""The shared sidebar: dataset picker, date window and work-type filter.

With file-based pages a widget belongs to the page that draws it, so its
value would reset on every page switch. Each value is therefore kept under a
permanent session key (``flowlab.<name>``) and copied into the widget before
it is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.plain import md
from ui.state import Selection, list_datasets, list_versions

_PERMANENT = "flowlab."


def _persisted(name: str, default: Any, is_valid: Callable[[Any], bool] = lambda _v: True) -> str:
    """Prepare widget key ``name`` with its remembered value (or ``default``)."""
    remembered = st.session_state.get(_PERMANENT + name, default)
    st.session_state[name] = remembered if is_valid(remembered) else default
    return name


def _remember(name: str) -> None:
    st.session_state[_PERMANENT + name] = st.session_state[name]


def remember_dataset(dataset_id: int) -> None:
    """Make ``dataset_id`` the sidebar's selection from the next run on (e.g. after an import)."""
    st.session_state[_PERMANENT + "dataset_id"] = dataset_id


def render_sidebar() -> Selection:
    """Draw the dataset and filter widgets; return what they select."""
    with st.sidebar:
        datasets = list_datasets()
        if not datasets:
            st.info("No dataset yet — import one on the Import page.")
            return Selection(None)
        by_id = {d.id: d for d in datasets}
        newest = max(datasets, key=lambda d: (d.imported_at is not None, d.imported_at, d.id))
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
        version, version_id, stamp = _version_picker(dataset)
        chosen = Selection(dataset, version=version, version_id=version_id, version_stamp=stamp)
        facts = chosen.facts()
        if facts is None:
            return chosen
        first, last = facts.first_day, facts.last_day
        window_key = f"window_{version_id}"
        window = st.date_input(
            "Date window",
            min_value=first,
            max_value=last,
            key=_persisted(window_key, (first, last), lambda v: _window_within(v, first, last)),
            on_change=_remember,
            args=(window_key,),
            help="Completed-item metrics count items by the date they were done.",
        )
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
        teams, attributes = _more_filters(facts, version_id)
    return Selection(
        dataset,
        _as_window(window),
        tuple(work_types),
        version,
        version_id,
        teams,
        attributes,
        version_stamp=stamp,
    )


def _more_filters(facts, version_id) -> tuple[tuple[str, ...], tuple]:
    """Team and one attribute filter, folded away: most retrospectives need neither."""
    teams_present = list(facts.teams)
    options = facts.attributes
    if not teams_present and not options:
        return (), ()
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
            return tuple(teams), ()
        name_key, values_key = f"attr_{version_id}", f"attr_values_{version_id}"
        names = ["(none)", *options]
        name = st.selectbox(
            "Attribute",
            names,
            key=_persisted(name_key, "(none)", lambda v: v in names),
            on_change=_remember,
            args=(name_key,),
        )
        if name == "(none)":
            return tuple(teams), ()
        values = st.multiselect(
            f"{md(name)} is",
            options[name],
            placeholder="Any value",
            key=_persisted(values_key, [], lambda v: set(v) <= set(options[name])),
            on_change=_remember,
            args=(values_key,),
        )
    return tuple(teams), (((name, tuple(values)),) if values else ())


def _version_picker(dataset) -> tuple[int | None, int | None, str | None]:
    """(number, id, stamp) of the latest version, or of an older one the user picks.

    The picker is shown only when there are several versions.
    """
    versions = list_versions(dataset.id)
    if not versions:
        return None, None, None
    if len(versions) == 1:
        [(number, (version_id, stamp))] = versions.items()
        return number, version_id, stamp
    newest = next(iter(versions))
    key = f"version_{dataset.id}"
    number = st.selectbox(
        "Version",
        options=list(versions),
        format_func=lambda n: f"v{n} (latest)" if n == newest else f"v{n}",
        key=_persisted(key, newest, lambda v: v in versions),
        on_change=_remember,
        args=(key,),
        help="Each re-import is a new version; older ones stay readable until deleted.",
    )
    return (number, *versions[number])


def _window_within(value, first, last) -> bool:
    """A full range, or just its start while the user is still picking the end."""
    if not isinstance(value, (tuple, list)) or len(value) not in (1, 2):
        return False
    return first <= value[0] <= value[-1] <= last


def _as_window(value):
    """date_input returns a 1-tuple while the user is still picking the end date."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (value[0], value[1])
    return None
