"""Check-in: a team's flow and experiments at a glance, with a report to share."""

import streamlit as st

from ui.checkin_page import render_checkin
from ui.guard import guarded
from ui.shell import page_setup

selection = page_setup("Check-in")
st.title("Check-in")
guarded(lambda: render_checkin(selection))
