"""parse_timestamps: every accepted format, day/month order, zones, problems."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_core.importers.dates import AmbiguousDateOrder, ParsedDates, parse_timestamps
from vsm_core.importers.errors import ImportFailed

BERLIN = "Europe/Berlin"


def parse(values, *, rows=None, date_order=None, timezone="UTC") -> ParsedDates:
    series = pd.Series(values, dtype="str")
    rows = np.arange(2, len(series) + 2) if rows is None else np.asarray(rows)
    return parse_timestamps(
        series, column="when", rows=rows, date_order=date_order, timezone=timezone
    )


def utc(*texts: str | None) -> list:
    return [pd.NaT if text is None else pd.Timestamp(text, tz="UTC") for text in texts]


def assert_parsed(result: ParsedDates, *expected: str | None) -> None:
    assert result.problems == []
    assert str(result.values.dtype) == "datetime64[us, UTC]"
    assert result.values.tolist() == utc(*expected)


# --- ISO 8601 ---------------------------------------------------------------------------------


def test_iso_dates_and_datetimes_in_utc():
    result = parse(
        [
            "2024-03-05",
            "2024-03-05T14:07",
            "2024-03-05 14:07:09",
            "2024-03-05T14:07:09Z",
            "2024-03-05T14:07:09+01:00",
            "2024-03-05T14:07:09.5-05:00",
            "2024-03-05 14:07:09 +0530",
            "2024-03-05T14:07+01",
        ]
    )
    assert_parsed(
        result,
        "2024-03-05 00:00",
        "2024-03-05 14:07",
        "2024-03-05 14:07:09",
        "2024-03-05 14:07:09",
        "2024-03-05 13:07:09",
        "2024-03-05 19:07:09.5",
        "2024-03-05 08:37:09",
        "2024-03-05 13:07",
    )
    assert result.date_order_used is None
    assert result.ambiguous is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T14:07:09.1234567Z", "2024-03-05 14:07:09.123456"),
        ("2024-03-05T14:07:09.12345678Z", "2024-03-05 14:07:09.123456"),
        ("2024-03-05T14:07:09.123456789Z", "2024-03-05 14:07:09.123456"),
        ("2024-03-05T14:07:09.999999999+01:00", "2024-03-05 13:07:09.999999"),
        ("2024-03-05 14:07:09.000000001", "2024-03-05 14:07:09"),
        ("2024-03-05T14:07:09.1Z", "2024-03-05 14:07:09.1"),
    ],
)
def test_fractions_of_any_length_are_truncated_to_microseconds(text, expected):
    assert_parsed(parse([text, "2024-01-01"]), expected, "2024-01-01")


def test_nine_digit_fractions_in_a_whole_column_stay_microseconds():
    result = parse(["2024-03-05T14:07:09.123456789Z", "1950-06-01T00:00:00.000000001+02:00"])
    assert_parsed(result, "2024-03-05 14:07:09.123456", "1950-05-31 22:00")


def test_mixed_naive_and_zoned_values_with_dst_offsets_in_berlin():
    result = parse(
        [
            "2024-01-15 09:00",  # naive, CET (+01:00)
            "2024-07-15 09:00",  # naive, CEST (+02:00)
            "2024-01-15T09:00:00+01:00",
            "2024-07-15T09:00:00+02:00",
            "2024-07-15T09:00:00Z",
            "2024-07-15",  # midnight local
        ],
        timezone=BERLIN,
    )
    assert_parsed(
        result,
        "2024-01-15 08:00",
        "2024-07-15 07:00",
        "2024-01-15 08:00",
        "2024-07-15 07:00",
        "2024-07-15 09:00",
        "2024-07-14 22:00",
    )


def test_dst_gaps_move_forward_and_overlaps_take_the_first_occurrence():
    result = parse(
        ["2024-03-31 02:30", "2024-10-27 02:30", "2024-10-27 01:30", "2024-10-27 03:30"],
        timezone=BERLIN,
    )
    assert_parsed(
        result,
        "2024-03-31 01:00",  # 02:30 does not exist; 03:00 CEST
        "2024-10-27 00:30",  # 02:30 happens twice; the first is still CEST (+02:00)
        "2024-10-26 23:30",
        "2024-10-27 02:30",
    )


# --- Jira, numeric dates, Excel serials -------------------------------------------------------


def test_jira_formats():
    result = parse(
        [
            "05/Mar/24 2:07 PM",
            "05/Mar/24 12:15 AM",
            "5/mar/24 2:07pm",
            "05/Mar/2024",
            "05/Mar/2024 14:07",
            "05/Jul/24 9:00 AM",
        ],
        timezone=BERLIN,
    )
    assert_parsed(
        result,
        "2024-03-05 13:07",
        "2024-03-04 23:15",
        "2024-03-05 13:07",
        "2024-03-04 23:00",
        "2024-03-05 13:07",
        "2024-07-05 07:00",
    )


def test_excel_serial_numbers():
    result = parse(["45292", "45292.5", "45296.416666666664", "20000", "45292.0"])
    assert_parsed(
        result,
        "2024-01-01 00:00",
        "2024-01-01 12:00",
        "2024-01-05 10:00",
        "1954-10-03 00:00",
        "2024-01-01 00:00",
    )
    assert_parsed(parse(["45292.5"], timezone=BERLIN), "2024-01-01 11:00")


def test_ids_and_epoch_seconds_are_not_dates():
    result = parse(["12345", "1709647620", "1709647620000", "7"], rows=[5, 6, 7, 8])
    assert result.values.isna().all()
    assert [p.row for p in result.problems] == [5, 6, 7, 8]
    assert "Excel date serial" in result.problems[0].message
    assert "epoch" in result.problems[0].message


def test_day_first_is_detected_from_a_day_above_twelve():
    result = parse(["03/04/2024", "13/04/2024 14:07", "05.03.2024", "1-2-2024 2:07 PM"])
    assert_parsed(result, "2024-04-03", "2024-04-13 14:07", "2024-03-05", "2024-02-01 14:07")
    assert result.date_order_used == "dayfirst"
    assert result.ambiguous is False


def test_month_first_is_detected_from_a_second_number_above_twelve():
    result = parse(["03/04/2024", "04/13/2024 2:07:09 PM", "12/31/2024 23:59"])
    assert_parsed(result, "2024-03-04", "2024-04-13 14:07:09", "2024-12-31 23:59")
    assert result.date_order_used == "monthfirst"
    assert result.ambiguous is False


def test_ambiguous_numeric_dates_raise():
    with pytest.raises(AmbiguousDateOrder) as caught:
        parse(["05/05/2024", "03/04/2024", "banana", "04/03/2024"], rows=[10, 11, 12, 13])
    error = caught.value
    assert isinstance(error, ImportFailed)
    assert error.column == "when"
    first = error.problems[0]
    assert (first.row, first.column, first.value) == (11, "when", "03/04/2024")
    assert "--date-order dayfirst|monthfirst" in first.message
    assert [p.row for p in error.problems[1:]] == [12]  # the other problems come along


def test_an_explicit_order_settles_ambiguous_dates():
    result = parse(["03/04/2024", "05/06/2024 10:00"], date_order="dayfirst")
    assert_parsed(result, "2024-04-03", "2024-06-05 10:00")
    assert (result.date_order_used, result.ambiguous) == ("dayfirst", True)
    result = parse(["03/04/2024", "05/06/2024 10:00"], date_order="monthfirst")
    assert_parsed(result, "2024-03-04", "2024-05-06 10:00")
    assert (result.date_order_used, result.ambiguous) == ("monthfirst", True)


def test_an_explicit_order_reports_values_that_contradict_it():
    result = parse(["03/04/2024", "13/04/2024"], date_order="monthfirst")
    assert result.values.tolist() == utc("2024-03-04", None)
    assert [(p.row, p.value) for p in result.problems] == [(3, "13/04/2024")]
    assert "month-first" in result.problems[0].message


def test_dates_that_read_the_same_both_ways_need_no_order():
    result = parse(["05/05/2024", "2024-01-02"])
    assert_parsed(result, "2024-05-05", "2024-01-02")
    assert (result.date_order_used, result.ambiguous) == (None, False)


def test_dotted_dates_are_day_first_by_convention():
    result = parse(["03.04.2024", "05.06.2024 14:07"])
    assert_parsed(result, "2024-04-03", "2024-06-05 14:07")
    assert (result.date_order_used, result.ambiguous) == ("dayfirst", True)


def test_a_column_mixing_both_orders_reports_the_minority():
    result = parse(["13/01/2024", "14/01/2024", "01/13/2024", "03/04/2024"], rows=[2, 3, 4, 5])
    assert result.date_order_used == "dayfirst"
    assert result.values.tolist() == utc("2024-01-13", "2024-01-14", None, "2024-04-03")
    assert [(p.row, p.value) for p in result.problems] == [(4, "01/13/2024")]
    assert "one order" in result.problems[0].message


# --- problems and blanks ----------------------------------------------------------------------


def test_unparseable_cells_are_problems_with_their_rows_and_values():
    values = ["2024-03-05", "banana", "2024-13-01", "31/02/2024", "  ", "1899-12-31", "2101-01-01"]
    result = parse(values, rows=[7, 9, 12, 13, 14, 20, 21])
    assert result.values.tolist() == utc("2024-03-05", None, None, None, None, None, None)
    assert [(p.row, p.column, p.value) for p in result.problems] == [
        (9, "when", "banana"),
        (12, "when", "2024-13-01"),
        (13, "when", "31/02/2024"),
        (20, "when", "1899-12-31"),
        (21, "when", "2101-01-01"),
    ]
    messages = [p.message for p in result.problems]
    assert "ISO 8601" in messages[0] and "Jira" in messages[0] and "Excel" in messages[0]
    assert "ISO 8601" in messages[1]
    assert "year 1899" in messages[3]
    assert "year 2101" in messages[4]


def test_long_values_are_clipped_in_problems():
    result = parse(["x" * 500])
    assert len(result.problems[0].value) == 200


def test_blank_cells_are_nat_without_problems():
    series = pd.Series([None, "", "   ", np.nan, "2024-03-05"], dtype=object, index=list("abcde"))
    result = parse_timestamps(series, column="when", rows=np.arange(2, 7))
    assert result.problems == []
    assert result.values.index.tolist() == list("abcde")
    assert result.values.isna().tolist() == [True, True, True, True, False]
    empty = parse_timestamps(pd.Series([], dtype="str"), column="when", rows=np.array([]))
    assert str(empty.values.dtype) == "datetime64[us, UTC]" and empty.problems == []


def test_values_read_from_excel_cells_work():
    # what containers.read_upload makes of Excel date cells and serial numbers
    result = parse(["2024-01-05T10:00:00", "2024-01-05T10:00:00.250000", "45296.5"])
    assert_parsed(result, "2024-01-05 10:00", "2024-01-05 10:00:00.25", "2024-01-05 12:00")


def test_rows_must_line_up_with_values():
    with pytest.raises(ValueError):
        parse_timestamps(pd.Series(["2024-01-01"]), column="when", rows=np.array([2, 3]))


# --- property ---------------------------------------------------------------------------------


@st.composite
def iso_texts(draw) -> tuple[str, pd.Timestamp]:
    wall = draw(
        st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2099, 12, 31))
    )
    minutes = draw(st.integers(min_value=-14 * 60, max_value=14 * 60))
    digits = draw(st.integers(min_value=0, max_value=9))
    micro = wall.microsecond
    if digits == 0:
        micro, fraction = 0, ""
    elif digits <= 6:
        micro -= micro % 10 ** (6 - digits)
        fraction = "." + f"{micro:06d}"[:digits]
    else:
        extra = draw(st.text(alphabet="0123456789", min_size=digits - 6, max_size=digits - 6))
        fraction = f".{micro:06d}{extra}"
    wall = wall.replace(microsecond=micro)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    style = draw(st.sampled_from(["colon", "compact", "z"]))
    if style == "z" and minutes == 0:
        offset = "Z"
    elif style == "compact":
        offset = f"{sign}{hours:02d}{rest:02d}"
    else:
        offset = f"{sign}{hours:02d}:{rest:02d}"
    separator = draw(st.sampled_from(["T", " "]))
    text = f"{wall:%Y-%m-%d}{separator}{wall:%H:%M:%S}{fraction}{offset}"
    instant = pd.Timestamp(wall - dt.timedelta(minutes=minutes), tz="UTC")
    return text, instant


@settings(max_examples=300, deadline=None)
@given(st.lists(iso_texts(), min_size=1, max_size=20), st.sampled_from(["UTC", BERLIN]))
def test_iso_strings_with_offsets_parse_to_the_same_instant(pairs, timezone):
    texts = [text for text, _ in pairs]
    result = parse(texts, timezone=timezone)
    assert result.problems == []
    assert result.values.tolist() == [instant for _, instant in pairs]
