"""Future state page body: compose changes to today's value stream, see the prediction, save it,
and turn a saved design into an experiment whose outcome is later checked against it.

Two views (stateful ``st.tabs`` bound to ``?view=`` like the Forecast page; only the open
one runs): **Design** starts from the current-state value stream map (the one the
Bottlenecks page draws), lets the team add changes with widgets, and shows the check of
today, the future-state map beside the current one, the predicted numbers with their
intervals and the sentences; **Saved designs** lists the team's designs, turns one into an
experiment and shows, for every design that became one, how far its prediction was from
what happened. The simulation is one cached core call (:func:`vsm_core.future.design`)
keyed by the database, version id and stamp, the sidebar's filters, the changes and the
options; stores go through :mod:`vsm_core.store.designs` with the session's actor. A viewer
(no editor role in the dataset's team) sees neither form, only who may save a design or turn
one into an experiment (the store would refuse them anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.metrics_state import bottleneck_view_key, get_bottleneck_view
from ui.panels import cached_figure, chart_panel
from ui.plain import md
from ui.state import Selection, current_engine, load_version
from ui.url_state import link_params
from ui.view_tabs import open_view
from vsm_core.charts.future import future_map_chart, map_segments
from vsm_core.charts.value_stream import value_stream_map
from vsm_core.experiments import records
from vsm_core.filters import ItemFilter
from vsm_core.future import (
    DEFAULT_RUNS,
    DEFAULT_SEED,
    WHOLE_SPAN,
    ChangeError,
    FutureDesign,
    FutureError,
    FutureOptions,
    design,
    parse_changes,
    stages_of,
)
from vsm_core.future.changes import merged_name
from vsm_core.future.track import TRACK_LABELS, linked_design, predicted_cycle, track_record
from vsm_core.store import database_url, designs
from vsm_core.store.access import AccessDenied, NotFound

VIEWS: tuple[str, ...] = ("Design", "Saved designs")
#: A message for the next run (after a write, the view is drawn again from the store).
_FLASH = "flowlab.future_flash"

#: The kinds of change the composer offers, in words, and what each needs.
KINDS: dict[str, tuple[str, ...]] = {
    "Scale the time in a stage": ("stage", "factor"),
    "Remove a stage": ("stage",),
    "Merge two stages": ("stage", "second"),
    "WIP limit on a stage": ("stage", "limit"),
    "WIP limit on the whole span (commitment to done)": ("limit",),
    "Change how much new work arrives": ("factor",),
}
_PREFIX = {
    "Scale the time in a stage": "scale",
    "Remove a stage": "remove",
    "Merge two stages": "merge",
    "WIP limit on a stage": "wip",
}
#: The comparison table's columns in words.
COMPARISON_LABELS = {
    "measure": "Measure",
    "measured": "Measured today",
    "simulated": "Simulated today",
    "future": "Future",
    "range": "Future range (90 %)",
}


@dataclass(frozen=True)
class Settings:
    """What the page's controls chose (plain, hashable: part of the cache key)."""

    version: tuple[int, str | None]
    filters: tuple
    changes: tuple[str, ...]
    runs: int
    seed: int
    history_weeks: int


def render_future(selection: Selection) -> None:
    if selection.version_id is None:
        st.info("No dataset yet. Go to **Import** to upload your team's export.")
        return
    if selection.facts() is None:
        st.info("This dataset has no status changes, so there is no value stream to change.")
        return
    name, tab = open_view(VIEWS, page="future")  # hidden views run nothing
    with tab:
        (_design_view if name == VIEWS[0] else _saved_view)(selection)


# --------------------------------------------------------------------------- the design view


def _changes_key(selection: Selection) -> str:
    return f"future_changes_{selection.version_id}"


def _design_view(selection: Selection) -> None:
    _current_map(selection)
    filters = (selection.work_types, selection.teams, selection.attributes)
    runs, seed, weeks = _advanced(selection)
    try:
        stages = _stages(
            database_url(), selection.version_id, selection.version_stamp, filters, weeks
        )
    except FutureError as refusal:
        st.warning(md(refusal))
        return
    changes = _composer(selection, stages)
    settings = Settings(
        (selection.version_id, selection.version_stamp), filters, changes, runs, seed, weeks
    )
    try:
        result = _design(database_url(), settings)
    except (FutureError, ChangeError) as refusal:  # a plain sentence saying why
        st.warning(md(refusal))
        return
    _check_of_today(result)
    _prediction(result, ("future_map", database_url(), settings))
    _save_form(selection, result)


