"""Flow metrics: cycle time, throughput, WIP, cumulative flow, aging, efficiency, XmR."""

import streamlit as st

from ui.flow_page import render_flow_metrics
from ui.guard import guarded
from ui.shell import page_setup

selection = page_setup("Flow metrics")
st.title("Flow metrics")
guarded(lambda: render_flow_metrics(selection))
