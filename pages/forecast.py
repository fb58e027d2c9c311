"""Forecast: how many items, when, this work in progress, and the forecasts' track record."""

import streamlit as st

from ui.forecast_page import render_forecast
from ui.guard import guarded
from ui.shell import page_setup

selection = page_setup("Forecast")
st.title("Forecast")
guarded(lambda: render_forecast(selection))
