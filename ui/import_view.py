"""Import page body: upload -> one review screen -> Save; then the stored datasets.

The review shows how the file was read (format and evidence), the columns
(with the alternatives where two columns fit a role), the workflow, the data
quality and Save. A file read with confidence saves with one click; options
(encoding, separator, date order, format, GitHub status source) stay folded
away. When detection is unsure the page asks which reading is right. Every
step is one core call (``vsm_core.importers``, ``vsm_core.workflow``,
``vsm_core.store``); this module and ``ui/import_review.py``,
``ui/workflow_editor.py`` and ``ui/stored_datasets.py`` only draw.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st
from pydantic import ValidationError
from sqlmodel import Session

from ui.access_state import current_actor
from ui.import_review import (
    column_mapping,
    name_columns,
    quality_summary,
    reading_summary,
    save_row,
)
from ui.plain import empty_cells, md, md_code
from ui.sidebar import remember_dataset
from ui.state import current_engine
from ui.stored_datasets import FLASH_MESSAGE, show_flash, stored_datasets
from ui.workflow_editor import digest, edit_workflow
from vsm_core.importers.containers import read_upload
from vsm_core.importers.dates import AmbiguousDateOrder
from vsm_core.importers.detect import Detection, FormatUnclear
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.isolated import import_bytes_isolated
from vsm_core.importers.options import (
    FORMATS,
    ImportOptions,
    describe_limit,
    max_upload_bytes,
    streamlit_upload_mb,
)
from vsm_core.importers.pipeline import ImportResult, format_roles, with_workflow
from vsm_core.model import Workflow
from vsm_core.store import crud, database_url
from vsm_core.store.access import SYSTEM, AccessDenied, NotFound

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


#: What a visitor without the editor role in any team reads instead of the uploader.
NO_EDIT_ROLE = (
    "You may read your teams' data, but importing needs the editor role in a team. "
    "A team admin can give it on the Admin page."
)


def render_import() -> None:
    show_flash()
    if current_actor().teams("edit") == frozenset():
        st.info(NO_EDIT_ROLE)
        stored_datasets()
        return
    upload = st.file_uploader(
        "Upload an export",
        type=UPLOAD_TYPES,
        key="import_file",
        help=(
            "CSV, TSV, TXT, Excel (.xlsx), JSON or JSON Lines; up to "
            f"{describe_limit(max_upload_bytes())}."
        ),
        # Streamlit's own check, in its megabytes: never below the limit (options.py).
        max_upload_size=streamlit_upload_mb(max_upload_bytes()),
    )
    if upload is None:
        _explain_formats()
    else:
        _import_flow(upload.name, upload.getvalue())
    st.divider()
    stored_datasets()


def _explain_formats() -> None:
    st.markdown(
        "**Formats understood** (detected from the column names and the cells, or "
        "chosen under File options): `stages` — one date column per workflow stage "
        "(ActionableAgile, Nave); `events` — one row per status entry; `transitions` — one "
        "row per change (from-status, to-status); `snapshots` — one full row per update; "
        "`dates` — created / started / done per item (Linear, spreadsheets); Jira, Azure "
        "DevOps and GitHub JSON. See docs/importing.md for examples."
    )


# --------------------------------------------------------------------------- the flow


def _import_flow(filename: str, data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    options = _options_form(sha)
    options = options.model_copy(update={"mapping": _picks(sha, options.format)})
    try:
        result = _parse(sha, data, filename, options.model_dump_json())
    except FormatUnclear as unclear:
        _ask_format(unclear.detection, sha)
        return
    except AmbiguousDateOrder as failure:
        st.warning(
            "Some dates could be day-first or month-first (e.g. 03/04/2024). "
            "Choose the date order under **File options** above."
        )
        _show_problems(failure)
        return
    except ImportFailed as failure:
        _show_problems(failure)
        _name_missing_columns(data, filename, options, sha)
        return
    _review(result, filename=filename, sha=sha, options=options)


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _parse(sha: str, _data: bytes, filename: str, options_json: str) -> ImportResult:
    """Parse once per (file content, options); ``_data`` is not hashed, ``sha`` stands for it.

    The parse runs in a worker process with a memory and a time limit
    (``vsm_core.importers.isolated``), so a pathological file neither grows
    nor stalls the server that other sessions share.
    """
    options = ImportOptions.model_validate_json(options_json)
    return import_bytes_isolated(_data, filename, options)


def _options_form(sha: str) -> ImportOptions:
    with st.expander("File options (format, encoding, separator, dates, GitHub status)"):
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
        message = error.errors()[0]["msg"].removeprefix("Value error, ")
        st.error(md(message) + " — using UTC.")  # it may quote the zone typed
        return ImportOptions(**chosen)


def _picks(sha: str, format_name: str) -> dict[str, str]:
    """The columns the user picked for roles (per format choice), given to the next parse."""
    return dict(st.session_state.get(f"picks_{sha}", {}).get(format_name, {}))


def _remember_pick(sha: str, format_name: str):
    def remember(role: str, column: str) -> None:
        picks = st.session_state.setdefault(f"picks_{sha}", {})
        picks.setdefault(format_name, {})[role] = column

    return remember


def _name_missing_columns(data: bytes, filename: str, options: ImportOptions, sha: str) -> None:
    """A table format the user chose cannot find its columns: let them name the columns."""
    required, _optional = format_roles(options.format)
    if not required:
        return
    try:
        upload = read_upload(data, filename, options)
    except ImportFailed:
        return
    if upload.table is None:
        return
    st.subheader("Columns")
    st.caption(f"Which columns hold what the {options.format} format needs?")
    name_columns(
        list(upload.table.columns),
        required,
        _picks(sha, options.format),
        key=f"name_cols_{sha}_{options.format}",
        on_pick=_remember_pick(sha, options.format),
    )


# --------------------------------------------------------------------------- unsure


def _ask_format(detection: Detection, sha: str) -> None:
    """Detection is unsure: show the candidate readings with their evidence; one click picks."""
    st.warning(
        "This file could be read in more than one way (or in none well), so it is not "
        "imported as it is. Which reading is right?"
    )
    candidates = detection.candidates
    if candidates:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "format": c.format,
                        "fit": round(c.score, 2),
                        "evidence": "; ".join(c.evidence),
                        "columns": ", ".join(f"{r}: {col}" for r, col in c.columns.items()),
                    }
                    for c in candidates
                ]
            ),
            hide_index=True,
        )
    choices = [c.format for c in candidates] or list(FORMATS)
    cols = st.columns(min(len(choices), 4))
    for index, fmt in enumerate(choices):
        cols[index % len(cols)].button(
            f"Read as {fmt}",
            key=f"pick_{sha}_{fmt}",
            on_click=_choose_format,
            args=(sha, fmt),
            width="stretch",
        )
    st.caption(
        "Or choose the format under File options. On the command line: "
        f"{md_code(detection.command_hint())}."
    )


def _choose_format(sha: str, fmt: str) -> None:
    st.session_state[f"fmt_{sha}"] = fmt


# --------------------------------------------------------------------------- the review


def _review(result: ImportResult, *, filename: str, sha: str, options: ImportOptions) -> None:
    reading_summary(result, filename)
    st.subheader("Columns")
    column_mapping(result, key=f"map_{sha}", on_pick=_remember_pick(sha, options.format))
    st.subheader("Dataset")
    name, team = _name_and_team(filename, sha)
    st.subheader("Workflow")
    workflow = edit_workflow(_starting_workflow(result, team, sha), result.status_counts, key=sha)
    if workflow is None:
        return
    result = with_workflow(result, workflow)
    st.subheader("Data quality")
    dataset = result.dataset
    quality_summary(result.quality, items=len(dataset.items), events=len(dataset.events))
    st.subheader("Save")
    _save(result, name=name, team=team, filename=filename, sha=sha, options=options)


def _name_and_team(filename: str, sha: str) -> tuple[str, str | None]:
    """The dataset's name and team: any team for the single user, else one the visitor edits."""
    left, right = st.columns(2)
    name = left.text_input("Dataset name", value=Path(filename).stem, key=f"name_{sha}")
    editable = current_actor().teams("edit")
    if editable is None:
        team = right.text_input("Team", key=f"team_{sha}", placeholder="e.g. Payments")
        return name.strip(), (team.strip() or None)
    team = right.selectbox("Team", sorted(editable, key=str.casefold), key=f"team_{sha}")
    return name.strip(), team


