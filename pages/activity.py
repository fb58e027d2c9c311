"""Activity: who changed what in a team, newest first."""

import streamlit as st

from ui.activity_page import render_activity
from ui.guard import guarded
from ui.shell import page_setup

page_setup("Activity")
st.title("Activity")
guarded(render_activity)
