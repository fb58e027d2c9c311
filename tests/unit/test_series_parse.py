"""Reading an uploaded series: columns, dates, numbers, and bad input refused whole with
row, column and value (issue #14, part 3)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_core.importers.errors import MAX_PROBLEMS, ImportFailed
from vsm_core.importers.options import ImportOptions
from vsm_core.series import parse_series
from vsm_core.series.columns import fold, match_columns
from vsm_core.series.numbers import read_numbers

DATA = Path(__file__).resolve().parents[1] / "data" / "series"


def _parse(text: str, **kwargs):
    return parse_series(text.encode("utf-8"), "upload.csv", **kwargs)


def _refusal(text: str, **kwargs) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        _parse(text, **kwargs)
    return caught.value


def _refused_file(name: str) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        parse_series((DATA / name).read_bytes(), name)
    return caught.value


def _days(parsed) -> list[date]:
    return [d.date() for d in parsed.points["day"]]


# --------------------------------------------------------------------------- columns


def test_headers_are_matched_case_blind_with_synonyms():
    mapping, ignored = match_columns(["Day", "MEASURE", "Score", "Squad", "Comment"])
    assert mapping == {"date": "Day", "metric": "MEASURE", "value": "Score", "team": "Squad"}
    assert ignored == ["Comment"]
    assert fold(" Metric_Name ") == "metric name"


def test_two_headers_for_one_role_are_a_question_naming_both():
    failure = _refusal("date,day,metric,value\n2026-01-05,2026-01-05,CSAT,4\n")
    assert "'date' and 'day'" in str(failure)


def test_a_missing_value_column_names_the_headers_found():
    with pytest.raises(ImportFailed) as caught:
        parse_series((DATA / "no_value_column.csv").read_bytes(), "no_value_column.csv")
    failure = caught.value
    assert "no value column" in str(failure)
    assert "'amount due'" in str(failure)


def test_one_column_per_measure_is_refused_saying_how_to_write_it():
    failure = _refusal("date,NPS,CSAT\n2026-01-05,12,4.1\n")
    assert failure.total == 3  # no metric column, no value column, and how to write them
    assert "one row per date and measure" in failure.problems[-1].message


# --------------------------------------------------------------------------- good files


def test_customer_satisfaction_sample_reads_every_row():
    parsed = parse_series((DATA / "customer_satisfaction.csv").read_bytes(), "csat.csv")
    assert len(parsed.points) == 60
    assert parsed.points["metric"].unique().tolist() == ["Customer satisfaction"]
    assert parsed.points["team"].isna().all()  # no team column and none given
    assert parsed.points["row"].tolist() == list(range(2, 62))
    assert _days(parsed)[0] == date(2026, 1, 5)


def test_nps_sample_keeps_its_team_and_negative_values():
    parsed = parse_series((DATA / "nps.csv").read_bytes(), "nps.csv", team="Other")
    assert parsed.columns == {
        "date": "month",
        "metric": "measure",
        "value": "score",
        "team": "team",
    }
    assert set(parsed.points["team"]) == {"Demo team"}
    assert parsed.points["value"].iloc[0] == -12.0


def test_cost_sample_reads_day_first_dates_and_decimal_commas():
    parsed = parse_series((DATA / "cost.csv").read_bytes(), "cost.csv")
    assert parsed.date_order == "dayfirst"  # 16/02/2026 settles it
    assert parsed.decimal == ","
    assert _days(parsed)[:2] == [date(2026, 2, 2), date(2026, 2, 9)]
    assert parsed.points["value"].iloc[0] == pytest.approx(11527.01)


def test_blank_team_cells_take_the_uploads_team():
    parsed = _parse("date,metric,value,team\n2026-01-05,CSAT,4,\n2026-01-05,CSAT,3,B\n", team="A")
    assert parsed.points["team"].tolist() == ["A", "B"]


def test_a_time_of_day_is_dropped():
    parsed = _parse("date,metric,value\n2026-01-05 17:30,CSAT,4\n2026-01-06T08:00:00Z,CSAT,5\n")
    assert _days(parsed) == [date(2026, 1, 5), date(2026, 1, 6)]


def test_spreadsheet_date_forms_are_read():
    parsed = _parse(
        "date,metric,value\n05/Mar/2026,A,1\n46090,B,2\n2026-03-05,C,3\n", date_order="dayfirst"
    )
    assert _days(parsed) == [date(2026, 3, 5), date(2026, 3, 9), date(2026, 3, 5)]


def test_an_ambiguous_date_is_refused_with_both_readings():
    failure = _refused_file("ambiguous_dates.csv")
    problem = failure.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "date", "03/04/2026")
    assert "03 April 2026 (day first)" in problem.message
    assert "04 March 2026 (month first)" in problem.message


@pytest.mark.parametrize(
    "order, first", [("dayfirst", date(2026, 4, 3)), ("monthfirst", date(2026, 3, 4))]
)
def test_a_date_order_answers_the_question(order, first):
    data = (DATA / "ambiguous_dates.csv").read_bytes()
    parsed = parse_series(data, "ambiguous_dates.csv", date_order=order)
    assert _days(parsed)[0] == first


def test_percent_values_are_the_number_before_the_sign():
    parsed = _parse("date,metric,value\n2026-01-05,Uptime,99.5 %\n2026-01-12,Uptime,98%\n")
    assert parsed.points["value"].tolist() == [99.5, 98.0]
    assert parsed.percent == ["Uptime"]


def test_extra_columns_are_named_in_a_note():
    parsed = _parse("date,metric,value,comment\n2026-01-05,CSAT,4,fine\n")
    assert parsed.notes == ["columns not used: 'comment'"]


def test_a_semicolon_file_with_a_given_separator():
    text = "Datum;Metric;Value\n02.03.2026;Cost;1.234,50\n09.03.2026;Cost;999\n"
    parsed = _parse(text.replace("Datum", "date"), options=ImportOptions(separator=";"))
    assert parsed.points["value"].tolist() == [1234.5, 999.0]
    assert _days(parsed) == [date(2026, 3, 2), date(2026, 3, 9)]


def test_a_semicolon_file_with_decimal_commas_is_sniffed_as_semicolons():
    """Every data row holds one comma (the decimal comma) but the header none: the
    semicolons, in every record, are the separator."""
    rows = "".join(f"{day:02d}.03.2026;Cost;12.093,{day:02d}\n" for day in range(1, 29))
    parsed = _parse("date;metric;value\n" + rows)
    values = parsed.points["value"].tolist()
    assert (len(values), values[0], values[-1]) == (28, 12093.01, 12093.28)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "cells, expected, decimal",
    [
        (["1", "2.5", "1,234"], [1, 2.5, 1234], "."),
        (["1,5", "1.234,5", "3"], [1.5, 1234.5, 3], ","),
        (["1,234,567", "7"], [1234567, 7], "."),
        (["1 234,5", "1'000.25"], [1234.5, 1000.25], None),
        (["$1,200.50", "€ 3"], [1200.5, 3], "."),
        (["−3", "+4"], [-3, 4], None),
        (["1.234"], [1.234], None),  # a point alone reads as a decimal point
    ],
)
def test_numbers_are_read_by_the_columns_convention(cells, expected, decimal):
    read = read_numbers(pd.Series(cells))
    assert read.values.tolist() == pytest.approx(expected)
    assert read.decimal == decimal
    assert (read.reasons == "").all()


def test_a_thousands_comma_nothing_settles_is_a_question_with_both_readings():
    failure = _refused_file("ambiguous_thousands.csv")
    assert failure.total == 2
    problem = failure.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "value", "1,250")
    assert "1250 (decimal point) or 1.25 (decimal comma)" in problem.message


def test_a_decimal_option_answers_the_question():
    data = (DATA / "ambiguous_thousands.csv").read_bytes()
    assert parse_series(data, "t.csv", decimal=",").points["value"].tolist() == [1.25, 1.3]
    assert parse_series(data, "t.csv", decimal=".").points["value"].tolist() == [1250, 1300]


def test_mixed_decimal_conventions_are_refused_naming_both_rows():
    failure = _refused_file("mixed_decimals.csv")
    problem = failure.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "value", "4,25")
    assert "row 2" in problem.message


def test_one_metric_with_and_without_percent_is_refused():
    failure = _refused_file("mixed_percent.csv")
    problem = failure.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "value", "0.98")
    assert "'Uptime'" in problem.message


# --------------------------------------------------------------------------- refusals


def test_bad_values_dates_and_names_are_all_reported_with_row_column_value():
    failure = _refused_file("bad_values.csv")
    found = [(p.row, p.column, p.value) for p in failure.problems]
    assert found == [
        (3, "value", "four"),
        (4, "value", None),
        (5, "metric", None),
        (6, "value", "NaN"),
        (7, "value", "inf"),
        (8, "date", "2026-13-01"),
    ]
    assert failure.total == 6
    messages = [p.message for p in failure.problems]
    assert messages[0].startswith("not a number")
    assert messages[1] == "no value"
    assert messages[2] == "no metric name"
    assert "not a finite number" in messages[3] and "not a finite number" in messages[4]


def test_duplicate_dates_are_refused_naming_the_first_row():
    failure = _refused_file("duplicate_dates.csv")
    assert failure.total == 1
    problem = failure.problems[0]
    assert (problem.row, problem.column, problem.value) == (4, "date", "2026-03-09")
    assert "first in row 3" in problem.message


def test_the_same_day_in_two_teams_is_not_a_duplicate_but_a_blank_team_counts_as_the_uploads():
    text = "date,metric,value,team\n2026-01-05,CSAT,4,A\n2026-01-05,CSAT,3,B\n"
    assert len(_parse(text).points) == 2
    failure = _refusal(text + "2026-01-05,CSAT,5,\n", team="A")
    assert failure.problems[0].row == 4


def test_two_date_forms_of_one_day_are_one_day():
    failure = _refusal("date,metric,value\n2026-03-05,A,1\n05/Mar/2026,A,2\n")
    assert "first in row 2" in failure.problems[0].message


def test_a_name_longer_than_the_store_allows_is_refused():
    failure = _refusal(f"date,metric,value\n2026-01-05,{'x' * 201},4\n")
    assert failure.problems[0].message == "longer than 200 characters"


def test_many_bad_rows_keep_the_first_problems_and_count_all():
    rows = "".join(f"2026-01-05,M{i},x\n" for i in range(MAX_PROBLEMS + 500))
    failure = _refusal("date,metric,value\n" + rows)
    assert failure.total == MAX_PROBLEMS + 500
    assert len(failure.problems) == MAX_PROBLEMS
    assert failure.problems[0].row == 2


def test_the_upload_limit_bounds_the_reader():
    big = "date,metric,value\n" + "2026-01-05,CSAT,4\n" * 100
    failure = _refusal(big, options=ImportOptions(max_bytes=200))
    assert "the limit is" in str(failure)


@pytest.mark.parametrize(
    "text, filename, expected",
    [
        ("", "x.csv", "the file is empty"),
        ("date,metric,value\n", "x.csv", "a header but no rows"),
        ('[{"date": "2026-01-05"}]', "x.json", "holds JSON records"),
    ],
)
def test_empty_and_foreign_input_is_refused_in_words(text, filename, expected):
    with pytest.raises(ImportFailed, match=expected):
        parse_series(text.encode(), filename)


# --------------------------------------------------------------------------- properties

_NAMES = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda s: s and '"' not in s)
)
_VALUES = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_NAMES, st.integers(0, 2000), _VALUES), min_size=1, max_size=25),
    st.sampled_from(["iso", "dayfirst", "monthfirst"]),
)
def test_round_trip_of_any_written_series(rows, form):
    seen, unique = set(), []
    for name, offset, value in rows:
        if (name, offset) not in seen:
            seen.add((name, offset))
            unique.append((name, offset, value))
    start = date(2024, 1, 1)
    fmt = {"iso": "%Y-%m-%d", "dayfirst": "%d/%m/%Y", "monthfirst": "%m/%d/%Y"}[form]
    lines = ["date,metric,value"] + [
        f"{(start + timedelta(days=o)).strftime(fmt)},{_csv_cell(n)},{v!r}" for n, o, v in unique
    ]
    parsed = _parse("\n".join(lines) + "\n", date_order=None if form == "iso" else form)
    assert parsed.points["metric"].tolist() == [n for n, _o, _v in unique]
    assert _days(parsed) == [start + timedelta(days=o) for _n, o, _v in unique]
    assert parsed.points["value"].tolist() == [v for _n, _o, v in unique]


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.booleans())
def test_a_number_written_with_grouping_reads_back(value, comma):
    rounded = round(value, 2)
    text = f"{rounded:,.2f}"
    if comma:
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    read = read_numbers(pd.Series([text]), decimal="," if comma else ".")
    assert read.values[0] == pytest.approx(rounded, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20))
def test_any_cell_is_a_finite_number_or_has_a_reason(cell):
    read = read_numbers(pd.Series([cell]), decimal=".")
    value, reason = read.values[0], read.reasons[0]
    if cell.strip() == "":
        assert math.isnan(value) and reason == ""
    else:
        assert np.isfinite(value) != bool(reason)


def test_an_excel_workbook_with_date_cells_and_numbers():
    import io
    from datetime import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "Metric", "Value", "Team"])
    sheet.append([datetime(2026, 3, 2), "CSAT", 4.25, "A"])
    sheet.append([date(2026, 3, 9), "CSAT", 4, None])
    sheet.append([datetime(2026, 3, 16, 14, 30), "Cost", 1234567.5, "B"])
    sheet.append([46100, "Cost", 0.5, "B"])  # an Excel serial day: 2026-03-19
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse_series(buffer.getvalue(), "measures.xlsx", team="A")
    assert parsed.points["team"].tolist() == ["A", "A", "B", "B"]
    assert _days(parsed) == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
        date(2026, 3, 19),
    ]
    assert parsed.points["value"].tolist() == [4.25, 4.0, 1234567.5, 0.5]
    assert parsed.points["row"].tolist() == [2, 3, 4, 5]
