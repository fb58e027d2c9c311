"""Import: upload an export, check how Flowlab reads it, save it as a dataset version."""

import streamlit as st

from ui.guard import guarded
from ui.import_view import render_import
from ui.shell import page_setup

page_setup("Import")
st.title("Import")
st.caption(
    "Upload the file your tool exports; check the columns, the workflow and the data "
    "quality; save it as a named dataset. Nothing is stored until you press Save."
)
guarded(render_import)