def _current_map(selection: Selection) -> None:
    st.subheader("Today: the current-state value stream map")
    view = get_bottleneck_view(selection)
    chart_panel(
        cached_figure(
            (*bottleneck_view_key(selection), "value_stream"),
            lambda: value_stream_map(view.value_stream, rework=view.rework),
        ),
        key="future_current_map",
        definition="The current state as the Bottlenecks page draws it, over the completed "
        "items of the sidebar's selection: each active stage with its median work time, each "
        "waiting stage as a queue with its median wait. The box: flow efficiency (active time "
        "÷ cycle time) and process cycle efficiency (time in stages that add value ÷ lead "
        "time), each summed over the completed items.",
    )


def _advanced(selection: Selection) -> tuple[int, int, int]:
    key = selection.version_id
    with st.expander("Advanced: history, runs and seed"):
        cols = st.columns(3)
        weeks = cols[0].number_input(
            "Weeks of history",
            min_value=1,
            max_value=260,
            value=12,
            key=f"future_weeks_{key}",
            help="The weeks up to the last event whose finished items the model replays.",
        )
        runs = cols[1].number_input(
            "Simulation runs",
            min_value=1,
            max_value=1000,
            value=DEFAULT_RUNS,
            key=f"future_runs_{key}",
            help="More runs give steadier numbers and narrower ranges, and take longer.",
        )
        seed = cols[2].number_input(
            "Seed",
            min_value=0,
            max_value=2**31 - 1,
            value=DEFAULT_SEED,
            key=f"future_seed_{key}",
            help="The same seed gives the same result.",
        )
    return int(runs), int(seed), int(weeks)


def _composer(selection: Selection, stages: tuple[str, ...]) -> tuple[str, ...]:
    """The change list of this dataset version: add with widgets, remove one by one."""
    st.subheader("Changes to try")
    state_key = _changes_key(selection)
    current = list(st.session_state.get(state_key, []))
    try:
        parsed = parse_changes(current, stages)
    except ChangeError:  # stages changed under the list (another version, a filter)
        parsed, current = (), []
        st.session_state[state_key] = []
    names = _stage_names(stages, parsed)
    key = selection.version_id
    cols = st.columns([3, 2, 2, 2])
    kind = cols[0].selectbox("Change", list(KINDS), key=f"future_kind_{key}")
    needs = KINDS[kind]
    stage = second = None
    factor, limit = 0.5, 3
    if "stage" in needs:
        stage = cols[1].selectbox("Stage", names, key=f"future_stage_{key}")
    if "second" in needs:
        second = cols[2].selectbox(
            "and stage", names, index=min(1, len(names) - 1), key=f"future_second_{key}"
        )
    if "factor" in needs:
        factor = cols[2].number_input(
            "Times as long" if "stage" in needs else "Times as much",
            min_value=0.05,
            max_value=10.0,
            value=0.5 if "stage" in needs else 1.2,
            step=0.05,
            key=f"future_factor_{key}_{'stage' in needs}",
            help="0.5 halves it, 2 doubles it.",
        )
    if "limit" in needs:
        limit = cols[2].number_input(
            "At most (items)", min_value=1, max_value=500, value=3, key=f"future_limit_{key}"
        )
    if cols[3].button("Add change", key=f"future_add_{key}", type="primary"):
        text = change_text(kind, stage=stage, second=second, factor=factor, limit=limit)
        try:
            parse_changes([*current, text], stages)
        except ChangeError as refusal:
            st.warning(md(refusal))
        else:
            st.session_state[state_key] = [*current, text]
            st.rerun()  # the stage choices follow the new list
    _change_list(selection, parsed, current)
    return tuple(st.session_state.get(state_key, []))


