"""Each in-progress item's forecast finish, cached for the Flow metrics aging chart."""

from __future__ import annotations

import streamlit as st

from ui.state import Selection, load_version
from vsm_core import forecast
from vsm_core.filters import ItemFilter
from vsm_core.forecast import ForecastError, ForecastOptions
from vsm_core.store import database_url


def aging_forecasts(selection: Selection, *, mode: str = "elapsed", as_of=None):
    """The item forecasts (:class:`vsm_core.forecast.ItemForecasts`) for the aging chart of the
    Flow metrics page: ``aging_wip_chart(..., forecasts=result.table)`` and the items past
    the SLE, ``result.past_sle(sle)``. Default forecast options (12 weeks of history) with
    the selection's filters, cycle-time ``mode`` and ``as_of``; cached like the page's
    results. None without a dataset or when the history cannot give a forecast (the chart
    is then drawn without one)."""
    if selection.version_id is None:
        return None
    return _aging_forecasts(
        database_url(),
        (selection.version_id, selection.version_stamp),
        (selection.work_types, selection.teams, selection.attributes),
        mode,
        as_of,
    )


@st.cache_data(show_spinner="Forecasting each item…", max_entries=16)
def _aging_forecasts(url: str, version: tuple, filters: tuple, mode: str, as_of):
    types, teams, attributes = filters
    options = ForecastOptions(
        as_of=as_of,
        cycle_time_mode=mode,
        item_filter=ItemFilter(work_types=types, teams=teams, attributes=attributes),
    )
    try:
        return forecast.item_forecasts(load_version(url, *version), options=options)
    except ForecastError:
        return None
