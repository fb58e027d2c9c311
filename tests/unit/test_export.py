"""CSV exports never hand a spreadsheet a formula."""

import io

import pandas as pd

from vsm_core.export import formula_safe, to_csv_bytes


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
        "'\rCR",
        "plain",
    ]
    assert pd.isna(safe["title"].iloc[7])
    assert safe["days"].tolist()[0] == -1.5


def test_csv_bytes_round_trip_and_header_safety():
    frame = pd.DataFrame({"=bad": ["ok"], "n": [1]})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["'=bad", "n"]
