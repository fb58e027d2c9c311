"""Home: the selected dataset's headline numbers, so the first screen tells a story."""

import streamlit as st

from ui.guard import guarded
from ui.home_view import render_home
from ui.shell import page_setup

selection = page_setup("Home")
st.title("Flowlab")
st.caption("How work flows from request to delivery — and whether your improvements worked.")
guarded(lambda: render_home(selection))
