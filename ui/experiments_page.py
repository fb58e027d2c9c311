"""Experiments page body: record, list, judge and review improvement experiments.

What a rerun costs here (issue #11, item 8; docs/benchmarks.md, *Speed as a person
feels it*): the page never unpickles the dataset (the form's choices are cached
apart, :func:`_form_choices`); the latest version is looked up once per run, not once
per experiment; and the three folded parts (the new-experiment form, Edit or review,
History) are drawn only while open (an expander that reruns when it opens), so the
browser does not lay out two forms nobody is looking at on every run.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pandas as pd
import streamlit as st
from pydantic import ValidationError
from sqlmodel import Session

from ui.access_state import current_actor
from ui.experiment_edit import edit_and_review
from ui.experiment_form import (
    FLASH,
    METHODS,
    STATUSES,
    author_input,
    form_choices,
    metric_label,
    remember_author,
)
from ui.panels import chart_panel
from ui.plain import md
from ui.state import Selection, current_engine, load_version
from vsm_core.charts.experiments import (
    before_after_chart,
    drawn_evidence,
    experiment_behaviour_chart,
)
from vsm_core.experiments import records
from vsm_core.experiments.service import judge
from vsm_core.experiments.spec import REVIEWED_STATUSES
from vsm_core.future.track import experiment_result_sentence
from vsm_core.store import database_url, designs
from vsm_core.store.stamps import records_stamp

FORM_ERRORS = "experiments.form_errors"
#: Session key of the experiment to open after it was recorded.
OPEN = "experiment_open"
#: Session key of the new-experiment expander (open or folded).
NEW_OPEN = "experiments.new_open"


def _edit_open(experiment_id: int) -> str:
    """Session key of an experiment's Edit or review expander."""
    return f"experiments.edit_open_{experiment_id}"


def _history_open(experiment_id: int) -> str:
    """Session key of an experiment's History expander."""
    return f"experiments.history_open_{experiment_id}"


def _lazy_expander(label: str, key: str):
    """An expander whose body the caller draws only while it is open (``.open``)."""
    return st.expander(label, key=key, on_change="rerun")


def render_experiments(selection: Selection) -> None:
    if selection.dataset is None:
        st.info("No dataset yet. Go to **Import** to upload your team's export.")
        return
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))
    dataset = selection.dataset
    new = _lazy_expander("Record a new experiment", NEW_OPEN)
    if new.open:
        with new:
            _create_form(dataset.id, form_choices(selection))
    latest = _latest(dataset)
    rows = _experiment_rows(dataset.id, latest)
    if rows.empty:
        st.info("No experiments recorded for this dataset yet.")
        return
    chosen = _listing(rows)
    if chosen is not None:
        st.divider()
        _results(int(chosen), latest)


# --------------------------------------------------------------------------- the form


def _field_error(name: str) -> None:
    message = st.session_state.get(FORM_ERRORS, {}).get(name)
    if message:
        st.error(md(message), icon=":material/error:")


def _create_form(dataset_id: int, choices: tuple[list[str], list[str]]) -> None:
    metrics, types = choices
    with st.form("new_experiment", clear_on_submit=False):
        title = st.text_input("Title", key="new_title")
        _field_error("title")
        hypothesis = st.text_area(
            "Hypothesis",
            key="new_hypothesis",
            placeholder="We believe that … will … as measured by …",
        )
        _field_error("hypothesis")
        action = st.text_area("Action (the change made)", key="new_action")
        left, right = st.columns(2)
        owner = left.text_input("Owner", key="new_owner")
        with left:
            _field_error("owner")
        metric = right.selectbox(
            "Target metric", metrics, format_func=metric_label, key="new_metric"
        )
        with right:
            _field_error("metric")
        cols = st.columns(4)
        direction = cols[0].selectbox("Direction", ["decrease", "increase"], key="new_direction")
        target = cols[1].number_input(
            "Target value", value=None, key="new_target", placeholder="optional"
        )
        change_date = cols[2].date_input("Change date", value=None, key="new_change")
        review_date = cols[3].date_input("Review date", value=None, key="new_review")
        with cols[2]:
            _field_error("change_date")
        with cols[3]:
            _field_error("review_date")
        cols = st.columns(3)
        baseline_from = cols[0].date_input("Baseline from (optional)", value=None, key="new_bfrom")
        baseline_to = cols[1].date_input("Baseline to (optional)", value=None, key="new_bto")
        status = cols[2].selectbox("Status", STATUSES[:3], index=1, key="new_status")
        with cols[0]:
            _field_error("baseline_from")
        with cols[1]:
            _field_error("baseline_to")
        scope_types = st.multiselect("Scope: work types (empty = all)", types, key="new_types")
        method = st.selectbox(
            "Compare",
            list(METHODS),
            key="new_method",
            help="How items are split into before and after for a per-item metric. The "
            "other method is shown beside the verdict as a check; it never decides it.",
        )
        author = author_input("new_author")
        submitted = st.form_submit_button("Record experiment", type="primary")
    if submitted:
        _submit(
            dataset_id,
            dict(
                title=title,
                hypothesis=hypothesis,
                action=action,
                owner=owner,
                metric=metric,
                direction=direction,
                target=target,
                change_date=change_date,
                review_date=review_date,
                baseline_from=baseline_from,
                baseline_to=baseline_to,
                status=status,
                scope={"work_types": scope_types},
                method=METHODS[method],
            ),
            author,
        )


