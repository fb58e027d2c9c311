"""Retrospective page body: since the last retrospective, what changed and what to try next.

In order: what finished (against the period before), what is aging, process-behaviour
signals, experiments due for review, a one-step "Try something" form that records an
experiment, and the form that saves the retrospective (date, attendees, notes and the
experiments recorded here) so the next one starts from it. Earlier retrospectives can
be opened below, and the whole retrospective downloads as one HTML page.

The data part comes from one cached core call
(:func:`vsm_core.retrospective.retrospective_view`); the experiments due and the
saved retrospectives are read from the store on every run (they change with edits).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st
from pydantic import ValidationError
from sqlmodel import Session

from ui.access_state import current_actor
from ui.auth import current_author
from ui.experiment_form import AUTHOR, form_choices
from ui.plain import md
from ui.state import Selection, current_engine, get_engine, load_version
from ui.url_state import VIEW_KEY, link_params
from vsm_core.experiments import records
from vsm_core.experiments.catalogue import parse_metric
from vsm_core.filters import ItemFilter
from vsm_core.retrospective import RetrospectiveView, default_since, retrospective_view
from vsm_core.retrospective.due import due_for_review
from vsm_core.retrospective.report import (
    behaviour_figure,
    experiment_dict,
    record_dict,
    retrospective_html,
)
from vsm_core.retrospective.since import days_text
from vsm_core.store import database_url
from vsm_core.store import retrospectives as store
from vsm_core.store.access import Actor
from vsm_core.store.stamps import experiments_stamp

#: Session keys: experiments recorded in this retrospective (per dataset), a message to show.
CREATED = "retro.created.{}"
FLASH = "retro.flash"
ERRORS = "retro.errors"


def render_retrospective(selection: Selection, *, today: date | None = None) -> None:
    today = today or date.today()
    dataset = selection.dataset
    if dataset is None or selection.version_id is None:
        st.info("No dataset yet. Go to **Import** to upload your team's export.")
        return
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))
    team = dataset.team
    with Session(current_engine()) as session:
        last = store.latest_retrospective(
            session, team=team, dataset_id=dataset.id, actor=current_actor()
        )
    facts = selection.facts()  # cached apart: the dataset itself is not unpickled for a date
    last_day = facts.last_day if facts is not None else None
    fallback = default_since(last_day, last.held_on if last is not None else None)
    if fallback is None:
        st.info("This dataset has no events yet: nothing to look back on.")
        return
    since = st.date_input(
        "Since",
        value=fallback,
        # The default in the key: when a retrospective is saved (here or elsewhere) the
        # default moves, and a keyed widget would otherwise keep the old day.
        key=f"retro_since_{dataset.id}_{fallback.isoformat()}",
        help="The look back covers this day to the data's last day, against the period of "
        "the same length before. Default: the day of the team's last saved retrospective, "
        "else the last 14 days of data.",
    )
    st.caption(
        f"Since the retrospective of {last.held_on:%d %b %Y}."
        if last is not None
        else "No retrospective saved yet for this team: the last 14 days of data."
    )
    view = _view(selection, since or fallback)
    _finished(view)
    _aging(view)
    _signals(view)
    due = _due(dataset.id, team, today, view)
    _try_something(selection, view, today)
    _save(selection, since or fallback, today)
    opened = _earlier(dataset.id, team)
    _download(view, due, dataset, opened)


@st.cache_data(show_spinner="Looking back…", max_entries=16)
def _cached_view(url: str, version_id: int, stamp, filters: tuple, since: date):
    types, teams, attributes = filters
    return retrospective_view(
        load_version(url, version_id, stamp),
        since=since,
        item_filter=ItemFilter(work_types=types, teams=teams, attributes=attributes),
    )


def _view(selection: Selection, since: date) -> RetrospectiveView:
    filters = (selection.work_types, selection.teams, selection.attributes)
    return _cached_view(
        database_url(), selection.version_id, selection.version_stamp, filters, since
    )


def _number(value, digits: int = 1) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (f"{value:.{digits}f}")
    )


# --------------------------------------------------------------------------- (a) finished


def _finished(view: RetrospectiveView) -> None:
    st.subheader("What finished")
    finished = view.finished
    before = finished.previous_percentiles or {}
    cells = st.columns(3)
    cells[0].metric(
        "Items finished",
        finished.count,
        delta=None
        if finished.previous_count is None
        else f"{finished.count - finished.previous_count:+d}",
        help="Items whose done date is in the period.",
    )
    for cell, q in zip(cells[1:], (50, 85), strict=True):
        now, then = finished.percentiles.get(f"p{q}"), before.get(f"p{q}")
        change = (
            None
            if now is None or then is None or math.isnan(now) or math.isnan(then)
            else now - then
        )
        cell.metric(
            f"Cycle time, {q}th percentile",
            f"{now:.1f} days" if now is not None and not math.isnan(now) else "–",
            delta=None if change is None else f"{change:+.1f} days",
            delta_color="inverse",
            help=f"{q} % of the items finished in the period took at most this many days "
            "from start to done.",
        )
    for sentence in finished.sentences():
        st.markdown(md(sentence))
    st.caption(
        "The period runs from Since to the data's last day; the period before has the same "
        "length. Cycle time = done − start in days, over items with a start."
    )


# --------------------------------------------------------------------------- (b) aging


def _aging(view: RetrospectiveView) -> None:
    st.subheader("What is aging")
    sle = f"{days_text(view.sle_days)}" if view.sle_days is not None else "none"
    if view.aging.empty:
        st.info("No item in progress is past the SLE or its stage's 85th percentile.")
    else:
        st.dataframe(aging_table(view.aging), hide_index=True, column_config=AGING_COLUMNS)
    st.caption(
        f"Items in progress, oldest first, whose age is above the SLE ({md(sle)}: the 85th "
        "percentile cycle time of every finished item) or whose days in their current stage "
        "are above the usual: the 85th percentile of the time finished items spent there."
    )


#: Column widths in pixels: 755 in all, so the table fits the main area of a 1280 px window
#: beside the sidebar (about 820 px) without scrolling sideways.
AGING_COLUMNS = {
    "Item": st.column_config.TextColumn("Item", width=80),
    "Title": st.column_config.TextColumn("Title", width=190),
    "Stage": st.column_config.TextColumn("Stage", width=90),
    "Age (days)": st.column_config.NumberColumn("Age (days)", width=75, format="%.1f"),
    "Days in stage": st.column_config.NumberColumn(
        "Days in stage",
        width=90,
        format="%.1f",
        help="Every stay in the current stage added up, the last one running to the data's end.",
    ),
    "Usual in stage": st.column_config.NumberColumn(
        "Usual in stage",
        width=110,
        format="%.1f",
        help="85 % of finished items spent at most this many days in the stage.",
    ),
    "Why listed": st.column_config.TextColumn("Why listed", width=120),
}


def aging_table(aging: pd.DataFrame) -> pd.DataFrame:
    """The aging rows as the page shows them: why each is listed in words."""
    why = pd.Series("", index=aging.index, dtype="object")
    why[aging["past_sle"]] = "past the SLE"
    why[aging["past_stage_p85"]] = "long in stage"
    why[aging["past_sle"] & aging["past_stage_p85"]] = "both"
    return pd.DataFrame(
        {
            "Item": aging["item_id"],
            "Title": aging["title"],
            "Stage": aging["stage"],
            "Age (days)": aging["age_days"],
            "Days in stage": aging["days_in_stage"],
            "Usual in stage": aging["stage_p85_days"],
            "Why listed": why,
        }
    )


# --------------------------------------------------------------------------- (c) signals


def _signals(view: RetrospectiveView) -> None:
    st.subheader("Process behaviour since then")
    for chart in view.charts:
        st.markdown(md(chart.sentence(view.since)))
    # The open chart is in the address (?view=Cycle time per item), as Flow metrics' tabs
    # are; only the open one is drawn.
    tabs = st.tabs(
        [chart.title for chart in view.charts],
        key=VIEW_KEY,
        bind="query-params",
        on_change="rerun",
    )
    for tab, chart in zip(tabs, view.charts, strict=True):
        if not tab.open:
            continue
        with tab:
            st.plotly_chart(behaviour_figure(chart), key=f"retro_chart_{chart.key}")
    st.caption(
        "Process behaviour charts: the limits are computed on the half year before Since "
        "(the line “limits frozen on the baseline”), so the points since are judged against "
        "how the work flowed before. A signal is a point beyond the limits or one of a run "
        "of 8 or more on one side of the average."
    )


# --------------------------------------------------------------------------- (d) due


#: Column widths in pixels: 780 in all (see :data:`AGING_COLUMNS`).
DUE_COLUMNS = {
    "#": st.column_config.NumberColumn("#", format="%d", width=35),
    "Experiment": st.column_config.TextColumn("Experiment", width=170),
    "Owner": st.column_config.TextColumn("Owner", width=90),
    "Status": st.column_config.TextColumn("Status", width=75),
    "Review date": st.column_config.TextColumn("Review date", width=135),
    "Verdict now": st.column_config.TextColumn("Verdict now", width=110),
    "Target metric": st.column_config.TextColumn("Target metric", width=165),
}


def _due(dataset_id: int, team: str | None, today: date, view: RetrospectiveView):
    st.subheader("Experiments due for review")
    horizon = max(view.finished.periods.length, 14)
    with Session(current_engine()) as session:
        fingerprint = experiments_stamp(session, actor=current_actor())
    due = _due_rows(database_url(), team, dataset_id, today, horizon, fingerprint, current_actor())
    if due.empty:
        st.info("No experiment is due for review before the next retrospective.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "#": due["id"],
                    "Experiment": due["title"],
                    "Owner": due["owner"],
                    "Status": due["status"],
                    "Review date": [
                        f"{d.isoformat()} (overdue)" if late else (d.isoformat() if d else "")
                        for d, late in zip(due["review_date"], due["overdue"], strict=True)
                    ],
                    "Verdict now": due["verdict"].fillna("no evidence yet"),
                    "Target metric": due["metric"],
                }
            ),
            hide_index=True,
            column_config=DUE_COLUMNS,
        )
        st.page_link(
            "pages/experiments.py",
            label="Review them on the Experiments page",
            icon=":material/science:",
            query_params=link_params(st.session_state),  # the same dataset and filters
        )
    st.caption(
        "Not reviewed yet, and reviewing or with a review date before the next retrospective "
        f"(in {horizon} days). The verdict is today's, on the latest data."
    )
    return due


@st.cache_data(show_spinner="Judging the experiments due…", max_entries=16)
def _due_rows(
    url: str,
    team: str | None,
    dataset_id: int,
    held_on: date,
    horizon: int,
    fingerprint: tuple,
    actor: Actor,
) -> pd.DataFrame:
    """The due experiments with today's verdict; the arguments are the whole cache key (a
    verdict takes most of a second per experiment, too slow for every rerun)."""
    del fingerprint  # part of the key only
    with Session(get_engine(url)) as session:
        return due_for_review(
            session,
            team=team,
            dataset_id=dataset_id,
            held_on=held_on,
            horizon_days=horizon,
            actor=actor,
        )


# --------------------------------------------------------------------------- (e) try something


def _created_key(dataset_id: int) -> str:
    return CREATED.format(dataset_id)


def _try_something(selection: Selection, view: RetrospectiveView, today: date) -> None:
    st.subheader("Try something")
    dataset_id = selection.dataset.id
    suggestion = view.suggestion
    st.caption(f"Prefilled from what this page shows: {md(suggestion.reason)}")
    choices = list(form_choices(selection)[0])  # cached: no second unpickling of the data
    if suggestion.metric not in choices:
        choices = [suggestion.metric, *choices]
    errors = st.session_state.get(ERRORS, {})
    with st.form(f"retro_try_{dataset_id}"):
        title = st.text_input("Title", value=suggestion.title, key="retro_title")
        hypothesis = st.text_area("Hypothesis", value=suggestion.hypothesis, key="retro_hypothesis")
        action = st.text_area("Action (the change we make)", key="retro_action")
        left, middle, right = st.columns(3)
        owner = _name_input(left, "Owner", "retro_owner")
        metric = middle.selectbox(
            "Target metric",
            choices,
            index=choices.index(suggestion.metric),
            format_func=_metric_words,
            key="retro_metric",
        )
        target = right.number_input(
            "Target value (days or items)",
            value=suggestion.target,
            key="retro_target",
            placeholder="optional",
        )
        left, right = st.columns(2)
        direction = left.selectbox(
            "Direction", ["decrease", "increase"], index=0, key="retro_direction"
        )
        review = right.date_input(
            "Review date",
            value=today + timedelta(days=max(view.finished.periods.length, 14)),
            key="retro_review",
            help="Default: the next retrospective, the same interval from today.",
        )
        author = _author_input("retro_try_author")
        submitted = st.form_submit_button("Record the experiment", type="primary")
    for message in errors.values():
        st.error(md(message))
    if submitted:
        _record_experiment(
            selection,
            dict(
                title=title,
                hypothesis=hypothesis,
                action=action,
                owner=owner,
                metric=metric,
                direction=direction,
                target=target,
                change_date=today,
                review_date=review,
                status="running",
                scope=_scope(selection),
            ),
            author.strip(),
        )


def _name_input(where, label: str, key: str, help: str | None = None) -> str:
    """A name field that starts from the signed-in person's name, else the name given
    earlier in the session (any page's "Your name"); a keyed widget ignores a changed
    ``value``, so its state is set instead."""
    if not st.session_state.get(key):
        st.session_state[key] = current_author() or st.session_state.get(AUTHOR, "")
    return where.text_input(label, key=key, help=help)


def _author_input(key: str) -> str:
    """Who records: the signed-in person where there is one (said, not asked), else a
    "Your name" field remembered for the session. Never the computer's user account."""
    signed_in = current_author()
    if signed_in:
        st.caption(f"Recorded as {md(signed_in)} (signed in).")
        return signed_in
    return _name_input(st, "Your name", key, help="Recorded as who made it.").strip()


def _metric_words(name: str) -> str:
    try:
        label = parse_metric(name).label
    except ValueError:
        return name
    return label[:1].upper() + label[1:]


def _scope(selection: Selection) -> dict:
    """The sidebar's filters as the experiment's scope (what the page looked at)."""
    scope: dict = {"work_types": list(selection.work_types)}
    if len(selection.teams) == 1:
        scope["team"] = selection.teams[0]
    if selection.attributes:
        scope["attributes"] = {name: list(values) for name, values in selection.attributes}
    return scope


def _record_experiment(selection: Selection, fields: dict, author: str) -> None:
    if not author:
        st.session_state[ERRORS] = {"author": "Say who is recording it: fill in Your name."}
        st.rerun()
    try:
        data = records.ExperimentCreate(dataset_id=selection.dataset.id, **fields)
    except ValidationError as error:
        st.session_state[ERRORS] = records.field_errors(error)
        st.rerun()
    st.session_state.pop(ERRORS, None)
    st.session_state[AUTHOR] = author
    with Session(current_engine()) as session:
        experiment = records.create_experiment(
            session, data=data, author=author, actor=current_actor()
        )
    key = _created_key(selection.dataset.id)
    st.session_state[key] = [*st.session_state.get(key, []), experiment.id]
    for field in ("retro_title", "retro_hypothesis", "retro_action", "retro_target"):
        st.session_state.pop(field, None)  # the form starts afresh from the prefill
    st.session_state[FLASH] = (
        f"Recorded experiment #{experiment.id} “{md(experiment.title)}”. Save the "
        "retrospective below to keep it with this retrospective."
    )
    st.rerun()


# --------------------------------------------------------------------------- saving


def _save(selection: Selection, since: date, today: date) -> None:
    st.subheader("Save the retrospective")
    dataset = selection.dataset
    created = st.session_state.get(_created_key(dataset.id), [])
    if created:
        st.markdown("Experiments recorded here: " + ", ".join(f"#{i}" for i in created))
    with st.form(f"retro_save_{dataset.id}"):
        held_on = st.date_input("Held on", value=today, key="retro_held_on")
        attendees = st.text_input("Attendees", key="retro_attendees", placeholder="Who came")
        notes = st.text_area("Notes", key="retro_notes", placeholder="What was said and decided")
        author = _author_input("retro_save_author")
        saved = st.form_submit_button("Save the retrospective", type="primary")
    if not saved:
        return
    author = author.strip()
    if not author:
        st.error("Say who is saving it: fill in Your name.")
        return
    if since > held_on:
        st.error("Since is after the day the retrospective was held: move one of them.")
        return
    with Session(current_engine()) as session:
        retrospective = store.create_retrospective(
            session,
            dataset_id=dataset.id,
            team=dataset.team,
            held_on=held_on,
            since=since,
            attendees=attendees,
            notes=notes,
            author=author,
            experiment_ids=created,
            actor=current_actor(),
        )
    st.session_state[AUTHOR] = author
    st.session_state.pop(_created_key(dataset.id), None)
    st.session_state[FLASH] = (
        f"Saved the retrospective of {retrospective.held_on:%d %b %Y}; the next one starts from it."
    )
    st.rerun()


# --------------------------------------------------------------------------- earlier ones


def _earlier(dataset_id: int, team: str | None):
    """The saved retrospectives to open (newest first); returns the one opened, or None."""
    with Session(current_engine()) as session:
        saved = store.list_retrospectives(
            session, team=team, dataset_id=None if team else dataset_id, actor=current_actor()
        )
        if not saved:
            return None
        st.subheader("Earlier retrospectives")
        by_id = {r.id: r for r in saved}
        chosen = st.selectbox(
            "Open",
            list(by_id),
            format_func=lambda i: f"{by_id[i].held_on:%d %b %Y} (since {by_id[i].since:%d %b})",
            key=f"retro_open_{dataset_id}",
        )
        retrospective = by_id[chosen]
        experiments = store.retrospective_experiments(
            session, retrospective_id=chosen, actor=current_actor()
        )
    st.markdown(
        f"**Held on** {retrospective.held_on:%d %b %Y}, looking back to "
        f"{retrospective.since:%d %b %Y} · **saved by** {md(retrospective.author)}"
    )
    st.markdown(f"**Attendees:** {md(retrospective.attendees) or '–'}")
    st.markdown(f"**Notes:** {md(retrospective.notes) or '–'}")
    if not experiments:
        st.markdown("**Experiments started:** none")
    for e in experiments:
        st.markdown(
            f"**#{e.id} {md(e.title)}** · owner {md(e.owner)} · {md(e.status)}  \n"
            f"**Learnings:** {md(e.learnings) if e.learnings else '–'}"
        )
    return retrospective


def _download(view: RetrospectiveView, due, dataset, opened) -> None:
    """The whole retrospective as one HTML page, with the saved one opened above (if any)."""
    title = f"{dataset.name} retrospective"
    slug = re.sub(r"[^a-z0-9]+", "-", dataset.name.lower()).strip("-") or "team"

    def report() -> bytes:  # built on click (plotly.js is ~5 MB)
        record, experiments = None, []
        if opened is not None:
            with Session(current_engine()) as session:
                record = record_dict(opened)
                experiments = [
                    experiment_dict(e)
                    for e in store.retrospective_experiments(
                        session, retrospective_id=opened.id, actor=current_actor()
                    )
                ]
        return retrospective_html(
            view,
            title=title,
            due=due,
            generated_at=datetime.now(UTC),
            record=record,
            experiments=experiments,
        ).encode("utf-8")

    st.download_button(
        "Download HTML",
        data=report,
        file_name=f"flowlab-retrospective-{slug}.html",
        mime="text/html",
        key="retro_html",
        on_click="ignore",
        icon=":material/download:",
        help="One file with everything above and the retrospective opened above; opens offline.",
    )