def change_text(
    kind: str,
    *,
    stage: str | None = None,
    second: str | None = None,
    factor: float = 1.0,
    limit: int = 1,
) -> str:
    """The change text (docs/future-state.md, *Changes*) of the composer's choice."""
    if kind == "WIP limit on the whole span (commitment to done)":
        return f"wip:{WHOLE_SPAN}={int(limit)}"
    if kind == "Change how much new work arrives":
        return f"arrivals={float(factor):g}"
    prefix = _PREFIX[kind]
    if prefix == "remove":
        return f"remove:{stage}"
    if prefix == "merge":
        return f"merge:{stage}+{second}"
    if prefix == "wip":
        return f"wip:{stage}={int(limit)}"
    return f"scale:{stage}={float(factor):g}"


def _stage_names(stages: tuple[str, ...], parsed) -> list[str]:
    """The stages a new change may name: the map's, after the removals and merges so far."""
    names = list(stages)
    for change in parsed:  # a loop over the few changes
        if change.kind == "remove":
            names.remove(change.stages[0])
        elif change.kind == "merge":
            first, other = change.stages
            names[names.index(first)] = merged_name(first, other)
            names.remove(other)
    return names


def _change_list(selection: Selection, parsed, current: list[str]) -> None:
    if not parsed:
        st.caption("No change yet: the future below is today's stream as simulated.")
        return
    for i, change in enumerate(parsed):  # a loop over the few changes
        row = st.columns([8, 1])
        row[0].markdown(f"{i + 1}. {md(change.describe())}")
        if row[1].button("Remove", key=f"future_drop_{selection.version_id}_{i}"):
            current.remove(change.text)
            st.session_state[_changes_key(selection)] = current
            st.rerun()


@st.cache_data(show_spinner=False, max_entries=16)
def _stages(
    url: str, version_id: int, stamp: str | None, filters: tuple, weeks: int
) -> tuple[str, ...]:
    types, teams, attributes = filters
    options = FutureOptions(history_weeks=weeks, item_filter=ItemFilter(types, teams, attributes))
    return stages_of(load_version(url, version_id, stamp), options)


@st.cache_data(show_spinner="Simulating…", max_entries=32)
def _design(url: str, settings: Settings) -> FutureDesign:
    types, teams, attributes = settings.filters
    options = FutureOptions(
        history_weeks=settings.history_weeks,
        item_filter=ItemFilter(types, teams, attributes),
        runs=settings.runs,
        seed=settings.seed,
    )
    return design(load_version(url, *settings.version), settings.changes, options)


def _check_of_today(result: FutureDesign) -> None:
    st.subheader("The check of today")
    rows = result.validation
    first, *warning = result.sentences()[: 2 if any(not r["within"] for r in rows) else 1]
    st.markdown(md(first))
    if warning:
        st.warning(md(warning[0]))
    table = pd.DataFrame(
        {
            "Measure": [r["measure"].capitalize() + " (days)" for r in rows],
            "Measured": _days([r["measured"] for r in rows]),
            "Simulated": _days([r["simulated"] for r in rows]),
            "Off by": ["" if r["difference"] is None else f"{r['difference']:.0%}" for r in rows],
            "Within 15 %": ["yes" if r["within"] else "no" for r in rows],
        }
    )
    st.dataframe(table, hide_index=True, key="future_check")
    st.caption(
        "Today's stream simulated as it is, against what was measured over the same weeks. A "
        "simulator that cannot reproduce today cannot be trusted about tomorrow: when a "
        "percentile is off by more than 15 %, the predictions are less trustworthy."
    )


def _prediction(result: FutureDesign, figure_key: tuple) -> None:
    st.subheader("The future")
    skip = 2 if any(not r["within"] for r in result.validation) else 1
    for sentence in result.sentences()[skip:]:
        st.markdown(md(sentence))
    segments = map_segments(result.maps())
    chart_panel(
        cached_figure(figure_key, lambda: future_map_chart(result.maps())),
        key="future_map",
        definition="Each bar is cut into the stages of its map; a segment is the stage's days "
        "per finished item on average (mean days of the items that visited it × the share "
        "that did), so a bar's length is the mean time from start to done. Now: measured. "
        "Future: simulated with the changes. Blue: active stages; orange: queues.",
        data=segments.rename(
            columns={
                "state": "State",
                "stage": "Stage",
                "category": "Kind",
                "median_days": "Median days (items that visited it)",
                "visited_share": "Share of items that visited it",
                "wip_mean": "Average items in it (simulated)",
                "days": "Days per finished item",
            }
        ),
    )
    _comparison(result)
    st.caption(result.method())


