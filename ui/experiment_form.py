"""What every new-experiment form shares (the Experiments page, the Retrospective's "Try
something"): the target metrics offered, their labels, and the remembered author name."""

from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.state import Selection, current_engine, load_version
from vsm_core.experiments.catalogue import SIMPLE_METRICS, parse_metric
from vsm_core.experiments.sources import record_targets
from vsm_core.store import database_url

#: Session key of the name written as the author of changes (remembered for the session).
AUTHOR = "experiments.author"


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
