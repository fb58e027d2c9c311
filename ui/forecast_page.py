"""Forecast page body: how many, when, this work in progress, and the forecasts' track record.

The page is thin: its controls make one :class:`ForecastSettings` (plain,
hashable values), each view calls one cached core function
(:mod:`vsm_core.forecast`) and draws the result's sentences, its chart with
the method written beside it, and the predictability line. Only the open view
is computed and drawn (stateful ``st.tabs``, bound to ``?view=`` like the Flow
metrics page). Results are cached with ``st.cache_data`` under the database,
every dataset's version id and stamp, the sidebar's filters and the
settings, so a rerun on cached results unpickles a small result and reuses the
cached figure (:func:`ui.panels.cached_figure`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from ui.forecast_text import (
    AGING_METHOD,
    BACKTEST_COLUMNS,
    HOW_MANY_COLUMNS,
    ITEM_COLUMNS,
    WHEN_COLUMNS,
    backtest_method,
    finish_dates,
    how_many_method,
    items_method,
    plain_columns,
    when_method,
)
from ui.metrics_state import flow_view_key, get_flow_view
from ui.panels import cached_figure, chart_panel
from ui.plain import md
from ui.state import Selection, list_datasets, list_versions, load_version
from ui.view_tabs import open_view
from vsm_core import forecast
from vsm_core.charts.aging import aging_wip_chart
from vsm_core.charts.common import percentile_items
from vsm_core.charts.forecast import (
    backtest_chart,
    how_many_chart,
    item_forecast_chart,
    when_chart,
)
from vsm_core.filters import ItemFilter
from vsm_core.forecast import DEFAULT_SEED, DEFAULT_TRIALS, ForecastError, ForecastOptions
from vsm_core.store import database_url

#: The page's views, in tab order; the first is the default.
VIEWS: tuple[str, ...] = ("How many", "When", "This work in progress", "Track record")

HISTORY_CHOICES = ("Last weeks", "The sidebar's date window")
DEFAULT_DAYS = 14
DEFAULT_HORIZON = 14
DEFAULT_ITEMS = 20
MAX_TRIALS = 100_000
#: The list of items past the SLE shows at most this many (the oldest).
MAX_LISTED = 200


@dataclass(frozen=True)
class ForecastSettings:
    """What the page's controls chose (every value plain and hashable: part of cache keys).

    ``versions``: ``(version id, stamp, dataset name)`` of the sidebar's
    dataset first, then of each other dataset forecast jointly; ``filters``: the sidebar's
    (work types, teams, attributes); ``history_weeks`` or ``history`` (local
    dates, both included); ``blackout``: dates that are not working days.
    """

    versions: tuple[tuple[int, str | None, str], ...]
    filters: tuple
    history_weeks: int
    history: tuple[date, date] | None
    workdays: bool
    blackout: tuple[date, ...]
    trials: int
    seed: int


def render_forecast(selection: Selection) -> None:
    if selection.version_id is None:
        st.info("No dataset yet. Go to **Import** to upload your team's export.")
        return
    if selection.facts() is None:
        st.info("This dataset has no status changes, so there is no history to forecast from.")
        return
    settings = _controls(selection)
    name, tab = open_view(VIEWS, page="forecast")  # hidden views run nothing
    with tab:
        try:
            _VIEW_BODIES[name](selection, settings)
        except ForecastError as refusal:  # a plain sentence saying why
            st.warning(md(refusal))


# --------------------------------------------------------------------------- controls


def _controls(selection: Selection) -> ForecastSettings:
    key = selection.version_id
    top = st.columns([3, 2, 3])
    choice = top[0].radio(
        "History sampled",
        HISTORY_CHOICES,
        horizontal=True,
        key=f"fc_history_{key}",
        help="The days whose completed counts the simulation draws from. Default: the 12 "
        "weeks up to the last event in the data.",
    )
    weeks, history = 12, None
    if choice == HISTORY_CHOICES[0]:
        weeks = int(
            top[1].number_input(
                "Weeks of history", min_value=1, max_value=260, value=12, key=f"fc_weeks_{key}"
            )
        )
    elif selection.window is not None:
        history = selection.window
        top[1].caption(f"{selection.window[0]:%d %b %Y} to {selection.window[1]:%d %b %Y}")
    else:
        top[1].caption("The sidebar's date window has no end yet: the last 12 weeks are used.")
    workdays = top[2].toggle(
        "Count working days only",
        key=f"fc_workdays_{key}",
        help="Weekends and the days off listed below are neither sampled nor simulated.",
    )
    blackout = _blackout(key) if workdays else ()
    others = _other_datasets(selection)
    trials, seed = _advanced(key)
    return ForecastSettings(
        versions=((selection.version_id, selection.version_stamp, selection.dataset.name), *others),
        filters=(selection.work_types, selection.teams, selection.attributes),
        history_weeks=weeks,
        history=history,
        workdays=workdays,
        blackout=blackout,
        trials=trials,
        seed=seed,
    )


def _blackout(key) -> tuple[date, ...]:
    text = st.text_input(
        "Days off (dates, separated by commas)",
        key=f"fc_blackout_{key}",
        placeholder="2026-12-24, 2026-12-25",
        help="Public holidays, a team offsite: dates written year-month-day.",
    )
    days, unread = parse_dates(text)
    if unread:
        st.caption(
            "Not read as dates, so left out: "
            + ", ".join(md(u) for u in unread)
            + ". Write dates as 2026-12-24."
        )
    return days


def parse_dates(text: str) -> tuple[tuple[date, ...], list[str]]:
    """Dates (``YYYY-MM-DD``) in ``text`` separated by commas, semicolons or spaces, sorted and
    without repeats, and the pieces that are not such dates."""
    pieces = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    days, unread = set(), []
    for piece in pieces:
        try:
            days.add(date.fromisoformat(piece.strip()))
        except ValueError:
            unread.append(piece.strip())
    return tuple(sorted(days)), unread


def _other_datasets(selection: Selection) -> tuple[tuple[int, str | None, str], ...]:
    """``(version id, stamp, name)`` of the latest version of each other dataset picked."""
    others = {d.id: d for d in list_datasets() if d.id != selection.dataset.id}
    if not others:
        return ()
    picked = st.multiselect(
        "Forecast together with",
        list(others),
        format_func=lambda i: others[i].name,
        key="fc_others",
        placeholder="No other dataset",
        help="Other teams' datasets (their latest version): each is simulated from its own "
        "history and the results are combined per trial. The sidebar's filters apply to the "
        "sidebar's dataset; the others count all their items.",
    )
    out = []
    for dataset_id in picked:
        versions = list_versions(dataset_id)
        if versions:
            out.append((*next(iter(versions.values())), others[dataset_id].name))
    return tuple(out)


def _advanced(key) -> tuple[int, int]:
    with st.expander("Advanced"):
        left, right = st.columns(2)
        trials = left.number_input(
            "Trials",
            min_value=100,
            max_value=MAX_TRIALS,
            value=DEFAULT_TRIALS,
            step=1_000,
            key=f"fc_trials_{key}",
            help="Simulated futures. More trials: steadier percentiles, slower.",
        )
        seed = right.number_input(
            "Seed",
            min_value=0,
            value=DEFAULT_SEED,
            step=1,
            key=f"fc_seed_{key}",
            help="The random generator's starting point: the same seed gives the same forecast.",
        )
    return int(trials), int(seed)


# --------------------------------------------------------------------------- cached core calls


def _options(settings: ForecastSettings) -> ForecastOptions:
    types, teams, attributes = settings.filters
    start, end = settings.history if settings.history else (None, None)
    return ForecastOptions(
        history_weeks=settings.history_weeks,
        history_from=start,
        history_to=end,
        workdays=settings.workdays,
        blackout=settings.blackout,
        item_filter=ItemFilter(work_types=types, teams=teams, attributes=attributes),
        trials=settings.trials,
        seed=settings.seed,
    )


def _filters(settings: ForecastSettings) -> list[ItemFilter]:
    """The sidebar's filters for the sidebar's dataset; every item of the others (their work
    types and teams are their own)."""
    return [_options(settings).item_filter] + [ItemFilter()] * (len(settings.versions) - 1)


def _datasets(url: str, settings: ForecastSettings) -> list:
    """The stored versions, each named as in the sidebar (the name the sentences use)."""
    return [
        replace(dataset, metadata={**dataset.metadata, "name": name})
        for dataset, name in (
            (load_version(url, version_id, stamp), name)
            for version_id, stamp, name in settings.versions
        )
    ]


@st.cache_data(show_spinner="Simulating…", max_entries=32)
def _how_many(url: str, settings: ForecastSettings, days: int | None, by: date | None):
    datasets, options, filters = _datasets(url, settings), _options(settings), _filters(settings)
    result = forecast.how_many(datasets, days=days, by=by, options=options, filters=filters)
    predictability = forecast.predictability(
        datasets, options=options, forecast=result, filters=filters
    )
    return result, predictability


@st.cache_data(show_spinner="Simulating…", max_entries=32)
def _when(url: str, settings: ForecastSettings, items: int):
    datasets, options, filters = _datasets(url, settings), _options(settings), _filters(settings)
    result = forecast.when(datasets, items=items, options=options, filters=filters)
    return result, forecast.predictability(datasets, options=options, filters=filters)


@st.cache_data(show_spinner="Forecasting each item…", max_entries=16)
def _items(url: str, settings: ForecastSettings, sle: float):
    """The item forecasts, the table marked ``past_sle``, the items past the SLE and every
    item (both in plain columns), computed once per SLE: a rerun only unpickles them."""
    result = _item_forecasts(url, settings)
    past = result.past_sle(sle)
    marked = result.table.assign(past_sle=result.table["item_id"].isin(past["item_id"]))
    plain = (plain_columns(past, ITEM_COLUMNS), plain_columns(marked, ITEM_COLUMNS))
    return result, marked, *plain


@st.cache_data(show_spinner="Forecasting each item…", max_entries=16)
def _item_forecasts(url: str, settings: ForecastSettings):
    [dataset] = _datasets(url, settings)
    return forecast.item_forecasts(dataset, options=_options(settings))


@st.cache_data(show_spinner="Checking past forecasts…", max_entries=16)
def _backtest(url: str, settings: ForecastSettings, horizon_days: int):
    [dataset] = _datasets(url, settings)
    options = _options(settings)
    result = forecast.backtest(dataset, horizon_days=horizon_days, options=options)
    return result, forecast.predictability(dataset, options=options)


@dataclass(frozen=True)
class AgingContext:
    """What the aging chart takes from the Flow metrics view (small: cheap per rerun).

    ``stages``: the aging columns in workflow order; ``percentiles``: ``((50, days), …)``
    of the completed items' cycle time; ``sle_days``: its 85th percentile (the default SLE).
    """

    stages: tuple[str, ...]
    percentiles: tuple[tuple[int, float], ...]
    sle_days: float | None
    timezone: str


def aging_context(selection: Selection) -> AgingContext:
    """The :class:`AgingContext` of the selection, as on the Flow metrics page (elapsed days,
    as of the last event), cached apart from the whole view."""
    key = flow_view_key(selection, mode="elapsed", as_of=None, freq="week")
    return _aging_context(key, selection)


@st.cache_data(show_spinner=False, max_entries=16)
def _aging_context(key: tuple, _selection: Selection) -> AgingContext:
    view = get_flow_view(_selection, mode="elapsed", as_of=None, freq="week")
    return AgingContext(
        tuple(str(s) for s in view.aging_stages),
        tuple(percentile_items(view.cycle_percentiles)),
        view.sle_days,
        view.timezone,
    )


def _alone(settings: ForecastSettings) -> ForecastSettings:
    """``settings`` for the sidebar's dataset only (item forecasts and the track record)."""
    return replace(settings, versions=settings.versions[:1])


