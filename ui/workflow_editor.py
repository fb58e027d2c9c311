"""The workflow editor both the review of an upload and the stored-workflow edit use.

One row per raw status (its count, stage, category, whether the stage adds value and
the stage's order);
the commitment point under it; stages move up and down with two buttons
(the moved workflow becomes the editor's new starting point, so edits made
in the table before the move are kept). Core calls only:
:func:`~vsm_core.workflow_table.workflow_table`,
:func:`~vsm_core.workflow_table.workflow_from_table`,
:func:`~vsm_core.workflow.move_stage`, :func:`~vsm_core.workflow.describe_points`.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from ui.plain import md, md_list
from vsm_core.model import Category, Workflow
from vsm_core.workflow import WorkflowFileError, describe_points, move_stage
from vsm_core.workflow_table import workflow_from_table, workflow_table

TABLE_HELP = (
    "Every status found, with its count. Give each a stage and a category; statuses "
    "sharing a stage name are one stage; `order` sorts the stages (2.5 goes between 2 "
    "and 3). A blank stage leaves the status unmapped (ignored by the metrics). "
    "`adds value` marks the stages whose time is value-added time (process cycle "
    "efficiency): active stages unless you say otherwise."
)


def digest(workflow: Workflow) -> str:
    """A short fingerprint of ``workflow`` for widget keys."""
    return hashlib.sha1(workflow.model_dump_json().encode()).hexdigest()[:10]


def edit_workflow(base: Workflow, status_counts: dict[str, int], *, key: str) -> Workflow | None:
    """Draw the editor starting from ``base``; return the edited workflow, or None if invalid.

    ``key`` names this editor's widgets (one editor per upload or stored
    version); a different ``base`` starts the editor afresh.
    """
    draft_key = f"{key}_draft_{digest(base)}"
    current = st.session_state.get(draft_key, base)
    st.caption(TABLE_HELP)
    shown = workflow_table(current, status_counts)
    edited = st.data_editor(
        shown,
        key=f"{key}_table_{digest(current)}",
        hide_index=True,
        disabled=["status", "events"],
        column_config={
            "category": st.column_config.SelectboxColumn(
                "category", options=[c.value for c in Category], required=False
            ),
            "adds_value": st.column_config.CheckboxColumn(
                "adds value",
                help="Time in this stage adds value (counts as value-added time). Default: "
                "active stages do, waiting stages do not. Only active or waiting stages can.",
            ),
            # No step: a typed 2.5 stays 2.5 (it sorts between stages 2 and 3).
            "order": st.column_config.NumberColumn("order", min_value=0, format="plain"),
        },
    )
    try:
        # ``shown``: a category changed alone takes the new category's default flag.
        draft = workflow_from_table(edited, shown=shown)
        workflow = workflow_from_table(edited, start=_commitment(draft, current, key), shown=shown)
    except WorkflowFileError as error:
        st.error(f"The workflow is not valid yet: {md(error)}")  # it names stages
        return None
    _move_controls(workflow, key=key, draft_key=draft_key)
    _describe(workflow)
    return workflow


def _commitment(draft: Workflow, current: Workflow, key: str) -> str:
    """The commitment-point select; it keeps its choice while stages are only reordered."""
    names = draft.stage_names
    default = current.commitment_stage if current.commitment_stage in names else None
    default = default or draft.commitment_stage
    names_key = hashlib.sha1("\0".join(sorted(names)).encode()).hexdigest()[:10]
    return st.selectbox(
        "Commitment point (cycle time starts here)",
        names,
        index=names.index(default),
        key=f"{key}_start_{names_key}",
    )


def _move_controls(workflow: Workflow, *, key: str, draft_key: str) -> None:
    """Pick a stage and move it one place up or down (the table's order follows)."""
    names = workflow.stage_names
    if len(names) < 2:
        return
    left, up, down = st.columns([3, 1, 1], vertical_alignment="bottom")
    stage = left.selectbox("Stage to move", names, key=f"{key}_move_pick")
    if stage not in names:  # the stage was renamed in the table meanwhile
        return
    at = names.index(stage)
    up.button(
        "Move up",
        icon=":material/arrow_upward:",
        key=f"{key}_move_up",
        disabled=at == 0,
        on_click=_move,
        args=(workflow, stage, -1, draft_key),
        width="stretch",
    )
    down.button(
        "Move down",
        icon=":material/arrow_downward:",
        key=f"{key}_move_down",
        disabled=at == len(names) - 1,
        on_click=_move,
        args=(workflow, stage, 1, draft_key),
        width="stretch",
    )


def _move(workflow: Workflow, stage: str, step: int, draft_key: str) -> None:
    """Button callback: the moved workflow is the editor's new starting point."""
    st.session_state[draft_key] = move_stage(workflow, stage, step)


def _describe(workflow: Workflow) -> None:
    points = describe_points(workflow)
    done = md_list(points["done_stages"], none="**none — no item can finish!**")
    text = f"Commitment point: **{md(points['commitment_stage'])}** · done: **{done}**"
    if points["cancelled_stages"]:
        text += f" · cancelled: {md_list(points['cancelled_stages'])}"
    adding = [stage.name for stage in workflow.stages if stage.value_adding]
    text += f" · adds value: {md_list(adding, none='none')}"
    st.caption(text)
