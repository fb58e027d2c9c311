"""The frame every page shares: page config, navigation, dataset and filters.

Pages are discovered from ``pages/`` by Streamlit (file-based multipage app).
We tried ``st.navigation`` over the same folder first: a deep link as a fresh
server's first request then showed Streamlit's auto-generated navigation
without our sidebar, and reruns could execute a page without the router. So
each page calls :func:`page_setup` itself, and Streamlit's own navigation is
hidden (``client.showSidebarNavigation = false``) in favour of ours, which
keeps the pages in their intended order and labels.
"""

from __future__ import annotations

import streamlit as st

from ui.access_state import resolve_actor
from ui.auth import render_account, require_sign_in
from ui.guard import guarded
from ui.sidebar import render_sidebar
from ui.state import Selection, current_engine
from ui.url_state import link_params

#: (script path, label, icon) in navigation order.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/retrospective.py", "Retrospective", ":material/history:"),
    ("pages/import_data.py", "Import", ":material/upload_file:"),
    ("pages/flow_metrics.py", "Flow metrics", ":material/monitoring:"),
    ("pages/delivery.py", "Delivery", ":material/rocket_launch:"),
    ("pages/measures.py", "Measures", ":material/query_stats:"),
    ("pages/bottlenecks.py", "Bottlenecks", ":material/filter_alt:"),
    ("pages/forecast.py", "Forecast", ":material/timeline:"),
    ("pages/future_state.py", "Future state", ":material/alt_route:"),
    ("pages/experiments.py", "Experiments", ":material/science:"),
    ("pages/check_in.py", "Check-in", ":material/fact_check:"),
    ("pages/organisation.py", "Organisation", ":material/groups:"),
    ("pages/activity.py", "Activity", ":material/history_edu:"),
    ("pages/admin.py", "Admin", ":material/admin_panel_settings:"),
)


def page_setup(title: str) -> Selection:
    """Configure the page, admit only signed-in visitors, draw the sidebar; return its selection."""
    st.set_page_config(page_title=f"{title} · Flowlab", page_icon=":material/water:", layout="wide")
    require_sign_in()  # before the sidebar or any store access: signed out sees only sign-in
    with st.sidebar:
        st.markdown("### Flowlab")
        guarded(render_account)
        links = st.container()  # filled after the sidebar: the links carry its selection
        st.divider()
    selection = Selection(None)
    guarded(current_engine)  # migrate and seed once per server, before anything reads
    guarded(resolve_actor)  # once per run: every store call of the page uses this actor

    def draw() -> None:
        nonlocal selection
        selection = render_sidebar()

    guarded(draw)
    with links:
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon, query_params=link_params(st.session_state))
    return selection
