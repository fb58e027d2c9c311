"""Retrospective: since the last one, what finished, what is aging, what signals, what to try."""

import streamlit as st

from ui.guard import guarded
from ui.retrospective_page import render_retrospective
from ui.shell import page_setup

selection = page_setup("Retrospective")
st.title("Retrospective")
guarded(lambda: render_retrospective(selection))