# --------------------------------------------------------------------------- views


def _how_many_view(selection: Selection, settings: ForecastSettings) -> None:
    key = selection.version_id
    left, right, _ = st.columns([3, 2, 3])
    mode = left.radio(
        "Forecast the items done",
        ("In the next days", "Up to a date"),
        horizontal=True,
        key=f"fc_hm_mode_{key}",
    )
    days, by = None, None
    if mode == "In the next days":
        days = int(
            right.number_input(
                "Days", min_value=1, max_value=3_650, value=DEFAULT_DAYS, key=f"fc_hm_days_{key}"
            )
        )
    else:
        last = selection.facts().last_day
        by = right.date_input(
            "Up to and including",
            value=last + timedelta(days=DEFAULT_DAYS),
            min_value=last + timedelta(days=1),
            key=f"fc_hm_by_{key}",
        )
    url = database_url()
    result, predictability = _how_many(url, settings, days, by)
    _sentences(result.sentences())
    chart_panel(
        cached_figure(
            (url, settings, "how_many", days, by),
            lambda: how_many_chart(
                result.outcomes,
                result.percentiles,
                title=f"How many items in the {result.days} days to {result.end:%d %b %Y}",
            ),
        ),
        key="forecast_how_many",
        definition=how_many_method(result, settings.workdays),
        data=plain_columns(result.distribution(), HOW_MANY_COLUMNS),
    )
    _predictability(predictability)