def _submit(dataset_id: int, fields: dict, author: str) -> None:
    try:
        data = records.ExperimentCreate(dataset_id=dataset_id, **fields)
    except ValidationError as error:
        st.session_state[FORM_ERRORS] = records.field_errors(error)
        st.rerun()
    st.session_state.pop(FORM_ERRORS, None)
    if not remember_author(author):
        return
    with Session(current_engine()) as session:
        experiment = records.create_experiment(
            session, data=data, author=author, actor=current_actor()
        )
        st.session_state[OPEN] = experiment.id  # show the experiment just recorded
        overlaps = records.overlapping_experiments(
            session, experiment=experiment, actor=current_actor()
        )
        others = ", ".join(f"#{o.id}" for o in overlaps)
        recorded = f"Recorded experiment #{experiment.id} “{md(experiment.title)}”."
        st.session_state[FLASH] = recorded + (
            f" Its window and scope overlap experiment(s) {others}: their effects cannot be "
            "told apart."
            if overlaps
            else ""
        )
    st.rerun()


# --------------------------------------------------------------------------- the list


class Latest(NamedTuple):
    """What the dataset's experiments are judged on, looked up once per run: its latest
    version (id and import stamp, as every cache in ``ui.state``) and the stamp of its
    team's deployment, incident and series records (``stamps.records_stamp``)."""

    version_id: int | None
    stamp: str | None
    records: tuple


@st.cache_data(show_spinner="Judging experiments…", max_entries=64)
def _judged(
    url: str,
    experiment_id: int,
    updated_at: str,
    latest: Latest,
    check: bool = True,
) -> dict:
    """An experiment's evidence (with the other method's check when ``check``), cached per
    edit, dataset version and state of the team's records (a DORA or series target)."""
    del url, updated_at, latest  # part of the key only
    with Session(current_engine()) as session:
        judgement = judge(
            session, experiment_id=experiment_id, sensitivity=check, actor=current_actor()
        )
    evidence = judgement.evidence.to_dict() if judgement.evidence is not None else {}
    return {
        "evidence": evidence,
        "snapshot": judgement.snapshot,
        "differs": judgement.differs,
        "overlaps": [e.id for e in judgement.overlaps],
    }


def _latest(dataset) -> Latest:
    """What the experiments of ``dataset`` (the selected dataset's row) are judged on."""
    from vsm_core.store import crud

    actor = current_actor()
    with Session(current_engine()) as session:
        version = crud.get_version(session, dataset_id=dataset.id, actor=actor)
        records = records_stamp(session, actor=actor, team=crud.team_of(dataset))
    if version is None:
        return Latest(None, None, records)
    return Latest(version.id, version.imported_at.isoformat(), records)


def _judgement(experiment, latest: Latest, check: bool = True) -> dict:
    return _judged(database_url(), experiment.id, experiment.updated_at.isoformat(), latest, check)


