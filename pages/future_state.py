"""Future state: design changes to the value stream, predict their effect, and check it later."""

import streamlit as st

from ui.future_page import render_future
from ui.guard import guarded
from ui.shell import page_setup

selection = page_setup("Future state")
st.title("Future state")
guarded(lambda: render_future(selection))
