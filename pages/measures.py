"""Measures: a team's own measures (customer satisfaction, NPS, cost ...) as run charts."""

import streamlit as st

from ui.guard import guarded
from ui.measures_page import render_measures
from ui.shell import page_setup

selection = page_setup("Measures")
st.title("Measures")
guarded(lambda: render_measures(selection))
