"""Issue #10, bounded parsing: every upload up to the limit is accepted or refused within a
memory budget of 20 times its size plus 300 MB and well within 60 s, with a plain message.

Each probe reproduction is a test here (scaled down where the rule is proportional; the
45 MiB blank file is the near-limit case, refused in a fraction of a second). Peak memory
is the ``VmHWM`` of a fresh interpreter that imports the file (its own high-water mark:
``ru_maxrss`` of a child started from this large test process would carry this process's
over ``exec``). Times get generous bounds so that a busy machine does not fail them; the
exact figures are in docs/reliability.md ("Bounded parsing").
"""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import re
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from vsm_core.importers import isolated
from vsm_core.importers.containers import (
    delimited,
    json_depth,
    lenient,
    read_upload,
    rows,
    xlsx_guard,
)
from vsm_core.importers.detect import FormatUnclear
from vsm_core.importers.errors import MAX_PROBLEMS, ImportFailed, ImportProblem
from vsm_core.importers.options import (
    DEFAULT_MAX_UPLOAD_MIB,
    MAX_CELL_CHARS,
    MIB,
    ImportOptions,
    max_upload_bytes,
    streamlit_upload_mb,
)
from vsm_core.importers.pipeline import import_bytes

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "formats"
MB = 1_000_000


def budget(size: int) -> int:
    """The memory an import of ``size`` bytes may peak at: 20 times it plus 300 MB."""
    return 20 * size + 300 * MB