def _comparison(result: FutureDesign) -> None:
    table = result.comparison()
    shown = pd.DataFrame({COMPARISON_LABELS["measure"]: table["measure"]})
    share = table["measure"].str.startswith("Flow efficiency")
    text = {}
    for column in ("measured", "simulated", "future", "low", "high"):
        values = pd.to_numeric(table[column], errors="coerce")
        plain = values.map("{:.1f}".format, na_action="ignore")
        text[column] = plain.where(~share, values.map("{:.0%}".format, na_action="ignore"))
    for column in ("measured", "simulated", "future"):
        shown[COMPARISON_LABELS[column]] = _empty_missing(text[column])
    both = text["low"].notna() & text["high"].notna()
    low, high = (_empty_missing(text[end]).astype(str) for end in ("low", "high"))
    shown[COMPARISON_LABELS["range"]] = (low + "–" + high).where(both, "")
    st.dataframe(shown, hide_index=True, key="future_numbers")
    st.caption(
        "Cycle time: start to done; lead time: created to done (days, percentiles of the items "
        "finished, all runs pooled). Throughput: items finished a week. Work in progress: items "
        "between start and done, averaged over time. Flow efficiency: time in active stages ÷ "
        "cycle time. The future's range runs from the 5th to the 95th percentile of the runs' own "
        "values."
    )


def _empty_missing(text: pd.Series) -> pd.Series:
    """Formatted numbers as text, a missing value as an empty cell (whatever the dtype)."""
    return text.astype(object).where(text.notna(), "")


def _days(values) -> list[str]:
    return ["" if v is None else f"{v:.1f}" for v in values]


def _team(selection: Selection) -> str:
    """The dataset's team (a dataset stored without one is a team of its own name)."""
    return selection.dataset.team or selection.dataset.name


def may_edit(selection: Selection) -> bool:
    """Whether the acting user may save designs and start experiments for this dataset."""
    return current_actor().may(_team(selection), "edit")


def editors_only(selection: Selection) -> str:
    """The sentence a viewer reads instead of the forms (the team's name as text)."""
    return (
        f"Only editors and admins of {md(_team(selection))} can save a design or turn one "
        "into an experiment. A team admin can give the editor role on the Admin page."
    )


def _save_form(selection: Selection, result: FutureDesign) -> None:
    st.subheader("Save this design")
    if not may_edit(selection):
        st.caption(editors_only(selection))
        return
    if not result.changes:
        st.caption("Add a change to save a design.")
        return
    with st.form(key=f"future_save_{selection.version_id}", clear_on_submit=True):
        name = st.text_input("Name of the design", max_chars=200)
        saved = st.form_submit_button("Save design")
    if not saved:
        return
    try:
        with Session(current_engine()) as session:
            stored = designs.save_design(
                session,
                actor=current_actor(),
                version_id=selection.version_id,
                name=name,
                changes=[c.text for c in result.changes],
                record=result.record(),
            )
            label = stored.name
    except (ValueError, NotFound, AccessDenied) as refusal:
        st.warning(md(refusal))
        return
    st.success(f"Saved the design **{md(label)}**. Find it under Saved designs.")


# --------------------------------------------------------------------------- saved designs


def _saved_view(selection: Selection) -> None:
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash)
        st.page_link(
            "pages/experiments.py",
            label="Open Experiments",
            query_params=link_params(st.session_state),
        )
    actor = current_actor()
    with Session(current_engine()) as session:
        stored = designs.list_designs(session, actor=actor, dataset_id=selection.dataset.id)
        experiments = {
            d.experiment_id: records.get_experiment(
                session, experiment_id=d.experiment_id, actor=actor
            )
            for d in stored
            if d.experiment_id is not None
        }
        for experiment in experiments.values():
            if experiment is not None:
                session.expunge(experiment)
        for entry in stored:
            session.expunge(entry)
    if not stored:
        if may_edit(selection):
            st.info(
                "No saved design for this dataset yet. Compose changes under Design and save one."
            )
        else:
            st.info("No saved design for this dataset yet.")
            st.caption(editors_only(selection))
        return
    st.subheader("Saved designs")
    st.dataframe(_design_table(stored, experiments), hide_index=True, key="future_designs")
    _start_form(selection, [d for d in stored if d.experiment_id is None])
    _track(selection, stored, experiments)