def _experiment_rows(dataset_id: int, latest: Latest) -> pd.DataFrame:
    """One row per experiment, in words: the table people read (empty cells stay empty)."""
    with Session(current_engine()) as session:
        experiments = records.list_experiments(
            session, dataset_id=dataset_id, actor=current_actor()
        )
    today = date.today()
    rows = []
    for experiment in experiments:
        judged = _judgement(experiment, latest, check=False)  # the list needs the verdict only
        verdict = (judged["snapshot"] or judged["evidence"]).get("verdict") or "not enough data"
        overdue = (
            experiment.review_date is not None
            and experiment.review_date < today
            and experiment.status not in REVIEWED_STATUSES
        )
        overlaps = ", ".join(f"#{i}" for i in judged["overlaps"])
        warnings = ["review overdue" if overdue else "", f"overlaps {overlaps}" if overlaps else ""]
        rows.append(
            {
                "#": experiment.id,
                "Title": experiment.title,
                "Status": experiment.status,
                "Target metric": metric_label(experiment.metric),
                "Target": "" if experiment.target is None else f"{experiment.target:g}",
                "Verdict": verdict,
                "Review date": experiment.review_date.isoformat() if experiment.review_date else "",
                "Warnings": "; ".join(w for w in warnings if w),
                "Owner": experiment.owner,
            }
        )
    return pd.DataFrame(rows)


def _listing(rows: pd.DataFrame):
    shown = st.multiselect(
        "Status",
        STATUSES,
        default=STATUSES,
        key="experiment_status_filter",
    )
    table = rows[rows["Status"].isin(shown)]
    st.dataframe(table, hide_index=True)
    st.caption(
        "Verdict of a reviewed experiment is the one stored at its review; others are "
        "re-computed on the latest data. Warnings name overdue reviews and experiments whose "
        "windows and scopes overlap (their effects cannot be told apart)."
    )
    if table.empty:
        return None
    labels = {int(i): f"#{i} {t}" for i, t in zip(table["#"], table["Title"], strict=True)}
    return st.selectbox("Open experiment", list(labels), format_func=labels.get, key=OPEN)


# --------------------------------------------------------------------------- one experiment


def _fmt(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _results(experiment_id: int, latest: Latest) -> None:
    with Session(current_engine()) as session:
        experiment = records.get_experiment(
            session, experiment_id=experiment_id, actor=current_actor()
        )
    if experiment is None:
        st.info(f"Experiment {experiment_id} was not found.")
        return
    st.subheader(f"#{experiment.id} {md(experiment.title)}")
    judged = _judgement(experiment, latest)
    evidence = judged["evidence"]
    st.markdown(
        f"*{md(experiment.hypothesis)}*  \n**Action:** {md(experiment.action or '–')} · "
        f"**Owner:** {md(experiment.owner)} · **Status:** {md(experiment.status)}"
    )
    if experiment.learnings:
        st.markdown(f"**Learnings:** {md(experiment.learnings)}")
    if not evidence:
        st.warning("The dataset has no version to judge this experiment on.")
    else:
        _evidence_summary(evidence, judged)
        _design_prediction(experiment, latest)
        box, box_data, xmr, xmr_data, drawn_note = _charts(evidence)
        left, right = st.columns(2)
        with left:
            chart_panel(
                box,
                key=f"exp_box_{experiment_id}",
                definition="Each window's values side by side."
                + (f" {drawn_note}" if drawn_note else ""),
                data=box_data,
            )
        with right:
            chart_panel(
                xmr,
                key=f"exp_xmr_{experiment_id}",
                definition="Limits = baseline mean ± 2.66 × its mean moving range; red "
                "points after the change are signals (beyond a limit, 8 in a row).",
                data=xmr_data,
            )
    edit = _lazy_expander("Edit or review", _edit_open(experiment.id))
    if edit.open:
        with edit:
            edit_and_review(experiment)
    history = _lazy_expander("History", _history_open(experiment.id))
    if history.open:
        with history:
            _history(experiment.id)


def _charts(evidence: dict) -> tuple:
    """(before/after figure, its data, behaviour figure, its data, note) of the evidence.

    The data (for the CSV buttons) holds every point; the figures draw at most
    :data:`MAX_DRAWN` (see :func:`drawn_evidence`), and ``note`` says so when they
    draw fewer. Built on every run: caching them measured no win (100k items: 0.085 s
    a rerun without the cache, 0.10 s with it; docs/benchmarks.md)."""
    box_data = pd.DataFrame(
        [
            {"window": w, **r}
            for w in ("before", "after")
            for r in evidence["distribution"].get(w, [])
        ]
    )
    xmr_data = pd.DataFrame(evidence.get("points") or [])
    drawn, note = drawn_evidence(evidence)
    box = before_after_chart(drawn)
    for trace, window in zip(box.data, ("before", "after"), strict=False):
        # The window's real count, not the drawn one.
        trace.name = f"{window} (n={len(evidence['distribution'].get(window) or [])})"
    return box, box_data, experiment_behaviour_chart(drawn), xmr_data, note


def _history(experiment_id: int) -> None:
    with Session(current_engine()) as session:
        history = records.experiment_history(
            session, experiment_id=experiment_id, actor=current_actor()
        )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When (UTC)": h.at,
                    "Who": h.author,
                    "What": h.kind,
                    "Changed": ", ".join(c.replace("_", " ") for c in h.changes),
                }
                for h in history
            ]
        ),
        hide_index=True,
    )


