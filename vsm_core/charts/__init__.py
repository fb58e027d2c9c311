"""Plotly figure builders: tables in, ``go.Figure`` out; no I/O, no Streamlit."""