def measured(tmp_path: Path, data: bytes, filename: str) -> dict:
    """Import ``data`` in a fresh interpreter: its peak RSS (bytes), seconds, outcome."""
    path = tmp_path / filename
    path.write_bytes(data)
    code = textwrap.dedent(
        """
        import json, sys, time
        from vsm_core.importers.errors import ImportFailed
        from vsm_core.importers.pipeline import import_bytes
        data = open(sys.argv[1], "rb").read()
        start = time.perf_counter()
        try:
            import_bytes(data, sys.argv[2])
            outcome = "accepted"
        except ImportFailed as failure:
            outcome = str(failure)
        seconds = time.perf_counter() - start
        with open("/proc/self/status") as status:
            peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM"))
        print(json.dumps({"seconds": seconds, "peak": peak * 1024, "outcome": outcome}))
        """
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", code, str(path), filename],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=environment,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.splitlines()[-1])


def bounded(tmp_path: Path, data: bytes, filename: str, seconds: float = 30) -> str:
    """The outcome of importing ``data``, after checking its peak memory and time."""
    figures = measured(tmp_path, data, filename)
    assert figures["peak"] <= budget(len(data)), figures
    assert figures["seconds"] < seconds, figures
    return figures["outcome"]


# --------------------------------------------------------------------------- the probe's files


def test_47_mb_of_whitespace_as_csv_is_refused_at_once(tmp_path):
    """Was 6.1 GB peak (the blank-file regex kept state per byte); the near-limit case."""
    data = (b" " * 70 + b"\t" * 9 + b"\n") * (45 * MIB // 80)
    assert bounded(tmp_path, data, "blank.csv", seconds=10) == "the file is empty"


def test_whitespace_then_an_empty_array_as_json_is_refused_at_once(tmp_path):
    """Was 5.6 GB for 45 MB; scaled to 8 MiB (the regex cost grew with the blank prefix)."""
    data = b" " * (8 * MIB) + b"[]"
    assert bounded(tmp_path, data, "blank.json", seconds=10) == "the JSON holds no records"


def test_a_header_of_a_million_columns_is_refused_before_any_work_per_column(tmp_path):
    """Was over 300 s (killed); 100,000 columns took 45 s and 1.1 GB."""
    data = ",".join(f"cx{index}" for index in range(1_000_000)).encode() + b"\n1\n"
    outcome = bounded(tmp_path, data, "wide.csv", seconds=20)
    assert "the header has 1,000,000 columns; Flowlab reads at most 1,000" in outcome


def test_a_workbook_of_too_many_cells_is_refused_before_parsing(tmp_path):
    """Was 249 s, 1.6 GB and 1,779,000 problems for a 47 MB .xlsx unpacking to 450 MB;
    scaled to just over the cell limit (the cells are counted in the zip, not parsed)."""
    rows_xml = b"".join(
        b'<row r="%d">' % row + b"<c><v>1</v></c>" * 10 + b"</row>" for row in range(1, 100_002)
    )
    data = workbook({"xl/worksheets/sheet1.xml": sheet_xml(rows_xml)})
    outcome = bounded(tmp_path, data, "cells.xlsx", seconds=20)
    assert "more than 1,000,000 cells" in outcome
    assert "export CSV" in outcome


def test_json_nested_200k_deep_gets_a_plain_message():
    """Was Python's "maximum recursion depth exceeded"."""
    data = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(RecursionError):
        json.loads(data)  # what the reader used to hit
    failure = refused(data, "deep.json")
    assert str(failure) == (
        "row 1: the JSON is nested deeper than 100 levels of arrays and objects; exports "
        "nest far less — is it an export of work items?"
    )
    assert "recursion" not in str(failure)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_a_billion_laughs_workbook_is_named(part):
    """Was "could not read worksheets from None"."""
    entities = [b'<!ENTITY lol "lol">']
    for level in range(1, 10):
        previous = b"&lol%d;" % (level - 1) if level > 1 else b"&lol;"
        entities.append(b'<!ENTITY lol%d "%s">' % (level, previous * 10))
    original = zipfile.ZipFile(io.BytesIO(workbook({}))).read(part)
    poisoned = with_doctype(original, b"[" + b"".join(entities) + b"]")
    failure = refused(workbook({part: poisoned}), "laughs.xlsx")
    assert "declares entities" in str(failure)
    assert "billion laughs" in str(failure)
    assert "None" not in str(failure)


def test_an_external_entity_is_named():
    sheet = sheet_xml(b'<row r="1"><c t="inlineStr"><is><t>&x;</t></is></c></row>')
    poisoned = with_doctype(sheet, b'[<!ENTITY x SYSTEM "file:///etc/passwd">]')
    failure = refused(workbook({"xl/worksheets/sheet1.xml": poisoned}), "x.xlsx")
    assert "declares entities" in str(failure) or "external entity" in str(failure)


# --------------------------------------------------------------------------- the upload limit


def test_the_limit_is_mebibytes_from_one_setting(monkeypatch):
    monkeypatch.delenv("VSM_MAX_UPLOAD_MB", raising=False)
    assert max_upload_bytes() == DEFAULT_MAX_UPLOAD_MIB * MIB == 52_428_800
    monkeypatch.setenv("VSM_MAX_UPLOAD_MB", "0.5")
    assert max_upload_bytes() == 524_288
    assert ImportOptions().max_bytes == 524_288
    for wrong in ("abc", "0", "-1", "nan"):
        monkeypatch.setenv("VSM_MAX_UPLOAD_MB", wrong)
        with pytest.raises(ValueError, match="VSM_MAX_UPLOAD_MB must be a positive number"):
            max_upload_bytes()


@pytest.mark.parametrize("limit", [1, 512 * 1024, MIB, 50 * MIB, 200 * MIB + 1])
def test_streamlit_is_given_the_smallest_number_that_holds_the_limit(limit):
    """Streamlit's megabytes are 1,000,000 bytes in the browser (1,048,576 on Windows and
    on its server): the number given never refuses a file within the limit."""
    number = streamlit_upload_mb(limit)
    assert number * 1_000_000 >= limit
    assert number == 1 or (number - 1) * 1_000_000 < limit


def test_the_app_config_agrees_with_the_default_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == streamlit_upload_mb(DEFAULT_MAX_UPLOAD_MIB * MIB)
    assert config["server"]["maxUploadSize"] == 53


def test_one_byte_over_the_limit_is_refused_with_the_limit_in_mib():
    limit = 2 * MIB
    assert read_upload(
        b"a,b\n" + b"1,2\n" * (limit // 4 - 1), "x.csv", ImportOptions(max_bytes=limit)
    )
    failure = refused(b"a,b\n" + b"1,2\n" * (limit // 4 - 1) + b"\n", "x.csv", max_bytes=limit)
    assert str(failure).startswith(
        "the file is 2.0 MiB (2,097,153 bytes); the limit is 2 MiB (2,097,152 bytes, "
        "VSM_MAX_UPLOAD_MB)"
    )


def test_the_page_and_the_cli_refuse_one_byte_over_with_the_same_number(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("VSM_MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("VSM_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    data = b"Key,Status,Changed\n" + b"x" * (MIB - 19) + b"\n"
    assert len(data) == MIB + 1
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    app.switch_page("pages/import_data.py").run()
    uploader = app.file_uploader[0]
    assert "up to 1 MiB." in uploader.help
    assert uploader.proto.max_upload_size_mb == 2  # 1 MiB is 1.05 of Streamlit's MB
    uploader.set_value(("big.csv", data, "text/csv")).run()
    assert not app.exception
    messages = [
        message
        for frame in app.dataframe
        if "message" in frame.value.columns
        for message in frame.value["message"]
    ]
    assert any("the limit is 1 MiB (1,048,576 bytes" in message for message in messages)

    path = tmp_path / "big.csv"
    path.write_bytes(data)
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    cli = subprocess.run(
        [sys.executable, "-m", "vsm_core", "--db", database, "import", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=False,
    )
    assert cli.returncode == 2
    assert "the limit is 1 MiB (1,048,576 bytes" in cli.stderr


# --------------------------------------------------------------------------- caps


def test_the_column_cap_is_checked_before_any_work_per_column(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("a column per cell was built")

    monkeypatch.setattr(delimited, "_arrow_read", must_not_run)
    monkeypatch.setattr(rows, "build_table", must_not_run)
    wide = ",".join(f"c{index}" for index in range(1001)).encode() + b"\n" + b"1,2\n"
    failure = refused(wide, "wide.csv")
    assert failure.problems[0].row == 1
    assert "the header has 1,001 columns; Flowlab reads at most 1,000" in str(failure)
    quoted = b'"a","b","c","d"\n1,2,3,4\n'
    assert "the header has 4 columns; Flowlab reads at most 3" in str(
        refused(quoted, "q.csv", max_columns=3)
    )


def test_a_wide_blank_first_record_is_not_taken_for_the_header():
    """The header is the first record with a non-blank cell, as the csv module finds it."""
    upload = read_upload(b"\n,,,,,,\nKey,Status\nA,Open\n", "x.csv", ImportOptions(max_columns=4))
    assert upload.table.columns == ["Key", "Status"]
    assert upload.table.rows.tolist() == [4]


def test_a_thousand_columns_are_read():
    header = ",".join(f"c{index}" for index in range(1000))
    table = read_upload(
        f"{header}\n{header.replace('c', 'v')}\n".encode(), "x.csv", ImportOptions()
    )
    assert len(table.table.columns) == 1000


def test_one_cell_limit_for_every_table():
    assert lenient.FIELD_LIMIT == MAX_CELL_CHARS == 10 * MIB
    big = "".join(random.Random(1).choices("abcdefghij0123456789", k=MAX_CELL_CHARS + 1))
    sheet = sheet_xml(
        b'<row r="1"><c t="inlineStr"><is><t>Key</t></is></c></row>'
        b'<row r="2"><c t="inlineStr"><is><t>' + big.encode() + b"</t></is></c></row>"
    )
    failure = refused(workbook({"xl/worksheets/sheet1.xml": sheet}), "big.xlsx")
    assert failure.problems[0].row == 2
    assert "a cell is larger than 10 MiB, the limit for one cell" in str(failure)
    csv = refused(f"Key\n{big}\n".encode(), "big.csv")
    assert "a cell is larger than 10 MiB, the limit for one cell" in str(csv)


def test_problems_past_the_first_thousand_are_counted_not_kept():
    failure = ImportFailed(ImportProblem(row=row, message="bad") for row in range(2, 2502))
    assert len(failure.problems) == MAX_PROBLEMS == 1000
    assert failure.total == 2500 and failure.omitted == 1500
    assert str(failure) == "row 2: bad (and 2,499 more problems)"
    assert ImportFailed([], total=0).total == 1  # never empty
    lines = refused(b"".join(b'"line %d"\n' % n for n in range(3000)), "x.jsonl")
    assert (len(lines.problems), lines.total) == (1000, 3000)
    assert lines.problems[-1].row == 1000
    ragged = refused(b"a,b\n" + b"1,2,3\n" * 2000, "x.csv")
    assert (len(ragged.problems), ragged.total) == (1000, 2000)
    assert "(and 1,999 more problems)" in str(ragged)


def test_a_failure_pickles_with_its_problems_and_its_kind():
    failure = ImportFailed(ImportProblem(row=row, message="bad") for row in range(1500))
    again = pickle.loads(pickle.dumps(failure))
    assert (str(again), again.total, again.problems) == (
        str(failure),
        failure.total,
        failure.problems,
    )
    with pytest.raises(FormatUnclear) as caught:
        import_bytes(b"a,b\n1,2\n", "x.csv")
    unclear = pickle.loads(pickle.dumps(caught.value))
    assert type(unclear) is FormatUnclear
    assert unclear.detection == caught.value.detection
    assert str(unclear) == str(caught.value)


# --------------------------------------------------------------------------- xlsx rules


def test_a_workbook_unpacks_to_at_most_ten_times_the_limit():
    data = workbook({"xl/media/filler.bin": bytes(45 * MIB)}, level=1)
    failure = refused(data, "x.xlsx", max_bytes=4 * MIB)
    assert "(the limit is 40 MiB, 10 times the upload limit)" in str(failure)


def test_a_part_read_whole_is_bounded():
    generator = random.Random(2)
    styles = b"".join(
        b'<xf numFmtId="%d" fontId="%d"/>' % (generator.randrange(9999), generator.randrange(99))
        for _ in range(xlsx_guard.XLSX_WHOLE_PART_MAX // 25)
    )
    data = workbook({"xl/styles.xml": b"<styleSheet>" + styles + b"</styleSheet>"})
    failure = refused(data, "x.xlsx")
    assert "'xl/styles.xml' unpacks to" in str(failure)
    assert "parts read whole may unpack to 8 MiB" in str(failure)


def test_cells_and_shared_strings_are_counted_before_parsing(monkeypatch):
    monkeypatch.setattr(xlsx_guard, "XLSX_MAX_CELLS", 1000)

    def must_not_run(*args, **kwargs):
        raise AssertionError("openpyxl was called")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_run)
    cells = b"".join(
        b'<row r="%d"><c><v>1</v></c><x:c><v>2</v></x:c></row>' % n for n in range(501)
    )
    failure = refused(workbook({"xl/worksheets/sheet1.xml": sheet_xml(cells)}), "x.xlsx")
    assert "its worksheets hold more than 1,000 cells" in str(failure)
    strings = b"<sst>" + b"".join(b"<si><t>s%d</t></si>" % n for n in range(1001)) + b"</sst>"
    failure = refused(workbook({"xl/sharedStrings.xml": strings}, shared_strings=True), "s.xlsx")
    assert "its shared strings table holds more than 1,000 cells" in str(failure)


def test_blank_cells_a_sheet_spreads_over_count_as_they_are_read(monkeypatch):
    """A cell in the last column makes openpyxl build a row of 16,384 cells."""
    monkeypatch.setattr(xlsx_guard, "XLSX_MAX_CELLS", 100_000)
    far = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="XFD%d"><v>2</v></c></row>' % (n, n, n)
        for n in range(2, 12)
    )
    header = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Key</t></is></c></row>'
    failure = refused(workbook({"xl/worksheets/sheet1.xml": sheet_xml(header + far)}), "f.xlsx")
    assert "its first visible sheet has more than 100,000 cells" in str(failure)


def test_blank_cells_after_the_header_do_not_count_as_columns():
    header = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Key</t></is></c><c r="CV1"/></row>'
    data = b'<row r="2"><c r="A2" t="inlineStr"><is><t>A-1</t></is></c></row>'
    upload = read_upload(
        workbook({"xl/worksheets/sheet1.xml": sheet_xml(header + data)}),
        "h.xlsx",
        ImportOptions(max_columns=10),
    )
    assert upload.table.columns == ["Key"]


# --------------------------------------------------------------------------- JSON rules


def test_nesting_is_counted_outside_strings_and_across_blocks(monkeypatch):
    monkeypatch.setattr(json_depth, "BLOCK_BYTES", 3)
    at_limit = "[" * 100 + "{}" + "]" * 100
    assert json_depth.line_too_deep(at_limit, 101) is None
    assert json_depth.line_too_deep(at_limit) == 1
    quoted = '{"a": "' + "[" * 500 + '\\"' + "{" * 500 + '"}'
    assert json_depth.line_too_deep(quoted) is None
    assert json_depth.line_too_deep('["\\\\"' + ", [" * 101 + "]" * 102) == 1
    assert json_depth.line_too_deep("{}\n" * 5 + "[" * 101) == 6


def test_deep_json_lines_and_objects_are_refused_by_line():
    failure = refused(b'{"a": 1}\n' + b'{"b": ' + b"[" * 150 + b"]" * 150 + b"}\n", "x.jsonl")
    assert failure.problems[0].row == 2
    assert "the line is nested deeper than 100 levels" in str(failure)
    object_first = b'{"a":' + b"[" * 150 + b"]" * 150 + b"}"
    assert "nested deeper than 100 levels" in str(refused(object_first, "export"))
    shallow = b"[" * 99 + b"{}" + b"]" * 99
    assert "not an object" in str(refused(shallow, "x.json"))  # read, then judged


def test_json_of_millions_of_tiny_objects_is_refused_before_parsing():
    """45 MB of ``{},`` took 1.4 GB, 24 times its size."""
    data = b"[" + b"{}," * (6 * MIB) + b"{}]"
    failure = refused(data, "many.json")
    assert "arrays and objects in" in str(failure)
    assert "3.0 each on average" in str(failure)


# --------------------------------------------------------------------------- the worker


@pytest.fixture(scope="module")
def events_10k(tmp_path_factory) -> bytes:
    from benchmarks.events_csv import write_events_csv

    path = tmp_path_factory.mktemp("events") / "events.csv"
    write_events_csv(path, 10_000)
    return path.read_bytes()


def test_the_worker_gives_the_in_process_result(events_10k):
    here = import_bytes(events_10k, "events.csv")
    there = isolated.import_bytes_isolated(events_10k, "events.csv")
    pd.testing.assert_frame_equal(there.dataset.items, here.dataset.items)
    pd.testing.assert_frame_equal(there.dataset.events, here.dataset.events)
    pd.testing.assert_frame_equal(there.upload.table.frame, here.upload.table.frame)
    assert there.upload.data == events_10k and there.upload.sha256 == here.upload.sha256
    for name in ("format", "mapping", "detection", "workflow", "quality", "status_counts"):
        assert getattr(there, name) == getattr(here, name), name
    assert (there.notes, there.implausible) == (here.notes, here.implausible)


def test_the_worker_raises_the_same_failures():
    with pytest.raises(FormatUnclear) as caught:
        isolated.import_bytes_isolated(b"a,b\n1,2\n", "x.csv")
    assert caught.value.detection.format is None
    with pytest.raises(ImportFailed, match="nested deeper than 100 levels"):
        isolated.import_bytes_isolated(b"[" * 200_000, "deep.json")


def test_the_worker_refuses_a_file_past_its_memory_limit(events_10k, monkeypatch):
    monkeypatch.setattr(isolated, "MEMORY_PER_BYTE", 0)
    monkeypatch.setattr(isolated, "MEMORY_EXTRA", 4 * MIB)
    with pytest.raises(ImportFailed) as caught:
        isolated.import_bytes_isolated(events_10k, "events.csv")
    assert str(caught.value).startswith("the file needs more memory")
    assert "an import may use (4 MiB for this file)" in str(caught.value)
    assert "Error" not in str(caught.value)


def test_the_worker_is_stopped_past_its_time_limit():
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Key", "Status", "Changed"])
    for number in range(30_000):
        sheet.append([f"K-{number}", "Open", "2024-01-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportFailed) as caught:
        isolated.import_bytes_isolated(buffer.getvalue(), "slow.xlsx", seconds=0.2)
    assert str(caught.value).startswith(
        "the file needs more time than an import may use (0.2 s); it was stopped"
    )


# --------------------------------------------------------------------------- helpers


def with_doctype(xml: bytes, subset: bytes) -> bytes:
    """``xml`` with a document type declaration holding ``subset`` before its root."""
    start = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    root = re.match(rb"\s*<([\w:]+)", xml[start:]).group(1)
    return xml[:start] + b"<!DOCTYPE " + root + b" " + subset + b">" + xml[start:]


def refused(data: bytes, filename: str, **options) -> ImportFailed:
    """The ImportFailed that reading ``data`` raises."""
    with pytest.raises(ImportFailed) as caught:
        read_upload(data, filename, ImportOptions(**options))
    return caught.value


_NAMESPACE = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_X_NAMESPACE = b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(rows_xml: bytes) -> bytes:
    """A worksheet part holding ``rows_xml`` as its sheet data."""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
        + _NAMESPACE
        + b" "
        + _X_NAMESPACE
        + b"><sheetData>"
        + rows_xml
        + b"</sheetData></worksheet>"
    )


def workbook(parts: dict[str, bytes], *, level: int = 6, shared_strings: bool = False) -> bytes:
    """A small openpyxl workbook with some of its parts replaced or added."""
    book = openpyxl.Workbook()
    book.active.append(["Key", "Status"])
    book.active.append(["A-1", "Open"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    parts = dict(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for info in source.infolist():
            content = parts.pop(info.filename, None)
            if content is None:
                content = source.read(info)
            if shared_strings and info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            archive.writestr(info.filename, content)
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()