def _evidence_summary(evidence: dict, judged: dict) -> None:
    before, after = evidence["before"], evidence["after"]
    verdict = evidence["verdict"]
    cols = st.columns(4)
    # The periods go under the numbers: in a quarter of a 1280 px page a label holding
    # both dates was cut ("Before (2026-03-09 – 2026-…").
    cols[0].metric(
        "Before",
        _fmt(before["value"]),
        help=f"{before['from']} – {before['to']}, n = {before['n']}",
    )
    cols[0].caption(f"{before['from']} – {before['to']}")
    cols[1].metric(
        "After",
        _fmt(after["value"]),
        delta=None
        if evidence["change_abs"] is None
        else f"{evidence['change_abs']:+.1f}"
        + ("" if evidence["change_pct"] is None else f" ({100 * evidence['change_pct']:+.0f} %)"),
        delta_color="inverse" if evidence["direction"] == "decrease" else "normal",
        help=f"{after['from']} – {after['to']}, n = {after['n']}",
    )
    cols[1].caption(f"{after['from']} – {after['to']}")
    low, high = evidence["ci95"]
    cols[2].metric("95 % interval of the change", f"{_fmt(low)} … {_fmt(high)}")
    met = evidence["target_met"]
    cols[3].metric(
        "Target met",
        "–" if met is None else ("yes" if met else "no"),
        help=f"target {evidence['target']}",
    )
    st.markdown(f"### {verdict}")
    st.caption(
        f"{md(evidence['label'])}. Compared: {md(evidence.get('method_description', ''))}. "
        "The verdict comes from the interval." + _sample_note(evidence)
    )
    if evidence.get("p_value_sentence"):
        st.caption(md(evidence["p_value_sentence"]))
    check = evidence.get("sensitivity")
    if check:
        low_c, high_c = check.get("interval") or (None, None)
        st.caption(
            f"Check, {md(check['sentence'])} (interval {_fmt(low_c)} … {_fmt(high_c)}); "
            "it does not change the verdict."
        )
    for warning in evidence.get("warnings", []):
        st.warning(md(warning))  # may name a stage or a work type
    if judged["snapshot"]:
        stored = judged["snapshot"]
        note = (
            f"At its review the team concluded **{md(stored.get('verdict'))}** "
            f"(before {_fmt(stored['before']['value'])}, after "
            f"{_fmt(stored['after']['value'])})."
        )
        if judged["differs"]:
            note += " Today's re-computation on the latest data differs (shown above)."
        st.info(note)


def _sample_note(evidence: dict) -> str:
    parts = [f" Sample sizes: before {evidence['before']['n']}, after {evidence['after']['n']}"]
    censored = evidence.get("censored")
    if censored:
        parts.append(f" (unfinished, censored: {censored['before']} and {censored['after']})")
    straddlers = evidence.get("straddlers")
    if straddlers:
        parts.append(
            f"; {straddlers['count']} item(s) started before and finished after the change"
        )
    return "".join(parts) + "."


def _design_prediction(experiment, latest) -> None:
    """For an experiment that came from a future-state design: its prediction against what
    happened (vsm_core.future.track)."""
    with Session(current_engine()) as session:
        design = designs.design_of_experiment(
            session, actor=current_actor(), experiment_id=experiment.id
        )
    if design is None or latest.version_id is None:
        return
    dataset = load_version(database_url(), latest.version_id, latest.stamp)
    st.info(md(experiment_result_sentence(dataset, design, experiment)))
