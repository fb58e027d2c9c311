"""CSV exports never hand a spreadsheet a formula."""

import csv
import io

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_core.export import FORMULA_STARTS, formula_safe, to_csv_bytes


def test_risky_text_cells_are_prefixed_and_numbers_are_not():
    frame = pd.DataFrame(
        {
            "title": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rCR", "plain", None],
            "days": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    safe = formula_safe(frame)
    assert safe["title"].tolist()[:7] == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tTab",
        "'\nCR",  # the bare CR became a line break inside the (quoted) cell
        "plain",
    ]
    assert pd.isna(safe["title"].iloc[7])
    assert safe["days"].tolist()[0] == -1.5


def test_csv_bytes_round_trip_and_header_safety():
    frame = pd.DataFrame({"=bad": ["ok"], "n": [1]})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["'=bad", "n"]


def test_a_bare_carriage_return_cannot_start_a_row_with_a_formula():
    payload = "Fix login\r=cmd|' /C calc'!A0"
    text = to_csv_bytes(pd.DataFrame({"title": [payload], "n": [1]})).decode("utf-8-sig")
    # Excel starts a row at every bare CR or LF outside quotes: split the text the same way
    # after removing the quoted parts, and check every physical line's first character.
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == ["Fix login\n'=cmd|' /C calc'!A0", "1"]
    for line in _lines_outside_quotes(text):
        assert not line.startswith(FORMULA_STARTS)


def _lines_outside_quotes(text: str) -> list[str]:
    """The starts of lines a spreadsheet would see: line breaks inside quotes are no breaks."""
    lines, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char in "\r\n" and not quoted:
            lines.append("".join(current))
            current = []
            continue
        current.append(char)
    lines.append("".join(current))
    return [line for line in lines if line]


@settings(max_examples=300, derandomize=True)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab=+-@\t\r\n\",;' ")), max_size=12),
        min_size=1,
        max_size=5,
    )
)
def test_no_cell_read_back_starts_like_a_formula(cells):
    text = to_csv_bytes(pd.DataFrame({"text": cells})).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(cells) + 1  # no cell became an extra row
    for [cell] in rows[1:]:
        for line in cell.split("\n"):
            assert not line.startswith(FORMULA_STARTS)
    for line in _lines_outside_quotes(text):
        assert not line.startswith(FORMULA_STARTS)
