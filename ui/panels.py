"""One chart on a page: the figure, its definition beside it, its data as CSV.

Built figures are cached (:func:`cached_figure`) under the key of the cached
view they were drawn from plus the chart's own inputs, so a rerun that
changes nothing a chart depends on does not build it again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from vsm_core.charts.common import plotly_config
from vsm_core.export import to_csv_bytes


def chart_panel(
    figure: go.Figure, *, key: str, definition: str, data: pd.DataFrame | None = None
) -> None:
    """Draw ``figure`` (PNG export in its toolbar), its definition, and a CSV download."""
    st.plotly_chart(figure, key=key, config=plotly_config(figure))
    # One row sized by content, not fixed-ratio columns: in a half-width chart a sixth of
    # the row cut the button's label to "D…"; here the definition gives way instead.
    row = st.container(
        horizontal=True, horizontal_alignment="right", vertical_alignment="top", gap="small"
    )
    row.caption(definition, width="stretch")
    if data is not None and len(data):
        row.download_button(
            "Data (CSV)",
            # Built only when clicked: a rerun must not serialise every chart's data.
            data=lambda frame=data: to_csv_bytes(frame),
            file_name=f"{_slug(key)}.csv",
            mime="text/csv",
            key=f"csv_{key}",
            icon=":material/download:",
            width="content",
        )


@st.cache_resource(max_entries=64, show_spinner=False)
def _figure(key: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def cached_figure(key: tuple, build: Callable[[], go.Figure]) -> go.Figure:
    """``build()``, cached under ``key`` for the server's lifetime (at most 64 figures).

    ``key`` must hold everything the figure depends on: the cache key of the
    view its tables come from (database, version id and stamp, window,
    filters, options — so two teams' data never share an entry) plus the
    chart's name and its other inputs. A resource cache, not ``cache_data``:
    a plotly figure re-validates every value when unpickled, which would cost
    as much as building it. Sessions share the figure; nothing draws into it
    after it is built (``st.plotly_chart`` serialises a copy).
    """
    return _figure(key, build)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "data"
