"""Bottlenecks: where work waits, rework, and a value stream map of the current state."""

import streamlit as st

from ui.bottlenecks_page import render_bottlenecks
from ui.guard import guarded
from ui.shell import page_setup

selection = page_setup("Bottlenecks")
st.title("Bottlenecks")
guarded(lambda: render_bottlenecks(selection))