def _when_view(selection: Selection, settings: ForecastSettings) -> None:
    key = selection.version_id
    left, _ = st.columns([2, 6])
    items = int(
        left.number_input(
            "Items to finish",
            min_value=1,
            max_value=100_000,
            value=DEFAULT_ITEMS,
            key=f"fc_when_items_{key}",
            help="With other datasets: the items all of them finish together.",
        )
    )
    url = database_url()
    result, predictability = _when(url, settings, items)
    _sentences(result.sentences())
    chart_panel(
        cached_figure(
            (url, settings, "when", items),
            lambda: when_chart(
                finish_dates(result.as_of_day, result.finish_days),
                result.percentiles,
                title=f"When {items:,} item{'s' if items != 1 else ''} could be done",
            ),
        ),
        key="forecast_when",
        definition=when_method(result, settings.workdays),
        data=plain_columns(result.distribution(), WHEN_COLUMNS),
    )
    _predictability(predictability)


def _items_view(selection: Selection, settings: ForecastSettings) -> None:
    if len(settings.versions) > 1:
        st.caption("Item forecasts are for the sidebar's dataset only.")
    context = aging_context(selection)
    left, _ = st.columns([2, 6])
    sle = left.number_input(
        "SLE (days)",
        min_value=0.5,
        value=float(context.sle_days) if context.sle_days is not None else 14.0,
        step=0.5,
        key=f"fc_sle_{selection.version_id}",
        help="Service level expectation. Default: the 85th percentile of cycle time of the "
        "completed items in the sidebar's date window, as on the Flow metrics page.",
    )
    url = database_url()
    settings = _alone(settings)
    result, marked, past, every = _items(url, settings, sle)
    _sentences(result.sentences(sle))
    chart_panel(
        cached_figure(
            (url, settings, "aging_forecast", sle, context),
            lambda: aging_wip_chart(
                result.table,
                stages=list(context.stages),
                percentiles=dict(context.percentiles),
                sle_days=sle,
                timezone=context.timezone,
                forecasts=result.table,
            ),
        ),
        key="forecast_aging",
        definition=AGING_METHOD,
        data=None,
    )
    _past_sle(past, sle)
    chart_panel(
        cached_figure(
            (url, settings, "items", sle),
            lambda: item_forecast_chart(marked, as_of=result.as_of_day),
        ),
        key="forecast_items",
        definition=items_method(result),
        data=every,
    )


