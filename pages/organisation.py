"""Organisation: every team a manager belongs to, side by side, with exports."""

import streamlit as st

from ui.guard import guarded
from ui.organisation_page import render_organisation
from ui.shell import page_setup

page_setup("Organisation")
st.title("Organisation")
guarded(render_organisation)
