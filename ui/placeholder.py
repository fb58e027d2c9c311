"""A page that is not built yet says what it will hold."""

from __future__ import annotations

import streamlit as st

from ui.shell import page_setup


def coming_soon(title: str, *, planned: list[str], issue: int) -> None:
    page_setup(title)
    st.title(title)
    st.info(f"This page is being built (issue #{issue}). It will hold:")
    st.markdown("\n".join(f"- {line}" for line in planned))