def _starting_workflow(result: ImportResult, team: str | None, sha: str) -> Workflow:
    """The suggested workflow, or the one last saved for the team when the user keeps it."""
    if not team:
        return result.workflow
    with Session(current_engine()) as session:
        saved = crud.latest_workflow_for_team(session, team=team, actor=current_actor())
    if saved is not None and st.checkbox(
        f"Reuse the workflow last saved for team {md(team)}", value=True, key=f"reuse_{sha}"
    ):
        return saved
    return result.workflow


def _save(
    result: ImportResult,
    *,
    name: str,
    team: str | None,
    filename: str,
    sha: str,
    options: ImportOptions,
) -> None:
    same = (
        _already_stored(name, sha, options.model_dump_json(), digest(result.workflow), result)
        if name
        else None
    )
    blocked = None
    if not name:
        blocked = "Give the dataset a name to save it."
    elif same is not None:
        blocked = (
            f"This file, read this way with this workflow, is already stored as version "
            f"{same} of “{md(name)}”. Nothing new to save."
        )
    pressed = save_row(
        f"Save as “{md(name)}”" if name else "Save",
        key=f"save_{sha}",
        blocked=blocked,
        implausible=result.implausible,
    )
    if pressed:
        _store(result, name=name, team=team, filename=filename, sha=sha)


