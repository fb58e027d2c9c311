"""Cached store reads for the Home page: the dataset's running experiments and its changes.

The experiments' verdicts are computed on the dataset's latest version
(:func:`vsm_core.experiments.checkin.checkin_rows`), so they are cached under the
database, the dataset, the day and the store's fingerprint
(:func:`vsm_core.store.stamps.experiments_stamp`: every experiment's edit time, the latest
snapshot, the datasets and their versions); any edit, review or import computes them
afresh, and one dataset's rows are never served for another.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.state import Selection, current_engine, get_engine
from vsm_core.experiments.checkin import COLUMNS, checkin_rows
from vsm_core.store import database_url
from vsm_core.store.access import Actor
from vsm_core.store.stamps import experiments_stamp

#: The statuses Home lists: experiments still under way (running, or awaiting their review).
UNDER_WAY = ("running", "reviewing")


def running_experiments(selection: Selection, *, today: date | None = None) -> pd.DataFrame:
    """The selected dataset's experiments under way, as check-in rows (empty without a dataset).

    Columns as :data:`vsm_core.experiments.checkin.COLUMNS`; the verdict is today's
    re-computation on the dataset's latest version.
    """
    if selection.dataset is None:
        return pd.DataFrame(columns=list(COLUMNS))
    with Session(current_engine()) as session:
        fingerprint = experiments_stamp(session, actor=current_actor())
    actor = current_actor()
    return _running(database_url(), selection.dataset.id, today or date.today(), fingerprint, actor)


@st.cache_data(show_spinner="Judging the running experiments…", max_entries=16)
def _running(
    url: str, dataset_id: int, today: date, fingerprint: tuple, actor: Actor
) -> pd.DataFrame:
    """The rows; the arguments are the whole cache key (see the module docstring): the
    acting identity is part of it, so people of different teams never share an entry."""
    del fingerprint  # part of the key only
    with Session(get_engine(url)) as session:
        return checkin_rows(
            session, dataset_id=dataset_id, statuses=UNDER_WAY, today=today, actor=actor
        )
