"""Delivery: a team's deployments and incidents, and the five DORA keys."""

import streamlit as st

from ui.delivery_page import render_delivery
from ui.guard import guarded
from ui.shell import page_setup

selection = page_setup("Delivery")
st.title("Delivery")
guarded(lambda: render_delivery(selection))