def _already_stored(
    name: str, sha: str, options_json: str, workflow_digest: str, result: ImportResult
) -> int | None:
    """The version number of ``name`` that already holds exactly this import, else None."""
    with Session(current_engine()) as session:
        latest = crud.list_datasets(session, actor=current_actor())
    stamp = next((d.imported_at for d in latest if d.name == name), None)
    if stamp is None:
        return None
    return _identical(
        database_url(), name, str(stamp), sha, options_json, workflow_digest, _result=result
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _identical(
    url: str,
    name: str,
    stamp: str,
    sha: str,
    options_json: str,
    workflow_digest: str,
    *,
    _result: ImportResult,
) -> int | None:
    """Cached per stored version (its stamp) and reading of the file (sha, options, workflow).

    Asked only for a name the visitor's dataset list holds, so it reads as the system.
    """
    with Session(current_engine()) as session:
        version = crud.identical_version(
            session,
            name=name,
            dataset=_result.dataset,
            format=_result.format,
            source_sha256=sha,
            actor=SYSTEM,
        )
        return version.version if version is not None else None


def _store(result: ImportResult, *, name: str, team: str | None, filename: str, sha: str) -> None:
    """Store the import unless the latest version already holds it (a second press)."""
    try:
        with Session(current_engine()) as session:
            version, stored = crud.save_unless_identical(
                session,
                dataset=result.dataset,
                name=name,
                team=team,
                format=result.format,
                source_filename=filename,
                source_sha256=sha,
                actor=current_actor(),
            )
            dataset_id, number = version.dataset_id, version.version
    except (AccessDenied, NotFound, crud.NameTaken) as refused:
        st.error(f"{md(str(refused))} Nothing was stored.")
        return
    remember_dataset(dataset_id)
    st.session_state[FLASH_MESSAGE] = (
        f"Saved “{md(name)}” as version {number}; it is now selected."
        if stored
        else f"“{md(name)}” version {number} already holds this file and workflow; nothing stored."
    )
    st.rerun()  # redraw the sidebar with the new dataset


# --------------------------------------------------------------------------- problems


def _show_problems(failure: ImportFailed) -> None:
    st.error(
        f"The file cannot be imported: {failure.total:,} problem(s)"
        + (f" (the first {len(failure.problems):,} are listed)" if failure.omitted else "")
        + ". Nothing was stored."
    )
    st.dataframe(
        empty_cells(
            pd.DataFrame(
                [p.model_dump() for p in failure.problems[:1000]],
                columns=["row", "column", "value", "message"],
            )
        ),
        hide_index=True,
    )
