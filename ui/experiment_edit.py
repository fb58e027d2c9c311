"""The Experiments page's "Edit or review" form: change the target, review date, status,
learnings and comparison method of one experiment, saved under optimistic locking (a save
made on a stale version is refused with what changed; records.EditConflict)."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError
from sqlmodel import Session

from ui.access_state import current_actor
from ui.experiment_form import FLASH, METHODS, STATUSES, author_input, remember_author
from ui.plain import md
from ui.state import current_engine
from vsm_core.experiments import records
from vsm_core.experiments.service import review
from vsm_core.experiments.spec import REVIEWED_STATUSES
from vsm_core.store.access import AccessDenied, NotFound


def _opened_at(experiment) -> int:
    """The version the edit form was first drawn at, kept until it is saved: a save checks
    nobody saved in between (optimistic locking; see records.EditConflict)."""
    if st.session_state.pop(f"edit_reset_{experiment.id}", False):
        # after a save or a conflict: show the stored record again (before any widget of
        # the form is drawn, so their values can be dropped)
        for name in ("version", "target", "review", "status", "learnings", "method"):
            st.session_state.pop(f"edit_{name}_{experiment.id}", None)
    key = f"edit_version_{experiment.id}"
    if key not in st.session_state:
        st.session_state[key] = experiment.version
    return st.session_state[key]


def _forget_form(experiment) -> None:
    """On the next run, the form forgets its version and values and shows the stored record."""
    st.session_state[f"edit_reset_{experiment.id}"] = True


def edit_and_review(experiment) -> None:
    """Draw the form for ``experiment`` (a stored record); on Save, store the changes (and
    the review, when the status becomes a reviewed one) and rerun with a message."""
    opened_at = _opened_at(experiment)
    with st.form(f"edit_{experiment.id}"):
        target = st.number_input(
            "Target value", value=experiment.target, key=f"edit_target_{experiment.id}"
        )
        review_date = st.date_input(
            "Review date", value=experiment.review_date, key=f"edit_review_{experiment.id}"
        )
        status = st.selectbox(
            "Status",
            STATUSES,
            index=STATUSES.index(experiment.status),
            key=f"edit_status_{experiment.id}",
        )
        learnings = st.text_area(
            "Learnings", value=experiment.learnings or "", key=f"edit_learnings_{experiment.id}"
        )
        labels = list(METHODS)
        method = st.selectbox(
            "Compare",
            labels,
            index=list(METHODS.values()).index(experiment.method),
            key=f"edit_method_{experiment.id}",
        )
        author = author_input(f"edit_author_{experiment.id}")
        saved = st.form_submit_button("Save")
    if saved and remember_author(author):
        fields = (target, review_date, status, learnings, METHODS[method])
        _save_edit(experiment, *fields, author=author, opened_at=opened_at)


def _save_edit(
    experiment, target, review_date, status, learnings, method, *, author, opened_at
) -> None:
    actor = current_actor()
    with Session(current_engine()) as session:
        try:
            if status in REVIEWED_STATUSES and status != experiment.status:
                records.update_experiment(
                    session,
                    experiment_id=experiment.id,
                    changes=records.ExperimentUpdate(
                        target=target, review_date=review_date, method=method
                    ),
                    author=author,
                    if_version=opened_at,
                    actor=actor,
                )
                review(
                    session,
                    experiment_id=experiment.id,
                    status=status,
                    learnings=learnings,
                    author=author,
                    actor=actor,
                )
                message = f"Reviewed as {status}; the result is stored as it stands today."
            else:
                records.update_experiment(
                    session,
                    experiment_id=experiment.id,
                    changes=records.ExperimentUpdate(
                        target=target,
                        review_date=review_date,
                        status=status,
                        learnings=learnings,
                        method=method,
                    ),
                    author=author,
                    if_version=opened_at,
                    actor=actor,
                )
                message = "Saved."
        except ValidationError as error:
            st.error("; ".join(md(m) for m in records.field_errors(error).values()))
            return
        except records.EditConflict as conflict:
            _forget_form(experiment)
            st.error(md(str(conflict)))
            return
        except (AccessDenied, NotFound) as refused:
            st.error(f"{md(str(refused))} Nothing was saved.")
            return
    _forget_form(experiment)
    st.session_state[FLASH] = message
    st.rerun()