def _past_sle(rows: pd.DataFrame, sle: float) -> None:
    st.markdown(f"**Items whose 85 % date is past the SLE ({sle:g} days)**")
    if rows.empty:
        st.caption("None: every item in progress will likely finish within the SLE.")
        return
    st.dataframe(rows.head(MAX_LISTED), hide_index=True)
    if len(rows) > MAX_LISTED:
        st.caption(
            f"The {MAX_LISTED} oldest of {len(rows):,}; the data of the chart below lists "
            "every item in progress."
        )


def _track_record_view(selection: Selection, settings: ForecastSettings) -> None:
    if len(settings.versions) > 1:
        st.caption("The track record is for the sidebar's dataset only.")
    left, _ = st.columns([2, 6])
    horizon = int(
        left.number_input(
            "Forecast horizon (days)",
            min_value=1,
            max_value=365,
            value=DEFAULT_HORIZON,
            key=f"fc_horizon_{selection.version_id}",
            help="Each past forecast says how many items the next this-many days would bring.",
        )
    )
    url = database_url()
    settings = _alone(settings)
    result, predictability = _backtest(url, settings, horizon)
    _sentences(result.sentences())
    chart_panel(
        cached_figure(
            (url, settings, "backtest", horizon),
            lambda: backtest_chart(result.points, horizon_days=horizon),
        ),
        key="forecast_backtest",
        definition=backtest_method(result),
        data=plain_columns(result.points, BACKTEST_COLUMNS),
    )
    _predictability(predictability)


_VIEW_BODIES = {
    "How many": _how_many_view,
    "When": _when_view,
    "This work in progress": _items_view,
    "Track record": _track_record_view,
}


# --------------------------------------------------------------------------- words


def _sentences(sentences: list[str]) -> None:
    st.markdown("\n".join(f"- {md(s)}" for s in sentences))


def _predictability(result) -> None:
    st.markdown(f"**Predictability.** {md(result.sentence())}")
