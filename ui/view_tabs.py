"""A page's views as tabs whose open one lives in the address (``?view=Aging``).

Flow metrics and Bottlenecks share this: ``st.tabs`` bound to the query
parameter :data:`ui.url_state.VIEW_KEY`, rerunning on a switch so only the
open view is built (``tab.open``), and the page's last view remembered for
the session, so leaving the page and coming back reopens it. A link that
names a view wins over the remembered one; a name the page does not have
opens its first view (Streamlit drops it from the address).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.url_state import VIEW_KEY


def open_view(names: Sequence[str], *, page: str):
    """Draw the tabs ``names`` and return ``(name, tab)`` of the open one.

    ``page``: a short name of the page (``"flow"``), which keys the view it
    remembers. Draw the view's content inside ``with tab:``; nothing else needs
    drawing (the other tabs are empty until opened, which reruns the page).
    """
    remembered_key = f"flowlab.view.{page}"
    remembered = st.session_state.get(remembered_key)
    if (
        remembered in names
        and VIEW_KEY not in st.query_params
        and st.session_state.get(VIEW_KEY) not in names
    ):
        # Back on the page without a view in the link: reopen the one last seen here (the
        # key may still hold another page's view, which is not one of these names).
        st.session_state[VIEW_KEY] = remembered
    tabs = st.tabs(list(names), key=VIEW_KEY, bind="query-params", on_change="rerun")
    for name, tab in zip(names, tabs, strict=True):
        if tab.open:
            st.session_state[remembered_key] = name
            return name, tab
    return names[0], tabs[0]  # not reached: one tab is always open