def _design_table(stored, experiments) -> pd.DataFrame:
    rows = []
    for entry in stored:  # a loop over the team's designs
        p50, p85 = predicted_cycle(entry.record or {})
        experiment = experiments.get(entry.experiment_id)
        rows.append(
            {
                "Design": entry.name,
                "Saved": f"{entry.created_at:%Y-%m-%d}",
                "By": entry.author,
                "Changes": "; ".join((entry.record or {}).get("changes_in_words") or entry.changes),
                "Predicted median (days)": "" if p50 is None else f"{p50:.1f}",
                "Predicted 85th percentile (days)": "" if p85 is None else f"{p85:.1f}",
                "Experiment": "" if experiment is None else f"{experiment.id}: {experiment.title}",
            }
        )
    return pd.DataFrame(rows)


def _start_form(selection: Selection, open_designs) -> None:
    st.subheader("Turn a design into an experiment")
    if not may_edit(selection):
        st.caption(editors_only(selection))
        return
    if not open_designs:
        st.caption("Every saved design has become an experiment.")
        return
    by_id = {d.id: d for d in open_designs}
    with st.form(key=f"future_start_{selection.version_id}"):
        chosen = st.selectbox(
            "Design", list(by_id), format_func=lambda i: by_id[i].name, key="future_start_design"
        )
        change_date = st.date_input("Change date", value=date.today(), key="future_start_date")
        started = st.form_submit_button("Turn into an experiment")
    st.caption(
        "The experiment targets the 85th percentile cycle time, with the design's predicted value "
        "as its target; its hypothesis is the design's prediction sentence, its baseline the 12 "
        "weeks before the change date. Edit it on the Experiments page."
    )
    if not started:
        return
    try:
        with Session(current_engine()) as session:
            experiment = designs.start_experiment(
                session, actor=current_actor(), design_id=chosen, change_date=change_date
            )
            label = f"{experiment.id}: {experiment.title}"
    except (ValueError, NotFound, AccessDenied) as refusal:
        st.warning(md(refusal))
        return
    # Drawn again from the store, so the lists and the track record include it.
    st.session_state[_FLASH] = f"Recorded experiment {md(label)}."
    st.rerun()


def _track(selection: Selection, stored, experiments) -> None:
    st.subheader("How far past predictions were from what happened")
    linked = tuple(
        linked_design(entry, experiments[entry.experiment_id])
        for entry in stored
        if experiments.get(entry.experiment_id) is not None
    )
    if not linked:
        st.caption("No design has become an experiment yet.")
        return
    table = _track_table(database_url(), selection.version_id, selection.version_stamp, linked)
    st.dataframe(table, hide_index=True, key="future_track")
    st.caption(
        "Measured on this version: the items started from the change date to the end of the "
        "experiment's after window (12 weeks unless its baseline says otherwise) and done by "
        "the last event, their cycle time's median and 85th percentile. Off by: (predicted − "
        "measured) ÷ measured; +10 % means the design predicted 10 % longer than happened. "
        "Unfinished items are left out, so early on the measured values read short."
    )


@st.cache_data(show_spinner="Measuring what happened…", max_entries=16)
def _track_table(url: str, version_id: int, stamp: str | None, linked: tuple) -> pd.DataFrame:
    table = track_record(load_version(url, version_id, stamp), linked)
    shown = pd.DataFrame({TRACK_LABELS[c]: table[c] for c in ("design", "experiment")})
    shown[TRACK_LABELS["change_date"]] = table["change_date"].map(lambda d: f"{d:%Y-%m-%d}")
    for column in ("started", "done"):
        shown[TRACK_LABELS[column]] = table[column].astype("int64")
    for column in table.columns[5:]:
        pattern = "{:+.0f}" if column.startswith("error") else "{:.1f}"
        text = table[column].map(pattern.format, na_action="ignore")
        shown[TRACK_LABELS[column]] = _empty_missing(text)
    return shown
