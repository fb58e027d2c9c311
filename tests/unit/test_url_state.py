"""The address's selection (ui/url_state.py): encode/decode round trip, bad values, who wins."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlencode

from hypothesis import given
from hypothesis import strategies as st

from ui.url_state import (
    KEYS,
    UrlSelection,
    decode,
    encode,
    incoming,
    link_params,
    parse_day,
    publish,
)

#: Any text a name can hold except the empty string (an empty value means "absent") and lone
#: surrogates (not encodable, so never in an address).
NAMES = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
LISTS = st.lists(NAMES, max_size=4, unique=True).map(tuple)
IDS = st.none() | st.integers(1, 10**9)
DAYS = st.none() | st.dates(date(1, 1, 1), date(9999, 12, 31))


@st.composite
def selections(draw) -> UrlSelection:
    attribute = draw(st.none() | NAMES)
    return UrlSelection(
        dataset=draw(IDS),
        version=draw(IDS),
        start=draw(DAYS),
        end=draw(DAYS),
        types=draw(LISTS),
        teams=draw(LISTS),
        attribute=attribute,
        values=draw(LISTS) if attribute is not None else (),
    )


@given(selections())
def test_decode_reads_back_what_encode_wrote(selection):
    assert decode(encode(selection)) == (selection, ())


@given(selections())
def test_the_round_trip_holds_through_a_real_query_string(selection):
    """What the browser holds: urlencoded with repeated keys, read back by parse_qs."""
    query = urlencode(encode(selection), doseq=True)
    assert decode(parse_qs(query, keep_blank_values=True)) == (selection, ())


@given(selections())
def test_encode_writes_only_the_shared_keys_in_order_and_never_an_empty_value(selection):
    params = encode(selection)
    assert list(params) == [k for k in KEYS if k in params]
    assert all(values and all(v != "" for v in values) for values in params.values())


def test_the_default_selection_is_an_empty_query_string():
    assert encode(UrlSelection()) == {}
    assert decode({}) == (UrlSelection(), ())


def test_a_full_link_in_the_shared_scheme():
    query = (
        "dataset=3&version=2&from=2026-03-01&to=2026-05-31&type=Defect&type=Feature"
        "&team=Blue&attr=Priority&value=High&value=Low&view=Aging"
    )
    selection, bad = decode(parse_qs(query))
    assert bad == ()
    assert selection == UrlSelection(
        dataset=3,
        version=2,
        start=date(2026, 3, 1),
        end=date(2026, 5, 31),
        types=("Defect", "Feature"),
        teams=("Blue",),
        attribute="Priority",
        values=("High", "Low"),
    )
    assert urlencode(encode(selection), doseq=True) == query.removesuffix("&view=Aging")


def test_unreadable_values_fall_back_to_their_default_and_are_named():
    params = {
        "dataset": "abc",
        "version": "0",
        "from": "2026-13-01",
        "to": "yesterday",
        "value": ["High"],  # a value without an attribute
        "type": ["Defect", "", "Defect"],  # empty and repeated entries are dropped
    }
    selection, bad = decode(params)
    assert selection == UrlSelection(types=("Defect",))
    assert set(bad) == {"dataset", "version", "from", "to", "value"}


def test_numbers_are_plain_digits_and_one_value_per_single_key():
    for text in ("-1", "+2", " 3", "1_000", "٣", "1.0"):
        assert decode({"dataset": text}) == (UrlSelection(), ("dataset",)), text
    assert decode({"dataset": ["1", "2"]}) == (UrlSelection(), ("dataset",))
    assert decode({"dataset": ["4", "4"]}) == (UrlSelection(dataset=4), ())


class FakeQueryParams(dict):
    """Enough of ``st.query_params``: repeated keys as lists, ``get_all``."""

    def get_all(self, key):
        value = self.get(key, [])
        return [value] if isinstance(value, str) else list(value)


def test_the_address_wins_only_when_it_differs_from_what_the_session_wrote():
    session: dict = {}
    url = FakeQueryParams(dataset="2", type=["Defect"], view="Aging")
    assert incoming(url, session) == {"dataset": ["2"], "type": ["Defect"]}  # a link opened
    publish({"dataset": ["2"], "type": ["Defect"]}, url, session)
    assert incoming(url, session) is None  # our own write: the widgets win
    url["type"] = ["Feature"]  # the address edited, or the back button
    assert incoming(url, session) == {"dataset": ["2"], "type": ["Feature"]}
    assert incoming(FakeQueryParams(view="Aging"), session) is None  # no selection: keep ours


def test_publish_changes_only_the_selection_keys_and_the_links_carry_them():
    session: dict = {}
    url = FakeQueryParams(dataset="1", team=["Blue"], view="Aging", other="x")
    publish({"dataset": ["2"], "from": ["2026-01-05"]}, url, session)
    assert url == {"dataset": ["2"], "from": ["2026-01-05"], "view": "Aging", "other": "x"}
    assert link_params(session) == {"dataset": ["2"], "from": ["2026-01-05"]}
    assert link_params({}) == {}
    assert link_params(session, view="Aging") == {
        "dataset": ["2"],
        "from": ["2026-01-05"],
        "view": ["Aging"],
    }
    assert "view" not in link_params(session)  # the session's record is not changed


@given(st.dates(date(1000, 1, 1), date(9999, 12, 31)))
def test_a_day_written_year_first_reads_back(day):
    assert parse_day(day.isoformat()) == day
    assert parse_day(f" {day.year}/{day.month}/{day.day} ") == day
    assert parse_day(f"{day.year}.{day.month:02}.{day.day:02}") == day


def test_what_is_not_a_day_written_year_first_is_none():
    for text in (
        "",
        "2026-02-30",
        "2026-13-01",
        "01/05/2026",
        "1 May 2026",
        "2026-05",
        "0000-01-01",
        "2026-05-01T10:00",
        "２０２６-05-01",
    ):
        assert parse_day(text) is None, text
