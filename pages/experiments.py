"""Experiments: record improvement experiments and see honest before/after evidence."""

import streamlit as st

from ui.experiments_page import render_experiments
from ui.guard import guarded
from ui.shell import page_setup

selection = page_setup("Experiments")
st.title("Experiments")
guarded(lambda: render_experiments(selection))
