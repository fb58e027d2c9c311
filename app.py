"""Flowlab's entry point (``make run`` / ``streamlit run app.py``).

The pages live in ``pages/`` and each draws the shared frame through
``ui.shell.page_setup`` (see that module for why this is file-based rather
than ``st.navigation``). The entry point only sends visitors to Home.
"""

import streamlit as st

st.set_page_config(page_title="Flowlab", page_icon=":material/water:", layout="wide")
st.switch_page("pages/home.py")
