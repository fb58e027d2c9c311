"""What the experiment forms share (the Experiments page's new and edit forms, the
Retrospective's "Try something"): the target metrics offered, their labels, the statuses
and comparison methods in words, and the author of a change (remembered for the session)."""

from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.auth import current_author
from ui.plain import md
from ui.state import Selection, current_engine, load_version
from vsm_core.experiments.catalogue import SIMPLE_METRICS, parse_metric
from vsm_core.experiments.sources import record_targets
from vsm_core.store import database_url

#: Session key of the name written as the author of changes (remembered for the session).
AUTHOR = "experiments.author"
#: Session key of the message the Experiments page shows once after a save.
FLASH = "experiments.flash"
STATUSES = ["planned", "running", "reviewing", "adopted", "adapted", "abandoned"]
#: Comparison methods as people read them -> the record's ``method``.
METHODS = {
    "Items by start (unfinished items counted as censored)": "start",
    "Items by done date": "done",
}


def metric_choices(dataset) -> list[str]:
    """The catalogue, with one entry per stage and per work type of this dataset."""
    choices = list(SIMPLE_METRICS)
    if dataset is not None:
        choices += [f"time_in_stage_p85:{s}" for s in dataset.workflow.stage_names]
        choices += [f"share_of_type:{t}" for t in _work_types(dataset)]
    return choices


def _work_types(dataset) -> list[str]:
    return sorted(dataset.items["type"].dropna().unique().tolist())


@st.cache_data(show_spinner=False, max_entries=16)
def _form_choices(url: str, version_id: int, stamp: str | None) -> tuple[list[str], list[str]]:
    """(target metrics, work types) the form offers for a version: a few names, cached apart
    from the dataset so a rerun does not unpickle the whole dataset for them."""
    dataset = load_version(url, version_id, stamp)
    return metric_choices(dataset), _work_types(dataset)


def form_choices(selection: Selection) -> tuple[list[str], list[str]]:
    """(target metrics, work types) of the selected version, without unpickling the dataset
    on a cache hit (the Retrospective page's "Try something" offers the same metrics).

    The metrics end with what the team's own records offer: the DORA keys once it has
    imported deployments, and each series it uploaded (a query each run: the forms are
    drawn only while open)."""
    if selection.version_id is None:
        return metric_choices(None), []
    metrics, types = _form_choices(database_url(), selection.version_id, selection.version_stamp)
    dataset = selection.dataset
    if dataset is not None:
        with Session(current_engine()) as session:
            metrics = metrics + record_targets(
                session, actor=current_actor(), team=dataset.team or dataset.name
            )
    return metrics, types


def metric_label(name: str) -> str:
    """A catalogue name in words ("85th percentile cycle time"), for people to read."""
    try:
        label = parse_metric(name).label
    except ValueError:
        return name
    return label[:1].upper() + label[1:]


def author_input(key: str) -> str:
    """The author of the change: the signed-in person, else a "your name" field remembered
    for the session (never the computer's user account)."""
    signed_in = current_author()
    if signed_in is not None:
        st.caption(f"Recorded as {md(signed_in)}")
        return signed_in
    name = st.text_input(
        "Your name",
        value=st.session_state.get(AUTHOR, ""),
        key=key,
        help="Recorded in the experiment's history as who made the change.",
    )
    return name.strip()


def remember_author(author: str) -> bool:
    """Keep ``author`` for the session; False (and a message) when it is blank."""
    if not author:
        st.error("Say who is making this change: fill in Your name.")
        return False
    st.session_state[AUTHOR] = author
    return True
