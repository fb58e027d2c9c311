"""The Import page's "Stored datasets": versions, deleting or archiving, editing a workflow.

Team admins (only they) may delete a version or archive a dataset or a version
(:func:`vsm_core.store.crud.archive_dataset`, :func:`~vsm_core.store.crud.archive_version`:
hidden from every list and page, nothing deleted, recorded in the team's activity);
archived ones are listed only with "Show archived" on, where admins may restore them
(:func:`~vsm_core.store.crud.restore_dataset`, :func:`~vsm_core.store.crud.restore_version`).

Editing a workflow stores a new version from the same items and events
(:func:`vsm_core.store.crud.save_workflow_version`: nothing is uploaded or
parsed again); the version an experiment was judged on stays as it was.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.import_review import quality_summary, save_row
from ui.plain import empty_cells, md
from ui.sidebar import remember_dataset
from ui.state import current_engine, load_version
from ui.workflow_editor import edit_workflow
from vsm_core.importers.sanity import implausibilities
from vsm_core.quality import quality_report
from vsm_core.store import crud, database_url
from vsm_core.workflow import same_workflow

FLASH_MESSAGE = "import.saved_message"


def show_flash() -> None:
    """The message the last save or delete left for this run."""
    if FLASH_MESSAGE not in st.session_state:
        return
    message = st.session_state.pop(FLASH_MESSAGE)
    st.success(message)
    if message.startswith("Saved"):
        st.page_link("pages/home.py", label="See it on Home", icon=":material/home:")


def stored_datasets() -> None:
    st.subheader("Stored datasets")
    actor = current_actor()
    show_archived = st.toggle(
        "Show archived",
        key="stored_show_archived",
        help="Archived datasets and versions are hidden from every list and page; "
        "nothing of them is deleted.",
    )
    with Session(current_engine()) as session:
        summaries = crud.list_datasets(session, include_archived=show_archived, actor=actor)
        versions = {
            s.id: crud.list_versions(
                session, dataset_id=s.id, include_archived=show_archived, actor=actor
            )
            for s in summaries
        }
    if not summaries:
        st.caption("None yet.")
        return
    for summary in summaries:
        archived = " · archived" if summary.archived else ""
        with st.expander(
            f"{md(summary.name)} · {md(summary.team or 'no team')} · "
            f"{summary.versions} version(s){archived}"
        ):
            table = _versions_table(versions[summary.id], show_archived=show_archived)
            st.dataframe(empty_cells(table), hide_index=True)
            # deleting, archiving and restoring are the team admin's
            if actor.may(summary.team, "admin"):
                live = [v for v in versions[summary.id] if v.archived_at is None]
                if not summary.archived:
                    if live:
                        _delete_version(summary, live)
                    _archive(summary, live)
                hidden = [v for v in versions[summary.id] if v.archived_at is not None]
                if summary.archived or hidden:
                    _restore(summary, hidden)
    editable = [s for s in summaries if actor.may(s.team, "edit") and not s.archived]
    live_versions = {
        key: [v for v in found if v.archived_at is None] for key, found in versions.items()
    }
    editable = [s for s in editable if live_versions[s.id]]
    if editable:
        _edit_stored_workflow(editable, live_versions)


def _versions_table(versions, *, show_archived: bool = False) -> pd.DataFrame:
    rows = [
        {
            "version": v.version,
            "imported (UTC)": v.imported_at,
            "file": v.source_filename,
            "format": v.format,
            "items": v.item_count,
            "events": v.event_count,
            "stages": " → ".join(s["name"] for s in v.workflow.get("stages", [])),
            **({"archived": "archived" if v.archived_at else None} if show_archived else {}),
        }
        for v in versions
    ]
    return pd.DataFrame(rows)


def _archive(summary, versions) -> None:
    """Archive the whole dataset or one live version, after a confirmation (team admins)."""
    whole = "The whole dataset"
    choices = {whole: None} | {f"Version {v.version}": v for v in reversed(versions)}
    left, mid, right = st.columns([2, 3, 2])
    choice = left.selectbox("Archive", list(choices), key=f"arch_pick_{summary.id}")
    what = (
        f"“{md(summary.name)}”"
        if choices[choice] is None
        else f"version {choices[choice].version} of “{md(summary.name)}”"
    )
    sure = mid.checkbox(
        f"Yes, archive {what}: hide it, delete nothing", key=f"arch_sure_{summary.id}"
    )
    if right.button("Archive", disabled=not sure, key=f"arch_go_{summary.id}"):
        now = datetime.now(UTC)
        with Session(current_engine()) as session:
            if choices[choice] is None:
                crud.archive_dataset(
                    session, dataset_id=summary.id, when=now, actor=current_actor()
                )
            else:
                crud.archive_version(
                    session, version_id=choices[choice].id, when=now, actor=current_actor()
                )
        st.session_state[FLASH_MESSAGE] = (
            f"Archived {what}: hidden from lists and pages, nothing deleted. "
            "Switch on “Show archived” to see it."
        )
        st.rerun()


def _restore(summary, hidden) -> None:
    """List an archived dataset, or one archived version, again (team admins; nothing to
    confirm: restoring hides and deletes nothing)."""
    whole = "The whole dataset"
    choices = ({whole: None} if summary.archived else {}) | {
        f"Version {v.version}": v for v in reversed(hidden)
    }
    left, right = st.columns([5, 2], vertical_alignment="bottom")
    choice = left.selectbox(
        "Restore from the archive", list(choices), key=f"rest_pick_{summary.id}"
    )
    if right.button("Restore", key=f"rest_go_{summary.id}"):
        picked = choices[choice]
        with Session(current_engine()) as session:
            if picked is None:
                crud.restore_dataset(session, dataset_id=summary.id, actor=current_actor())
            else:
                crud.restore_version(session, version_id=picked.id, actor=current_actor())
        what = (
            f"“{md(summary.name)}”"
            if picked is None
            else f"version {picked.version} of “{md(summary.name)}”"
        )
        st.session_state[FLASH_MESSAGE] = f"Restored {what}: listed on every page again."
        st.rerun()


def _delete_version(summary, versions) -> None:
    numbers = {v.version: v.id for v in versions}
    left, mid, right = st.columns([2, 3, 2])
    number = left.selectbox("Version", list(numbers), key=f"del_pick_{summary.id}")
    sure = mid.checkbox(
        f"Yes, delete version {number} of “{md(summary.name)}” and its data",
        key=f"del_sure_{summary.id}",
    )
    if right.button("Delete version", disabled=not sure, key=f"del_go_{summary.id}"):
        with Session(current_engine()) as session:
            outcome = crud.delete_version(
                session, version_id=numbers[number], actor=current_actor()
            )
        st.session_state[FLASH_MESSAGE] = (
            f"Deleted version {number} of “{md(summary.name)}”."
            if outcome == "deleted"
            else f"Version {number} of “{md(summary.name)}” is used by experiments, so it was "
            "archived (hidden, kept for them) instead of deleted."
        )
        st.rerun()


# --------------------------------------------------------------------------- workflow edit


def _edit_stored_workflow(summaries, versions) -> None:
    st.subheader("Edit a stored workflow")
    st.caption(
        "Change a saved dataset's categories, stage order, commitment point or which "
        "statuses map to which stage, without uploading again: saving stores a new version "
        "from the same items and events. Experiments keep the version they were judged on."
    )
    by_id = {s.id: s for s in summaries}
    left, right = st.columns([3, 1])
    dataset_id = left.selectbox(
        "Dataset to edit",
        list(by_id),
        index=None,
        format_func=lambda i: by_id[i].name,
        placeholder="Choose a dataset…",
        key="wf_edit_dataset",
    )
    if dataset_id is None:
        return
    numbers = {v.version: v for v in reversed(versions[dataset_id])}
    number = right.selectbox(
        "Starting from version", list(numbers), key=f"wf_edit_version_{dataset_id}"
    )
    _workflow_edit_form(by_id[dataset_id], numbers[number])


def _workflow_edit_form(summary, version) -> None:
    dataset = load_version(database_url(), version.id, version.imported_at.isoformat())
    counts = {str(k): int(v) for k, v in dataset.events["status"].value_counts().items()}
    workflow = edit_workflow(dataset.workflow, counts, key=f"wf_edit_{version.id}")
    if workflow is None:
        return
    edited = replace(dataset, workflow=workflow)
    st.markdown("**Data quality under this workflow**")
    quality_summary(quality_report(edited), items=len(edited.items), events=len(edited.events))
    unchanged = same_workflow(dataset.workflow, workflow)
    pressed = save_row(
        "Save as a new version",
        key=f"wf_edit_save_{version.id}",
        blocked=(
            f"This is the workflow of version {version.version}: change it to save a new version."
            if unchanged
            else None
        ),
        implausible=implausibilities(edited, format_name=version.format),
    )
    if pressed:
        _store_workflow(summary, version, workflow)


def _store_workflow(summary, version, workflow) -> None:
    with Session(current_engine()) as session:
        created = crud.save_workflow_version(
            session,
            dataset_id=summary.id,
            workflow=workflow,
            version=version.version,
            actor=current_actor(),
        )
        number = created.version if created is not None else None
    remember_dataset(summary.id)
    st.session_state[FLASH_MESSAGE] = (
        f"Saved version {number} of “{md(summary.name)}” with the edited workflow; it is now "
        "selected."
        if number is not None
        else f"Version {version.version} of “{md(summary.name)}” already has this workflow; "
        "nothing stored."
    )
    st.rerun()
