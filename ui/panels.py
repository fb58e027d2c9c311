"""One chart on a page: the figure, its definition beside it, its data as CSV."""

from __future__ import annotations

import re

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
    left, right = st.columns([5, 1])
    left.caption(definition)
    if data is not None and len(data):
        right.download_button(
            "Data (CSV)",
            # Built only when clicked: a rerun must not serialise every chart's data.
            data=lambda frame=data: to_csv_bytes(frame),
            file_name=f"{_slug(key)}.csv",
            mime="text/csv",
            key=f"csv_{key}",
            icon=":material/download:",
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "data"
