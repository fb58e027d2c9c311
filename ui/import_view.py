"""Import page body: upload -> preview -> columns -> workflow -> quality -> save.

Every step is one core call (``vsm_core.importers``, ``vsm_core.workflow``,
``vsm_core.store``); this module only draws widgets and tables.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st
from pydantic import ValidationError
from sqlmodel import Session

from ui.sidebar import remember_dataset
from ui.state import current_engine
from vsm_core.importers.containers import read_upload
from vsm_core.importers.dates import AmbiguousDateOrder
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import FORMATS, ImportOptions
from vsm_core.importers.pipeline import (
    ImportResult,
    format_roles,
    import_bytes,
    suggested_mapping,
    with_workflow,
)
from vsm_core.importers.sniff import detect_format
from vsm_core.model import Category, Workflow
from vsm_core.store import crud
from vsm_core.workflow import (
    WorkflowFileError,
    describe_points,
    workflow_from_table,
    workflow_table,
)

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "json", "jsonl", "ndjson"]
ENCODINGS = {
    "auto-detect": None,
    "UTF-8": "utf-8",
    "UTF-8 with BOM": "utf-8-sig",
    "UTF-16": "utf-16",
    "Windows-1252": "cp1252",
}
SEPARATORS = {"auto-detect": None, "comma ,": ",", "semicolon ;": ";", "tab": "\t", "pipe |": "|"}
DATE_ORDERS = {
    "auto-detect": None,
    "day first (31/12/2024)": "dayfirst",
    "month first (12/31/2024)": "monthfirst",
}
GITHUB_SOURCES = {
    "milestones": "milestone",
    "labels": "labels",
    "project columns": "project",
    "open/closed": "state",
}
NO_COLUMN = "—"


FLASH_MESSAGE = "import.saved_message"


def render_import() -> None:
    if FLASH_MESSAGE in st.session_state:
        message = st.session_state.pop(FLASH_MESSAGE)
        st.success(message)
        if message.startswith("Saved"):
            st.page_link("pages/home.py", label="See it on Home", icon=":material/home:")
    upload = st.file_uploader(
        "Upload an export",
        type=UPLOAD_TYPES,
        key="import_file",
        help="CSV, TSV, TXT, Excel (.xlsx), JSON or JSON Lines; up to 50 MB.",
    )
    if upload is None:
        _explain_formats()
    else:
        _import_flow(upload.name, upload.getvalue())
    st.divider()
    _stored_datasets()


def _explain_formats() -> None:
    st.markdown(
        "**Formats understood** (detected automatically, or choose one): "
        "`stages` — one date column per workflow stage (ActionableAgile, Nave); "
        "`events` — one row per status entry; `transitions` — one row per change "
        "(from-status, to-status); `snapshots` — one full row per update; "
        "`dates` — created / started / done per item (Linear, spreadsheets). "
        "See docs/importing.md for examples."
    )


# --------------------------------------------------------------------------- the flow


def _import_flow(filename: str, data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    options = _options_form(sha)
    try:
        upload = read_upload(data, filename, options)
    except ImportFailed as failure:
        _show_problems(failure)
        return
    detected = (
        detect_format(upload, options.mapping)
        if options.format == "auto"
        else (options.format, "chosen by you")
    )
    _preview(upload, detected)
    mapping = _column_mapping(upload, detected[0], sha)
    options = options.model_copy(update={"format": detected[0], "mapping": mapping})
    try:
        result = _parse(sha, data, filename, options.model_dump_json())
    except AmbiguousDateOrder as failure:
        st.warning(
            "Some dates could be day-first or month-first (e.g. 03/04/2024). "
            "Choose the date order under **File options** above."
        )
        _show_problems(failure)
        return
    except ImportFailed as failure:
        _show_problems(failure)
        return
    _date_orders(result)
    name, team = _name_and_team(filename, sha)
    workflow = _workflow_editor(result, team, sha)
    if workflow is None:
        return
    result = with_workflow(result, workflow)
    _quality(result)
    _save(result, name=name, team=team, filename=filename, sha=sha, data=data)


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _parse(sha: str, _data: bytes, filename: str, options_json: str) -> ImportResult:
    """Parse once per (file content, options); ``_data`` is not hashed, ``sha`` stands for it."""
    return import_bytes(_data, filename, ImportOptions.model_validate_json(options_json))


def _options_form(sha: str) -> ImportOptions:
    with st.expander("File options (format, encoding, separator, dates)"):
        cols = st.columns(6)
        fmt = cols[0].selectbox("Format", ["auto", *FORMATS], key=f"fmt_{sha}")
        enc = cols[1].selectbox("Encoding", list(ENCODINGS), key=f"enc_{sha}")
        sep = cols[2].selectbox("Separator", list(SEPARATORS), key=f"sep_{sha}")
        order = cols[3].selectbox("Date order", list(DATE_ORDERS), key=f"dord_{sha}")
        zone = cols[4].text_input(
            "Time zone of plain times",
            value="UTC",
            key=f"tz_{sha}",
            help="IANA name, e.g. Europe/Berlin. Times with an offset keep it.",
        )
        github = cols[5].selectbox(
            "GitHub status from",
            list(GITHUB_SOURCES),
            key=f"gh_{sha}",
            help="For GitHub issues: which events say where an issue is.",
        )
    chosen = dict(
        format=fmt,
        encoding=ENCODINGS[enc],
        separator=SEPARATORS[sep],
        date_order=DATE_ORDERS[order],
        github_status_source=GITHUB_SOURCES[github],
    )
    try:
        return ImportOptions(**chosen, timezone=zone.strip() or "UTC")
    except ValidationError as error:
        st.error(error.errors()[0]["msg"].removeprefix("Value error, ") + " — using UTC.")
        return ImportOptions(**chosen)


def _preview(upload, detected: tuple[str, str]) -> None:
    st.subheader("1 · Preview")
    fmt, reason = detected
    facts = [f"**{upload.filename}**", f"format **{fmt}** ({reason})"]
    if upload.table is not None:
        table = upload.table
        sep = {"\t": "tab"}.get(table.separator, table.separator)
        facts += [
            f"encoding {table.encoding}",
            f"separator `{sep}`" if sep else "",
            f"{len(table.frame)} rows, {len(table.columns)} columns",
        ]
        st.markdown(" · ".join(f for f in facts if f))
        st.dataframe(table.frame.head(20), hide_index=True)
        for note in table.notes:
            st.caption(f"Note: {note}")
    else:
        st.markdown(" · ".join([*facts, f"{len(upload.records)} records"]))


def _column_mapping(upload, format_name: str, sha: str) -> dict[str, str]:
    """One select per role of the format, pre-filled with the suggestions."""
    if upload.table is None:
        return {}
    required, optional = format_roles(format_name)
    columns = upload.table.columns
    suggested = suggested_mapping(columns, format_name, {})
    st.subheader("2 · Columns")
    st.caption("Which column holds what. Required roles are marked with *.")
    chosen: dict[str, str] = {}
    grid = st.columns(4)
    for index, role in enumerate(required + optional):
        label = f"{role}{' *' if role in required else ''}"
        options = [NO_COLUMN, *columns]
        default = options.index(suggested[role]) if role in suggested else 0
        pick = grid[index % 4].selectbox(label, options, index=default, key=f"map_{sha}_{role}")
        if pick != NO_COLUMN:
            chosen[role] = pick
    return chosen


ORDER_WORDS = {"dayfirst": "day-first", "monthfirst": "month-first", None: "unambiguous"}


def _date_orders(result: ImportResult) -> None:
    """Say how each date column was read (change it under File options)."""
    if result.date_orders:
        st.caption(
            "Dates read as: "
            + "; ".join(f"{col} — {ORDER_WORDS[o]}" for col, o in result.date_orders.items())
            + " (change under File options)."
        )


def _name_and_team(filename: str, sha: str) -> tuple[str, str | None]:
    st.subheader("3 · Dataset")
    left, right = st.columns(2)
    name = left.text_input("Dataset name", value=Path(filename).stem, key=f"name_{sha}")
    team = right.text_input("Team", key=f"team_{sha}", placeholder="e.g. Payments")
    return name.strip(), (team.strip() or None)


def _workflow_editor(result: ImportResult, team: str | None, sha: str) -> Workflow | None:
    st.subheader("4 · Workflow")
    base = result.workflow
    if team:
        with Session(current_engine()) as session:
            saved = crud.latest_workflow_for_team(session, team=team)
        if saved is not None and st.checkbox(
            f"Reuse the workflow saved for team {team}", value=True, key=f"reuse_{sha}"
        ):
            base = saved
    st.caption(
        "Every status found, with its count. Give each a stage and a category; "
        "statuses sharing a stage name are one stage; `order` sorts the stages. "
        "A blank stage leaves the status unmapped (ignored by the metrics)."
    )
    edited = st.data_editor(
        workflow_table(base, result.status_counts),
        key=f"wf_{sha}_{hashlib.sha1(base.model_dump_json().encode()).hexdigest()[:8]}",
        hide_index=True,
        disabled=["status", "events"],
        column_config={
            "category": st.column_config.SelectboxColumn(
                "category", options=[c.value for c in Category], required=False
            ),
            "order": st.column_config.NumberColumn("order", min_value=1, step=1),
        },
    )
    try:
        draft = workflow_from_table(edited)
    except WorkflowFileError as error:
        st.error(f"The workflow is not valid yet: {error}")
        return None
    names = draft.stage_names
    default = base.commitment_stage if base.commitment_stage in names else draft.commitment_stage
    start = st.selectbox(
        "Commitment point (cycle time starts here)",
        names,
        index=names.index(default),
        key=f"start_{sha}",
    )
    try:
        workflow = workflow_from_table(edited, start=start)
    except WorkflowFileError as error:
        st.error(f"The workflow is not valid yet: {error}")
        return None
    points = describe_points(workflow)
    st.caption(
        f"Commitment point: **{points['commitment_stage']}** · done point: "
        f"**{', '.join(points['done_stages']) or 'none — no item can finish!'}**"
        + (
            f" · cancelled: {', '.join(points['cancelled_stages'])}"
            if points["cancelled_stages"]
            else ""
        )
    )
    return workflow


def _quality(result: ImportResult) -> None:
    st.subheader("5 · Data quality")
    dataset = result.dataset
    st.markdown(f"{len(dataset.items)} items, {len(dataset.events)} status events.")
    rows = [
        {
            "check": c.label,
            "count": c.count,
            "examples": "; ".join(c.examples),
            "severity": c.severity,
        }
        for c in result.quality.checks
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    for note in result.notes:
        st.caption(f"Note: {note}")


def _save(
    result: ImportResult, *, name: str, team: str | None, filename: str, sha: str, data: bytes
) -> None:
    st.subheader("6 · Save")
    if not name:
        st.warning("Give the dataset a name to save it.")
        return
    if st.button(f"Save as “{name}”", type="primary", key=f"save_{sha}"):
        with Session(current_engine()) as session:
            version = crud.save_dataset_version(
                session,
                dataset=result.dataset,
                name=name,
                team=team,
                format=result.format,
                source_filename=filename,
                source_sha256=sha,
            )
            dataset_id, number = version.dataset_id, version.version
        remember_dataset(dataset_id)
        st.session_state[FLASH_MESSAGE] = f"Saved “{name}” as version {number}; it is now selected."
        st.rerun()  # redraw the sidebar with the new dataset


# --------------------------------------------------------------------------- problems


def _show_problems(failure: ImportFailed) -> None:
    st.error(
        f"The file cannot be imported: {len(failure.problems)} problem(s). Nothing was stored."
    )
    st.dataframe(
        pd.DataFrame(
            [p.model_dump() for p in failure.problems[:1000]],
            columns=["row", "column", "value", "message"],
        ),
        hide_index=True,
    )


# --------------------------------------------------------------------------- stored datasets


def _stored_datasets() -> None:
    st.subheader("Stored datasets")
    with Session(current_engine()) as session:
        summaries = crud.list_datasets(session)
        versions = {s.id: crud.list_versions(session, dataset_id=s.id) for s in summaries}
    if not summaries:
        st.caption("None yet.")
        return
    for summary in summaries:
        with st.expander(
            f"{summary.name} · {summary.team or 'no team'} · {summary.versions} version(s)"
        ):
            table = pd.DataFrame(
                [
                    {
                        "version": v.version,
                        "imported (UTC)": v.imported_at,
                        "file": v.source_filename,
                        "format": v.format,
                        "items": v.item_count,
                        "events": v.event_count,
                    }
                    for v in versions[summary.id]
                ]
            )
            st.dataframe(table, hide_index=True)
            _delete_version(summary, versions[summary.id])


def _delete_version(summary, versions) -> None:
    numbers = {v.version: v.id for v in versions}
    left, mid, right = st.columns([2, 3, 2])
    number = left.selectbox("Version", list(numbers), key=f"del_pick_{summary.id}")
    sure = mid.checkbox(
        f"Yes, delete version {number} of “{summary.name}” and its data",
        key=f"del_sure_{summary.id}",
    )
    if right.button("Delete version", disabled=not sure, key=f"del_go_{summary.id}"):
        with Session(current_engine()) as session:
            outcome = crud.delete_version(session, version_id=numbers[number])
        st.session_state[FLASH_MESSAGE] = (
            f"Deleted version {number} of “{summary.name}”."
            if outcome == "deleted"
            else f"Version {number} of “{summary.name}” is used by experiments, so it was "
            "archived (hidden, kept for them) instead of deleted."
        )
        st.rerun()
