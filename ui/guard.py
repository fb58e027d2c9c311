"""Run a page body so that no traceback ever reaches the browser."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ui.plain import md
from vsm_core.store.migrate import SchemaTooNew
from vsm_core.store.writing import StoreConflict

log = logging.getLogger("flowlab.ui")


def guarded(render: Callable[[], None]) -> None:
    """Call ``render``; on an unexpected error show a short message and log the traceback."""
    try:
        render()
    except ScriptControlException:  # st.stop / st.rerun / st.switch_page steer the run
        raise
    except (StoreConflict, SchemaTooNew) as refusal:  # plain sentences saying what to do
        log.warning("store refused: %s", refusal)
        st.error(md(refusal))  # may name a dataset
    except Exception as error:  # the page must stay usable
        log.exception("page failed")
        st.error(
            "Something went wrong while drawing this page "
            f"({type(error).__name__}). The details are in the server log."
        )
