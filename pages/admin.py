"""Admin: who may read and change a team's data (team admins and instance admins)."""

import streamlit as st

from ui.admin_page import render_admin
from ui.guard import guarded
from ui.shell import page_setup

page_setup("Admin")
st.title("Admin")
guarded(render_admin)
