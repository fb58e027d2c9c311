"""Cached metric views for the pages, keyed on database, dataset version and options.

Keys hold only plain values (the version id and its stamp, dates, filter
values, strings), never a dataset name, so two teams' data never share an
entry and a re-import (a new version id) is a new key. :func:`flow_view_key`
is that key for the Flow metrics view; the page keys its cached figures on it
too (see :mod:`ui.panels`).

The views are kept as objects (``st.cache_resource``), not pickled
(``st.cache_data``): a rerun on a cached view then costs nothing, where
unpickling the Flow metrics view took about 0.2 s of every rerun at 100,000
items (docs/benchmarks.md, *Speed as a person feels it*). Sessions share the
objects, so nothing may change a view's tables in place: builders and pages
derive new frames from them (pandas copy-on-write makes every derived frame
its own).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from ui.state import Selection, load_version
from vsm_core.filters import ItemFilter
from vsm_core.metrics.scope import MetricOptions, build_scope
from vsm_core.metrics.views import BottleneckView, FlowView, bottleneck_view, flow_view
from vsm_core.store import database_url
from vsm_core.summary import HomeSummary, home_summary


def _options(window, filters: tuple, mode: str, as_of) -> MetricOptions:
    types, teams, attributes = filters
    return MetricOptions(
        window=window,
        item_filter=ItemFilter(work_types=types, teams=teams, attributes=attributes),
        as_of=as_of,
        cycle_time_mode=mode,
    )


def _filters(selection: Selection) -> tuple:
    """The selection's filters as plain hashable values (part of the cache key)."""
    return (selection.work_types, selection.teams, selection.attributes)


@st.cache_resource(show_spinner="Computing flow metrics…", max_entries=16)
def _flow_view(
    url: str, version_id: int, stamp, window, filters: tuple, mode: str, as_of, freq: str
):
    dataset = load_version(url, version_id, stamp)
    return flow_view(build_scope(dataset, _options(window, filters, mode, as_of)), freq=freq)


@st.cache_resource(show_spinner="Finding where work waits…", max_entries=16)
def _bottleneck_view(url: str, version_id: int, stamp, window, filters: tuple, mode: str, as_of):
    dataset = load_version(url, version_id, stamp)
    return bottleneck_view(build_scope(dataset, _options(window, filters, mode, as_of)))


def flow_view_key(selection: Selection, *, mode: str, as_of: str | date | None, freq: str) -> tuple:
    """The cache key of the Flow metrics view: database, version, stamp, window, filters,
    cycle-time mode, as-of and period."""
    return (*bottleneck_view_key(selection, mode=mode, as_of=as_of), freq)


def get_flow_view(
    selection: Selection, *, mode: str, as_of: str | date | None, freq: str
) -> FlowView:
    return _flow_view(*flow_view_key(selection, mode=mode, as_of=as_of, freq=freq))


def bottleneck_view_key(
    selection: Selection, *, mode: str = "elapsed", as_of: str | date | None = None
) -> tuple:
    """The cache key of the Bottlenecks view (as :func:`flow_view_key`, without the period)."""
    return (
        database_url(),
        selection.version_id,
        selection.version_stamp,
        selection.window,
        _filters(selection),
        mode,
        as_of,
    )


def get_bottleneck_view(
    selection: Selection, *, mode: str = "elapsed", as_of: str | date | None = None
) -> BottleneckView:
    return _bottleneck_view(*bottleneck_view_key(selection, mode=mode, as_of=as_of))


@st.cache_resource(show_spinner="Summarising…", max_entries=16)
def _home_summary(url: str, version_id: int, stamp, window, filters: tuple) -> HomeSummary:
    types, teams, attributes = filters
    return home_summary(
        load_version(url, version_id, stamp),
        item_filter=ItemFilter(work_types=types, teams=teams, attributes=attributes),
        window=window,
    )


def get_home_summary(selection: Selection) -> HomeSummary | None:
    """The Home headline of the selection (None without a dataset), cached like the views."""
    if selection.version_id is None:
        return None
    return _home_summary(
        database_url(),
        selection.version_id,
        selection.version_stamp,
        selection.window,
        _filters(selection),
    )


def change_markers(selection: Selection) -> tuple[tuple[date, str], ...]:
    """(change date, label) of the dataset's experiments, for every time chart."""
    from sqlmodel import Session

    from ui.access_state import current_actor
    from ui.state import current_engine
    from vsm_core.experiments import records

    if selection.dataset is None:
        return ()
    with Session(current_engine()) as session:
        experiments = records.list_experiments(
            session, dataset_id=selection.dataset.id, actor=current_actor()
        )
    return tuple((e.change_date, f"#{e.id} {e.title}") for e in experiments)
