"""Delivery page body: a team's deployments and incidents, and the five DORA keys.

Widgets -> one core call -> charts and tables, as every page. The team, the service, the
period and the open view are in the address (``?delivery_team=A&service=api&weeks=13
&view=By+service``), so a copied address opens the same view. Uploading (a file, what was
read or every problem in words, then Save) is offered only to those who may change the
team's rows; the store decides (:mod:`vsm_core.store.delivery`). Definitions:
docs/metrics.md, "Delivery: the DORA keys".
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.panels import chart_panel
from ui.plain import empty_cells, md
from ui.state import Selection, current_engine
from ui.team_uploads import offer_demo_records, show_problems, team_picker
from ui.view_tabs import open_view
from vsm_core.charts.delivery import delivery_figure
from vsm_core.delivery import DeliveryRead, log_span
from vsm_core.delivery.keys import KEY_NAMES, KEYS
from vsm_core.delivery.report import DeliveryReport, delivery_report
from vsm_core.delivery.words import BANDS, DEFINITIONS, LIMITS, value_words
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.isolated import parse_isolated
from vsm_core.importers.options import describe_limit, max_upload_bytes, streamlit_upload_mb
from vsm_core.store import crud, teams
from vsm_core.store import delivery as store
from vsm_core.store.access import AccessDenied, Actor, NotFound

TEAM_KEY = "delivery_team"
SERVICE_KEY = "service"
WEEKS_KEY = "weeks"
ALL_SERVICES = "All services"
#: Periods offered, in weeks (0: everything recorded).
PERIODS = (4, 13, 26, 52, 0)
VIEWS = ("Keys", "By service", "Records")
KINDS = {"Decide from the file": None, "Deployments": "deployments", "Incidents": "incidents"}
DATE_ORDERS = {"Decide from the dates": None, "Day first": "dayfirst", "Month first": "monthfirst"}
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "json"]
PREVIEW_ROWS = 20
_FLASH = "delivery.saved_message"
SHORT_NAMES = {
    "deployment_frequency": "Deployment frequency",
    "change_lead_time_p50": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "recovery_time_p50": "Recovery time",
    "deployment_rework_rate": "Rework rate",
}
DEPLOYMENT_COLUMNS = {
    "external_id": "Id",
    "deployed_at": "Deployed",
    "service": "Service",
    "environment": "Environment",
    "status": "Status",
    "kind": "Kind",
    "commit_at": "First commit",
    "change_ids": "Changes",
}
INCIDENT_COLUMNS = {
    "external_id": "Id",
    "title": "Title",
    "started_at": "Started",
    "resolved_at": "Resolved",
    "service": "Service",
    "deployment_ref": "Caused by deployment",
}


def render_delivery(selection: Selection) -> None:
    actor = current_actor()
    with Session(current_engine()) as session:
        known = set(teams.known_teams(session, actor=actor))
        known |= {i.team for i in store.list_imports(session, actor=actor)}
    team = team_picker(
        sorted(known, key=str.casefold),
        selection,
        actor,
        key=TEAM_KEY,
        shown="deployments and incidents",
    )
    if team is None:
        st.info(
            "No team yet: import a dataset with its team on the Import page, or import "
            "deployments with the command line (python -m vsm_core delivery import FILE "
            "--team TEAM)."
        )
        return
    with Session(current_engine()) as session:  # the team's local days, for upload and report
        timezone = crud.team_timezone(session, team=team, actor=actor)
    notice = st.container()  # always drawn: the expander below keeps its place (and state)
    if _FLASH in st.session_state:
        notice.success(st.session_state.pop(_FLASH))
    if actor.may(team, "edit"):
        # Open while a file is chosen, so its review (or its problems) stays in sight.
        chosen = st.session_state.get("delivery_file") is not None
        with st.expander("Upload deployments or incidents", expanded=chosen):
            _upload(team, actor, timezone)
    else:
        st.caption(
            f"You can see the deployments and incidents of {md(team)}; uploading them needs "
            "the editor role there (a team admin can give it on the Admin page)."
        )
    try:
        with Session(current_engine()) as session:
            log = store.load_log(session, actor=actor, team=team)
    except NotFound as missing:
        st.error(md(missing))
        return
    if log.empty:
        st.info(f"No deployments or incidents stored for {md(team)} yet.")
        offer_demo_records(team, actor, flash=_FLASH, key="delivery_demo_records")
        return
    service = _service_picker(log.services())
    report = _report(log, service, timezone)
    _keys(report)
    name, tab = open_view(VIEWS, page="delivery")
    with tab:
        if name == "Keys":
            _charts(report)
        elif name == "By service":
            _services(report)
        else:
            _records(log, service)


def _service_picker(services: list[str]) -> str | None:
    # the period control needs about 420 px for its five choices (it does not wrap)
    left, right = st.columns([2, 3])
    chosen = left.selectbox(
        "Service",
        [ALL_SERVICES, *services],
        key=SERVICE_KEY,
        bind="query-params",
        help="The keys of one service, or of all of them together.",
    )
    right.segmented_control(
        "Period",
        PERIODS,
        default=13,
        format_func=lambda w: "Everything" if w == 0 else f"{w} weeks",
        key=WEEKS_KEY,
        bind="query-params",
        help="The last weeks of the records (ending on the last day with a record).",
    )
    return None if chosen in (None, ALL_SERVICES) else chosen


def _report(log, service: str | None, timezone: str) -> DeliveryReport:
    """The report over the chosen last weeks, in local days and weeks of ``timezone`` (the
    team's datasets', so weeks match its flow metrics and experiments)."""
    weeks = st.session_state.get(WEEKS_KEY)
    weeks = 13 if weeks is None else int(weeks)
    span = log_span(log, timezone=timezone)
    if weeks == 0 or span is None:
        return delivery_report(log, service=service, timezone=timezone)
    first, end = span
    start = max(first, end - timedelta(days=7 * weeks - 1))
    return delivery_report(log, start=start, end=end, service=service, timezone=timezone)


def _keys(report: DeliveryReport) -> None:
    first, last = report.window
    st.caption(
        f"{report.counts['deployments']:,} deployments and {report.counts['incidents']:,} "
        f"incidents recorded; the keys below cover {first:%d %b %Y} to {last:%d %b %Y}."
    )
    for note in report.notes:
        st.caption(md(note))
    # Two rows of three: five metrics side by side cut "5.8 a week" short at 1280 px.
    columns = [*st.columns(3), *st.columns(3)]
    for column, key in zip(columns, KEYS, strict=False):
        entry = report.summary[key]
        column.metric(SHORT_NAMES[key], value_words(key, entry.value) or "none")
        band = f"DORA band: {entry.band}." if entry.band else "No DORA band."
        column.caption(f"{band} From {entry.n:,} records.")


def _charts(report: DeliveryReport) -> None:
    for key in KEYS:
        st.subheader(KEY_NAMES[key])
        data = report.weekly[["week", "deployments", key]].rename(
            columns={"week": "Week starting", "deployments": "Deployments", key: KEY_NAMES[key]}
        )
        data["Week starting"] = data["Week starting"].dt.date
        chart_panel(
            delivery_figure(report, key),
            key=f"delivery_{key}",
            definition=DEFINITIONS[key] + LIMITS + " " + BANDS[key],
            data=data,
        )


def _services(report: DeliveryReport) -> None:
    table = report.services.copy()
    table["service"] = table["service"].astype(object).where(table["service"].notna(), ALL_SERVICES)
    shown = pd.DataFrame({"Service": table["service"]})
    for key in KEYS:
        shown[SHORT_NAMES[key]] = [value_words(key, v) for v in table[key]]
    st.caption("The keys of each service over the period, the first row all services together.")
    st.dataframe(shown, hide_index=True, key="delivery_services")


def _records(log, service: str | None) -> None:
    view = log.for_service(service)
    st.subheader("Deployments")
    st.dataframe(
        empty_cells(_plain(view.deployments, DEPLOYMENT_COLUMNS)),
        hide_index=True,
        key="delivery_deployments",
    )
    st.subheader("Incidents")
    st.dataframe(
        empty_cells(_plain(view.incidents, INCIDENT_COLUMNS)),
        hide_index=True,
        key="delivery_incidents",
    )


def _plain(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    out = frame[list(names)].copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M").astype(object)
    if "change_ids" in out:
        out["change_ids"] = out["change_ids"].map(lambda ids: " ".join(ids))
    return out.rename(columns=names)


# --- upload ---------------------------------------------------------------------------------------


def _upload(team: str, actor: Actor, timezone: str) -> None:
    st.caption(
        "Deployments: a CSV, TSV or Excel file with a deployment time and a status (success "
        "or failure) per row, and optionally the service or environment, the first commit's "
        "time, the kind (rollback, hotfix) and an id; or GitHub's deployments JSON with "
        "their statuses. Incidents: a start and a resolution time per row, and optionally "
        "the service, the causing deployment's id and a title. A new file replaces the "
        f"team's stored records of its kind. Times without a zone are read in {timezone}, "
        "the time zone of the team's datasets."
    )
    upload = st.file_uploader(
        "Deployments or incidents file",
        type=UPLOAD_TYPES,
        key="delivery_file",
        help=f"CSV, TSV, TXT, Excel (.xlsx) or JSON; up to {describe_limit(max_upload_bytes())}.",
        max_upload_size=streamlit_upload_mb(max_upload_bytes()),
    )
    left, right = st.columns(2)
    kind = left.radio("The file holds", list(KINDS), key="delivery_kind", horizontal=True)
    order = right.radio("Dates", list(DATE_ORDERS), key="delivery_date_order", horizontal=True)
    if upload is None:
        return
    read = _read(upload.getvalue(), upload.name, KINDS[kind], DATE_ORDERS[order], timezone)
    if isinstance(read, ImportFailed):
        show_problems(read, key="delivery_problems")
        return
    _review(read)
    if st.button("Save", type="primary", key="delivery_save"):
        _save(read, team, actor)


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _read(
    data: bytes, name: str, kind: str | None, date_order: str | None, timezone: str
) -> DeliveryRead | ImportFailed:
    """The file read in a worker process under the import limits (one bad file cannot take
    the server's memory or time), or the failure (returned, so it is cached too): the reruns
    of the review and Save do not read the file again."""
    try:
        return parse_isolated(
            "delivery", data, name, kind=kind, date_order=date_order, timezone=timezone
        )
    except ImportFailed as failure:
        return failure


def _review(read: DeliveryRead) -> None:
    st.caption(md(f"Read {read.rows:,} {read.kind} from {read.filename}: {read.evidence}."))
    for note in read.notes:
        st.caption(md(note))
    if read.kind == "deployments":
        preview = _plain(read.log.deployments.head(PREVIEW_ROWS), DEPLOYMENT_COLUMNS)
    else:
        preview = _plain(read.log.incidents.head(PREVIEW_ROWS), INCIDENT_COLUMNS)
    st.dataframe(empty_cells(preview), hide_index=True, key="delivery_preview")


def _save(read: DeliveryRead, team: str, actor: Actor) -> None:
    table = read.table
    try:
        with Session(current_engine()) as session:
            saved = store.save_import(
                session,
                actor=actor,
                team=team,
                kind=read.kind,
                rows=table,
                format=read.format,
                source_filename=read.filename,
                source_sha256=read.sha256,
            )
    except (AccessDenied, NotFound) as refused:
        st.error(f"{md(refused)} Nothing was stored.")
        return
    if saved.created:
        message = f"Saved {saved.rows:,} {read.kind} of {md(team)} from {md(read.filename)}."
    else:
        message = (
            f"{md(read.filename)} is already the stored {read.kind} of {md(team)}; "
            "nothing was stored."
        )
    st.session_state[_FLASH] = message
    st.rerun()
